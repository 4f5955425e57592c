using Accountability.Assignments;
using Accountability.Tests.Access;

namespace Accountability.Tests.Assignments;

/// <summary>Problems arriving one by one: a ledger item with its own number, an assignment to the town, the scoring
/// fact at the finding level; complaints may be closed as unfounded.</summary>
public sealed class RecordProblemTests : IAsyncLifetime
{
    private TestEngine _engine = null!;
    private AssignmentFixture _fixture = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        _fixture = await AssignmentFixture.CreateAsync(_engine);
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private async Task<ProblemReport> ReportAsync(ProblemSource source, string? level, string? repeatOf = null) => new(
        _fixture.CampaignId, source, level, await OrganizationFixture.UnitIdAsync(_engine, "jx-huayu"),
        await OrganizationFixture.UnitIdAsync(_engine, "jx-env"), "化雨镇某石料厂露天堆放未苫盖", "扬尘", "三日内苫盖到位",
        new DateOnly(2017, 9, 10), repeatOf, [AssignmentFixture.Photo()]);

    [Fact]
    public async Task Inspection_CreatesANumberedLedgerItemAndAnAssignmentToTheTown_AndScoresTheFinding()
    {
        var inspector = await _fixture.ActorAsync("inspection.officer");

        var item = await _engine.Get<RecordProblem>().RunAsync(inspector, await ReportAsync(ProblemSource.Inspection, "city"));

        Assert.Equal(("WT-0001", "issued", "化雨镇"), (item.Number, item.State, item.UnitName));
        Assert.Equal(AssignmentFixture.EndOfDay(new DateOnly(2017, 9, 10)), item.DueAt);
        Assert.Equal("problem|inspection|city", await _fixture.ScalarAsync<string>(
            "SELECT kind || '|' || source || '|' || found_level FROM ledger_item WHERE number = 'WT-0001'"));
        Assert.Equal(["problem_found"], await _fixture.ScoresAsync(item.Id));
        Assert.Equal("city", await _fixture.ScalarAsync<string>("SELECT level FROM scoring_event WHERE assignment_id = @Id", new { item.Id }));
        Assert.Equal(1, await _fixture.ScalarAsync<int>("SELECT count(*) FROM evidence_file WHERE assignment_id = @Id", new { item.Id }));
        Assert.Equal("acknowledgement_due", (await _fixture.FactsAsync(item.Id)).NextTimerKind);
    }

    [Fact]
    public async Task MediaExposure_AndARepeat_AreScoredAsSuch()
    {
        var inspector = await _fixture.ActorAsync("inspection.officer");
        var first = await _engine.Get<RecordProblem>().RunAsync(inspector, await ReportAsync(ProblemSource.Inspection, "county"));

        var exposed = await _engine.Get<RecordProblem>().RunAsync(inspector, await ReportAsync(ProblemSource.Media, "province", repeatOf: first.Number));

        Assert.Equal("WT-0002", exposed.Number);
        Assert.Equal(["media_exposure", "repeat_problem"], await _fixture.ScoresAsync(exposed.Id));
    }

    [Fact]
    public async Task AComplaint_CanBeClosedAsUnfoundedWithTheInvestigation()
    {
        var planner = await _fixture.ActorAsync("hq.planner");
        var complaint = await _engine.Get<RecordProblem>().RunAsync(planner, await ReportAsync(ProblemSource.Complaint, null));
        Assert.Equal("TS-0001", complaint.Number);
        Assert.Empty(await _fixture.ScoresAsync(complaint.Id));

        var result = await _engine.Get<CloseComplaintAsUnfounded>().RunAsync(await _fixture.ActorAsync("inspection.officer"),
            new ActionRequest(complaint.Id), "经现场调查，该厂已于8月停产，举报不属实", [AssignmentFixture.Pdf("调查笔录", "调查笔录.pdf")]);

        Assert.Equal("closed_unfounded", result.Item.State);
        Assert.False(result.Item.Open);
        Assert.Empty(await _fixture.ScoresAsync(complaint.Id));
    }

    [Fact]
    public async Task AComplaintClosedAsFounded_IsScoredSubstantiated()
    {
        var complaint = await _engine.Get<RecordProblem>().RunAsync(await _fixture.ActorAsync("hq.planner"), await ReportAsync(ProblemSource.Complaint, null));
        var unit = await _fixture.ActorAsync("huayu.operator");
        await _engine.Get<AcknowledgeAssignment>().RunAsync(unit, new ActionRequest(complaint.Id));
        await _engine.Get<SubmitForClosure>().RunAsync(unit, new ActionRequest(complaint.Id), [AssignmentFixture.Photo()]);

        await _engine.Get<AcceptSubmission>().RunAsync(await _fixture.ActorAsync("env.verifier"), new ActionRequest(complaint.Id));

        Assert.Equal(["closed_on_time", "complaint_substantiated"], await _fixture.ScoresAsync(complaint.Id));
    }

    [Fact]
    public async Task ARetryWithTheSameIdempotencyKey_ReturnsTheFirstProblemAndRecordsItOnce()
    {
        var inspector = await _fixture.ActorAsync("inspection.officer");
        var report = await ReportAsync(ProblemSource.Inspection, "city") with { IdempotencyKey = "inspection-2017-09-01-1" };

        var first = await _engine.Get<RecordProblem>().RunAsync(inspector, report);
        _engine.Time.Advance(TimeSpan.FromMinutes(1));
        var retry = await _engine.Get<RecordProblem>().RunAsync(inspector, report);

        Assert.Equal(first, retry);
        Assert.Equal(1, await _fixture.ScalarAsync<int>("SELECT count(*) FROM ledger_item"));
        Assert.Equal(1, await _fixture.ScalarAsync<int>("SELECT count(*) FROM assignment WHERE ledger_item_id IS NOT NULL"));
        // The town is scored and told once, not once per retry.
        Assert.Equal(1, await _fixture.ScalarAsync<int>("SELECT count(*) FROM scoring_event WHERE kind = 'problem_found'"));
        Assert.Equal(1, await _fixture.ScalarAsync<int>("SELECT count(*) FROM notification WHERE kind = 'assignment.issued'"));
        Assert.Equal(1, await _fixture.ScalarAsync<int>("SELECT count(*) FROM audit_event WHERE kind = 'assignment.issued'"));
    }

    [Fact]
    public async Task ConcurrentRetriesWithTheSameKey_RecordTheProblemOnce()
    {
        var inspector = await _fixture.ActorAsync("inspection.officer");
        var report = await ReportAsync(ProblemSource.Inspection, "city") with { IdempotencyKey = "inspection-2017-09-01-2" };

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => _engine.Get<RecordProblem>().RunAsync(inspector, report))));

        Assert.Single(results.Select(r => r.Id).Distinct());
        Assert.Equal(1, await _fixture.ScalarAsync<int>("SELECT count(*) FROM scoring_event WHERE kind = 'problem_found'"));
    }

    [Fact]
    public async Task TheSameKeyForADifferentProblem_IsRejectedAndRecordsNothingMore()
    {
        var inspector = await _fixture.ActorAsync("inspection.officer");
        var report = await ReportAsync(ProblemSource.Inspection, "city") with { IdempotencyKey = "k" };
        await _engine.Get<RecordProblem>().RunAsync(inspector, report);

        var error = await Assert.ThrowsAsync<InputRejectedException>(() =>
            _engine.Get<RecordProblem>().RunAsync(inspector, report with { Name = "另一处露天堆放" }));

        Assert.Equal("Idempotency-Key", Assert.Single(error.Problems).Field);
        Assert.Equal(1, await _fixture.ScalarAsync<int>("SELECT count(*) FROM ledger_item"));
    }

    [Fact]
    public async Task AProblemWithoutLevelOrName_IsRejectedNamingTheFields()
    {
        var report = await ReportAsync(ProblemSource.Inspection, null) with { Name = " " };

        var error = await Assert.ThrowsAsync<InputRejectedException>(async () =>
            await _engine.Get<RecordProblem>().RunAsync(await _fixture.ActorAsync("inspection.officer"), report));

        Assert.Equal(["name", "level"], error.Problems.Select(p => p.Field));
        Assert.Equal(0, await _fixture.ScalarAsync<int>("SELECT count(*) FROM ledger_item"));
    }
}
