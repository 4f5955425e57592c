using System.Globalization;
using Accountability.Cycles;
using Accountability.Tests.Access;
using Dapper;
using Npgsql;
using Xunit.Abstractions;

namespace Accountability.Tests.Cycles;

/// <summary>
/// The scheduler as it runs in production: real server processes (Quartz, its clustered ADO job store, the real
/// PostgreSQL), several of them on one database, on a shifted and accelerated server clock (<c>Clock:*</c>) with
/// Quartz's intervals scaled to match, so that days pass in seconds.
/// </summary>
public sealed class ClusterTests(ITestOutputHelper output)
{
    private static readonly string[] Towns = ["jx-huayu", "jx-yangshan", "jx-edz", "jx-food"];

    /// <summary>Settings of a node whose clock runs <paramref name="speed"/> times real time from <paramref name="start"/>
    /// at <paramref name="anchor"/>, with the scheduler's intervals given in real seconds.</summary>
    private static Dictionary<string, string> NodeSettings(DateTimeOffset start, DateTimeOffset anchor, double speed, TimeSpan? pause = null) => new()
    {
        ["Clock:Start"] = start.ToString("O", CultureInfo.InvariantCulture),
        ["Clock:Anchor"] = anchor.ToString("O", CultureInfo.InvariantCulture),
        ["Clock:Speed"] = speed.ToString(CultureInfo.InvariantCulture),
        ["Scheduler:CheckinInterval"] = ServerProcess.Simulated(0.3, speed),
        ["Scheduler:CheckinMisfireThreshold"] = ServerProcess.Simulated(0.7, speed),
        ["Scheduler:MisfireThreshold"] = ServerProcess.Simulated(2.0, speed),
        // Quartz refuses an idle wait under a (simulated) second.
        ["Scheduler:IdleWaitTime"] = ServerProcess.Simulated(Math.Max(0.5, 1 / speed), speed),
        ["Scheduler:SweepInterval"] = ServerProcess.Simulated(1.0, speed),
        ["Scheduler:ReconcileInterval"] = ServerProcess.Simulated(2.0, speed),
        ["Scheduler:RetryUnpublishedAfter"] = ServerProcess.Simulated(5.0, speed),
        ["Scheduler:LockWaitWarning"] = ServerProcess.Simulated(5.0, speed),
        ["Scheduler:LookBackInterval"] = ServerProcess.Simulated(30.0, speed),
        ["Cycles:ClaimWait"] = "00:00:30",
        ["Cycles:PauseBetweenSteps"] = (pause ?? TimeSpan.Zero).ToString("c", CultureInfo.InvariantCulture),
        ["Notices:Destinations:0:Channel"] = "webhook",
        ["Notices:Destinations:0:Address"] = "http://127.0.0.1:9/bulletins",
        ["Notices:FirstBackoff"] = ServerProcess.Simulated(60, speed),
    };

    private static async Task<(TestEngine Engine, long Campaign)> DailyCampaignAsync(DateOnly startsOn, DateTimeOffset created, int itemsPerUnit,
        string cadence = CycleScenario.Daily)
    {
        var engine = await TestEngine.CreateAsync();
        await OrganizationFixture.ImportSampleAsync(engine);
        var campaign = await CycleScenario.CreateCampaignAsync(engine.Database.DataSource, "cluster", cadence, startsOn, startsOn.AddMonths(3), created);
        await CycleScenario.AddItemsAsync(engine.Database.DataSource, campaign, Towns.ToDictionary(t => t, t => t.Length % 5), itemsPerUnit,
            created, created.AddDays(60));
        return (engine, campaign);
    }

    [Fact]
    public async Task TwoNodes_OverASeriesOfDailyPeriods_RunEachPeriodExactlyOnce()
    {
        const double speed = 28800; // a simulated day every 3 real seconds
        var (engine, campaign) = await DailyCampaignAsync(new DateOnly(2017, 10, 2), DateTimeOffset.Parse("2017-10-01T00:00Z"), 25);
        await using var _ = engine;
        var anchor = DateTimeOffset.UtcNow.AddSeconds(8);
        var settings = NodeSettings(DateTimeOffset.Parse("2017-10-02T12:00Z"), anchor, speed);
        await using var a = ServerProcess.Start("node-a", engine.Database.ConnectionString, settings);
        await using var b = ServerProcess.Start("node-b", engine.Database.ConnectionString, settings);
        await Task.WhenAll(a.WaitHealthyAsync(TimeSpan.FromSeconds(60)), b.WaitHealthyAsync(TimeSpan.FromSeconds(60)));

        const int periods = 6;
        await WaitUntilAsync(engine.Database.DataSource, "SELECT count(*) FROM cycle_run WHERE published_revision > 0 AND campaign_id = @campaign",
            new { campaign }, periods, TimeSpan.FromSeconds(90), a, b);

        await using var connection = await engine.Database.DataSource.OpenConnectionAsync();
        var runs = (await connection.QueryAsync<(string Period, int Attempt, int Revision, string By)>(
            "SELECT period, attempt, published_revision, published_by FROM cycle_run WHERE campaign_id = @campaign AND published_revision > 0 ORDER BY period",
            new { campaign })).ToList();
        foreach (var run in runs)
        {
            output.WriteLine($"{run.Period}: attempt {run.Attempt}, revision {run.Revision}, published by {run.By}");
        }

        Assert.True(runs.Count >= periods);
        Assert.All(runs, r => Assert.Equal((1, 1), (r.Attempt, r.Revision)));
        Assert.Equal(runs.Select(r => r.Period), ExpectedDays(new DateOnly(2017, 10, 2), runs.Count));
        var duplicates = await DuplicatesAsync(connection, campaign);
        Assert.Equal(0, duplicates.Total);
        Assert.Equal(runs.Count, await connection.ExecuteScalarAsync<int>(
            "SELECT count(DISTINCT period) FROM document WHERE campaign_id = @campaign AND kind = 'ranking_bulletin'", new { campaign }));
        // The minute sweep ran on the cluster too: the outbox relay tried the (unreachable) webhook and scheduled retries.
        Assert.True(await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM outbox_message WHERE attempts > 0 AND last_error IS NOT NULL AND delivered_at IS NULL") > 0);
    }

    [Fact]
    public async Task KillTheNodeRunningACycle_TwentyTimes_TheOtherCompletesEachWithoutDuplicates()
    {
        const double speed = 28800; // a simulated day every 3 real seconds
        const int kills = 20;
        var (engine, campaign) = await DailyCampaignAsync(new DateOnly(2017, 10, 2), DateTimeOffset.Parse("2017-10-01T00:00Z"), 150);
        await using var _ = engine;
        var anchor = DateTimeOffset.UtcNow.AddSeconds(8);
        var settings = NodeSettings(DateTimeOffset.Parse("2017-10-02T12:00Z"), anchor, speed, pause: TimeSpan.FromMilliseconds(200));
        var nodes = new List<ServerProcess>
        {
            ServerProcess.Start("node-a1", engine.Database.ConnectionString, settings),
            ServerProcess.Start("node-b1", engine.Database.ConnectionString, settings),
        };
        var random = new Random(20171101);
        var recoveries = new List<double>();
        var killedMidRun = 0;
        var killedPeriods = new HashSet<string>();
        try
        {
            await Task.WhenAll(nodes.Select(n => n.WaitHealthyAsync(TimeSpan.FromSeconds(60))));
            await using var connection = await engine.Database.DataSource.OpenConnectionAsync();
            var generation = 1;
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
            ServerProcess? starting = null;
            while (killedMidRun < kills)
            {
                Assert.True(DateTime.UtcNow < deadline, $"only {killedMidRun} kills mid-run before the deadline");
                var running = await connection.QueryFirstOrDefaultAsync<(string Period, string ClaimedBy)?>("""
                    SELECT period, claimed_by FROM cycle_run WHERE campaign_id = @campaign AND published_revision = 0 ORDER BY period LIMIT 1
                    """, new { campaign });
                var victim = running is { } r && !killedPeriods.Contains(r.Period) ? nodes.FirstOrDefault(n => n.Name == r.ClaimedBy && !n.HasExited) : null;
                if (victim is null)
                {
                    await Task.Delay(15);
                    continue;
                }

                var period = running!.Value.Period;
                if (starting is not null)
                {
                    // Never kill while the last victim's replacement is still starting: there must be another node.
                    await starting.WaitHealthyAsync(TimeSpan.FromSeconds(60));
                    starting = null;
                    continue;
                }

                await Task.Delay(random.Next(0, 700));
                victim.Kill();
                var killedAt = DateTimeOffset.UtcNow;
                killedPeriods.Add(period);
                // The operator (or an orchestrator) restarts the dead node at once; the survivor does not wait for it.
                nodes.Remove(victim);
                await victim.DisposeAsync();
                starting = ServerProcess.Start($"node-{(victim.Name[5] == 'a' ? 'a' : 'b')}{++generation}", engine.Database.ConnectionString, settings);
                nodes.Add(starting);

                var published = await WaitForPublicationAsync(connection, campaign, period, TimeSpan.FromSeconds(60));
                // The database's commit time says whether the victim died before its run committed.
                var midRun = published.WallAt > killedAt;
                output.WriteLine($"kill {killedPeriods.Count}: {victim.Name} during {period} ({(midRun ? "mid-run" : "after its commit")}); " +
                                 $"published by {published.By} at attempt {published.Attempt}, {(published.WallAt - killedAt).TotalSeconds:0.00} s after the kill");
                if (midRun)
                {
                    killedMidRun++;
                    recoveries.Add((published.WallAt - killedAt).TotalSeconds);
                    Assert.NotEqual(victim.Name, published.By);
                }
            }

            // Let the cluster finish whatever it had claimed, then count.
            await WaitUntilAsync(engine.Database.DataSource,
                "SELECT count(*) FROM cycle_run WHERE campaign_id = @campaign AND published_revision = 0", new { campaign }, 0, TimeSpan.FromSeconds(30), [.. nodes], atMost: true);
            var duplicates = await DuplicatesAsync(connection, campaign);
            var periods = (await connection.QueryAsync<string>(
                "SELECT period FROM cycle_run WHERE campaign_id = @campaign AND published_revision > 0 ORDER BY period", new { campaign })).ToList();
            recoveries.Sort();
            output.WriteLine($"{killedPeriods.Count} kills ({killedMidRun} mid-run), {periods.Count} periods published; duplicates: documents {duplicates.Documents}, " +
                             $"consequences {duplicates.Consequences}, notifications {duplicates.Notifications}, outbox messages {duplicates.Outbox}, " +
                             $"snapshots {duplicates.Snapshots}, publication events {duplicates.Events}; total {duplicates.Total}");
            output.WriteLine($"recovery after kill -9 (s): min {recoveries[0]:0.00}, median {recoveries[recoveries.Count / 2]:0.00}, " +
                             $"max {recoveries[^1]:0.00}, mean {recoveries.Average():0.00}");
            Console.WriteLine($"[cycles] kill test: {killedPeriods.Count} kills ({killedMidRun} mid-run), duplicates {duplicates.Total}; recovery s min {recoveries[0]:0.00} median {recoveries[recoveries.Count / 2]:0.00} max {recoveries[^1]:0.00}");

            Assert.Equal(0, duplicates.Total);
            Assert.Equal(periods, ExpectedDays(new DateOnly(2017, 10, 2), periods.Count));
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ThreeDayOutageSpanningCycleDates_OnReturn_RunsEveryMissedPeriodOnceInOrder()
    {
        const string cadence = """
            [{"cycle": "monthly", "every": "month", "report_by": {"day": 25, "time": "17:00"}, "close": {"day": 1, "time": "09:00"}},
             {"cycle": "daily", "every": "day", "close": {"time": "08:00"}}]
            """;
        var (engine, campaign) = await DailyCampaignAsync(new DateOnly(2017, 10, 28), DateTimeOffset.Parse("2017-10-28T00:00Z"), 10, cadence);
        await using var _ = engine;
        await using var connection = await engine.Database.DataSource.OpenConnectionAsync();

        // Up on the morning of 30 October (Beijing): the two days already closed are caught up, then the node dies.
        var before = ServerProcess.Start("before", engine.Database.ConnectionString,
            NodeSettings(DateTimeOffset.Parse("2017-10-30T02:00Z"), DateTimeOffset.UtcNow, 1));
        await using (before)
        {
            await before.WaitHealthyAsync(TimeSpan.FromSeconds(60));
            await WaitUntilAsync(engine.Database.DataSource, "SELECT count(*) FROM cycle_run WHERE campaign_id = @campaign AND published_revision > 0",
                new { campaign }, 2, TimeSpan.FromSeconds(60), before);
            before.Kill();
        }

        // Back three days later, on 2 November: 30 and 31 October, 1 November and the month of October were missed.
        var after = ServerProcess.Start("after", engine.Database.ConnectionString,
            NodeSettings(DateTimeOffset.Parse("2017-11-02T02:00Z"), DateTimeOffset.UtcNow, 1));
        await using (after)
        {
            await after.WaitHealthyAsync(TimeSpan.FromSeconds(60));
            await WaitUntilAsync(engine.Database.DataSource, "SELECT count(*) FROM cycle_run WHERE campaign_id = @campaign AND published_revision > 0",
                new { campaign }, 6, TimeSpan.FromSeconds(60), after);
        }

        var runs = (await connection.QueryAsync<(string Cycle, string Period, int Attempt, string By)>(
            "SELECT cycle, period, attempt, published_by FROM cycle_run WHERE campaign_id = @campaign ORDER BY id", new { campaign })).ToList();
        foreach (var run in runs)
        {
            output.WriteLine($"{run.Cycle} {run.Period}: attempt {run.Attempt} by {run.By}");
        }

        Assert.Equal(["2017-10-28", "2017-10-29", "2017-10-30", "2017-10-31", "2017-11-01"],
            runs.Where(r => r.Cycle == "daily").Select(r => r.Period));
        Assert.Equal(["after", "after", "after"], runs.Where(r => r.Cycle == "daily").Skip(2).Select(r => r.By));
        var monthly = Assert.Single(runs, r => r.Cycle == "monthly");
        Assert.Equal(("2017-10", 1, "after"), (monthly.Period, monthly.Attempt, monthly.By));
        Assert.All(runs, r => Assert.Equal(1, r.Attempt));
        Assert.Equal(0, (await DuplicatesAsync(connection, campaign)).Total);
    }

    [Fact]
    public async Task ServerClockInUtc_CampaignInShanghai_MonthlyCycleFiresAtNineBeijingTime()
    {
        var (engine, campaign) = await DailyCampaignAsync(new DateOnly(2017, 10, 1), DateTimeOffset.Parse("2017-09-30T00:00Z"), 5, CycleScenario.Monthly);
        await using var _ = engine;
        // The server's zone is UTC (TZ=UTC) and its clock reads 00:59:40 UTC on 1 November, 08:59:40 in Beijing.
        await using var node = ServerProcess.Start("utc-node", engine.Database.ConnectionString,
            NodeSettings(DateTimeOffset.Parse("2017-11-01T00:59:40Z"), DateTimeOffset.UtcNow.AddSeconds(4), 2));
        await node.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        await WaitUntilAsync(engine.Database.DataSource, "SELECT count(*) FROM cycle_run WHERE campaign_id = @campaign AND published_revision > 0",
            new { campaign }, 1, TimeSpan.FromSeconds(60), node);

        await using var connection = await engine.Database.DataSource.OpenConnectionAsync();
        var run = await connection.QuerySingleAsync<(string Period, DateTimeOffset ClaimedAt, DateTimeOffset CloseAt)>(
            "SELECT period, claimed_at, close_at FROM cycle_run WHERE campaign_id = @campaign", new { campaign });
        var zone = await connection.ExecuteScalarAsync<string>(
            "SELECT c.time_zone_id FROM qrtz_cron_triggers c WHERE c.trigger_name = @name", new { name = $"campaign-{campaign}.monthly" });
        output.WriteLine($"{run.Period} claimed at {run.ClaimedAt:O} (close {run.CloseAt:O}), trigger zone {zone}");

        Assert.Equal("2017-10", run.Period);
        Assert.Equal(DateTimeOffset.Parse("2017-11-01T01:00Z"), run.CloseAt);
        Assert.InRange(run.ClaimedAt, DateTimeOffset.Parse("2017-11-01T01:00:00Z"), DateTimeOffset.Parse("2017-11-01T01:00:30Z"));
        Assert.Equal("Asia/Shanghai", zone);
    }

    private static IEnumerable<string> ExpectedDays(DateOnly first, int count) =>
        Enumerable.Range(0, count).Select(i => first.AddDays(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

    private static async Task<(string By, int Attempt, DateTimeOffset WallAt)> WaitForPublicationAsync(NpgsqlConnection connection, long campaign,
        string period, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            var row = await connection.QueryFirstOrDefaultAsync<(string By, int Attempt, DateTimeOffset WallAt)?>("""
                SELECT published_by, attempt, published_wall_at FROM cycle_run
                WHERE campaign_id = @campaign AND period = @period AND published_revision > 0
                """, new { campaign, period });
            if (row is { } published)
            {
                return published;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"{period} was not published within {timeout} of the kill");
    }

    private static async Task WaitUntilAsync(NpgsqlDataSource dataSource, string countSql, object parameters, int expected, TimeSpan timeout,
        params ServerProcess[] nodes) => await WaitUntilAsync(dataSource, countSql, parameters, expected, timeout, nodes, atMost: false);

    private static async Task WaitUntilAsync(NpgsqlDataSource dataSource, string countSql, object parameters, int expected, TimeSpan timeout,
        ServerProcess[] nodes, bool atMost)
    {
        var until = DateTime.UtcNow + timeout;
        await using var connection = await dataSource.OpenConnectionAsync();
        long count = -1;
        while (DateTime.UtcNow < until)
        {
            count = await connection.ExecuteScalarAsync<long>(countSql, parameters);
            if (atMost ? count <= expected : count >= expected)
            {
                return;
            }

            await Task.Delay(100);
        }

        var logs = string.Join("\n---\n", await Task.WhenAll(nodes.Select(async n => $"{n.Name}:\n{await n.TailAsync()}")));
        throw new TimeoutException($"count {count}, waited for {expected} within {timeout}; logs:\n{logs}");
    }

    public sealed record Duplicates(int Documents, int Consequences, int Notifications, int Outbox, int Snapshots, int Events)
    {
        public int Total => Documents + Consequences + Notifications + Outbox + Snapshots + Events;
    }

    /// <summary>Everything a period close leaves behind, counted against its business identity: a second bulletin
    /// for a period (or a second version when nothing changed), a unit notified twice of the same thing, a second
    /// outbox message to a destination for the same document, a second committed snapshot or publication event.
    /// Consequences: the completion-rate scorer issues none, so any consequence document is counted as one.</summary>
    private static async Task<Duplicates> DuplicatesAsync(NpgsqlConnection connection, long campaign) => new(
        await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) - count(DISTINCT (kind, period, recipient_unit_id)) FROM document WHERE campaign_id = @campaign", new { campaign }),
        await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM document WHERE campaign_id = @campaign AND kind <> 'ranking_bulletin'", new { campaign }),
        await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) - count(DISTINCT (unit_id, kind, title)) FROM notification WHERE campaign_id = @campaign", new { campaign }),
        await connection.ExecuteScalarAsync<int>("""
            SELECT count(*) - count(DISTINCT (destination, payload->>'kind', payload->>'period')) FROM outbox_message
            WHERE (payload->>'campaign_id')::bigint = @campaign
            """, new { campaign }),
        await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) - count(DISTINCT (cycle, period)) FROM period_snapshot WHERE campaign_id = @campaign", new { campaign }),
        await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) - count(DISTINCT payload->>'period') FROM audit_event WHERE campaign_id = @campaign AND kind LIKE 'cycle.%'", new { campaign }));
}
