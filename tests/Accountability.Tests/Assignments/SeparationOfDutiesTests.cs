using Accountability.Access;
using Accountability.Assignments;
using Dapper;

namespace Accountability.Tests.Assignments;

/// <summary>谁验收谁负责: a person who holds both a unit role and a verifier role may verify others' submissions, never
/// their own — on the real database, with the roles held as the county would grant them.</summary>
public sealed class SeparationOfDutiesTests : IAsyncLifetime
{
    private const string Rule = nameof(SubmitterMayNotVerifyTheirOwnSubmissionRule);
    private TestEngine _engine = null!;
    private AssignmentFixture _fixture = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        _fixture = await AssignmentFixture.CreateAsync(_engine);
        // 化雨镇's operator is also made a verifier for 县环保局, the verifying unit of the fixture's tasks.
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO membership (person_id, unit_id, role)
            VALUES ((SELECT id FROM person WHERE login = 'huayu.operator'), (SELECT id FROM unit WHERE code = 'jx-env'), 'verifier')
            """);
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private Task<Actor> DoubleHatted => _fixture.ActorAsync("huayu.operator");

    private async Task<long> SubmittedByDoubleHattedAsync()
    {
        var id = await _fixture.IssueOneAsync(new DateOnly(2017, 10, 31));
        var me = await DoubleHatted;
        await _engine.Get<AcknowledgeAssignment>().RunAsync(me, new ActionRequest(id));
        await _engine.Get<SubmitForClosure>().RunAsync(me, new ActionRequest(id), [AssignmentFixture.Photo()], "已全部整改");
        return id;
    }

    [Fact]
    public async Task Accept_ByThePersonWhoSubmitted_IsRefusedByTheRuleAndNothingChanges()
    {
        var id = await SubmittedByDoubleHattedAsync();
        var before = await _fixture.FactsAsync(id);

        var error = await Assert.ThrowsAsync<BusinessRuleBrokenException>(
            async () => await _engine.Get<AcceptSubmission>().RunAsync(await DoubleHatted, new ActionRequest(id), "自己验收"));

        Assert.Equal(Rule, error.Rule);
        Assert.Contains("another verifier", error.Message, StringComparison.Ordinal);
        var view = Assert.IsType<AssignmentView>(error.Current);
        Assert.Equal("submitted", view.State);
        var after = await _fixture.FactsAsync(id);
        Assert.Equal(before.RowVersion, after.RowVersion);
        Assert.Null(after.VerifiedBy);
        Assert.DoesNotContain("assignment.accept", await _fixture.AuditKindsAsync(id));
        Assert.Empty(await _fixture.ScoresAsync(id));
    }

    [Fact]
    public async Task Return_ByThePersonWhoSubmitted_IsRefusedByTheRule()
    {
        var id = await SubmittedByDoubleHattedAsync();

        var error = await Assert.ThrowsAsync<BusinessRuleBrokenException>(
            async () => await _engine.Get<ReturnSubmission>().RunAsync(await DoubleHatted, new ActionRequest(id), "补充材料"));

        Assert.Equal(Rule, error.Rule);
        Assert.Equal("submitted", (await _fixture.FactsAsync(id)).State);
    }

    [Fact]
    public async Task Accept_ByAnotherVerifier_Succeeds_AndTheDoubleHattedPersonMayVerifyOthersSubmissions()
    {
        var own = await SubmittedByDoubleHattedAsync();
        var other = await _fixture.IssueOneAsync(new DateOnly(2017, 10, 31), unitCode: "jx-yangshan");
        var yangshan = await _fixture.ActorAsync("yangshan.operator");
        await _engine.Get<AcknowledgeAssignment>().RunAsync(yangshan, new ActionRequest(other));
        await _engine.Get<SubmitForClosure>().RunAsync(yangshan, new ActionRequest(other), [AssignmentFixture.Photo()], "已整改");

        var byOther = await _engine.Get<AcceptSubmission>().RunAsync(await _fixture.ActorAsync("env.verifier"), new ActionRequest(own));
        var byDoubleHatted = await _engine.Get<AcceptSubmission>().RunAsync(await DoubleHatted, new ActionRequest(other));

        Assert.Equal("closed", byOther.Item.State);
        Assert.Equal("closed", byDoubleHatted.Item.State);
        Assert.Equal((await DoubleHatted).PersonId, byDoubleHatted.Item.VerifiedBy);
    }

    [Fact]
    public async Task LookBackPass_ByThePersonWhoSubmitted_IsRefused_ButARelapseTheyFindIsRecorded()
    {
        var id = await SubmittedByDoubleHattedAsync();
        await _engine.Get<AcceptSubmission>().RunAsync(await _fixture.ActorAsync("env.verifier"), new ActionRequest(id));

        var error = await Assert.ThrowsAsync<BusinessRuleBrokenException>(
            async () => await _engine.Get<RecordLookBack>().RunAsync(await DoubleHatted, new ActionRequest(id), LookBackResult.Pass, "未反弹"));
        var relapse = await _engine.Get<RecordLookBack>().RunAsync(await DoubleHatted, new ActionRequest(id), LookBackResult.Relapse,
            "又有偷排", new DateOnly(2017, 12, 15));

        Assert.Equal(Rule, error.Rule);
        Assert.Equal("reopened", relapse.Item.State);
    }
}
