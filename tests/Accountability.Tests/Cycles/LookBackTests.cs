using Accountability.Cycles;
using Accountability.Tests.Access;
using Dapper;

namespace Accountability.Tests.Cycles;

public sealed class LookBackTests : IAsyncLifetime
{
    private TestEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        await OrganizationFixture.ImportSampleAsync(_engine);
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task Sample_PicksEveryShutDownPlantAndARandomShareOfTheRestOnceAndSetsTheirTimers()
    {
        var ds = _engine.Database.DataSource;
        var campaign = await CycleScenario.CreateCampaignAsync(ds, "lb", "{}", new DateOnly(2017, 9, 1), new DateOnly(2017, 12, 31), TestEngine.Start);
        var closedAt = DateTimeOffset.Parse("2017-09-10T02:00Z");
        var issued = DateTimeOffset.Parse("2017-09-01T01:00Z");
        await CycleScenario.AddItemsAsync(ds, campaign, new Dictionary<string, int> { ["jx-huayu"] = 20 }, 20, issued, issued.AddDays(30), disposalClass: "shut_down", closedAt: closedAt);
        await CycleScenario.AddItemsAsync(ds, campaign, new Dictionary<string, int> { ["jx-yangshan"] = 400 }, 400, issued, issued.AddDays(30), disposalClass: "upgrade", closedAt: closedAt);
        var sample = _engine.Get<SampleLookBacks>();

        var tooEarly = await sample.RunAsync();
        _engine.Time.SetUtcNow(closedAt.AddDays(31));
        var result = await sample.RunAsync();
        var again = await sample.RunAsync();

        Assert.Equal(0, tooEarly.Selected);
        Assert.Equal(420, result.Considered);
        Assert.Equal(20, result.ByRisk);
        // A 10 % share of 400, drawn by hash: near 40, reproducibly the same.
        Assert.InRange(result.ByRandom, 20, 60);
        Assert.Equal(0, again.Considered);
        await using var connection = await ds.OpenConnectionAsync();
        var timers = await connection.QueryAsync<(string Code, int Count)>("""
            SELECT u.code, count(*)::int FROM assignment a JOIN unit u ON u.id = a.unit_id
            WHERE a.next_timer_kind = 'look_back_due' AND a.next_timer_at = @now GROUP BY u.code ORDER BY u.code
            """, new { now = _engine.Time.GetUtcNow() });
        Assert.Equal([("jx-huayu", 20), ("jx-yangshan", result.ByRandom)], timers);
        Assert.Equal(result.Selected, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_event WHERE kind = 'look_back.sampled'"));
    }
}
