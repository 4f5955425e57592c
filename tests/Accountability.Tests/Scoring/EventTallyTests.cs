using Accountability.Scoring;
using Dapper;

namespace Accountability.Tests.Scoring;

/// <summary>
/// A monthly period is scored from the event tallies the database keeps (migration 0651) rather than from the events.
/// The two must never disagree: every test here gathers a period both ways, or recounts the tallies from the events.
/// </summary>
public sealed class EventTallyTests
{
    private static readonly DateTimeOffset OctoberStart = new(2017, 9, 30, 16, 0, 0, TimeSpan.Zero);

    /// <summary>Tallies recounted from the events, as the trigger should have kept them.</summary>
    private const string TalliesFromEvents = """
        SELECT e.campaign_id AS campaignid, date_trunc('month', e.occurred_at AT TIME ZONE c.time_zone)::date AS month, e.unit_id AS unitid, e.kind, coalesce(e.level, '') AS level,
               count(*)::int AS events, sum(coalesce(t.weight, 1))::numeric AS weight, bit_xor(hashint8extended(e.id, 0)) AS digest
        FROM scoring_event e JOIN campaign c ON c.id = e.campaign_id LEFT JOIN task t ON t.id = e.task_id
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        """;

    private const string StoredTallies = """
        SELECT campaign_id AS campaignid, month, unit_id AS unitid, kind, level, events, weight, digest FROM scoring_event_tally
        WHERE events <> 0 ORDER BY 1, 2, 3, 4, 5
        """;

    [Theory]
    [InlineData("jining-consecutive")]     // weighted rules
    [InlineData("anyang-cumulative")]      // per-day rules: those kinds are still read event by event
    [InlineData("autumn-winter-2017")]     // campaign-wide thresholds: earlier months count too
    public async Task Gather_AMonthFromTheTallies_EqualsTheMonthFromTheEvents(string rulebookCode)
    {
        await using var world = await ScoringWorld.CreateAsync(rulebookCode);
        await SeedThreeMonthsAsync(world);
        // An accepted appeal took two of October's problems off: the tallies hold them, the gathering must not.
        var september = await world.ScoreAsync("2017-09");
        var excluded = (await world.QueryAsync<long>("""
            SELECT id FROM scoring_event WHERE kind = 'problem_found' AND occurred_at >= @OctoberStart ORDER BY id LIMIT 2
            """, new { OctoberStart })).ToArray();
        await ExcludeAsync(world, september.RunId, excluded);

        var both = await world.GatherOctoberAsync(rulebookCode, EventSource.Tallies, EventSource.Events);
        var (fromTallies, fromEvents) = (both[0], both[1]);

        Assert.Equal(fromEvents.EventsThrough, fromTallies.EventsThrough);
        Assert.Equal(excluded, fromTallies.ExcludedEventIds);
        Assert.Equal(Describe(fromEvents), Describe(fromTallies));
        Assert.Contains("problem_found", Describe(fromTallies));   // the comparison is not of two empty sets
    }

    [Fact]
    public async Task Tallies_AfterInsertsAWeightChangeAndANewTimeZone_EqualTheEventsRecounted()
    {
        await using var world = await ScoringWorld.CreateAsync("jining-consecutive");
        var task = await SeedThreeMonthsAsync(world);
        Assert.Equal(await world.QueryAsync<TallyRow>(TalliesFromEvents), await world.QueryAsync<TallyRow>(StoredTallies));

        // A plan version re-weighs a task: the events already written weigh the new weight.
        await world.ScalarAsync<int>("UPDATE task SET weight = 3.5 WHERE id = @task RETURNING 1", new { task });
        var reweighed = await world.QueryAsync<TallyRow>(StoredTallies);
        Assert.Equal(await world.QueryAsync<TallyRow>(TalliesFromEvents), reweighed);
        Assert.Contains(reweighed, r => r.Weight % 1 == 0.5m);

        // A plan version moves the campaign to UTC: the event at 2017-09-30 17:00 UTC is September's now, not October's.
        await world.ScalarAsync<int>("UPDATE campaign SET time_zone = 'UTC' WHERE id = @CampaignId RETURNING 1", new { world.CampaignId });
        Assert.Equal(await world.QueryAsync<TallyRow>(TalliesFromEvents), await world.QueryAsync<TallyRow>(StoredTallies));
    }

    [Fact]
    public async Task Tallies_InAZoneWhoseMonthBeginsInsideAQuarterHour_PutEachEventInItsOwnMonth()
    {
        // Monrovia kept −0:44:30 until 7 January 1972: its January began at 00:44:30 UTC, inside the quarter-hour the
        // trigger groups by first. The two events share that quarter-hour and not their month.
        await using var world = await ScoringWorld.CreateAsync("jining-consecutive");
        await world.ScalarAsync<int>("UPDATE campaign SET time_zone = 'Africa/Monrovia' WHERE id = @CampaignId RETURNING 1", new { world.CampaignId });
        await world.EventsAsync("jx-huayu", "overdue", 2, "1972-01-01T00:35:00Z");
        await world.EventsAsync("jx-huayu", "overdue", 3, "1972-01-01T00:44:40Z");

        var tallies = await world.QueryAsync<TallyRow>(StoredTallies);

        Assert.Equal(await world.QueryAsync<TallyRow>(TalliesFromEvents), tallies);
        Assert.Equal([(new DateOnly(1971, 12, 1), 2), (new DateOnly(1972, 1, 1), 3)], tallies.Select(t => (t.Month, t.Events)));
    }

    [Fact]
    public async Task Campaign_WithAZoneTheDatabaseDoesNotKnow_IsRefused()
    {
        await using var world = await ScoringWorld.CreateAsync("jining-consecutive");

        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            world.ScalarAsync<int>("UPDATE campaign SET time_zone = 'China Standard Time' WHERE id = @CampaignId RETURNING 1", new { world.CampaignId }));

        Assert.Equal(Npgsql.PostgresErrorCodes.InvalidParameterValue, refused.SqlState);
        Assert.Contains("China Standard Time", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal("Asia/Shanghai", await world.ScalarAsync<string>("SELECT time_zone FROM campaign WHERE id = @CampaignId", new { world.CampaignId }));
    }

    [Theory]
    [InlineData("2017-10", "2017-11-01T00:00+08:00", "2017-10-01")]
    [InlineData("2017-10", "2017-10-20T00:00+08:00", null)]       // cut off before the month ends: the events are read
    [InlineData("2017-W43", "2017-10-30T00:00+08:00", null)]
    [InlineData("2017-10-25", "2017-10-26T00:00+08:00", null)]
    public void MonthOf_OnlyAWholeMonthCutOffAtItsEnd_IsReadFromTheTallies(string period, string cutoff, string? month)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var (start, end) = PeriodBounds.For(period, zone);

        var found = PeriodInputsStore.MonthOf(new ScoringScope(1, "monthly", period, 1, start, end, DateTimeOffset.Parse(cutoff, System.Globalization.CultureInfo.InvariantCulture), zone));

        Assert.Equal(month is null ? null : DateOnly.Parse(month, System.Globalization.CultureInfo.InvariantCulture), found);
    }

    /// <summary>Events in September, October and November on weighted and unweighted tasks, at three levels, one
    /// without a task, and two either side of October's first local midnight. Returns the weighted task.</summary>
    private static async Task<long> SeedThreeMonthsAsync(ScoringWorld world)
    {
        var weighty = await world.TaskAsync("1", weight: 2.5m);
        var plain = await world.TaskAsync("2");
        var huayu = await world.AssignAsync("jx-huayu", weighty, reportedAt: "2017-10-20T01:00Z");
        var yangshan = await world.AssignAsync("jx-yangshan", plain, reportedAt: "2017-10-20T01:00Z");
        var jishu = await world.AssignAsync("jx-jishu", weighty, state: "closed", closedAt: "2017-10-05T02:00Z");
        await world.EventsAsync("jx-huayu", "overdue", 2, "2017-10-10T02:00Z", assignmentId: huayu);
        await world.EventsAsync("jx-huayu", "overdue", 1, "2017-09-20T02:00Z", assignmentId: huayu);
        await world.EventsAsync("jx-jishu", "overdue", 1, "2017-10-01T02:00Z", assignmentId: jishu);
        await world.EventsAsync("jx-yangshan", "overdue", 1, "2017-09-30T15:59:59Z", assignmentId: yangshan);   // 23:59:59 on 30 September
        await world.EventsAsync("jx-yangshan", "overdue", 1, "2017-09-30T17:00Z", assignmentId: yangshan);      // 01:00 on 1 October
        await world.EventsAsync("jx-yangshan", "problem_found", 3, "2017-10-12T02:00Z", "city");
        await world.EventsAsync("jx-yangshan", "problem_found", 2, "2017-10-13T02:00Z", "province", assignmentId: yangshan);
        await world.EventsAsync("jx-yangshan", "problem_found", 1, "2017-09-12T02:00Z", "city");
        await world.EventsAsync("jx-huayu", "not_rectified_in_time", 2, "2017-10-18T02:00Z", "county", assignmentId: huayu);
        await world.EventsAsync("jx-huayu", "repeat_problem", 3, "2017-10-18T02:00Z", "county");
        await world.EventsAsync("jx-huayu", "relapse", 6, "2017-09-18T02:00Z", assignmentId: huayu);
        await world.EventsAsync("jx-jishu", "closed_on_time", 1, "2017-10-31T15:00Z", assignmentId: jishu);
        await world.EventsAsync("jx-jishu", "closed_on_time", 1, "2017-10-31T16:00Z", assignmentId: jishu);     // November
        await world.EventsAsync("jx-huayu", "acknowledged_late", 1, "2017-11-03T02:00Z", assignmentId: huayu);
        return weighty;
    }

    private static async Task ExcludeAsync(ScoringWorld world, long runId, long[] eventIds)
    {
        await using var connection = await world.Engine.Database.DataSource.OpenConnectionAsync();
        var appeal = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO appeal (campaign_id, cycle, period, ledger_entry_id, unit_id, rule_id, reasons, state, filed_by, filed_at)
            SELECT r.campaign_id, r.cycle, r.period, l.id, l.unit_id, l.rule_id, '重复录入', 'accepted', (SELECT min(id) FROM person), now()
            FROM score_run r JOIN score_ledger_entry l ON l.run_id = r.id WHERE r.id = @runId ORDER BY l.id LIMIT 1
            RETURNING id
            """, new { runId });
        await connection.ExecuteAsync("""
            INSERT INTO score_exclusion (campaign_id, appeal_id, event_id, unit_id)
            SELECT campaign_id, @appeal, id, unit_id FROM scoring_event WHERE id = ANY(@eventIds)
            """, new { appeal, eventIds });
    }

    /// <summary>Everything gathered, in a canonical text: per unit the events by kind and level (count, weight, days),
    /// the counts before and through the period by kind, the snapshot's tally, and every digest.</summary>
    private static string Describe(PeriodInputs inputs)
    {
        var lines = new List<string>();
        foreach (var (unit, facts) in inputs.Facts.OrderBy(f => f.Key))
        {
            lines.AddRange(facts.Events.OrderBy(e => e.Key.Kind, StringComparer.Ordinal).ThenBy(e => e.Key.Level, StringComparer.Ordinal)
                .Select(e => $"E {unit} {e.Key.Kind} {e.Key.Level} {e.Value.Count} {e.Value.Weight:0.00} {e.Value.Days:0.00} {e.Value.WeightedDays:0.00}"));
            lines.AddRange(facts.Cumulative.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"C {unit} {c.Key} {c.Value.Before} {c.Value.Through}"));
            lines.Add($"S {unit} {facts.Snapshot}");
        }

        var digests = inputs.Digests ?? EventDigests.Empty;
        lines.AddRange(digests.InPeriod.OrderBy(d => d.Key.Unit).ThenBy(d => d.Key.Kind, StringComparer.Ordinal).ThenBy(d => d.Key.Level, StringComparer.Ordinal)
            .Select(d => $"D {d.Key} {d.Value.Count} {d.Value.Hex}"));
        lines.AddRange(digests.Days.OrderBy(d => d.Key.Unit).ThenBy(d => d.Key.Kind, StringComparer.Ordinal).ThenBy(d => d.Key.Level, StringComparer.Ordinal)
            .Select(d => $"Y {d.Key} {d.Value.Count} {d.Value.Hex}"));
        return string.Join('\n', lines);
    }

    private sealed record TallyRow(long CampaignId, DateOnly Month, long UnitId, string Kind, string Level, int Events, decimal Weight, long Digest);
}
