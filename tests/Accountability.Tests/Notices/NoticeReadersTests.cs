using Accountability.Assignments;
using Accountability.Notices;
using Accountability.Tests.Assignments;

namespace Accountability.Tests.Notices;

/// <summary>Who reads a notice and signs its receipt: the people whose role it is to act on it in the unit it is
/// addressed to — the unit's operators and leaders, its verifiers for what the unit verifies, headquarters' planners for
/// what headquarters decides — and nobody in any other unit.</summary>
public sealed class NoticeReadersTests : IAsyncLifetime
{
    private static readonly DateOnly Due = new(2017, 10, 31);

    private TestEngine _engine = null!;
    private AssignmentFixture _fixture = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        _fixture = await AssignmentFixture.CreateAsync(_engine);
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private async Task<List<NotificationView>> NoticesOfAsync(string login) =>
        [.. await _engine.Get<ListNotifications>().RunAsync(await _fixture.ActorAsync(login))];

    [Fact]
    public async Task WorkflowNotices_ToTheVerifierAndToHeadquarters_AreReadAndReceiptedByVerifiersAndPlanners_AndNoOtherUnit()
    {
        var town = await _fixture.ActorAsync("huayu.operator");
        var submitted = await _fixture.IssueOneAsync(Due);
        await _engine.Get<AcknowledgeAssignment>().RunAsync(town, new ActionRequest(submitted));
        await _engine.Get<SubmitForClosure>().RunAsync(town, new ActionRequest(submitted), [AssignmentFixture.Photo()], "已全部整改");
        var extended = await _fixture.IssueOneAsync(Due);
        await _engine.Get<AcknowledgeAssignment>().RunAsync(town, new ActionRequest(extended));
        await _engine.Get<RequestExtension>().RunAsync(town, new ActionRequest(extended), "设备未到货", new DateOnly(2017, 11, 30));
        // A chaser to the environment bureau as the unit doing the work: its verifiers have nothing to do with it.
        var bureauItem = await _fixture.IssueOneAsync(Due, unitCode: "jx-env", verifierCode: "jx-land");
        await _engine.Get<IssueChaser>().RunAsync(await _fixture.ActorAsync("hq.planner"), new ActionRequest(bureauItem), "请加快进度");

        var verifierNotices = await NoticesOfAsync("env.verifier");
        var plannerNotices = await NoticesOfAsync("hq.planner");

        var toVerify = Assert.Single(verifierNotices);
        Assert.Equal("assignment.submit", toVerify.Kind);
        var toDecide = Assert.Single(plannerNotices);
        Assert.Equal("assignment.request_extension", toDecide.Kind);
        var verifierReceipt = await _engine.Get<MarkNotificationRead>().RunAsync(await _fixture.ActorAsync("env.verifier"), toVerify.Id);
        var plannerReceipt = await _engine.Get<MarkNotificationRead>().RunAsync(await _fixture.ActorAsync("hq.planner"), toDecide.Id);
        Assert.True(verifierReceipt.FirstRead);
        Assert.Equal((await _fixture.ActorAsync("env.verifier")).PersonId, verifierReceipt.ReadBy);
        Assert.True(plannerReceipt.FirstRead);

        // The bureau's own operators keep every notice to their unit, the chaser included.
        Assert.Equal(["assignment.chaser.blue", "assignment.submit"], (await NoticesOfAsync("env.operator")).Select(n => n.Kind).Order());
        // No other unit sees them, nor may sign their receipts; a verifier elsewhere is another unit.
        foreach (var other in new[] { "land.verifier", "yangshan.operator", "huayu.operator", "inspection.officer" })
        {
            var seen = await NoticesOfAsync(other);
            Assert.DoesNotContain(seen, n => n.Id == toVerify.Id || n.Id == toDecide.Id);
            var actor = await _fixture.ActorAsync(other);
            var refused = await Assert.ThrowsAsync<AccessDeniedException>(() => _engine.Get<MarkNotificationRead>().RunAsync(actor, toDecide.Id));
            Assert.True(refused.HideExistence);
        }
    }
}
