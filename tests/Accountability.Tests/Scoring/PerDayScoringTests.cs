namespace Accountability.Tests.Scoring;

public sealed class PerDayScoringTests : IAsyncLifetime
{
    private ScoringWorld _world = null!;

    public async Task InitializeAsync() => _world = await ScoringWorld.CreateAsync("anyang-cumulative");

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task PerDayRule_CountsTheStartedDaysInThePeriodIncludingAnItemOverdueSinceTheMonthBefore()
    {
        var task = await _world.TaskAsync("1");
        var late = await _world.AssignAsync("jx-huayu", task, reportedAt: "2017-10-20T01:00Z");
        var older = await _world.AssignAsync("jx-yangshan", task, reportedAt: "2017-10-20T01:00Z");
        var closed = await _world.AssignAsync("jx-jishu", task, state: "closed", closedAt: "2017-10-05T02:00Z");
        // 2017-10-20 10:00 in Shanghai until the period's end: 11 days and 14 hours, 12 started days.
        await _world.EventsAsync("jx-huayu", "overdue", 1, "2017-10-20T02:00Z", assignmentId: late);
        // Overdue since September and still open: all 31 days of October count, though the event is not October's.
        await _world.EventsAsync("jx-yangshan", "overdue", 1, "2017-09-20T02:00Z", assignmentId: older);
        // Closed on 5 October 10:00 after being overdue since 1 October 10:00: 4 started days... of which 4 in October.
        var closedEvent = await _world.EventsAsync("jx-jishu", "overdue", 1, "2017-10-01T02:00Z", assignmentId: closed);

        var result = await _world.ScoreAsync("2017-10");

        var days = (await _world.QueryAsync<(string Unit, decimal Quantity, decimal Points, long Id)>("""
            SELECT u.code, e.quantity, e.points, e.id FROM score_ledger_entry e JOIN unit u ON u.id = e.unit_id
            WHERE e.run_id = @RunId AND e.rule_id = 'overdue-days'
            """, new { result.RunId })).ToDictionary(d => d.Unit);
        Assert.Equal((12m, -1.2m), (days["jx-huayu"].Quantity, days["jx-huayu"].Points));
        Assert.Equal((31m, -3.1m), (days["jx-yangshan"].Quantity, days["jx-yangshan"].Points));
        Assert.Equal((4m, -0.4m), (days["jx-jishu"].Quantity, days["jx-jishu"].Points));
        Assert.Equal(closedEvent, await _world.LineEventsAsync(days["jx-jishu"].Id));
        Assert.All(await _world.CheckLedgerAsync(result.RunId), c => Assert.True(c.Holds, $"ledger entry {c.EntryId}: {c}"));
        // The September event scores its days in October but is not October's overdue item.
        Assert.DoesNotContain(await _world.QueryAsync<string>("SELECT u.code FROM score_ledger_entry e JOIN unit u ON u.id = e.unit_id WHERE e.run_id = @RunId AND e.rule_id = 'overdue'",
            new { result.RunId }), u => u == "jx-yangshan");
    }
}
