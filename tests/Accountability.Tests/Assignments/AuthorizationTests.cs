using Accountability.Access;
using Accountability.Assignments;

namespace Accountability.Tests.Assignments;

/// <summary>Every action through the access policy: another unit's user is told the item does not exist; a unit
/// user trying a verifier's or headquarters' action, or a verifier of another unit, is refused.</summary>
public sealed class AuthorizationTests : IAsyncLifetime
{
    private TestEngine _engine = null!;
    private AssignmentFixture _fixture = null!;
    private long _item;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        _fixture = await AssignmentFixture.CreateAsync(_engine);
        _item = await _fixture.IssueOneAsync(new DateOnly(2017, 10, 31));
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    public static TheoryData<string> Actions => new()
    {
        "acknowledge", "report_progress", "request_extension", "decide_extension", "submit", "start_verification", "accept", "return",
        "object", "close", "close_unfounded", "look_back", "chase", "acknowledge_chaser", "view", "download_evidence",
    };

    private Task Act(string action, Actor actor) => action switch
    {
        "acknowledge" => _engine.Get<AcknowledgeAssignment>().RunAsync(actor, new ActionRequest(_item)),
        "report_progress" => _engine.Get<ReportProgress>().RunAsync(actor, new ActionRequest(_item), 10, "进展"),
        "request_extension" => _engine.Get<RequestExtension>().RunAsync(actor, new ActionRequest(_item), "原因", new DateOnly(2017, 11, 30)),
        "decide_extension" => _engine.Get<DecideExtension>().RunAsync(actor, new ActionRequest(_item), true, new DateOnly(2017, 11, 30), "县长", null),
        "submit" => _engine.Get<SubmitForClosure>().RunAsync(actor, new ActionRequest(_item), [AssignmentFixture.Photo()]),
        "start_verification" => _engine.Get<StartVerification>().RunAsync(actor, new ActionRequest(_item)),
        "accept" => _engine.Get<AcceptSubmission>().RunAsync(actor, new ActionRequest(_item)),
        "return" => _engine.Get<ReturnSubmission>().RunAsync(actor, new ActionRequest(_item), "补充材料"),
        "object" => _engine.Get<ObjectDuringPublicNotice>().RunAsync(actor, new ActionRequest(_item), "异议"),
        "close" => _engine.Get<CloseAssignment>().RunAsync(actor, new ActionRequest(_item)),
        "close_unfounded" => _engine.Get<CloseComplaintAsUnfounded>().RunAsync(actor, new ActionRequest(_item), "调查记录"),
        "look_back" => _engine.Get<RecordLookBack>().RunAsync(actor, new ActionRequest(_item), LookBackResult.Pass, null),
        "chase" => _engine.Get<IssueChaser>().RunAsync(actor, new ActionRequest(_item), "请尽快办理"),
        "acknowledge_chaser" => _engine.Get<AcknowledgeChaser>().RunAsync(actor, new ActionRequest(_item), 1),
        "view" => _engine.Get<ViewAssignment>().RunAsync(actor, _item),
        "download_evidence" => _engine.Get<DownloadEvidence>().RunAsync(actor, _item, 1),
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task AnotherUnitsUser_IsToldTheItemDoesNotExist(string action)
    {
        var error = await Assert.ThrowsAsync<AccessDeniedException>(async () => await Act(action, await _fixture.ActorAsync("yangshan.operator")));

        Assert.True(error.HideExistence);
        Assert.Empty(await _fixture.AuditKindsAsync(_item));
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task AVerifierOfAnotherUnit_IsToldTheItemDoesNotExist(string action)
    {
        var error = await Assert.ThrowsAsync<AccessDeniedException>(async () => await Act(action, await _fixture.ActorAsync("land.verifier")));

        Assert.True(error.HideExistence);
    }

    [Theory]
    [InlineData("decide_extension")]
    [InlineData("start_verification")]
    [InlineData("accept")]
    [InlineData("return")]
    [InlineData("object")]
    [InlineData("close")]
    [InlineData("close_unfounded")]
    [InlineData("look_back")]
    [InlineData("chase")]
    public async Task TheUnitsOwnUser_IsRefusedWhatOnlyOthersMayDo(string action)
    {
        var error = await Assert.ThrowsAsync<AccessDeniedException>(async () => await Act(action, await _fixture.ActorAsync("huayu.operator")));

        Assert.False(error.HideExistence);
        Assert.Empty(await _fixture.AuditKindsAsync(_item));
    }

    [Theory]
    [InlineData("acknowledge")]
    [InlineData("report_progress")]
    [InlineData("request_extension")]
    [InlineData("submit")]
    [InlineData("acknowledge_chaser")]
    public async Task TheVerifier_IsRefusedTheUnitsActions(string action)
    {
        var error = await Assert.ThrowsAsync<AccessDeniedException>(async () => await Act(action, await _fixture.ActorAsync("env.verifier")));

        Assert.False(error.HideExistence);
    }

    [Fact]
    public async Task RecordProblem_ByAUnitOperator_IsRefused()
    {
        var report = new ProblemReport(_fixture.CampaignId, ProblemSource.Inspection, "county", 1, 1, "问题", null, null, new DateOnly(2017, 10, 1));

        await Assert.ThrowsAsync<AccessDeniedException>(async () =>
            await _engine.Get<RecordProblem>().RunAsync(await _fixture.ActorAsync("huayu.operator"), report));
    }

    [Fact]
    public async Task List_ShowsAUnitOnlyItsOwnItems_AndTheVerifierWhatItVerifies()
    {
        await _fixture.IssueAsync(new DateOnly(2017, 10, 31), ["jx-yangshan", "jx-mamiao"], verifierCode: "jx-land");
        var list = _engine.Get<ListAssignments>();
        var now = _engine.Time.GetUtcNow();

        var huayu = await list.RunAsync(await _fixture.ActorAsync("huayu.operator"), new AssignmentFilter(), now);
        var yangshan = await list.RunAsync(await _fixture.ActorAsync("yangshan.operator"), new AssignmentFilter(), now);
        var land = await list.RunAsync(await _fixture.ActorAsync("land.verifier"), new AssignmentFilter(), now);
        var planner = await list.RunAsync(await _fixture.ActorAsync("hq.planner"), new AssignmentFilter(State: "issued"), now);

        Assert.Equal([_item], huayu.Items.Select(i => i.Id));
        Assert.Equal(["jx-yangshan"], yangshan.Items.Select(i => i.UnitName == "羊山镇" ? "jx-yangshan" : i.UnitName));
        Assert.Equal(2, land.Total);
        Assert.Equal(3, planner.Total);
    }
}
