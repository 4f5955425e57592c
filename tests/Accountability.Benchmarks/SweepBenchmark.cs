using System.Diagnostics;
using Accountability.Assignments;
using Accountability.Cycles;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Accountability.Benchmarks;

/// <summary>
/// One million open assignments, half of them past due. The engine's timer sweep fires the 500,000 overdue timers
/// (state, next timer, audit event, scoring event, digest notices — in batches claimed with FOR UPDATE SKIP LOCKED);
/// the baseline is one raw UPDATE of the same rows on a copy of the table with the same indexes. Prints
/// <c>sweep seconds</c>, <c>sweep ratio-to-update</c>, and checks that exactly 500,000 overdue events were written.
/// Also prints the floor: the same claims and writes done in SQL alone by as many workers, the best any engine could do.
/// </summary>
public sealed class SweepBenchmark : IBenchmarkCase
{
    private const int Units = 50;
    // SWEEP_TASKS scales the case down for a quick look; the figures are for the default.
    private static readonly int Tasks = int.TryParse(Environment.GetEnvironmentVariable("SWEEP_TASKS"), out var tasks) ? tasks : 20_000;
    private static readonly int Rows = Units * Tasks;

    // Tuesday 2017-10-10 08:00 in Shanghai: the past-due half fell due at the end of Monday; their chasers come at 09:00.
    private static readonly DateTimeOffset Now = new(2017, 10, 10, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset PastDue = new(2017, 10, 9, 16, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset FutureDue = new(2017, 11, 30, 16, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset FutureDueSoon = new(2017, 11, 27, 1, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Issued = new(2017, 9, 1, 1, 0, 0, TimeSpan.Zero);

    public string Name => "sweep";

    public async Task RunAsync(BenchmarkContext context)
    {
        var dataSource = context.DataSource;
        var seed = Stopwatch.StartNew();
        await SeedAsync(dataSource);
        Console.WriteLine($"seeded {Rows:N0} assignments in {seed.Elapsed.TotalSeconds:0.0} s");

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Accountability"] = context.Engine.ConnectionString,
        }).AddEnvironmentVariables().Build();
        await using var services = new ServiceCollection()
            // SWEEP_PHASES prints where the sweep's time goes (summed over batches and workers).
            .AddLogging(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
                .AddFilter("Accountability.Assignments.AssignmentTimerSweep", Environment.GetEnvironmentVariable("SWEEP_PHASES") is null ? LogLevel.Warning : LogLevel.Debug))
            .AddSingleton<TimeProvider>(new FixedTime(Now))
            .AddAccountability(configuration, context.Engine)
            .BuildServiceProvider();
        var sweep = services.GetServices<IPeriodicSweep>().Single(s => s.Name == "assignment-timers");

        await CheckpointAsync(dataSource);
        var cpuBefore = BenchmarkContext.CpuSeconds();
        var engineTime = Stopwatch.StartNew();
        var handled = await sweep.RunOnceAsync(CancellationToken.None);
        engineTime.Stop();
        var cpuAfter = BenchmarkContext.CpuSeconds();

        await CheckpointAsync(dataSource);
        var baselineTime = Stopwatch.StartNew();
        int updated;
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            updated = await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE assignment_copy
                SET state = 'overdue', row_version = row_version + 1, next_timer_kind = 'chaser',
                    next_timer_at = next_timer_at + interval '33 hours',
                    timers_fired = timers_fired || ARRAY['overdue@' || extract(epoch FROM next_timer_at)::bigint::text],
                    updated_at = @now
                WHERE next_timer_at <= @now
                """, new { now = Now }, commandTimeout: 3600));
        }

        baselineTime.Stop();

        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            var auditEvents = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_event WHERE kind = 'assignment.timer.overdue'");
            var scoringEvents = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM scoring_event WHERE kind = 'overdue'");
            var overdueRows = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM assignment WHERE state = 'overdue'");
            var notices = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM notification");
            Console.WriteLine($"sweep handled {handled:N0} rows; baseline updated {updated:N0}; overdue rows {overdueRows:N0}; audit events {auditEvents:N0}; scoring events {scoringEvents:N0}; digest notices {notices:N0}");
            var ok = auditEvents == Rows / 2 && scoringEvents == Rows / 2 && overdueRows == Rows / 2 && updated == Rows / 2;
            Console.WriteLine(ok ? $"sweep check: exactly {Rows / 2} overdue events written" : $"sweep check: FAILED — expected exactly {Rows / 2} overdue events");
            BenchmarkContext.Report("sweep", "overdue-events", auditEvents);
            foreach (var (kind, count) in await connection.QueryAsync<(string, long)>("SELECT kind, count(*) FROM notification GROUP BY kind"))
            {
                Console.WriteLine($"notices {kind}: {count:N0}");
            }
        }

        // Context for the ratio: the other rows the sweep must write in the same transaction, written by raw SQL — the
        // scoring events and the audit events. (Since 0650 scoring_event has no foreign keys, so the two scoring
        // inserts below differ only in their target; before it, the first paid three foreign-key checks per row.)
        var extraTime = Stopwatch.StartNew();
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO scoring_event (campaign_id, unit_id, assignment_id, kind, occurred_at, audit_seq, detail)
                SELECT campaign_id, unit_id, id, 'baseline_overdue', @now, id, '{"trigger": "overdue"}'::jsonb
                FROM assignment_copy WHERE state = 'overdue'
                """, new { now = Now }, commandTimeout: 3600));
            var scoringTime = extraTime.Elapsed.TotalSeconds;
            // The same rows into a copy (LIKE copies no foreign keys): what foreign-key checks would cost, had the table any.
            var withoutKeys = Stopwatch.StartNew();
            await connection.ExecuteAsync(new CommandDefinition("""
                CREATE TABLE scoring_copy (LIKE scoring_event INCLUDING ALL);
                INSERT INTO scoring_copy (campaign_id, unit_id, assignment_id, kind, occurred_at, audit_seq, detail)
                SELECT campaign_id, unit_id, id, 'baseline_overdue', @now, id, '{"trigger": "overdue"}'::jsonb
                FROM assignment_copy WHERE state = 'overdue'
                """, new { now = Now }, commandTimeout: 3600));
            withoutKeys.Stop();
            BenchmarkContext.Report("sweep", "baseline-scoring-insert-without-foreign-keys seconds", withoutKeys.Elapsed.TotalSeconds);
            extraTime.Stop();
            var auditTime = Stopwatch.StartNew();
            await connection.ExecuteAsync(new CommandDefinition("""
                CREATE TABLE audit_copy (LIKE audit_event INCLUDING ALL);
                INSERT INTO audit_copy (seq, at, actor, unit_id, campaign_id, assignment_id, kind, payload, prev_hash, hash)
                SELECT id, @now, 'timer', unit_id, campaign_id, id, 'assignment.timer.overdue',
                       '{"workflow":"assignment/v1","timer":"overdue","from":"in_progress","to":"overdue"}'::json,
                       sha256(int8send(id)), sha256(int8send(id + 1))
                FROM assignment_copy WHERE state = 'overdue'
                """, new { now = Now }, commandTimeout: 3600));
            auditTime.Stop();
            BenchmarkContext.Report("sweep", "baseline-scoring-insert seconds", scoringTime);
            BenchmarkContext.Report("sweep", "baseline-audit-insert seconds", auditTime.Elapsed.TotalSeconds);
            BenchmarkContext.Report("sweep", "ratio-to-same-writes-in-raw-sql",
                engineTime.Elapsed.TotalSeconds / (baselineTime.Elapsed.TotalSeconds + scoringTime + auditTime.Elapsed.TotalSeconds));
        }

        // The floor: what the sweep must do with no engine at all — the same claims (FOR UPDATE SKIP LOCKED, batches of
        // the same size, the same number of workers), the same row update, one audit event and one scoring event per row
        // (the real scoring table, so its tally trigger too), all in SQL on the server. No engine can beat this; its
        // ratio to the UPDATE is the best ratio the sweep could reach on this machine.
        await CheckpointAsync(dataSource);
        var timers = services.GetRequiredService<IOptions<AssignmentTimerOptions>>().Value;
        var workers = timers.Workers;
        var floorTime = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await connection.ExecuteAsync(new CommandDefinition("CALL sweep_floor_worker(@batch, @now)",
                new { batch = timers.BatchSize, now = Now }, commandTimeout: 3600));
        }));
        floorTime.Stop();
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            var floorRows = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_floor");
            Console.WriteLine($"sweep floor: {workers} workers fired {floorRows:N0} rows in SQL alone");
        }

        BenchmarkContext.Report("sweep", "floor-in-sql seconds", floorTime.Elapsed.TotalSeconds);
        BenchmarkContext.Report("sweep", "floor-in-sql ratio-to-update", floorTime.Elapsed.TotalSeconds / baselineTime.Elapsed.TotalSeconds);
        BenchmarkContext.Report("sweep", "seconds", engineTime.Elapsed.TotalSeconds);
        BenchmarkContext.Report("sweep", "baseline-update seconds", baselineTime.Elapsed.TotalSeconds);
        BenchmarkContext.Report("sweep", "ratio-to-update", engineTime.Elapsed.TotalSeconds / baselineTime.Elapsed.TotalSeconds);
        BenchmarkContext.Report("sweep", "engine-cpu seconds", cpuAfter.Engine - cpuBefore.Engine);
        BenchmarkContext.Report("sweep", "machine-cpu seconds", cpuAfter.Machine - cpuBefore.Machine);
        BenchmarkContext.Report("sweep", "peak-rss MiB", BenchmarkContext.PeakRssMib());
    }

    private static async Task CheckpointAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("CHECKPOINT", commandTimeout: 600, commandType: System.Data.CommandType.Text);
    }

    private static async Task SeedAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var unitIds = new long[Units];
        var county = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO unit (code, name, kind, created_at, updated_at) VALUES ('bench', '基准县', 'county', now(), now()) RETURNING id
            """);
        var hq = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO unit (code, name, kind, parent_id, created_at, updated_at) VALUES ('bench-hq', '指挥部办公室', 'office', @county, now(), now()) RETURNING id
            """, new { county });
        for (var u = 0; u < Units; u++)
        {
            unitIds[u] = await connection.ExecuteScalarAsync<long>("""
                INSERT INTO unit (code, name, kind, parent_id, ranking_category, created_at, updated_at)
                VALUES (@code, @name, 'town', @county, 'towns', now(), now()) RETURNING id
                """, new { code = $"bench-{u:D2}", name = $"第{u + 1}镇", county });
        }

        var campaign = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO campaign (code, name, headquarters_unit_id, starts_on, ends_on, created_at, current_plan_version)
            VALUES ('bench', '基准攻坚行动', @hq, '2017-09-01', '2017-12-31', now(), 1) RETURNING id
            """, new { hq });

        await using (var copy = await connection.BeginBinaryImportAsync(
                         "COPY task (campaign_id, number, title, verifier_unit_id, due_at, first_version, changed_version) FROM STDIN (FORMAT BINARY)"))
        {
            copy.Timeout = TimeSpan.FromHours(1);
            for (var t = 0; t < Tasks; t++)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(campaign, NpgsqlDbType.Bigint);
                await copy.WriteAsync($"T{t:D5}", NpgsqlDbType.Text);
                await copy.WriteAsync($"整治任务{t}", NpgsqlDbType.Text);
                await copy.WriteAsync(hq, NpgsqlDbType.Bigint);
                await copy.WriteAsync(t < Tasks / 2 ? PastDue : FutureDue, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(1, NpgsqlDbType.Integer);
                await copy.WriteAsync(1, NpgsqlDbType.Integer);
            }

            await copy.CompleteAsync();
        }

        var firstTask = await connection.ExecuteScalarAsync<long>("SELECT min(id) FROM task WHERE campaign_id = @campaign", new { campaign });
        await using (var copy = await connection.BeginBinaryImportAsync("""
                         COPY assignment (campaign_id, task_id, unit_id, role, verifier_unit_id, issued_at, due_at, calendar_version,
                                          plan_version, workflow_code, workflow_version, state, acknowledged_at, progress_percent,
                                          progress_reported_at, light, next_timer_at, next_timer_kind, updated_at)
                         FROM STDIN (FORMAT BINARY)
                         """))
        {
            copy.Timeout = TimeSpan.FromHours(1);
            for (var t = 0; t < Tasks; t++)
            {
                var pastDue = t < Tasks / 2;
                for (var u = 0; u < Units; u++)
                {
                    await copy.StartRowAsync();
                    await copy.WriteAsync(campaign, NpgsqlDbType.Bigint);
                    await copy.WriteAsync(firstTask + t, NpgsqlDbType.Bigint);
                    await copy.WriteAsync(unitIds[u], NpgsqlDbType.Bigint);
                    await copy.WriteAsync("lead", NpgsqlDbType.Text);
                    await copy.WriteAsync(hq, NpgsqlDbType.Bigint);
                    await copy.WriteAsync(Issued, NpgsqlDbType.TimestampTz);
                    await copy.WriteAsync(pastDue ? PastDue : FutureDue, NpgsqlDbType.TimestampTz);
                    await copy.WriteAsync("cn:bench", NpgsqlDbType.Text);
                    await copy.WriteAsync(1, NpgsqlDbType.Integer);
                    await copy.WriteAsync("assignment", NpgsqlDbType.Text);
                    await copy.WriteAsync(1, NpgsqlDbType.Integer);
                    await copy.WriteAsync("in_progress", NpgsqlDbType.Text);
                    await copy.WriteAsync(Issued.AddHours(2), NpgsqlDbType.TimestampTz);
                    await copy.WriteAsync((short)50, NpgsqlDbType.Smallint);
                    await copy.WriteAsync(Issued.AddDays(10), NpgsqlDbType.TimestampTz);
                    await copy.WriteAsync("green", NpgsqlDbType.Text);
                    await copy.WriteAsync(pastDue ? PastDue : FutureDueSoon, NpgsqlDbType.TimestampTz);
                    await copy.WriteAsync(pastDue ? "overdue" : "due_soon", NpgsqlDbType.Text);
                    await copy.WriteAsync(Issued, NpgsqlDbType.TimestampTz);
                }
            }

            await copy.CompleteAsync();
        }

        // The baseline's table: the same rows, columns, defaults and indexes.
        await connection.ExecuteAsync("""
            CREATE TABLE assignment_copy (LIKE assignment INCLUDING ALL);
            INSERT INTO assignment_copy OVERRIDING SYSTEM VALUE SELECT * FROM assignment;
            """, commandTimeout: 3600);
        // The floor's table and procedure: the sweep's mandatory work in SQL alone (see RunAsync).
        await connection.ExecuteAsync("""
            CREATE TABLE assignment_floor (LIKE assignment INCLUDING ALL);
            INSERT INTO assignment_floor OVERRIDING SYSTEM VALUE SELECT * FROM assignment;
            CREATE TABLE audit_floor (LIKE audit_event INCLUDING ALL);
            CREATE PROCEDURE sweep_floor_worker(batch int, now timestamptz) LANGUAGE plpgsql AS $$
            DECLARE n int;
            BEGIN
              LOOP
                WITH claimed AS (
                  SELECT id FROM assignment_floor WHERE next_timer_at <= now
                  ORDER BY next_timer_at, id LIMIT batch FOR UPDATE SKIP LOCKED),
                fired AS (
                  UPDATE assignment_floor a SET state = 'overdue', row_version = a.row_version + 1, next_timer_kind = 'chaser',
                         next_timer_at = a.next_timer_at + interval '33 hours',
                         timers_fired = a.timers_fired || ARRAY['overdue@' || extract(epoch FROM a.next_timer_at)::bigint::text],
                         updated_at = now
                  FROM claimed c WHERE a.id = c.id
                  RETURNING a.id, a.campaign_id, a.unit_id, a.task_id),
                audited AS (
                  INSERT INTO audit_floor (seq, at, actor, unit_id, campaign_id, assignment_id, kind, payload, prev_hash, hash)
                  SELECT id, now, 'timer', unit_id, campaign_id, id, 'assignment.timer.overdue',
                         '{"workflow":"assignment/v1","timer":"overdue","from":"in_progress","to":"overdue"}'::json,
                         sha256(int8send(id)), sha256(int8send(id + 1))
                  FROM fired)
                INSERT INTO scoring_event (campaign_id, unit_id, assignment_id, task_id, kind, occurred_at, audit_seq, detail)
                SELECT campaign_id, unit_id, id, task_id, 'floor_overdue', now, id, '{"trigger": "overdue"}'::jsonb FROM fired;
                GET DIAGNOSTICS n = ROW_COUNT;
                COMMIT;
                EXIT WHEN n < batch;
              END LOOP;
            END $$;
            """, commandTimeout: 3600);
        foreach (var table in new[] { "assignment", "assignment_copy", "assignment_floor", "task" })
        {
            await connection.ExecuteAsync($"VACUUM ANALYZE {table}", commandTimeout: 3600);
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
