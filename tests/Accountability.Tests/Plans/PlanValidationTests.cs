using Accountability.Plans;

namespace Accountability.Tests.Plans;

/// <summary>Every validation error is reported at once, each with its file, line or row, and field; nothing is
/// written when there is one.</summary>
public sealed class PlanValidationTests : IAsyncLifetime
{
    private TestEngine _engine = null!;

    public async Task InitializeAsync() => _engine = await PlanFixture.EngineWithCountyAsync();

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private async Task<IReadOnlyList<InputProblem>> RefusedAsync(PlanRequest request)
    {
        var before = await PlanFixture.FootprintAsync(_engine);
        var error = await Assert.ThrowsAsync<InputRejectedException>(() => PlanFixture.ImportAsync(_engine, request));
        Assert.Equal(before, await PlanFixture.FootprintAsync(_engine));
        return error.Problems;
    }

    [Fact]
    public async Task Import_WithManyErrors_ReportsEveryOneAndWritesNothing()
    {
        var problems = await RefusedAsync(PlanFixture.Yaml("""
            campaign:
              code: bad
              name: 有错的方案
              headquarters: 指挥部
              starts_on: 2017-09-01
              ends_on: 2017-08-01
              calendar: mars
              time_zone: Asia/Beijing
              cadence:
                - { every: month, close: { day: 30, time: "25:00" } }
            tasks:
              - { number: "1", title: 散乱污, responsible: 化雨、各镇街, deadline: 2017年12月底前 }
              - { number: "2", title: 燃煤锅炉, lead: 县环保局, deadline: 尽快 }
              - { number: "1", title: 重复编号, lead: 县环保局, deadline: 长期坚持 }
              - { number: "4", title: 无单位, deadline: 长期坚持 }
              - { number: "5", title: 验收, lead: 县环保局, verifier: 各镇街, deadline: 长期坚持 }
              - { number: "6", title: 节点, lead: 县环保局, deadline: 2017年12月底前, milestones: [{ on: 2017-11-30, percent: 60 }, { on: 2017-10-31, percent: 30 }] }
            ledger:
              - { number: L1, name: 某厂, town: 化雨镇, disposal: 拆了, deadline: 每月25日前 }
              - { number: L2, name: 某厂, town: 火星镇, deadline: 2017年10月31日前, kind: 工厂, found_level: 村 }
              - { number: L3, name: 某厂 }
            """, "bad.yaml"));

        void Has(int? line, string field, string reason) => Assert.Contains(problems,
            p => !p.IsWarning && p.File == "bad.yaml" && p.Line == line && p.Field == field && p.Reason.Contains(reason));

        Has(10, "campaign.cadence[0].close.day", "1–28");
        Has(10, "campaign.cadence[0].close.time", "not a time of day");
        Has(2, "campaign.ends_on", "before the start");
        Has(2, "campaign.time_zone", "Asia/Beijing");
        Has(2, "campaign.calendar", "mars");
        Has(2, "campaign.headquarters", "'指挥部' is not a unit");
        Assert.True(problems.Count(p => !p.IsWarning) >= 6);
    }

    [Fact]
    public async Task Import_WithAWindowsZoneName_IsRefusedForTheZoneAlone()
    {
        // .NET on Linux finds "China Standard Time", but PostgreSQL, which reckons the campaign's months, does not.
        var problems = await RefusedAsync(PlanFixture.Yaml("""
            campaign:
              code: windows-zone
              name: 时区方案
              headquarters: 县攻坚办
              starts_on: 2017-09-01
              ends_on: 2017-12-31
              time_zone: China Standard Time
            tasks:
              - { number: "1", title: 散乱污, lead: 县环保局, deadline: 2017年12月底前 }
            """, "zone.yaml"));

        var problem = Assert.Single(problems, p => !p.IsWarning);
        Assert.Equal(("zone.yaml", "campaign.time_zone"), (problem.File, problem.Field));
        Assert.Contains("China Standard Time", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_TaskAndLedgerErrors_AreAllReportedWithTheirLinesAndFields()
    {
        var problems = await RefusedAsync(PlanFixture.Yaml(PlanFixture.Plan("""
              - { number: "1", title: 散乱污, responsible: 化雨、各镇街, deadline: 2017年12月底前 }
              - { number: "2", title: 燃煤锅炉, lead: 县环保局, deadline: 尽快 }
              - { number: "1", title: 重复编号, lead: 县环保局, deadline: 长期坚持 }
              - { number: "4", title: 无单位, deadline: 长期坚持 }
              - { number: "5", title: 验收, lead: 县环保局, verifier: 各镇街, deadline: 长期坚持 }
              - { number: "6", title: 节点, lead: 县环保局, deadline: 2017年12月底前, milestones: [{ on: 2017-11-30, percent: 60 }, { on: 2017-10-31, percent: 30 }] }
              - { number: "7", title: 无时限, lead: 县环保局 }
            """, ledger: """
            ledger:
              - { number: L1, name: 某厂, town: 化雨镇, disposal: 拆了, deadline: 每月25日前 }
              - { number: L2, name: 某厂, town: 火星镇, deadline: 2017年10月31日前, kind: 工厂, found_level: 村 }
              - { number: L3, name: 某厂 }
            """)));

        void Has(string field, string reason) =>
            Assert.Contains(problems, p => !p.IsWarning && p.Field == field && p.Line is > 0 && p.Reason.Contains(reason));

        Has("tasks[0].responsible", "'化雨' is not a unit of the organisation; did you mean 化雨镇");
        Has("tasks[1].deadline", "'尽快' is not a deadline");
        Has("tasks[2].number", "used twice (first at line 9)");
        Has("tasks[3].responsible", "needs a lead unit");
        Has("tasks[4].verifier", "names 13 units");
        Has("tasks[5].milestones", "must come after");
        Has("tasks[6].deadline", "is required");
        Has("ledger[0].disposal", "'拆了' is not a disposal class");
        Has("ledger[0].deadline", "cannot recur");
        Has("ledger[1].town", "'火星镇' is not a unit");
        Has("ledger[1].kind", "'工厂' is not a kind");
        Has("ledger[1].found_level", "'村' is not a level");
        Has("ledger[2].town", "is required");
        Has("ledger[2].deadline", "is required");
    }

    [Fact]
    public async Task Import_AWorkbookWithErrors_NamesTheSheetRowAndHeader()
    {
        var bytes = Workbook.Create(
            ("行动方案", [["项目", "内容"], ["行动编码", "wb"], ["行动名称", "测试"], ["开始日期", "2017-09-01"], ["结束日期", "2017-12-31"]]),
            ("重点任务分工表", [
                ["序号", "重点任务", "工作措施", "牵头单位", "责任单位", "配合单位", "完成时限"],
                ["1", "扬尘治理", null, "县住建局", "各镇街", "县城官局", "长期坚持"],
                ["2", "秸秆禁烧", null, "县农业局", "各镇街", null, "明年"],
            ]));

        var problems = await RefusedAsync(new PlanRequest("plan.xlsx", bytes));

        Assert.Contains(problems, p => p is { Sheet: "重点任务分工表", Line: 2, Field: "配合单位" } && p.Reason.Contains("县城市管理局"));
        Assert.Contains(problems, p => p is { Sheet: "重点任务分工表", Line: 3, Field: "完成时限" });
        Assert.Contains("plan.xlsx [重点任务分工表] row 2 配合单位", problems.First(p => p.Line == 2).ToString());
    }

    [Fact]
    public async Task Import_ACsvWithoutCampaign_NeedsAnExistingCampaign()
    {
        var csv = "序号,重点任务,工作措施,牵头单位,责任单位,配合单位,完成时限\r\n1,扬尘治理,,县住建局,各镇街,,长期坚持\r\n";

        var unnamed = await RefusedAsync(new PlanRequest("t.csv", System.Text.Encoding.UTF8.GetBytes(csv)));
        var unknown = await RefusedAsync(new PlanRequest("t.csv", System.Text.Encoding.UTF8.GetBytes(csv), "nowhere"));

        Assert.Contains(unnamed, p => p.Reason.Contains("name the campaign"));
        Assert.Contains(unknown, p => p.Reason.Contains("campaign 'nowhere' does not exist yet"));
    }

    [Fact]
    public async Task Import_ACampaignCodeThatDisagreesWithTheFile_IsRefused()
    {
        var problems = await RefusedAsync(PlanFixture.Sample(PlanFixture.HundredDays) with { CampaignCode = "other" });

        Assert.Contains(problems, p => p.Field == "campaign.code" && p.Reason.Contains("not 'other'"));
    }

    [Fact]
    public async Task Validate_AValidPlan_ReportsWhatItWouldCompileAndWritesNothing()
    {
        var before = await PlanFixture.FootprintAsync(_engine);

        var outcome = await _engine.Get<ValidatePlan>().RunAsync(null, PlanFixture.Sample(PlanFixture.HundredDays));

        Assert.Equal(("validated", 9, 50, 1), (outcome.Action, outcome.Tasks, outcome.LedgerItems, outcome.Version));
        Assert.True(outcome.Assignments > 50);
        Assert.Null(outcome.Diff);
        Assert.Equal(before, await PlanFixture.FootprintAsync(_engine));
    }
}
