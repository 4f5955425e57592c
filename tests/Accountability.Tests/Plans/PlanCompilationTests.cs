using Accountability.Calendar;
using Accountability.Plans;
using Accountability.Tests.Access;
using Dapper;

namespace Accountability.Tests.Plans;

/// <summary>What an import writes: the campaign, tasks and ledger items, and one assignment per unit and obligation,
/// with deadlines as instants at the end of the day in Shanghai and the calendar version that produced them.</summary>
public sealed class PlanCompilationTests : IAsyncLifetime
{
    private TestEngine _engine = null!;

    public async Task InitializeAsync() => _engine = await PlanFixture.EngineWithCountyAsync();

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private static DateTimeOffset EndOfDayInShanghai(int year, int month, int day) =>
        new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.FromHours(8)).AddDays(1);

    private async Task<List<(string Unit, string Role, int No, DateTimeOffset? Due, string? Verifier)>> AssignmentsAsync(string task)
    {
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<(string, string, int, DateTimeOffset?, string?)>("""
            SELECT u.code, a.role, a.obligation_no, a.due_at, v.code
            FROM assignment a JOIN task t ON t.id = a.task_id JOIN unit u ON u.id = a.unit_id LEFT JOIN unit v ON v.id = a.verifier_unit_id
            WHERE t.number = @task ORDER BY u.sort_order, u.code, a.obligation_no
            """, new { task })).ToList();
    }

    [Fact]
    public async Task Import_ATask_GivesTheLeadOneAssignmentEachResponsibleAndCooperatingUnitTheirOwn()
    {
        await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(PlanFixture.Plan("""
              - number: "1"
                title: 散乱污企业整治
                lead: 县环保局
                responsible: 各镇街、县环保局
                cooperating: 县公安局、县国土局
                deadline: 2017年12月底前
            """)));

        var rows = await AssignmentsAsync("1");

        Assert.Equal(1 + 13 + 2, rows.Count);
        Assert.Equal([("jx-env", "lead")], rows.Where(r => r.Unit == "jx-env").Select(r => (r.Unit, r.Role)));
        Assert.Equal(13, rows.Count(r => r.Role == "responsible"));
        Assert.Equal(["jx-police", "jx-land"], rows.Where(r => r.Role == "cooperating").Select(r => r.Unit));
        Assert.All(rows, r => Assert.Equal(EndOfDayInShanghai(2017, 12, 31), r.Due));
        // No verifier named: the lead verifies the others' work, headquarters the lead's own.
        Assert.All(rows.Where(r => r.Role != "lead"), r => Assert.Equal("jx-env", r.Verifier));
        Assert.Equal("jx-hq", rows.Single(r => r.Role == "lead").Verifier);
    }

    [Fact]
    public async Task Import_EveryRow_StartsAsTheStartPolicySaysWithTheCalendarVersion()
    {
        await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(PlanFixture.Plan("""
              - { number: "1", title: 秸秆禁烧, responsible: 各镇街, deadline: 2017年11月30日前 }
            """)));
        var version = _engine.Get<CalendarCatalog>().Get("cn").Version;

        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<(string State, string Workflow, int WorkflowVersion, string Kind, DateTimeOffset TimerAt, string Calendar, int PlanVersion, DateTimeOffset IssuedAt)>("""
            SELECT state, workflow_code, workflow_version, next_timer_kind, next_timer_at, calendar_version, plan_version, issued_at FROM assignment
            """)).ToList();

        Assert.Equal(13, rows.Count);
        // Issued Friday 2017-09-01 09:00 in Shanghai: acknowledgement is due by the end of Monday 2017-09-04.
        Assert.All(rows, r => Assert.Equal(("issued", "assignment", 1, "acknowledgement_due", EndOfDayInShanghai(2017, 9, 4), version, 1, TestEngine.Start),
            (r.State, r.Workflow, r.WorkflowVersion, r.Kind, r.TimerAt, r.Calendar, r.PlanVersion, r.IssuedAt)));
        Assert.Equal(version, await connection.ExecuteScalarAsync<string>("SELECT calendar_version FROM task"));
    }

    [Fact]
    public async Task Import_ARecurringReport_BecomesOneDatedObligationPerMonthOfTheCampaign()
    {
        await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(PlanFixture.Plan("""
              - { number: "9", title: 进展调度, responsible: 化雨镇、羊山镇, deadline: 每月25日前报送 }
            """)));

        var rows = await AssignmentsAsync("9");

        Assert.Equal(8, rows.Count);
        Assert.Equal([1, 2, 3, 4], rows.Where(r => r.Unit == "jx-huayu").Select(r => r.No));
        Assert.Equal([EndOfDayInShanghai(2017, 9, 25), EndOfDayInShanghai(2017, 10, 25), EndOfDayInShanghai(2017, 11, 25), EndOfDayInShanghai(2017, 12, 25)],
            rows.Where(r => r.Unit == "jx-yangshan").Select(r => r.Due));
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        Assert.Contains("\"every\": \"month\"", await connection.ExecuteScalarAsync<string>("SELECT recurrence::text FROM task"));
    }

    [Fact]
    public async Task Import_LongTermTask_HasNoDueDate()
    {
        await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(PlanFixture.Plan("""
              - { number: "5", title: 扬尘治理, lead: 县住建局, responsible: 各镇街, deadline: 长期坚持 }
            """)));

        var rows = await AssignmentsAsync("5");

        Assert.Equal(14, rows.Count);
        Assert.All(rows, r => Assert.Null(r.Due));
        Assert.True(await PlanFixture.CountAsync(_engine, "SELECT count(*) FROM task WHERE long_term AND due_at IS NULL") == 1);
    }

    [Fact]
    public async Task Import_RelativeDeadlines_CountWorkingDaysOnTheCalendarAcrossNationalDay()
    {
        await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(PlanFixture.Plan("""
              - { number: "7", title: 修订应急预案, lead: 县环保局, deadline: 启动后25个工作日内 }
              - { number: "8", title: 建立联合办案制度, lead: 县公安局, deadline: 交办后5个工作日内 }
              - { number: "10", title: 排查, lead: 县国土局, deadline: 启动后30日内 }
            """)));

        // From Friday 2017-09-01: the 21st working day is Saturday 09-30 (a make-up workday), 10-01..08 are National Day.
        Assert.Equal(EndOfDayInShanghai(2017, 10, 12), (await AssignmentsAsync("7")).Single().Due);
        Assert.Equal(EndOfDayInShanghai(2017, 9, 8), (await AssignmentsAsync("8")).Single().Due);
        Assert.Equal(EndOfDayInShanghai(2017, 10, 1), (await AssignmentsAsync("10")).Single().Due);
    }

    [Fact]
    public async Task Import_ADeadlineOnAHolidayOrAnUncoveredYear_WarnsButImports()
    {
        var outcome = await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(PlanFixture.Plan("""
              - { number: "1", title: 国庆期间巡查, lead: 县环保局, deadline: 2017年10月3日前 }
              - { number: "2", title: 长期整治, lead: 县环保局, deadline: 2027年6月30日前 }
            """)));

        Assert.Contains(outcome.Warnings, w => w is { Field: "tasks[0].deadline" } && w.Reason.Contains("a holiday (国庆节"));
        Assert.Contains(outcome.Warnings, w => w is { Field: "tasks[1].deadline" } && w.Reason.Contains("does not cover"));
        Assert.Equal(2, await PlanFixture.CountAsync(_engine, "SELECT count(*) FROM assignment"));
    }

    [Fact]
    public async Task Import_LedgerItems_GoToTheirTownWithTheDefaultVerifierForEnterprises()
    {
        await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(PlanFixture.Plan("  []", ledger: """
            ledger:
              - { number: L1, name: 寻楼塑料颗粒加工点, town: 寻楼村, disposal: 关停取缔, deadline: 2017年10月31日前 }
              - { number: L2, kind: 问题, name: 羊山镇垃圾露天焚烧, town: 羊山镇, deadline: 交办后5个工作日内, found_level: 市级 }
              - { number: L3, name: 开发区某喷漆厂, town: 开发区, disposal: 整改提升, verifier: 县质监局, deadline: 2017-11-15 }
            """)));

        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<(string Number, string Town, string Role, string? Verifier, string? Disposal, string Kind)>("""
            SELECT l.number, u.code, a.role, v.code, l.disposal_class, l.kind
            FROM assignment a JOIN ledger_item l ON l.id = a.ledger_item_id JOIN unit u ON u.id = a.unit_id
            LEFT JOIN unit v ON v.id = a.verifier_unit_id ORDER BY l.number
            """)).ToList();

        Assert.Equal([
            ("L1", "jx-huayu", "responsible", "jx-env", "shut_down", "enterprise"),
            ("L2", "jx-yangshan", "responsible", null, null, "problem"),
            ("L3", "jx-edz", "responsible", "jx-quality", "upgrade", "enterprise"),
        ], rows);
        Assert.Equal("city", await connection.ExecuteScalarAsync<string>("SELECT found_level FROM ledger_item WHERE number = 'L2'"));
    }

    [Fact]
    public async Task Import_TheCampaignSection_WritesTheCampaignRowWithItsCadence()
    {
        await PlanFixture.ImportAsync(_engine, PlanFixture.Sample(PlanFixture.AutumnWinter));

        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var campaign = await connection.QuerySingleAsync<(string Name, string Document, string Zone, string Calendar, string Workflow, string Rulebook, int Notice, string Cadence, string Hq, int Version)>("""
            SELECT c.name, c.document_number, c.time_zone, c.calendar_code, c.workflow_code, c.rulebook_code, c.public_notice_days,
                   c.cadence::text, u.code, c.current_plan_version
            FROM campaign c JOIN unit u ON u.id = c.headquarters_unit_id
            """);

        Assert.Equal(("金乡县2017—2018年秋冬季大气污染综合治理攻坚行动", "金政办发〔2017〕36号", "Asia/Shanghai", "cn", "assignment", "autumn-winter-2017", 7, "jx-hq", 1),
            (campaign.Name, campaign.Document, campaign.Zone, campaign.Calendar, campaign.Workflow, campaign.Rulebook, campaign.Notice, campaign.Hq, campaign.Version));
        Assert.True(PlanComparison.SameJson(
            """[{"cycle": "monthly", "every": "month", "report_by": {"day": 25, "time": "17:00"}, "close": {"day": 1, "time": "09:00"}}]""",
            campaign.Cadence));
        Assert.Equal(1, await PlanFixture.CountAsync(_engine, "SELECT count(*) FROM plan_version WHERE version = 1 AND source_sha256 <> ''"));
    }

    [Fact]
    public async Task Import_RecordsOneAuditEventWithTheFileHashAndCounts()
    {
        var outcome = await PlanFixture.ImportAsync(_engine, PlanFixture.Sample(PlanFixture.HundredDays),
            await OrganizationFixture.ActorAsync(_engine, "hq.planner"));

        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var events = (await connection.QueryAsync<(string Actor, string Payload)>("SELECT actor, payload::text FROM audit_event WHERE kind = 'plan.imported'")).ToList();
        var (actor, payload) = Assert.Single(events);
        Assert.StartsWith("person:", actor);
        Assert.Contains(outcome.Sha256, payload);
        Assert.Contains($"\"added\":{outcome.Assignments}", payload);
        Assert.Equal(1, await PlanFixture.CountAsync(_engine, "SELECT count(*) FROM audit_event WHERE kind LIKE 'plan.%'"));
    }

    [Fact]
    public async Task Import_ByAUnitOperator_IsRefusedAndWritesNothing()
    {
        var before = await PlanFixture.FootprintAsync(_engine);
        var operatorActor = await OrganizationFixture.ActorAsync(_engine, "huayu.operator");

        await Assert.ThrowsAsync<AccessDeniedException>(() => PlanFixture.ImportAsync(_engine, PlanFixture.Sample(PlanFixture.HundredDays), operatorActor));

        Assert.Equal(before, await PlanFixture.FootprintAsync(_engine));
    }

    [Fact]
    public async Task ImportCsv_IntoAnExistingCampaign_AddsTheTableAndKeepsTheLedger()
    {
        await PlanFixture.ImportAsync(_engine, PlanFixture.Sample(PlanFixture.HundredDays));
        var csv = "序号,重点任务,工作措施,牵头单位,责任单位,配合单位,完成时限\r\n1,“小散乱污”企业全面排查建档,,县环保局,各镇街、各园区,,2017年5月31日前\r\n";

        var outcome = await PlanFixture.ImportAsync(_engine,
            new PlanRequest("任务.csv", Imports.TextDecoding.Gb18030.GetBytes(csv), "jx-2017-100-days"));

        Assert.Equal(2, outcome.Version);
        Assert.Equal(8, outcome.Diff!.TasksCancelled.Count);
        Assert.Empty(outcome.Diff.LedgerCancelled);
        Assert.Equal(50, await PlanFixture.CountAsync(_engine, "SELECT count(*) FROM ledger_item WHERE cancelled_version IS NULL"));
    }

    [Fact]
    public async Task Import_ALeadColumnNamingSeveralUnits_WarnsAndLetsTheFirstLead()
    {
        var outcome = await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(PlanFixture.Plan("""
              - { number: "1", title: 联合执法, lead: 县环保局、县公安局, deadline: 2017年11月30日前 }
            """)));

        Assert.Contains(outcome.Warnings, w => w.Field == "tasks[0].lead" && w.Reason.Contains("the first, 县环境保护局, leads"));
        Assert.Equal([("jx-env", "lead"), ("jx-police", "responsible")], (await AssignmentsAsync("1")).Select(r => (r.Unit, r.Role)));
    }

    [Fact]
    public async Task Import_ReportsProgressUpToEveryAssignment()
    {
        var reports = new List<PlanProgress>();

        var outcome = await _engine.Get<ImportPlan>().RunAsync(null, PlanFixture.Sample(PlanFixture.AutumnWinter), new Collect(reports));

        var last = reports.Last(r => r.Stage == "assignments");
        Assert.Equal((outcome.Assignments, outcome.Assignments), (last.Done, last.Total));
        Assert.Equal(["read", "check", "tasks", "assignments"], reports.Select(r => r.Stage).Distinct());
    }

    private sealed class Collect(List<PlanProgress> reports) : IProgress<PlanProgress>
    {
        public void Report(PlanProgress value) => reports.Add(value);
    }
}
