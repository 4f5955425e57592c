using System.Diagnostics;
using System.Text;
using Accountability.Assignments;
using Accountability.Audit;
using Accountability.Calendar;
using Accountability.Organization;
using Accountability.Plans;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Accountability.Benchmarks;

/// <summary>
/// plan-import: a plan of 1,000 tasks over 2,000 units (about a million assignments) imported through the engine, then
/// the same rows COPYed by raw binary COPY into a copy of the assignment table (same columns, indexes, checks and
/// foreign keys). Prints seconds, the ratio of the two, and the process's peak resident memory.
/// </summary>
public sealed class PlanImportBenchmark : IBenchmarkCase
{
    private const int Towns = 1200;
    private const int Departments = 799;
    private const int Tasks = 1000;

    public string Name => "plan-import";

    public async Task RunAsync(BenchmarkContext context)
    {
        var configuration = new ConfigurationBuilder().Build();
        await using var services = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Warning))
            .AddAccountability(configuration, context.Engine)
            .BuildServiceProvider();

        await services.GetRequiredService<ImportOrganization>().RunAsync("bench-county.yaml", OrganizationYaml(), AuditActor.Cli);
        var plan = new PlanRequest("bench-plan.yaml", PlanYaml());
        Console.WriteLine($"plan-import plan: {Tasks} tasks over {Towns + Departments + 1} units, {plan.Bytes.Length / 1024} KiB of YAML");

        var watch = Stopwatch.StartNew();
        var outcome = await services.GetRequiredService<ImportPlan>().RunAsync(null, plan);
        var importSeconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"plan-import assignments: {outcome.Assignments}");

        var copySeconds = await BaselineCopyAsync(context, services, plan, "assignment_copy", withForeignKeys: true);
        // For the record: what the foreign-key checks cost a bare COPY (the import cannot skip them, so the ratio is
        // against the identical table above).
        var bareSeconds = await BaselineCopyAsync(context, services, plan, "assignment_copy_bare", withForeignKeys: false);
        await using (var connection = await context.DataSource.OpenConnectionAsync())
        {
            var written = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM assignment");
            var copied = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM assignment_copy");
            if (written != outcome.Assignments || copied != written)
            {
                throw new InvalidOperationException($"rows differ: compiled {outcome.Assignments}, imported {written}, copied {copied}");
            }
        }

        // A second import of the same plan: every obligation compared set-based against the stored ones, none changed.
        watch.Restart();
        var again = await services.GetRequiredService<ImportPlan>().RunAsync(null, plan);
        var reimportSeconds = watch.Elapsed.TotalSeconds;
        if (again.Diff!.Assignments.Unchanged != outcome.Assignments)
        {
            throw new InvalidOperationException($"re-import changed assignments: {again.Diff.Assignments}");
        }

        BenchmarkContext.Report(Name, "seconds", importSeconds);
        BenchmarkContext.Report(Name, "copy-seconds", copySeconds);
        BenchmarkContext.Report(Name, "ratio-to-copy", importSeconds / copySeconds);
        BenchmarkContext.Report(Name, "copy-without-foreign-keys-seconds", bareSeconds);
        BenchmarkContext.Report(Name, "reimport-unchanged-seconds", reimportSeconds);
        BenchmarkContext.Report(Name, "peak-rss-mib", BenchmarkContext.PeakRssMib());
    }

    /// <summary>The same rows, compiled the same way, written by a bare binary COPY into an identical empty table.</summary>
    private static async Task<double> BaselineCopyAsync(BenchmarkContext context, IServiceProvider services, PlanRequest plan,
        string table, bool withForeignKeys)
    {
        await using var connection = await context.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync($"CREATE TABLE {table} (LIKE assignment INCLUDING ALL)");
        if (withForeignKeys)
        {
            await connection.ExecuteAsync($"""
            ALTER TABLE {table}
                ADD FOREIGN KEY (campaign_id) REFERENCES campaign (id),
                ADD FOREIGN KEY (task_id) REFERENCES task (id),
                ADD FOREIGN KEY (ledger_item_id) REFERENCES ledger_item (id),
                ADD FOREIGN KEY (unit_id) REFERENCES unit (id),
                ADD FOREIGN KEY (verifier_unit_id) REFERENCES unit (id),
                ADD FOREIGN KEY (acknowledged_by) REFERENCES person (id),
                ADD FOREIGN KEY (verified_by) REFERENCES person (id);
            """);
        }

        var problems = new List<InputProblem>();
        var file = PlanFileReader.Read(plan.FileName, plan.Bytes, problems)!;
        var units = new UnitDirectory(await connection.QueryAsync<DirectoryUnit>("""
            SELECT id, code, name, kind, parent_id AS ParentId, ranking_category AS Category, aliases, sort_order AS SortOrder FROM unit
            """), services.GetRequiredService<PlanCompilationCatalog>().Definition.UnitGroups);
        var now = DateTimeOffset.UtcNow;
        var compiled = new PlanCompiler(units, services.GetRequiredService<PlanCompilationCatalog>().Definition,
            services.GetRequiredService<CalendarCatalog>(), problems).Compile(file, file.Campaign!.Code!, null, now)!;
        var start = services.GetRequiredService<IAssignmentStartPolicy>()
            .For(compiled.Campaign.WorkflowCode, compiled.Campaign.Calendar, compiled.Campaign.Zone, now);
        var campaignId = await connection.ExecuteScalarAsync<long>("SELECT id FROM campaign");
        var taskIds = (await connection.QueryAsync<(string Number, long Id)>("SELECT number, id FROM task"))
            .ToDictionary(t => t.Number, t => t.Id);

        var watch = Stopwatch.StartNew();
        await using (var copy = await connection.BeginBinaryImportAsync($"COPY {table} ({ImportPlan.AssignmentColumns}) FROM STDIN (FORMAT BINARY)"))
        {
            copy.Timeout = ImportPlan.BulkTimeout;
            foreach (var task in compiled.Tasks!)
            {
                var taskId = taskIds[task.Number];
                foreach (var obligation in CompiledPlan.Obligations(task))
                {
                    await ImportPlan.WriteAssignmentAsync(copy, campaignId, taskId, null, obligation, now, compiled.CalendarVersion, 1, start, CancellationToken.None);
                }
            }

            await copy.CompleteAsync();
        }

        return watch.Elapsed.TotalSeconds;
    }

    private static byte[] OrganizationYaml()
    {
        var yaml = new StringBuilder("units:\n  - { code: b, name: 基准县, kind: county }\n  - { code: b-hq, name: 基准县指挥部办公室, kind: office, parent: b }\n");
        for (var i = 1; i <= Towns; i++)
        {
            yaml.Append($"  - {{ code: b-t{i}, name: 基准第{i}镇, kind: town, parent: b, category: towns, sort: {i} }}\n");
        }

        for (var i = 1; i <= Departments; i++)
        {
            yaml.Append($"  - {{ code: b-d{i}, name: 基准第{i}局, kind: department, parent: b, category: departments, sort: {10_000 + i} }}\n");
        }

        return Encoding.UTF8.GetBytes(yaml.ToString());
    }

    private static byte[] PlanYaml()
    {
        // Half the tasks go to every town, half to every department; each has a lead department and a cooperating one.
        var deadlines = new[] { "2017年10月31日前", "2017年11月30日前", "2017年12月29日前", "启动后15个工作日内" };
        var yaml = new StringBuilder("""
            campaign:
              code: bench
              name: 基准攻坚行动
              headquarters: b-hq
              starts_on: 2017-09-01
              ends_on: 2017-12-31
            tasks:

            """);
        for (var i = 1; i <= Tasks; i++)
        {
            yaml.Append($"""
                  - number: "{i}"
                    title: 基准任务{i}
                    measures: 按方案要求推进第{i}项整治任务，逐项建立台账、销号管理
                    lead: 基准第{(i % Departments) + 1}局
                    responsible: {(i % 2 == 0 ? "各镇街" : "县直各部门")}
                    cooperating: 基准第{((i + 7) % Departments) + 1}局
                    deadline: {deadlines[i % deadlines.Length]}

                """);
        }

        return Encoding.UTF8.GetBytes(yaml.ToString());
    }
}
