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
}
