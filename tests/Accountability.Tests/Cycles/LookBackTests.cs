using Accountability.Assignments;
using Accountability.Cycles;
using Accountability.Scoring;
using Accountability.Tests.Assignments;
using Accountability.Tests.Plans;
using Microsoft.Extensions.DependencyInjection;
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
        // Picked on Wednesday 2017-10-11: the definition's look-back timer falls on the next working morning, in the
        // recheck columns where the workflow keeps the timers of final states; nothing in next_timer_*.
        var timers = await connection.QueryAsync<(string Code, int Count)>("""
            SELECT u.code, count(*)::int FROM assignment a JOIN unit u ON u.id = a.unit_id
            WHERE a.recheck_kind = 'look_back_due' AND a.recheck_at = @due AND a.look_back_sampled_at = @now AND a.next_timer_at IS NULL
            GROUP BY u.code ORDER BY u.code
            """, new { now = _engine.Time.GetUtcNow(), due = new DateTimeOffset(2017, 10, 12, 9, 0, 0, TimeSpan.FromHours(8)).ToUniversalTime() });
        Assert.Equal([("jx-huayu", 20), ("jx-yangshan", result.ByRandom)], timers);
        Assert.Equal(result.Selected, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_event WHERE kind = 'look_back.sampled'"));
    }

    [Fact]
    public async Task LookBack_OfASampledClosure_FiresOnceThroughTheSweep_AndARelapseIsReopenedCountedAndScoredTwice()
    {
        // A shut-down plant from the plan's ledger, found by the city, verified by 县环保局; the campaign scores under the
        // autumn-winter rule, which counts a relapse as a new problem and as an unrectified one.
        await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml("""
            campaign:
              code: lb-plan
              name: 回头看测试行动
              headquarters: 县攻坚办
              starts_on: 2017-09-01
              ends_on: 2018-03-31
              rulebook: autumn-winter-2017
            ledger:
              - { number: QY-001, name: 化雨某塑料颗粒加工点, town: 化雨镇, disposal: 关停取缔, deadline: 2017年9月30日前, found_level: city, verifier: 县环保局 }
            """));
        var operatorActor = await OrganizationFixture.ActorAsync(_engine, "huayu.operator");
        var verifier = await OrganizationFixture.ActorAsync(_engine, "env.verifier");
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var id = await connection.ExecuteScalarAsync<long>("SELECT a.id FROM assignment a JOIN ledger_item l ON l.id = a.ledger_item_id WHERE l.number = 'QY-001'");
        await _engine.Get<AcknowledgeAssignment>().RunAsync(operatorActor, new ActionRequest(id));
        await _engine.Get<SubmitForClosure>().RunAsync(operatorActor, new ActionRequest(id), [AssignmentFixture.Photo()]);
        await _engine.Get<AcceptSubmission>().RunAsync(verifier, new ActionRequest(id));
        var sweep = _engine.Services.GetServices<IPeriodicSweep>().Single(s => s.Name == "assignment-timers");
        async Task<int> FiredAsync() => await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_event WHERE kind = 'assignment.timer.look_back_due' AND assignment_id = @id", new { id });
        Assert.Null((await _engine.Get<AssignmentStore>().FindAsync(id))!.RecheckAt);

        _engine.Time.SetUtcNow(AssignmentFixture.Local(2017, 10, 10, 10));
        Assert.Equal(1, (await _engine.Get<SampleLookBacks>().RunAsync()).ByRisk);
        await sweep.RunOnceAsync(default);
        var firedEarly = await FiredAsync();
        _engine.Time.SetUtcNow(AssignmentFixture.Local(2017, 10, 11, 9));
        await sweep.RunOnceAsync(default);
        _engine.Time.Advance(TimeSpan.FromDays(7));
        await sweep.RunOnceAsync(default);
        Assert.Equal(0, (await _engine.Get<SampleLookBacks>().RunAsync()).Selected);

        Assert.Equal(0, firedEarly);
        Assert.Equal(1, await FiredAsync());
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("""
            SELECT count(*) FROM notification n JOIN unit u ON u.id = n.unit_id
            WHERE n.kind = 'assignment.timer.look_back_due' AND n.assignment_id = @id AND u.code = 'jx-env'
            """, new { id }));
        var waiting = (await _engine.Get<AssignmentStore>().FindAsync(id))!;
        Assert.Equal(("closed", null, null), (waiting.State, waiting.RecheckAt, waiting.NextTimerAt));

        var relapse = await _engine.Get<RecordLookBack>().RunAsync(verifier, new ActionRequest(id), LookBackResult.Relapse, "复产：夜间偷偷生产",
            new DateOnly(2017, 10, 31));
        _engine.Time.SetUtcNow(AssignmentFixture.Local(2017, 11, 1, 9));
        var scored = await _engine.Get<ScoreCampaignPeriod>().RunAsync(null, "lb-plan", "monthly", "2017-10");

        var reopened = (await _engine.Get<AssignmentStore>().FindAsync(id))!;
        Assert.Equal("reopened", relapse.Item.State);
        Assert.Equal((1, true, (DateTimeOffset?)null), (reopened.RelapseCount, reopened.VerifierFlagged, reopened.LookBackSampledAt));
        Assert.Equal("city", await connection.ExecuteScalarAsync<string>("SELECT level FROM scoring_event WHERE kind = 'relapse' AND assignment_id = @id", new { id }));
        var huayu = await OrganizationFixture.UnitIdAsync(_engine, "jx-huayu");
        var row = scored.Outcome.Results.Single(r => r.UnitId == huayu);
        Assert.Equal((1, 1), (row.ProblemsFound, row.Unrectified));
        Assert.Contains(scored.Outcome.Ledger, l => l.UnitId == huayu && l.RuleId == "relapse" && l.Points < 0);
    }
}
