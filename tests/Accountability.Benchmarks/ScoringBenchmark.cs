using System.Diagnostics;
using Accountability.Audit;
using Accountability.Cycles;
using Accountability.Scoring;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Accountability.Benchmarks;

/// <summary>
/// Scores and ranks one month of a county-sized campaign blown up: 2,000 units, 1,000,000 assignments and 5,000,000
/// scoring events (seeded by binary COPY), under the shipped Jining rulebook — point ledger with every event id,
/// weighted and measured rules, the ranking, ladders, documents and referrals, all in one transaction. In the same run,
/// the baseline: a raw SQL GROUP BY of the same events per unit.
/// </summary>
public sealed class ScoringBenchmark : IBenchmarkCase
{
    private const int Units = 2_000;
    private const int AssignmentsPerUnit = 500;
    private const int EventsPerUnit = 2_500;

    private static readonly DateTimeOffset PeriodStart = new(2017, 9, 30, 16, 0, 0, TimeSpan.Zero);   // 2017-10-01 00:00 Shanghai
    private static readonly DateTimeOffset PeriodEnd = new(2017, 10, 31, 16, 0, 0, TimeSpan.Zero);

    private static readonly (string Kind, int Weight)[] Kinds =
    [
        ("closed_on_time", 30), ("problem_found", 25), ("overdue", 15), ("not_rectified_in_time", 10), ("acknowledged_late", 10),
        ("complaint_substantiated", 5), ("media_exposure", 2), ("returned_as_false", 2), ("relapse", 1),
    ];

    private static readonly string[] Levels = ["county", "county", "county", "city", "city", "province"];

    public string Name => "scoring";

    public async Task RunAsync(BenchmarkContext context)
    {
        var clock = Stopwatch.StartNew();
        var campaignId = await SeedAsync(context.DataSource);
        BenchmarkContext.Report(Name, "seed seconds", clock.Elapsed.TotalSeconds);

        var configuration = new ConfigurationBuilder().Build();
        await using var services = new ServiceCollection()
            .AddLogging(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
                .AddFilter("Accountability.Scoring.ScorePeriod", Environment.GetEnvironmentVariable("SCORING_PHASES") is null ? LogLevel.Warning : LogLevel.Debug)
                .AddFilter("Accountability.Scoring.PeriodInputsStore", Environment.GetEnvironmentVariable("SCORING_PHASES") is null ? LogLevel.Warning : LogLevel.Debug)
                .AddFilter("Accountability.Documents.IssuePeriodDocuments", Environment.GetEnvironmentVariable("SCORING_PHASES") is null ? LogLevel.Warning : LogLevel.Debug))
            .AddAccountability(configuration, context.Engine)
            .BuildServiceProvider();
        var score = services.GetRequiredService<ScorePeriod>();
        var rulebook = services.GetRequiredService<RulebookCatalog>().InForce("jining-consecutive", new DateOnly(2017, 10, 1));

        await using var connection = await context.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(new CommandDefinition("VACUUM ANALYZE", commandTimeout: 1800));
        var now = PeriodEnd.AddHours(1);

        // The cycle freezes before it scores; timed apart, since it is the cycle's work.
        clock.Restart();
        long snapshotId;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            snapshotId = await FreezeSnapshot.RunAsync(connection, campaignId, "monthly", "2017-10", PeriodEnd, now);
            await transaction.CommitAsync();
        }

        BenchmarkContext.Report(Name, "freeze seconds", clock.Elapsed.TotalSeconds);
        await connection.ExecuteAsync("ANALYZE assignment_snapshot");

        // A server scores with its code already compiled: a small campaign over the same units is scored first, untimed,
        // so that the timed run measures the work and not the just-in-time compiler's first pass over it.
        clock.Restart();
        await WarmUpAsync(connection, score, rulebook, now);
        BenchmarkContext.Report(Name, "warm-up seconds", clock.Elapsed.TotalSeconds);

        // Baseline first and last, so neither side alone pays for a cold cache.
        var before = await AggregateAsync(connection, campaignId);

        // The timed region: score and rank the period — gather, compute, ledger, ranking, consequences, documents,
        // referrals and audit, in one transaction — the snapshot having been frozen above by the cycle's own step.
        var campaign = await CampaignInfo.LoadAsync(connection, campaignId, default);
        var scope = new ScoringScope(campaignId, "monthly", "2017-10", snapshotId, PeriodStart, PeriodEnd, PeriodEnd, campaign.Zone);
        clock.Restart();
        ScoreRunResult result;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            result = await score.RunAsync(connection, new ScoreRequest(campaign, scope, rulebook, "cycle", null, null, false, now, AuditActor.Cycle), default);
            await transaction.CommitAsync();
        }

        var scoring = clock.Elapsed.TotalSeconds;
        var after = await AggregateAsync(connection, campaignId);
        var aggregateDefault = Math.Min(before.Default, after.Default);
        var aggregateJitOff = Math.Min(before.JitOff, after.JitOff);
        var aggregate = Math.Min(aggregateDefault, aggregateJitOff);

        var ledgerEvents = await connection.ExecuteScalarAsync<long>("SELECT sum(event_count) FROM score_ledger_entry WHERE run_id = @RunId", new { result.RunId });
        // Not timed: every ledger line's reference, recounted from the events table, finds exactly what the line recorded.
        clock.Restart();
        var lines = (await connection.QueryAsync<long>("SELECT id FROM score_ledger_entry WHERE run_id = @RunId", new { result.RunId })).ToList();
        var checks = await services.GetRequiredService<LedgerEvents>().CheckAsync(connection, lines);
        var holding = checks.Count(c => c.Holds);
        Console.WriteLine($"scoring check: {holding} of {checks.Count} ledger lines find exactly their recorded events again ({clock.Elapsed.TotalSeconds:0.0} s)");
        BenchmarkContext.Report(Name, "ledger lines", result.Outcome.Ledger.Count);
        BenchmarkContext.Report(Name, "ledger events", ledgerEvents);
        BenchmarkContext.Report(Name, "consequences", result.ConsequenceCount);
        BenchmarkContext.Report(Name, "documents", result.DocumentIds.Count);
        BenchmarkContext.Report(Name, "aggregate-default seconds", aggregateDefault);
        BenchmarkContext.Report(Name, "aggregate-jit-off seconds", aggregateJitOff);
        BenchmarkContext.Report(Name, "aggregate seconds", aggregate);
        BenchmarkContext.Report(Name, "seconds", scoring);
        BenchmarkContext.Report(Name, "ratio-to-aggregate", scoring / aggregate);
        BenchmarkContext.Report(Name, "ratio-to-aggregate-default", scoring / aggregateDefault);
        BenchmarkContext.Report(Name, "peak rss MiB", BenchmarkContext.PeakRssMib());
    }

    private static async Task WarmUpAsync(NpgsqlConnection connection, ScorePeriod score, Rulebook rulebook, DateTimeOffset now)
    {
        var warm = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO campaign (code, name, headquarters_unit_id, starts_on, ends_on, rulebook_code, created_at)
            SELECT 'bench-warm', '预热攻坚行动', headquarters_unit_id, starts_on, ends_on, rulebook_code, now() FROM campaign WHERE code = 'bench'
            RETURNING id
            """);
        await connection.ExecuteAsync("""
            INSERT INTO task (campaign_id, number, title, weight, milestones, first_version, changed_version)
            VALUES (@warm, '1', '预热任务', 2, '[{"on": "2017-10-15", "percent": 40}]', 1, 1);
            INSERT INTO assignment (campaign_id, task_id, unit_id, role, issued_at, due_at, plan_version, workflow_code, workflow_version, state,
                                    progress_percent, progress_reported_at, updated_at)
            SELECT @warm, t.id, u.id, 'responsible', '2017-09-01T01:00Z', '2017-12-01T01:00Z', 1, 'assignment', 1, 'in_progress', u.sort_order % 100,
                   '2017-10-10T01:00Z', now()
            FROM unit u CROSS JOIN task t WHERE t.campaign_id = @warm AND u.ranking_category IS NOT NULL;
            INSERT INTO scoring_event (campaign_id, unit_id, assignment_id, task_id, kind, level, occurred_at)
            SELECT a.campaign_id, a.unit_id, a.id, a.task_id, k.kind, k.level, '2017-10-10T02:00Z'
            FROM assignment a CROSS JOIN (VALUES ('overdue', NULL), ('problem_found', 'city'), ('closed_on_time', NULL)) AS k(kind, level)
            WHERE a.campaign_id = @warm AND a.unit_id % 3 = 0;
            """, new { warm });
        var campaign = await CampaignInfo.LoadAsync(connection, warm, default);
        await using var transaction = await connection.BeginTransactionAsync();
        var snapshotId = await FreezeSnapshot.RunAsync(connection, warm, "monthly", "2017-10", PeriodEnd, now);
        var scope = new ScoringScope(warm, "monthly", "2017-10", snapshotId, PeriodStart, PeriodEnd, PeriodEnd, campaign.Zone);
        await score.RunAsync(connection, new ScoreRequest(campaign, scope, rulebook, "cycle", null, null, false, now, AuditActor.Cycle), default);
        await transaction.CommitAsync();
    }

    /// <summary>The raw GROUP BY, timed as the server runs it by default and with just-in-time compilation off (as the
    /// engine runs its own aggregates); the faster of the two is the baseline, so the ratio never flatters the engine.</summary>
    private static async Task<(double Default, double JitOff)> AggregateAsync(NpgsqlConnection connection, long campaignId)
    {
        var byDefault = await TimeAggregateAsync(connection, campaignId, jit: true);
        var jitOff = await TimeAggregateAsync(connection, campaignId, jit: false);
        return (byDefault, jitOff);
    }

    private static async Task<double> TimeAggregateAsync(NpgsqlConnection connection, long campaignId, bool jit)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        if (!jit)
        {
            await connection.ExecuteAsync("SET LOCAL jit = off");
        }

        var clock = Stopwatch.StartNew();
        var rows = await connection.QueryAsync<(long, long)>("""
            SELECT unit_id, count(*) FROM scoring_event
            WHERE campaign_id = @campaignId AND occurred_at >= @start AND occurred_at < @end
            GROUP BY unit_id
            """, new { campaignId, start = PeriodStart, end = PeriodEnd });
        var seconds = clock.Elapsed.TotalSeconds;
        await transaction.RollbackAsync();
        return rows.Count() == Units ? seconds : throw new InvalidOperationException("the aggregate missed units");
    }

    private static async Task<long> SeedAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var county = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO unit (code, name, kind, created_at, updated_at) VALUES ('bench', '基准县', 'county', now(), now()) RETURNING id
            """);
        await connection.ExecuteAsync("""
            INSERT INTO unit (code, name, kind, parent_id, ranking_category, sort_order, created_at, updated_at)
            SELECT 'bench-' || n, '基准镇' || n, 'town', @county, 'towns', n, now(), now() FROM generate_series(1, @Units) AS n;
            INSERT INTO unit_post (unit_id, post, holder_name, holder_title)
            SELECT u.id, p.post, p.title || u.sort_order, p.title FROM unit u
            CROSS JOIN (VALUES ('deputy_in_charge', '副镇长'), ('government_head', '镇长'), ('party_secretary', '镇党委书记')) AS p(post, title)
            WHERE u.parent_id = @county;
            """, new { county, Units });
        var campaignId = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO campaign (code, name, headquarters_unit_id, starts_on, ends_on, rulebook_code, created_at)
            VALUES ('bench', '基准攻坚行动', @county, '2017-09-01', '2018-03-31', 'jining-consecutive', now()) RETURNING id
            """, new { county });
        await connection.ExecuteAsync("""
            INSERT INTO task (campaign_id, number, title, weight, milestones, first_version, changed_version)
            SELECT @campaignId, n::text, '任务' || n, 1 + n % 3, '[{"on": "2017-10-15", "percent": 40}]', 1, 1 FROM generate_series(1, @AssignmentsPerUnit) AS n
            """, new { campaignId, AssignmentsPerUnit });
        var units = (await connection.QueryAsync<long>("SELECT id FROM unit WHERE parent_id = @county ORDER BY id", new { county })).ToArray();
        var tasks = (await connection.QueryAsync<long>("SELECT id FROM task WHERE campaign_id = @campaignId ORDER BY id", new { campaignId })).ToArray();

        // Synchronous writes: an await per field would cost minutes over six million rows.
        var random = new Random(20171031);
        var issued = new DateTimeOffset(2017, 9, 1, 1, 0, 0, TimeSpan.Zero);
        using (var copy = connection.BeginBinaryImport("""
            COPY assignment (campaign_id, task_id, unit_id, role, issued_at, due_at, plan_version, workflow_code, workflow_version, state,
                             progress_percent, progress_reported_at, updated_at) FROM STDIN (FORMAT BINARY)
            """))
        {
            copy.Timeout = TimeSpan.FromMinutes(30);
            foreach (var unit in units)
            {
                foreach (var task in tasks)
                {
                    var closed = random.Next(100) < 30;
                    copy.StartRow();
                    copy.Write(campaignId, NpgsqlDbType.Bigint);
                    copy.Write(task, NpgsqlDbType.Bigint);
                    copy.Write(unit, NpgsqlDbType.Bigint);
                    copy.Write("responsible", NpgsqlDbType.Text);
                    copy.Write(issued, NpgsqlDbType.TimestampTz);
                    copy.Write(issued.AddDays(30 + random.Next(120)), NpgsqlDbType.TimestampTz);
                    copy.Write(1, NpgsqlDbType.Integer);
                    copy.Write("assignment", NpgsqlDbType.Text);
                    copy.Write(1, NpgsqlDbType.Integer);
                    copy.Write(closed ? "closed" : "in_progress", NpgsqlDbType.Text);
                    copy.Write((short)(closed ? 100 : random.Next(100)), NpgsqlDbType.Smallint);
                    copy.Write(PeriodStart.AddDays(random.Next(25)), NpgsqlDbType.TimestampTz);
                    copy.Write(issued, NpgsqlDbType.TimestampTz);
                }
            }

            copy.Complete();
        }

        var firstAssignment = await connection.ExecuteScalarAsync<long>("SELECT min(id) FROM assignment WHERE campaign_id = @campaignId", new { campaignId });
        var bag = Kinds.SelectMany(k => Enumerable.Repeat(k.Kind, k.Weight)).ToArray();
        var seconds = (int)(PeriodEnd - PeriodStart).TotalSeconds;
        using (var copy = connection.BeginBinaryImport("""
            COPY scoring_event (campaign_id, unit_id, assignment_id, task_id, kind, level, occurred_at) FROM STDIN (FORMAT BINARY)
            """))
        {
            copy.Timeout = TimeSpan.FromMinutes(30);
            for (var u = 0; u < units.Length; u++)
            {
                for (var e = 0; e < EventsPerUnit; e++)
                {
                    var kind = bag[random.Next(bag.Length)];
                    copy.StartRow();
                    copy.Write(campaignId, NpgsqlDbType.Bigint);
                    copy.Write(units[u], NpgsqlDbType.Bigint);
                    // Assignments were written unit by unit, task by task: the k-th of a unit is on the k-th task.
                    var k = random.Next(AssignmentsPerUnit);
                    copy.Write(firstAssignment + (long)u * AssignmentsPerUnit + k, NpgsqlDbType.Bigint);
                    copy.Write(tasks[k], NpgsqlDbType.Bigint);
                    copy.Write(kind, NpgsqlDbType.Text);
                    if (kind is "problem_found" or "not_rectified_in_time" or "media_exposure")
                    {
                        copy.Write(Levels[random.Next(Levels.Length)], NpgsqlDbType.Text);
                    }
                    else
                    {
                        copy.WriteNull();
                    }

                    copy.Write(PeriodStart.AddSeconds(random.Next(seconds)), NpgsqlDbType.TimestampTz);
                }
            }

            copy.Complete();
        }

        return campaignId;
    }
}
