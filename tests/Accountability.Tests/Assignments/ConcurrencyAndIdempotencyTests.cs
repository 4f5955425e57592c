using Accountability.Assignments;

namespace Accountability.Tests.Assignments;

/// <summary>Two people at once: one wins, the other gets the current state. A retried POST acts once.</summary>
public sealed class ConcurrencyAndIdempotencyTests : IAsyncLifetime
{
    private TestEngine _engine = null!;
    private AssignmentFixture _fixture = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        _fixture = await AssignmentFixture.CreateAsync(_engine);
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task TwoPeopleActingOnTheSameVersion_OneWinsAndTheOtherGetsAConflictWithTheCurrentState()
    {
        var id = await _fixture.IssueOneAsync(new DateOnly(2017, 10, 31));
        var operatorActor = await _fixture.ActorAsync("huayu.operator");
        var leader = await _fixture.ActorAsync("huayu.leader");
        var acknowledge = _engine.Get<AcknowledgeAssignment>();

        var attempts = await Task.WhenAll(
            Task.Run(() => Outcome(() => acknowledge.RunAsync(operatorActor, new ActionRequest(id, ExpectedVersion: 1)))),
            Task.Run(() => Outcome(() => acknowledge.RunAsync(leader, new ActionRequest(id, ExpectedVersion: 1)))));

        Assert.Single(attempts, a => a is ActionResult);
        var conflict = Assert.IsType<ConcurrencyConflictException>(Assert.Single(attempts, a => a is Exception));
        var current = Assert.IsType<AssignmentView>(conflict.Current);
        Assert.Equal(("acknowledged", 2), (current.State, current.Version));
        Assert.Equal(["assignment.acknowledge"], await _fixture.AuditKindsAsync(id));
    }

    [Fact]
    public async Task TwoPeopleWithoutVersions_AreSerialised_AndTheSecondMeetsTheNewState()
    {
        var id = await _fixture.IssueOneAsync(new DateOnly(2017, 10, 31));
        var operatorActor = await _fixture.ActorAsync("huayu.operator");
        var leader = await _fixture.ActorAsync("huayu.leader");

        var attempts = await Task.WhenAll(
            Task.Run(() => Outcome(() => _engine.Get<AcknowledgeAssignment>().RunAsync(operatorActor, new ActionRequest(id)))),
            Task.Run(() => Outcome(() => _engine.Get<AcknowledgeAssignment>().RunAsync(leader, new ActionRequest(id)))));

        var refusal = Assert.IsType<BusinessRuleBrokenException>(Assert.Single(attempts, a => a is Exception));
        Assert.Equal("State acknowledged does not allow acknowledge.", refusal.Message);
        Assert.Equal("acknowledged", Assert.IsType<AssignmentView>(refusal.Current).State);
    }

    [Fact]
    public async Task AStaleVersion_IsRefusedWithTheCurrentItem()
    {
        var id = await _fixture.IssueOneAsync(new DateOnly(2017, 10, 31));
        var operatorActor = await _fixture.ActorAsync("huayu.operator");
        await _engine.Get<AcknowledgeAssignment>().RunAsync(operatorActor, new ActionRequest(id, ExpectedVersion: 1));

        var stale = await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            _engine.Get<ReportProgress>().RunAsync(operatorActor, new ActionRequest(id, ExpectedVersion: 1), 20, "进展"));

        Assert.Equal(2, Assert.IsType<AssignmentView>(stale.Current).Version);
    }

    [Fact]
    public async Task ARetryWithTheSameIdempotencyKey_ReturnsTheFirstAnswerAndActsOnce()
    {
        var id = await _fixture.IssueOneAsync(new DateOnly(2017, 10, 31));
        var operatorActor = await _fixture.ActorAsync("huayu.operator");
        await _engine.Get<AcknowledgeAssignment>().RunAsync(operatorActor, new ActionRequest(id));
        var request = new ActionRequest(id, IdempotencyKey: "progress-2017-09-01-a");

        var first = await _engine.Get<ReportProgress>().RunAsync(operatorActor, request, 30, "完成三成");
        _engine.Time.Advance(TimeSpan.FromMinutes(1));
        var retry = await _engine.Get<ReportProgress>().RunAsync(operatorActor, request, 30, "完成三成");

        Assert.False(first.Replayed);
        Assert.True(retry.Replayed);
        Assert.Equal(first.Item, retry.Item);
        Assert.Equal(["assignment.acknowledge", "assignment.report_progress"], await _fixture.AuditKindsAsync(id));
    }

    [Fact]
    public async Task ConcurrentRetriesWithTheSameKey_ActOnce()
    {
        var id = await _fixture.IssueOneAsync(new DateOnly(2017, 10, 31));
        var operatorActor = await _fixture.ActorAsync("huayu.operator");
        var request = new ActionRequest(id, IdempotencyKey: "ack-1");

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => _engine.Get<AcknowledgeAssignment>().RunAsync(operatorActor, request))));

        Assert.Single(results, r => !r.Replayed);
        Assert.All(results, r => Assert.Equal(2, r.Item.Version));
        Assert.Equal(["assignment.acknowledge"], await _fixture.AuditKindsAsync(id));
    }

    [Fact]
    public async Task TheSameKeyForADifferentRequest_IsRejected()
    {
        var id = await _fixture.IssueOneAsync(new DateOnly(2017, 10, 31));
        var operatorActor = await _fixture.ActorAsync("huayu.operator");
        await _engine.Get<AcknowledgeAssignment>().RunAsync(operatorActor, new ActionRequest(id));
        await _engine.Get<ReportProgress>().RunAsync(operatorActor, new ActionRequest(id, IdempotencyKey: "k"), 30, "完成三成");

        var error = await Assert.ThrowsAsync<InputRejectedException>(() =>
            _engine.Get<ReportProgress>().RunAsync(operatorActor, new ActionRequest(id, IdempotencyKey: "k"), 60, "完成六成"));

        Assert.Equal("Idempotency-Key", Assert.Single(error.Problems).Field);
        Assert.Equal(30, (await _fixture.FactsAsync(id)).ProgressPercent);
    }

    private static async Task<object> Outcome(Func<Task<ActionResult>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is ConcurrencyConflictException or BusinessRuleBrokenException)
        {
            return e;
        }
    }

    [Fact]
    public async Task TheSameKeyForAReceiptOfAnotherChaser_IsRejectedNotReplayed()
    {
        var id = await _fixture.IssueOneAsync(new DateOnly(2017, 10, 31));
        var planner = await _fixture.ActorAsync("hq.planner");
        await _engine.Get<IssueChaser>().RunAsync(planner, new ActionRequest(id), "请于本周内完成");
        await _engine.Get<IssueChaser>().RunAsync(planner, new ActionRequest(id), "再次催办");
        long[] chasers = [await _fixture.ScalarAsync<long>("SELECT min(id) FROM assignment_chaser WHERE assignment_id = @id", new { id }),
            await _fixture.ScalarAsync<long>("SELECT max(id) FROM assignment_chaser WHERE assignment_id = @id", new { id })];
        var operatorActor = await _fixture.ActorAsync("huayu.operator");
        await _engine.Get<AcknowledgeChaser>().RunAsync(operatorActor, new ActionRequest(id, IdempotencyKey: "chaser-receipt"), chasers[0]);

        // A client that keys its receipts by item would otherwise be told the second receipt was signed when it was not.
        var error = await Assert.ThrowsAsync<InputRejectedException>(() =>
            _engine.Get<AcknowledgeChaser>().RunAsync(operatorActor, new ActionRequest(id, IdempotencyKey: "chaser-receipt"), chasers[1]));

        Assert.Equal("Idempotency-Key", Assert.Single(error.Problems).Field);
        Assert.Equal(1, await _fixture.ScalarAsync<int>(
            "SELECT count(*) FROM assignment_chaser WHERE assignment_id = @id AND acknowledged_at IS NOT NULL", new { id }));
    }
}
