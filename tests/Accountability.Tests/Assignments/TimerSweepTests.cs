using System.Text.Json;
using Accountability.Assignments;
using Accountability.Audit;
using Accountability.Workflows;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Accountability.Tests.Assignments;

/// <summary>The timer sweep on a fake clock: what fires when, across weekends, holidays and make-up workdays; exactly
/// once with two sweepers; never after the item has moved on.</summary>
public sealed class TimerSweepTests : IAsyncLifetime
{
    private TestEngine _engine = null!;
    private AssignmentFixture _fixture = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        _fixture = await AssignmentFixture.CreateAsync(_engine, publicNoticeDays: 5);
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private void AdvanceTo(DateTimeOffset instant) => _engine.Time.Advance(instant - _engine.Time.GetUtcNow());

    private AssignmentTimerSweep Sweeper(int batchSize) => new(_engine.Database.DataSource, _engine.Get<AssignmentStore>(),
        _engine.Get<WorkflowCatalog>(), Options.Create(new AssignmentTimerOptions { BatchSize = batchSize }),
        Options.Create(new ProgressLightOptions()), _engine.Time, NullLogger<AssignmentTimerSweep>.Instance);

    [Fact]
    public async Task Timers_OverSixWeeks_FireOnWorkingDaysAcrossTheHolidayAndTheMakeUpSaturday()
    {
        // Issued on Friday 2017-09-29, due Friday 2017-10-13. Saturday 9/30 is worked (调休); 10/1–10/8 is National Day.
        AdvanceTo(AssignmentFixture.Local(2017, 9, 29, 10));
        var id = await _fixture.IssueOneAsync(new DateOnly(2017, 10, 13));

        var end = AssignmentFixture.Local(2017, 11, 15);
        while (_engine.Time.GetUtcNow() < end)
        {
            _engine.Time.Advance(TimeSpan.FromHours(1));
            await _fixture.SweepAsync();
        }

        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var fired = (await connection.QueryAsync<(string Kind, DateTimeOffset At)>(
            "SELECT kind, at FROM audit_event WHERE assignment_id = @id ORDER BY seq", new { id })).ToList();
        Assert.Equal(
        [
            ("assignment.timer.acknowledgement_due", AssignmentFixture.Local(2017, 10, 1)),   // end of the make-up Saturday
            ("assignment.timer.due_soon", AssignmentFixture.Local(2017, 10, 10, 9)),           // 3 working days before, over the holiday
            ("assignment.timer.overdue", AssignmentFixture.Local(2017, 10, 14)),
            ("assignment.timer.chaser", AssignmentFixture.Local(2017, 10, 16, 9)),             // the next working day, a Monday
            ("assignment.timer.escalation", AssignmentFixture.Local(2017, 10, 23, 9)),         // 5 working days after the chaser
            ("assignment.timer.escalation", AssignmentFixture.Local(2017, 10, 30, 9)),
            ("assignment.timer.escalation", AssignmentFixture.Local(2017, 11, 6, 9)),
        ], fired);
        Assert.Equal(["overdue", "chaser_ignored", "chaser_ignored", "chaser_ignored"], await _fixture.ScoresAsync(id));
        Assert.Equal("blue,orange,red", await connection.ExecuteScalarAsync<string>(
            "SELECT string_agg(colour, ',' ORDER BY id) FROM assignment_chaser WHERE assignment_id = @id", new { id }));
        var facts = await _fixture.FactsAsync(id);
        Assert.Equal("overdue", facts.State);
        Assert.Null(facts.NextTimerAt);
        Assert.True((await _engine.Get<VerifyAuditLog>().RunAsync()).IsIntact);
    }

    [Fact]
    public async Task TwoSweepersInParallel_FireEveryTimerExactlyOnce()
    {
        var units = new[] { "jx-huayu", "jx-yangshan", "jx-mamiao", "jx-jinxiang", "jx-gaohe", "jx-wangpi", "jx-yushan", "jx-jishu",
            "jx-sima", "jx-huji", "jx-xiaoyun", "jx-buji", "jx-xinglong", "jx-edz", "jx-food" };
        var ids = new List<long>();
        for (var task = 0; task < 40; task++)
        {
            ids.AddRange(await _fixture.IssueAsync(new DateOnly(2017, 9, 20), units));
        }

        AdvanceTo(AssignmentFixture.Local(2017, 9, 21, 1));
        var first = Sweeper(batchSize: 37);
        var second = Sweeper(batchSize: 37);

        var handled = await Task.WhenAll(Task.Run(() => first.RunOnceAsync(CancellationToken.None)), Task.Run(() => second.RunOnceAsync(CancellationToken.None)));

        Assert.Equal(ids.Count, handled.Sum());
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var perItem = (await connection.QueryAsync<(string Kind, long Items, long Events)>("""
            SELECT kind, count(DISTINCT assignment_id), count(*) FROM audit_event WHERE kind LIKE 'assignment.timer.%' GROUP BY kind ORDER BY kind
            """)).ToList();
        Assert.Equal([("assignment.timer.acknowledgement_due", ids.Count, ids.Count), ("assignment.timer.overdue", ids.Count, ids.Count)],
            perItem.Select(p => (p.Kind, (int)p.Items, (int)p.Events)));
        Assert.Equal(ids.Count, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM scoring_event WHERE kind = 'overdue'"));
        Assert.Equal(ids.Count, await connection.ExecuteScalarAsync<int>("SELECT count(DISTINCT assignment_id) FROM scoring_event WHERE kind = 'overdue'"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM assignment WHERE next_timer_at <= @now", new { now = _engine.Time.GetUtcNow() }));
        Assert.True((await _engine.Get<VerifyAuditLog>().RunAsync()).IsIntact);
        Assert.Equal(0, await _fixture.SweepAsync());
    }

    [Fact]
    public async Task ATimerWhoseItemMovedOn_NeverFires()
    {
        var submitted = await _fixture.IssueOneAsync(new DateOnly(2017, 9, 20));
        var unit = await _fixture.ActorAsync("huayu.operator");
        await _engine.Get<AcknowledgeAssignment>().RunAsync(unit, new ActionRequest(submitted));
        await _engine.Get<SubmitForClosure>().RunAsync(unit, new ActionRequest(submitted), [AssignmentFixture.Photo()]);
        var stale = await _fixture.IssueOneAsync(new DateOnly(2017, 9, 20), "jx-yangshan");
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        // A row whose timer no longer fits its state, as a plan amendment might leave it.
        await connection.ExecuteAsync("UPDATE assignment SET state = 'cancelled' WHERE id = @stale", new { stale });

        AdvanceTo(AssignmentFixture.Local(2017, 9, 25));
        await _fixture.SweepAsync();

        Assert.Equal(["assignment.acknowledge", "assignment.submit"], await _fixture.AuditKindsAsync(submitted));
        Assert.Equal("submitted", (await _fixture.FactsAsync(submitted)).State);
        Assert.Empty(await _fixture.AuditKindsAsync(stale));
        var cancelled = await _fixture.FactsAsync(stale);
        Assert.Equal("cancelled", cancelled.State);
        Assert.Null(cancelled.NextTimerAt);
        Assert.Empty(await _fixture.ScoresAsync(submitted));
    }

    [Fact]
    public async Task PublicNotice_RefusesAnEarlyClose_TakesObjections_AndClosesWhenTheWindowEnds()
    {
        var id = await _fixture.IssueOneAsync(new DateOnly(2017, 10, 31));
        var unit = await _fixture.ActorAsync("huayu.operator");
        var verifier = await _fixture.ActorAsync("env.verifier");
        await _engine.Get<AcknowledgeAssignment>().RunAsync(unit, new ActionRequest(id));
        await _engine.Get<SubmitForClosure>().RunAsync(unit, new ActionRequest(id), [AssignmentFixture.Photo()]);
        Assert.Equal("public_notice", (await _engine.Get<AcceptSubmission>().RunAsync(verifier, new ActionRequest(id))).Item.State);

        var early = await Assert.ThrowsAsync<BusinessRuleBrokenException>(() => _engine.Get<CloseAssignment>().RunAsync(verifier, new ActionRequest(id)));
        Assert.Equal("PublicNoticeMustHaveEndedRule", early.Rule);

        var objected = await _engine.Get<ObjectDuringPublicNotice>().RunAsync(await _fixture.ActorAsync("inspection.officer"), new ActionRequest(id), "群众反映仍有异味");
        Assert.Equal("under_verification", objected.Item.State);
        await _engine.Get<AcceptSubmission>().RunAsync(verifier, new ActionRequest(id), "复查无异味");

        _engine.Time.Advance(TimeSpan.FromDays(10));
        await _fixture.SweepAsync();

        var facts = await _fixture.FactsAsync(id);
        Assert.Equal("closed", facts.State);
        Assert.Equal(_engine.Time.GetUtcNow(), facts.ClosedAt);
        Assert.Equal(["closed_on_time"], await _fixture.ScoresAsync(id));
        // A closed item waits for look-back sampling (Cycles/LookBackTests), not for a timer of its own.
        Assert.Null(facts.RecheckAt);
    }

    [Fact]
    public async Task Overdue_ForSeveralItemsOfAUnit_SendsOneDigestNotice()
    {
        await _fixture.IssueAsync(new DateOnly(2017, 9, 20), ["jx-huayu"]);
        await _fixture.IssueAsync(new DateOnly(2017, 9, 20), ["jx-huayu"]);
        await _fixture.IssueAsync(new DateOnly(2017, 9, 20), ["jx-huayu", "jx-yangshan"]);
        AdvanceTo(AssignmentFixture.Local(2017, 9, 21, 0, 30));

        await _fixture.SweepAsync();

        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var notices = (await connection.QueryAsync<(string Unit, string Title, long? AssignmentId)>("""
            SELECT u.code, n.title, n.assignment_id FROM notification n JOIN unit u ON u.id = n.unit_id
            WHERE n.kind = 'assignment.timer.overdue' ORDER BY u.code, n.title
            """)).ToList();
        Assert.Equal(4, notices.Count);
        Assert.Contains(("jx-huayu", "3 项事项已逾期", (long?)null), notices);
        Assert.Contains(notices, n => n.Unit == "jx-hq" && n.Title == "化雨镇 3 项事项逾期");
        Assert.Contains(notices, n => n.Unit == "jx-yangshan" && n.Title.StartsWith("已逾期：T003", StringComparison.Ordinal) && n.AssignmentId is not null);
    }

    [Fact]
    public async Task FoundProblem_PassingItsDueDate_IsScoredNotRectifiedInTimeAtItsLevel()
    {
        var report = new ProblemReport(_fixture.CampaignId, ProblemSource.UpperLevel, "province",
            await OrganizationFixtureUnit("jx-huayu"), await OrganizationFixtureUnit("jx-env"), "省督察组交办：某砖厂无组织排放", "大气",
            "立即停产整治", new DateOnly(2017, 9, 15));
        var item = await _engine.Get<RecordProblem>().RunAsync(await _fixture.ActorAsync("inspection.officer"), report);
        AdvanceTo(AssignmentFixture.Local(2017, 9, 16, 1));

        await _fixture.SweepAsync();

        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var scores = (await connection.QueryAsync<(string Kind, string? Level)>(
            "SELECT kind, level FROM scoring_event WHERE assignment_id = @Id ORDER BY id", new { item.Id })).ToList();
        Assert.Equal([("problem_found", "province"), ("overdue", null), ("not_rectified_in_time", "province")], scores);
        var payload = await connection.ExecuteScalarAsync<string>(
            "SELECT payload::text FROM audit_event WHERE assignment_id = @Id AND kind = 'assignment.timer.overdue'", new { item.Id });
        Assert.Equal("issued", JsonDocument.Parse(payload!).RootElement.GetProperty("from").GetString());
    }

    private Task<long> OrganizationFixtureUnit(string code) => Accountability.Tests.Access.OrganizationFixture.UnitIdAsync(_engine, code);
}
