using Accountability.Assignments;
using Dapper;

namespace Accountability.Tests.Assignments;

/// <summary>Every action of the default workflow on a real database: the state it leads to, the receipt or record
/// it leaves, its audit event, its scoring events and its timers.</summary>
public sealed class AssignmentLifecycleTests : IAsyncLifetime
{
    private TestEngine _engine = null!;
    private AssignmentFixture _fixture = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        _fixture = await AssignmentFixture.CreateAsync(_engine);
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private static readonly DateOnly Due = new(2017, 10, 31);

    private Task<Accountability.Access.Actor> Unit => _fixture.ActorAsync("huayu.operator");

    private Task<Accountability.Access.Actor> Verifier => _fixture.ActorAsync("env.verifier");

    private Task<Accountability.Access.Actor> Planner => _fixture.ActorAsync("hq.planner");

    private async Task<long> InProgressAsync(string[]? evidenceKinds = null, bool longTerm = false)
    {
        var id = await _fixture.IssueOneAsync(Due, evidenceKinds: evidenceKinds, longTerm: longTerm);
        await _engine.Get<AcknowledgeAssignment>().RunAsync(await Unit, new ActionRequest(id));
        await _engine.Get<ReportProgress>().RunAsync(await Unit, new ActionRequest(id), 40, "已关停两家");
        return id;
    }

    private async Task<long> SubmittedAsync(bool longTerm = false)
    {
        var id = await InProgressAsync(longTerm: longTerm);
        await _engine.Get<SubmitForClosure>().RunAsync(await Unit, new ActionRequest(id), [AssignmentFixture.Photo()], "已全部整改");
        return id;
    }

    [Fact]
    public async Task Acknowledge_OnTime_RecordsTheReceiptAndNoPoint()
    {
        var id = await _fixture.IssueOneAsync(Due);
        var operatorActor = await Unit;

        var result = await _engine.Get<AcknowledgeAssignment>().RunAsync(operatorActor, new ActionRequest(id), "收到");

        Assert.Equal("acknowledged", result.Item.State);
        Assert.Equal(2, result.Item.Version);
        var facts = await _fixture.FactsAsync(id);
        Assert.Equal(_engine.Time.GetUtcNow(), facts.AcknowledgedAt);
        Assert.Equal(operatorActor.PersonId, facts.AcknowledgedBy);
        Assert.Equal("due_soon", facts.NextTimerKind);
        Assert.Equal(["assignment.acknowledge"], await _fixture.AuditKindsAsync(id));
        Assert.Empty(await _fixture.ScoresAsync(id));
    }

    [Fact]
    public async Task Acknowledge_AfterItsDueTime_IsScoredAsLate()
    {
        var id = await _fixture.IssueOneAsync(Due);
        _engine.Time.Advance(TimeSpan.FromDays(5));
        await _fixture.SweepAsync();

        await _engine.Get<AcknowledgeAssignment>().RunAsync(await Unit, new ActionRequest(id));

        Assert.Equal(["assignment.timer.acknowledgement_due", "assignment.acknowledge"], await _fixture.AuditKindsAsync(id));
        Assert.Equal(["acknowledged_late"], await _fixture.ScoresAsync(id));
    }

    [Fact]
    public async Task ReportProgress_BeforeAcknowledging_IsRefusedByTheState()
    {
        var id = await _fixture.IssueOneAsync(Due);

        var error = await Assert.ThrowsAsync<BusinessRuleBrokenException>(
            () => _engine.Get<ReportProgress>().RunAsync(Unit.Result, new ActionRequest(id), 10, "开始"));

        Assert.Equal("StateMustAllowActionRule", error.Rule);
        Assert.Equal("State issued does not allow report_progress.", error.Message);
        Assert.Equal("issued", Assert.IsType<AssignmentView>(error.Current).State);
        Assert.Empty(await _fixture.AuditKindsAsync(id));
    }

    [Fact]
    public async Task ReportProgress_MovesToInProgressWithPercentAndLight()
    {
        var id = await InProgressAsync();

        var facts = await _fixture.FactsAsync(id);

        Assert.Equal("in_progress", facts.State);
        Assert.Equal(40, facts.ProgressPercent);
        Assert.Equal("green", facts.Light);
    }

    [Fact]
    public async Task ReportProgress_WithoutANote_IsRejectedNamingTheField()
    {
        var id = await _fixture.IssueOneAsync(Due);
        await _engine.Get<AcknowledgeAssignment>().RunAsync(await Unit, new ActionRequest(id));

        var error = await Assert.ThrowsAsync<InputRejectedException>(
            () => _engine.Get<ReportProgress>().RunAsync(Unit.Result, new ActionRequest(id), 10, ""));

        Assert.Equal("note", Assert.Single(error.Problems).Field);
    }

    [Fact]
    public async Task Extension_ApprovedByANamedLeader_MovesTheDueDateAndKeepsTheOriginal()
    {
        var id = await InProgressAsync();
        await _engine.Get<RequestExtension>().RunAsync(await Unit, new ActionRequest(id), "设备未到货", new DateOnly(2017, 11, 30));
        Assert.Equal("extension_pending", (await _fixture.FactsAsync(id)).State);

        var result = await _engine.Get<DecideExtension>().RunAsync(await Planner, new ActionRequest(id), approve: true,
            new DateOnly(2017, 11, 20), "卢超磊（副县长）", "同意延期");

        Assert.Equal("in_progress", result.Item.State);
        Assert.Equal(AssignmentFixture.EndOfDay(Due), result.Item.DueAt);
        Assert.Equal(AssignmentFixture.EndOfDay(new DateOnly(2017, 11, 20)), result.Item.ExtendedDueAt);
        var request = await _fixture.ScalarAsync<string>("SELECT status || '|' || leader FROM extension_request WHERE assignment_id = @id", new { id });
        Assert.Equal("approved|卢超磊（副县长）", request);
        // The timers follow the new date: due soon three working days before 11/20.
        Assert.Equal(("due_soon", AssignmentFixture.Local(2017, 11, 15, 9)), ((await _fixture.FactsAsync(id)).NextTimerKind, (await _fixture.FactsAsync(id)).NextTimerAt));
    }

    [Fact]
    public async Task Extension_Refused_ReturnsToWorkOnTheOriginalDate()
    {
        var id = await InProgressAsync();
        await _engine.Get<RequestExtension>().RunAsync(await Unit, new ActionRequest(id), "设备未到货", new DateOnly(2017, 11, 30));

        var result = await _engine.Get<DecideExtension>().RunAsync(await Planner, new ActionRequest(id), approve: false, null, null, "不同意");

        Assert.Equal("in_progress", result.Item.State);
        Assert.Null(result.Item.ExtendedDueAt);
        Assert.Equal("refused", await _fixture.ScalarAsync<string>("SELECT status FROM extension_request WHERE assignment_id = @id", new { id }));
    }

    [Fact]
    public async Task Extension_AfterTheDueDate_IsRefusedAndTheRefusalIsRecordedOnce()
    {
        var id = await InProgressAsync();
        _engine.Time.Advance(AssignmentFixture.EndOfDay(Due) - _engine.Time.GetUtcNow() + TimeSpan.FromHours(1));

        for (var attempt = 0; attempt < 2; attempt++)
        {
            var error = await Assert.ThrowsAsync<BusinessRuleBrokenException>(() =>
                _engine.Get<RequestExtension>().RunAsync(Unit.Result, new ActionRequest(id), "来不及", new DateOnly(2017, 11, 30)));
            Assert.Equal("ExtensionMustBeFiledBeforeDueDateRule", error.Rule);
        }

        Assert.Equal(["extension_refused_after_due"], await _fixture.ScoresAsync(id));
        Assert.Equal(2, await _fixture.ScalarAsync<int>("SELECT count(*) FROM extension_request WHERE assignment_id = @id AND status = 'refused_after_due'", new { id }));
        Assert.Equal("in_progress", (await _fixture.FactsAsync(id)).State);
        await _fixture.SweepAsync();
        Assert.Equal("overdue", (await _fixture.FactsAsync(id)).State);
        // Once overdue, the request meets the same rule rather than "not allowed in this state".
        var again = await Assert.ThrowsAsync<BusinessRuleBrokenException>(() =>
            _engine.Get<RequestExtension>().RunAsync(Unit.Result, new ActionRequest(id), "来不及", new DateOnly(2017, 11, 30)));
        Assert.Equal("ExtensionMustBeFiledBeforeDueDateRule", again.Rule);
    }

    [Fact]
    public async Task Submit_WithoutEvidence_IsRejected_AndWithoutARequiredKind_IsRefusedByItsRule()
    {
        var id = await InProgressAsync(evidenceKinds: ["现场照片", "整改报告"]);

        var missing = await Assert.ThrowsAsync<InputRejectedException>(
            () => _engine.Get<SubmitForClosure>().RunAsync(Unit.Result, new ActionRequest(id), []));
        Assert.Equal("files", Assert.Single(missing.Problems).Field);

        var partial = await Assert.ThrowsAsync<BusinessRuleBrokenException>(
            () => _engine.Get<SubmitForClosure>().RunAsync(Unit.Result, new ActionRequest(id), [AssignmentFixture.Photo()]));
        Assert.Equal("EvidenceMustCoverRequiredKindsRule", partial.Rule);
        Assert.Contains("整改报告", partial.Message);

        var result = await _engine.Get<SubmitForClosure>().RunAsync(await Unit, new ActionRequest(id), [AssignmentFixture.Photo(), AssignmentFixture.Pdf()]);
        Assert.Equal("submitted", result.Item.State);
        Assert.Equal(2, await _fixture.ScalarAsync<int>("SELECT count(*) FROM evidence_file WHERE assignment_id = @id AND length(sha256) = 32", new { id }));
    }

    [Fact]
    public async Task Submit_AnExecutableDisguisedAsAPhoto_IsRejectedAndNothingIsWritten()
    {
        var id = await InProgressAsync();
        var program = new EvidenceUpload("现场照片", "photo.jpg", [0x4D, 0x5A, 0x90, 0x00, 0x03]);

        var error = await Assert.ThrowsAsync<InputRejectedException>(
            () => _engine.Get<SubmitForClosure>().RunAsync(Unit.Result, new ActionRequest(id), [program]));

        Assert.Contains("executable", Assert.Single(error.Problems).Reason);
        Assert.Equal("in_progress", (await _fixture.FactsAsync(id)).State);
        Assert.Equal(0, await _fixture.ScalarAsync<int>("SELECT count(*) FROM evidence_file"));
    }

    [Fact]
    public async Task Accept_WithoutPublicNotice_ClosesOnTimeAndRecordsTheVerifier()
    {
        var id = await SubmittedAsync();
        var verifier = await Verifier;
        await _engine.Get<StartVerification>().RunAsync(verifier, new ActionRequest(id));

        var result = await _engine.Get<AcceptSubmission>().RunAsync(verifier, new ActionRequest(id), "现场核查属实");

        Assert.Equal("closed", result.Item.State);
        Assert.False(result.Item.Open);
        Assert.Equal(verifier.PersonId, result.Item.VerifiedBy);
        Assert.Equal(["closed_on_time"], await _fixture.ScoresAsync(id));
        var facts = await _fixture.FactsAsync(id);
        Assert.Null(facts.NextTimerAt);
        // No look-back until sampling picks the closure (回头看 is sampled, not scheduled for every item).
        Assert.Null(facts.RecheckKind);
        Assert.Null(facts.Light);
    }

    [Fact]
    public async Task Accept_ALongTermTask_ClosesItAsLongTerm()
    {
        var id = await SubmittedAsync(longTerm: true);

        var result = await _engine.Get<AcceptSubmission>().RunAsync(await Verifier, new ActionRequest(id));

        Assert.Equal("closed_long_term", result.Item.State);
        Assert.Equal("recheck_due", (await _fixture.FactsAsync(id)).RecheckKind);
    }

    [Fact]
    public async Task Return_AsAFalseReply_IsScoredAndTheClockRunsAgain()
    {
        var id = await SubmittedAsync();

        var result = await _engine.Get<ReturnSubmission>().RunAsync(await Verifier, new ActionRequest(id), "现场仍在生产", falseReply: true);

        Assert.Equal("returned", result.Item.State);
        Assert.Equal(["returned_as_false"], await _fixture.ScoresAsync(id));
        Assert.Equal("due_soon", result.Item.NextTimerKind);
    }

    [Fact]
    public async Task Return_WithoutRequirements_IsRejected()
    {
        var id = await SubmittedAsync();

        var error = await Assert.ThrowsAsync<InputRejectedException>(
            () => _engine.Get<ReturnSubmission>().RunAsync(Verifier.Result, new ActionRequest(id), " "));

        Assert.Equal("requirements", Assert.Single(error.Problems).Field);
    }

    [Fact]
    public async Task ReturnedAfterTheDueDate_BecomesOverdueAtOnce_ButIsScoredOverdueOnlyOnce()
    {
        var id = await InProgressAsync();
        _engine.Time.Advance(AssignmentFixture.EndOfDay(Due) - _engine.Time.GetUtcNow() + TimeSpan.FromHours(1));
        await _fixture.SweepAsync();
        await _engine.Get<SubmitForClosure>().RunAsync(await Unit, new ActionRequest(id), [AssignmentFixture.Photo()]);
        await _engine.Get<ReturnSubmission>().RunAsync(await Verifier, new ActionRequest(id), "材料不全");

        await _fixture.SweepAsync();

        Assert.Equal("overdue", (await _fixture.FactsAsync(id)).State);
        Assert.Equal(["overdue", "returned"], await _fixture.ScoresAsync(id));
    }

    [Fact]
    public async Task LookBack_Relapse_ReopensCountsAndFlagsTheVerifier()
    {
        var id = await SubmittedAsync();
        var verifier = await Verifier;
        await _engine.Get<AcceptSubmission>().RunAsync(verifier, new ActionRequest(id));
        await _engine.Get<RecordLookBack>().RunAsync(await _fixture.ActorAsync("inspection.officer"), new ActionRequest(id), LookBackResult.Pass, "未反弹");
        Assert.Equal("closed", (await _fixture.FactsAsync(id)).State);

        var result = await _engine.Get<RecordLookBack>().RunAsync(await _fixture.ActorAsync("inspection.officer"), new ActionRequest(id),
            LookBackResult.Relapse, "夜间偷偷生产", new DateOnly(2017, 12, 15));

        Assert.Equal("reopened", result.Item.State);
        Assert.Equal(1, result.Item.RelapseCount);
        Assert.True(result.Item.VerifierFlagged);
        Assert.True(result.Item.Open);
        Assert.Null(result.Item.ClosedAt);
        Assert.Equal(["closed_on_time", "relapse"], await _fixture.ScoresAsync(id));
        var detail = await _fixture.ScalarAsync<string>("SELECT detail->>'verified_by' FROM scoring_event WHERE assignment_id = @id AND kind = 'relapse'", new { id });
        Assert.Equal(verifier.PersonId.ToString(System.Globalization.CultureInfo.InvariantCulture), detail);
    }

    [Fact]
    public async Task Chaser_IsIssuedUpTheLadder_AndAcknowledgedOnceByTheUnit()
    {
        var id = await InProgressAsync();
        await _engine.Get<IssueChaser>().RunAsync(await Planner, new ActionRequest(id), "请于本周内完成");
        var second = await _engine.Get<IssueChaser>().RunAsync(await _fixture.ActorAsync("inspection.officer"), new ActionRequest(id), "再次催办");

        Assert.Equal(2, second.Item.ChaserLevel);
        Assert.Equal("blue,orange", await _fixture.ScalarAsync<string>("SELECT string_agg(colour, ',' ORDER BY id) FROM assignment_chaser WHERE assignment_id = @id", new { id }));
        Assert.Equal(2, await _fixture.ScalarAsync<int>("SELECT count(*) FROM notification WHERE assignment_id = @id AND kind LIKE 'assignment.chaser.%'", new { id }));

        var chaserId = await _fixture.ScalarAsync<long>("SELECT min(id) FROM assignment_chaser WHERE assignment_id = @id", new { id });
        await _engine.Get<AcknowledgeChaser>().RunAsync(await Unit, new ActionRequest(id), chaserId, "已收到");
        Assert.NotNull(await _fixture.ScalarAsync<DateTimeOffset?>("SELECT acknowledged_at FROM assignment_chaser WHERE id = @chaserId", new { chaserId }));
        var twice = await Assert.ThrowsAsync<BusinessRuleBrokenException>(
            () => _engine.Get<AcknowledgeChaser>().RunAsync(Unit.Result, new ActionRequest(id), chaserId));
        Assert.Equal("ChaserMustBeUnacknowledgedRule", twice.Rule);
    }

    [Fact]
    public async Task ACancelledItem_RefusesEveryAction()
    {
        var id = await _fixture.IssueOneAsync(Due);
        await using (var connection = await _engine.Database.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE assignment SET state = 'cancelled', next_timer_at = NULL, next_timer_kind = NULL WHERE id = @id", new { id });
        }

        var error = await Assert.ThrowsAsync<BusinessRuleBrokenException>(
            () => _engine.Get<AcknowledgeAssignment>().RunAsync(Unit.Result, new ActionRequest(id)));

        Assert.Equal("State cancelled does not allow acknowledge.", error.Message);
    }

    [Fact]
    public async Task View_ShowsTheTimelineAndTheActionsTheReaderMayTake()
    {
        var id = await SubmittedAsync();

        var asUnit = await _engine.Get<ViewAssignment>().RunAsync(await Unit, id);
        var asVerifier = await _engine.Get<ViewAssignment>().RunAsync(await Verifier, id);

        Assert.Equal(["assignment.acknowledge", "assignment.report_progress", "assignment.submit"], asUnit.Timeline.Select(e => e.Kind));
        Assert.Equal("任明英", asUnit.Timeline[0].ActorName);
        Assert.Single(asUnit.Evidence);
        Assert.Equal(["acknowledge_chaser"], asUnit.Actions);
        Assert.Contains("accept", asVerifier.Actions);
        Assert.Contains("return", asVerifier.Actions);
    }
}
