using Accountability.Cycles;
using Accountability.Escalations;
using Accountability.Tests.Access;

namespace Accountability.Tests.Scoring;

public sealed class ConsequenceResponseTests : IAsyncLifetime
{
    private ScoringWorld _world = null!;

    public async Task InitializeAsync()
    {
        _world = await ScoringWorld.CreateAsync("jining-consecutive");
        var task = await _world.TaskAsync("1");
        var item = await _world.AssignAsync("jx-huayu", task, reportedAt: "2017-10-20T01:00Z");
        await _world.EventsAsync("jx-huayu", "overdue", 3, "2017-10-10T02:00Z", assignmentId: item);
        _world.Engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-01T01:00Z"));
        await _world.ScoreAsync("2017-10");
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task UnansweredResponse_PastDue_IsMarkedOverdueOnceAndTheUnitAndHeadquartersAreNotified()
    {
        var sweep = _world.Engine.Get<IEnumerable<IPeriodicSweep>>().Single(s => s.Name == "consequence-responses");
        Assert.Equal(0, await sweep.RunOnceAsync(default));

        _world.Engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-09T01:00Z"));   // the plan was due by the end of 8 November
        var first = await sweep.RunOnceAsync(default);
        var second = await sweep.RunOnceAsync(default);

        Assert.True(first >= 1);
        Assert.Equal(0, second);
        Assert.Equal(first, await _world.ScalarAsync<int>(
            "SELECT count(*) FROM notification n JOIN unit u ON u.id = n.unit_id WHERE n.kind = 'consequence_response_overdue' AND u.code = 'jx-huayu'"));
        Assert.Equal(first, await _world.ScalarAsync<int>(
            "SELECT count(*) FROM notification n JOIN unit u ON u.id = n.unit_id WHERE n.kind = 'consequence_response_overdue' AND u.code = 'jx-hq'"));
        Assert.Equal(first, await _world.ScalarAsync<int>("SELECT count(*) FROM audit_event WHERE kind = 'consequence.response_overdue'"));
    }

    [Fact]
    public async Task Response_ByTheUnitInTime_IsRecordedOnceAndNeverMarkedOverdue()
    {
        var id = await _world.ScalarAsync<long>("""
            SELECT c.id FROM consequence c JOIN unit u ON u.id = c.unit_id WHERE u.code = 'jx-huayu' AND c.kind = 'admonishment_talk'
            """);
        var leader = await OrganizationFixture.ActorAsync(_world.Engine, "huayu.leader");
        var respond = _world.Engine.Get<RecordConsequenceResponse>();

        await respond.RunAsync(leader, id, "rectification_plan", "整改方案已报送，见附件");
        var twice = await Assert.ThrowsAsync<BusinessRuleBrokenException>(() => respond.RunAsync(leader, id, "rectification_plan", "again"));
        var stranger = await OrganizationFixture.ActorAsync(_world.Engine, "yangshan.operator");
        await Assert.ThrowsAsync<AccessDeniedException>(() => respond.RunAsync(stranger, id, "written_report", "not ours"));
        _world.Engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-09T01:00Z"));
        await _world.Engine.Get<IEnumerable<IPeriodicSweep>>().Single(s => s.Name == "consequence-responses").RunOnceAsync(default);

        Assert.Equal(nameof(ResponseIsGivenOnceRule), twice.Rule);
        Assert.Equal(0, await _world.ScalarAsync<int>(
            "SELECT count(*) FROM consequence_response WHERE consequence_id = @id AND kind = 'rectification_plan' AND overdue_at IS NOT NULL", new { id }));
    }

    private Task<long> TalkAsync() => _world.ScalarAsync<long>("""
        SELECT c.id FROM consequence c JOIN score_run r ON r.id = c.run_id AND r.current JOIN unit u ON u.id = c.unit_id
        WHERE u.code = 'jx-huayu' AND c.kind = 'admonishment_talk'
        """);

    private Task<int> OverdueNoticesAsync(string unit) => _world.ScalarAsync<int>("""
        SELECT count(*) FROM notification n JOIN unit u ON u.id = n.unit_id
        WHERE n.kind = 'consequence_response_overdue' AND n.title LIKE '%整改方案%' AND u.code = @unit
        """, new { unit });

    private Task<int> SweepAsync() =>
        _world.Engine.Get<IEnumerable<IPeriodicSweep>>().Single(s => s.Name == "consequence-responses").RunOnceAsync(default);

    [Fact]
    public async Task Rescore_AfterTheUnitResponded_KeepsTheResponseAndNothingGoesOverdue()
    {
        var leader = await OrganizationFixture.ActorAsync(_world.Engine, "huayu.leader");
        await _world.Engine.Get<RecordConsequenceResponse>().RunAsync(leader, await TalkAsync(), "rectification_plan", "整改方案已报送");
        _world.Engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-03T01:00Z"));   // a correction two days later: the same talk again

        await _world.ScoreAsync("2017-10");
        _world.Engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-13T01:00Z"));
        await SweepAsync();

        var huayu = await _world.UnitAsync("jx-huayu");
        var views = await _world.Engine.Get<ReadConsequenceResponses>().ForUnitAsync(leader, ScoringWorld.Campaign, huayu);
        var plan = Assert.Single(views.Single(v => v.Kind == "admonishment_talk").Responses, r => r.Kind == "rectification_plan");
        Assert.NotNull(plan.RespondedAt);
        Assert.Equal(DateTimeOffset.Parse("2017-11-08T16:00Z"), plan.DueAt);
        Assert.Equal(0, await OverdueNoticesAsync("jx-huayu"));
    }

    [Fact]
    public async Task Rescore_BeforeTheDueTime_NeitherMovesTheDueTimeNorDemandsTheResponseTwice()
    {
        _world.Engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-03T01:00Z"));
        await _world.ScoreAsync("2017-10");

        _world.Engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-09T01:00Z"));
        await SweepAsync();
        _world.Engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-13T01:00Z"));
        await SweepAsync();

        Assert.Equal(1, await OverdueNoticesAsync("jx-huayu"));
        Assert.Equal(1, await OverdueNoticesAsync("jx-hq"));
        var current = await _world.QueryAsync<(DateTimeOffset DueAt, DateTimeOffset? OverdueAt)>(
            "SELECT due_at, overdue_at FROM consequence_response WHERE consequence_id = @id AND kind = 'rectification_plan'", new { id = await TalkAsync() });
        Assert.Equal(DateTimeOffset.Parse("2017-11-08T16:00Z"), Assert.Single(current).DueAt);
        Assert.NotNull(current[0].OverdueAt);
    }

    [Fact]
    public async Task Recompute_ThatNoLongerProducesTheConsequence_LeavesItsResponsesUndemanded()
    {
        var talk = await TalkAsync();

        // Scored again under a rulebook that holds the town accountable instead of calling it to a talk.
        await _world.ScoreAsync("2017-10", FactsBuilder.Shipped("autumn-winter-2017"));
        _world.Engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-13T01:00Z"));
        await SweepAsync();

        Assert.Equal(0, await OverdueNoticesAsync("jx-huayu"));
        Assert.Equal(0, await _world.ScalarAsync<int>(
            "SELECT count(*) FROM consequence_response WHERE consequence_id = @talk AND overdue_at IS NOT NULL", new { talk }));
    }

    [Fact]
    public async Task Response_GivenOnAConsequenceSinceRecomputed_IsRecordedOnTheCurrentOne()
    {
        var first = await TalkAsync();
        await _world.ScoreAsync("2017-10");
        var leader = await OrganizationFixture.ActorAsync(_world.Engine, "huayu.leader");

        // The unit answers from the notice it had, which links the talk as first issued.
        await _world.Engine.Get<RecordConsequenceResponse>().RunAsync(leader, first, "rectification_plan", "整改方案已报送");
        _world.Engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-13T01:00Z"));
        await SweepAsync();

        Assert.NotEqual(first, await TalkAsync());
        Assert.NotNull(await _world.ScalarAsync<DateTimeOffset?>(
            "SELECT responded_at FROM consequence_response WHERE consequence_id = @id AND kind = 'rectification_plan'", new { id = await TalkAsync() }));
        Assert.Equal(0, await OverdueNoticesAsync("jx-huayu"));
    }
}
