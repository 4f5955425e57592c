using Accountability.Assignments;
using Accountability.Plans;
using Accountability.Tests.Access;
using Dapper;

namespace Accountability.Tests.Plans;

/// <summary>Amend, never lose: a re-imported plan is a new version; assignments with history keep it, removed tasks
/// cancel their open assignments with the reason, nothing is deleted, and the diff says all of it beforehand.</summary>
public sealed class PlanAmendmentTests : IAsyncLifetime
{
    private const string Version1 = """
          - { number: "1", title: 散乱污企业整治, lead: 县环保局, responsible: 化雨镇、羊山镇, deadline: 2017年10月31日前 }
          - { number: "2", title: 秸秆禁烧, lead: 县农业局, responsible: 化雨镇、羊山镇, deadline: 2017年11月30日前 }
          - { number: "3", title: 燃煤锅炉取缔, lead: 县质监局, responsible: 化雨镇, deadline: 2017年12月15日前 }
        """;

    private const string Ledger1 = """
        ledger:
          - { number: L1, name: 化雨某加工点, town: 化雨镇, disposal: 关停取缔, deadline: 2017年10月31日前 }
          - { number: L2, name: 羊山某砖瓦窑, town: 羊山镇, disposal: 关停取缔, deadline: 2017年10月31日前 }
        """;

    private const string Version2 = """
          - { number: "1", title: 散乱污企业整治, lead: 县环保局, responsible: 化雨镇、金乡街道, deadline: 2017年11月15日前 }
          - { number: "2", title: 秸秆禁烧, lead: 县农业局, responsible: 化雨镇、羊山镇, deadline: 2017年11月30日前 }
          - { number: "4", title: 扬尘治理, lead: 县住建局, responsible: 羊山镇, deadline: 长期坚持 }
        """;

    private const string Ledger2 = """
        ledger:
          - { number: L1, name: 化雨某加工点, town: 化雨镇, disposal: 关停取缔, deadline: 2017年10月31日前 }
        """;

    private TestEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _engine = await PlanFixture.EngineWithCountyAsync();
        await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(PlanFixture.Plan(Version1, ledger: Ledger1)));
        // History the workflow would have written: 化雨镇 acknowledged task 1 (its overdue timer pinned to the due time)
        // and reported 40%; 化雨镇 closed task 3; 县质监局 acknowledged task 3.
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            UPDATE assignment a SET state = 'acknowledged', acknowledged_at = '2017-09-02T01:00Z', progress_percent = 40,
                   next_timer_kind = 'overdue', next_timer_at = a.due_at
            FROM task t, unit u WHERE t.id = a.task_id AND u.id = a.unit_id AND t.number = '1' AND u.code = 'jx-huayu';
            UPDATE assignment a SET state = 'closed', closed_at = '2017-09-20T01:00Z', next_timer_at = NULL, next_timer_kind = NULL
            FROM task t, unit u WHERE t.id = a.task_id AND u.id = a.unit_id AND t.number = '3' AND u.code = 'jx-huayu';
            UPDATE assignment a SET state = 'acknowledged', acknowledged_at = '2017-09-02T01:00Z'
            FROM task t, unit u WHERE t.id = a.task_id AND u.id = a.unit_id AND t.number = '3' AND u.code = 'jx-quality';
            """);
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private static PlanRequest Amended() => PlanFixture.Yaml(PlanFixture.Plan(Version2, ledger: Ledger2), "plan-v2.yaml");

    [Fact]
    public async Task Diff_AnAmendedPlan_ShowsWhatItWouldAddChangeAndCancelAndWritesNothing()
    {
        var before = await PlanFixture.FootprintAsync(_engine);

        var outcome = await _engine.Get<DiffPlan>().RunAsync(null, Amended());

        var diff = outcome.Diff!;
        Assert.Equal(2, outcome.Version);
        Assert.False(diff.NewCampaign);
        Assert.Equal(["4"], diff.TasksAdded.Select(t => t.Number));
        var changed = Assert.Single(diff.TasksChanged);
        Assert.Equal("1", changed.Number);
        Assert.Contains(changed.Changes, c => c.StartsWith("responsible: +金乡街道 −羊山镇", StringComparison.Ordinal));
        Assert.Contains(changed.Changes, c => c.StartsWith("deadline: 2017年10月31日前 (due 2017-10-31) → 2017年11月15日前 (due 2017-11-15)", StringComparison.Ordinal));
        Assert.Equal(["3"], diff.TasksCancelled.Select(t => t.Number));
        Assert.Equal(1, diff.TasksUnchanged);
        Assert.Equal(["L2"], diff.LedgerCancelled.Select(l => l.Number));
        // Added: task 4 (lead + 羊山镇) and 金乡街道 on task 1. Updated: task 1's lead and 化雨镇 (new due date).
        // Cancelled: 羊山镇 on task 1, 县质监局 on task 3, L2. Kept: 化雨镇's closed task 3.
        Assert.Equal(new AssignmentChanges(3, 2, 3, 1, 4), diff.Assignments);
        Assert.Equal(before, await PlanFixture.FootprintAsync(_engine));
    }

    [Fact]
    public async Task Import_AnAmendedPlan_KeepsHistoryCancelsWhatWasRemovedAndDeletesNothing()
    {
        var rowsBefore = await PlanFixture.CountAsync(_engine, "SELECT count(*) FROM assignment");
        var diff = (await _engine.Get<DiffPlan>().RunAsync(null, Amended())).Diff!;

        var outcome = await PlanFixture.ImportAsync(_engine, Amended());

        Assert.Equal(diff.Assignments, outcome.Diff!.Assignments);
        Assert.Equal(rowsBefore + 3, await PlanFixture.CountAsync(_engine, "SELECT count(*) FROM assignment"));
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();

        var acknowledged = await connection.QuerySingleAsync<(string State, DateTimeOffset? Acknowledged, int Progress, DateTimeOffset Due, DateTimeOffset? Timer, int RowVersion)>("""
            SELECT a.state, a.acknowledged_at, a.progress_percent, a.due_at, a.next_timer_at, a.row_version
            FROM assignment a JOIN task t ON t.id = a.task_id JOIN unit u ON u.id = a.unit_id WHERE t.number = '1' AND u.code = 'jx-huayu'
            """);
        var newDue = new DateTimeOffset(2017, 11, 16, 0, 0, 0, TimeSpan.FromHours(8));
        // Its timers are recomputed for the new due date: next, the reminder three working days before it (Friday 10 November).
        var reminder = new DateTimeOffset(2017, 11, 10, 9, 0, 0, TimeSpan.FromHours(8));
        Assert.Equal(("acknowledged", 40, newDue, reminder, 2), (acknowledged.State, acknowledged.Progress, acknowledged.Due, acknowledged.Timer, acknowledged.RowVersion));
        Assert.NotNull(acknowledged.Acknowledged);

        var task3 = (await connection.QueryAsync<(string Unit, string State, int? Cancelled, string? Reason, DateTimeOffset? Timer)>("""
            SELECT u.code, a.state, a.cancelled_version, a.cancel_reason, a.next_timer_at
            FROM assignment a JOIN task t ON t.id = a.task_id JOIN unit u ON u.id = a.unit_id WHERE t.number = '3' ORDER BY u.code
            """)).ToList();
        Assert.Equal(("jx-huayu", "closed", (int?)null), (task3[0].Unit, task3[0].State, task3[0].Cancelled));
        Assert.Equal(("jx-quality", "cancelled", 2, (DateTimeOffset?)null), (task3[1].Unit, task3[1].State, task3[1].Cancelled, task3[1].Timer));
        Assert.Contains("task 3 removed in plan version 2", task3[1].Reason);

        var dropped = await connection.QuerySingleAsync<(string State, string Reason)>("""
            SELECT a.state, a.cancel_reason FROM assignment a JOIN task t ON t.id = a.task_id JOIN unit u ON u.id = a.unit_id
            WHERE t.number = '1' AND u.code = 'jx-yangshan'
            """);
        Assert.Equal("cancelled", dropped.State);
        Assert.Contains("no longer assigned to this unit", dropped.Reason);

        Assert.Equal((2, "3"), await connection.QuerySingleAsync<(int, string)>(
            "SELECT cancelled_version, number FROM task WHERE cancelled_version IS NOT NULL"));
        Assert.Equal("L2", await connection.ExecuteScalarAsync<string>("SELECT number FROM ledger_item WHERE cancelled_version = 2"));
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>("SELECT changed_version FROM task WHERE number = '1'"));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT changed_version FROM task WHERE number = '2'"));
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM plan_version"));
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_event WHERE kind = 'plan.imported'"));
        var payload = await connection.ExecuteScalarAsync<string>("SELECT payload::text FROM audit_event WHERE kind = 'plan.imported' ORDER BY seq DESC LIMIT 1");
        Assert.Contains("\"cancelledNumbers\":[\"3\"]", payload);
        Assert.Contains("\"cancelled\":3", payload);
    }

    [Fact]
    public async Task Import_TheSamePlanAgain_ChangesNoAssignment()
    {
        var again = await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(PlanFixture.Plan(Version1, ledger: Ledger1)));

        Assert.Equal(new AssignmentChanges(0, 0, 0, 0, 10), again.Diff!.Assignments);
        Assert.Empty(again.Diff.TasksChanged);
        Assert.Equal(2, again.Version);
    }

    [Fact]
    public async Task Import_ATaskBroughtBack_IssuesAFreshAssignmentBesideTheCancelledOne()
    {
        await PlanFixture.ImportAsync(_engine, Amended());

        var third = await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(PlanFixture.Plan(Version2 + "\n" + """
              - { number: "3", title: 燃煤锅炉取缔, lead: 县质监局, responsible: 化雨镇, deadline: 2017年12月15日前 }
            """, ledger: Ledger2)));

        Assert.Equal(["3"], third.Diff!.TasksAdded.Concat(third.Diff.TasksChanged).Select(t => t.Number));
        Assert.Contains("restored (cancelled in version 2)", third.Diff.TasksChanged.Single().Changes);
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var states = (await connection.QueryAsync<string>("""
            SELECT a.state FROM assignment a JOIN task t ON t.id = a.task_id JOIN unit u ON u.id = a.unit_id
            WHERE t.number = '3' AND u.code = 'jx-quality' ORDER BY a.id
            """)).ToList();
        Assert.Equal(["cancelled", "issued"], states);
        Assert.Null(await connection.ExecuteScalarAsync<int?>("SELECT cancelled_version FROM task WHERE number = '3'"));
    }

    [Fact]
    public async Task Reimport_OfAPlanWithALedger_NeverCancelsProblemsRecordedOneByOne()
    {
        // An inspection, a complaint and a media exposure recorded one by one: ledger items the plan file never listed.
        var officer = await OrganizationFixture.ActorAsync(_engine, "inspection.officer");
        var campaignId = await PlanFixture.CountAsync(_engine, "SELECT id FROM campaign WHERE code = 'test-campaign'");
        var huayu = await OrganizationFixture.UnitIdAsync(_engine, "jx-huayu");
        var env = await OrganizationFixture.UnitIdAsync(_engine, "jx-env");
        var record = _engine.Get<RecordProblem>();
        var found = await record.RunAsync(officer, new ProblemReport(campaignId, ProblemSource.Inspection, "city", huayu, env, "露天焚烧垃圾", null,
            "立即清理", new DateOnly(2017, 10, 20)));
        await record.RunAsync(officer, new ProblemReport(campaignId, ProblemSource.Complaint, null, huayu, env, "夜间异味扰民", null, null,
            new DateOnly(2017, 10, 20)));
        await record.RunAsync(officer, new ProblemReport(campaignId, ProblemSource.Media, "province", huayu, env, "河道倾倒废渣", null, null,
            new DateOnly(2017, 10, 20)));

        var diff = (await _engine.Get<DiffPlan>().RunAsync(null, Amended())).Diff!;
        var outcome = await PlanFixture.ImportAsync(_engine, Amended());
        var empty = await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(PlanFixture.Plan(Version2, ledger: "ledger: []"), "plan-v3.yaml"));

        Assert.Equal("WT-0001", found.Number);
        Assert.Equal(["L2"], diff.LedgerCancelled.Select(l => l.Number));
        Assert.Equal(new AssignmentChanges(3, 2, 3, 1, 4), diff.Assignments);
        Assert.Equal(diff.Assignments, outcome.Diff!.Assignments);
        Assert.Equal(["L1"], empty.Diff!.LedgerCancelled.Select(l => l.Number));
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var recorded = (await connection.QueryAsync<(string Number, string Source, int? Cancelled, string State)>("""
            SELECT l.number, l.source, l.cancelled_version, a.state FROM ledger_item l JOIN assignment a ON a.ledger_item_id = l.id
            WHERE l.origin = 'recorded' ORDER BY l.number
            """)).ToList();
        Assert.Equal([("TS-0001", "complaint", null, "issued"), ("WT-0001", "inspection", null, "issued"), ("WT-0002", "media", null, "issued")],
            recorded.Select(r => (r.Number, r.Source, r.Cancelled, r.State)));
    }

    [Fact]
    public async Task Import_APlanItemNumberedLikeARecordedProblem_IsRefusedNamingTheField()
    {
        var officer = await OrganizationFixture.ActorAsync(_engine, "inspection.officer");
        var campaignId = await PlanFixture.CountAsync(_engine, "SELECT id FROM campaign WHERE code = 'test-campaign'");
        await _engine.Get<RecordProblem>().RunAsync(officer, new ProblemReport(campaignId, ProblemSource.GridPatrol, "county",
            await OrganizationFixture.UnitIdAsync(_engine, "jx-huayu"), await OrganizationFixture.UnitIdAsync(_engine, "jx-env"), "网格巡查发现散煤",
            null, null, new DateOnly(2017, 10, 20)));
        var before = await PlanFixture.FootprintAsync(_engine);

        var error = await Assert.ThrowsAsync<InputRejectedException>(() => PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(PlanFixture.Plan(Version1,
            ledger: Ledger1 + "\n  - { number: WT-0001, name: 化雨某煤场, town: 化雨镇, disposal: 关停取缔, deadline: 2017年10月31日前 }"))));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("ledger[2].number", problem.Field);
        Assert.Contains("recorded", problem.Reason);
        Assert.Equal(before, await PlanFixture.FootprintAsync(_engine));
    }

    [Fact]
    public async Task Import_APlanNamingAnUnknownRulebook_IsRefusedWithTheKnownOnes()
    {
        var error = await Assert.ThrowsAsync<InputRejectedException>(() => PlanFixture.ImportAsync(_engine,
            PlanFixture.Yaml(PlanFixture.Plan(Version1, campaignExtra: "  rulebook: jx-2017-100-days"))));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("campaign.rulebook", problem.Field);
        Assert.Contains("jining-consecutive", problem.Reason);
    }
}
