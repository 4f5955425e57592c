using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Accountability.Tests.Web;

namespace Accountability.Tests.Plans;

/// <summary>The plan upload page on the real server: a planner whose workbook has mistakes reads each one in the page's
/// language, with the sheet, row and column it is in; a confirmation imports once, however often it is sent.</summary>
public sealed partial class PlanImportPageTests : IAsyncLifetime
{
    private WebHost _host = null!;

    public async Task InitializeAsync() => _host = await WebHost.CreateAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>A new campaign whose task table has a row without its task (row 3), a deadline with a thirteenth month
    /// (row 4) and one that is no deadline at all (row 5).</summary>
    private static byte[] FaultyPlan() => Workbook.Create(
        ("行动方案", [["项目", "内容"], ["行动编码", "jx-test"], ["行动名称", "测试行动"], ["开始日期", "2017-09-01"], ["结束日期", "2017-12-31"]]),
        ("重点任务分工表",
        [
            ["序号", "重点任务", "牵头单位", "责任单位", "完成时限"],
            ["1", "燃煤锅炉清零", "县环保局", "化雨镇", "2017年10月31日前"],
            ["2", "", "县环保局", "化雨镇", "2017年10月31日前"],
            ["3", "工地扬尘治理", "县环保局", "化雨镇", "2017年13月底前"],
            ["4", "渣土车整治", "县环保局", "化雨镇", "明年再说"],
        ]));

    [Fact]
    public async Task CheckPlan_WithAMissingTaskAndAnImpossibleDeadline_ShowsEachProblemInChineseWithItsSheetRowAndColumn()
    {
        var rows = await CheckAsync("");

        Assert.Contains(rows, r => r.Contains("错误") && r.Contains("重点任务分工表") && r.Contains("第 3 行") && r.Contains("重点任务")
                                   && r.Contains("必须填写"));
        Assert.Contains(rows, r => r.Contains("第 4 行") && r.Contains("完成时限") && r.Contains("“2017年13月底前”中的日期不存在"));
        Assert.Contains(rows, r => r.Contains("第 5 行") && r.Contains("完成时限") && r.Contains("无法识别完成时限“明年再说”"));
        Assert.DoesNotContain(rows, r => r.Contains("is required") || r.Contains("no month 13"));
        Assert.Equal(0, await PlanFixture.CountAsync(_host.Engine, "SELECT count(*) FROM campaign"));
    }

    [Fact]
    public async Task CheckPlan_WithAMissingTaskAndAnImpossibleDeadline_ShowsEachProblemInEnglishOnTheEnglishPage()
    {
        var rows = await CheckAsync("culture=en");

        Assert.Contains(rows, r => r.Contains("Error") && r.Contains("重点任务分工表") && r.Contains("row 3") && r.Contains("重点任务")
                                   && r.Contains("Is required"));
        Assert.Contains(rows, r => r.Contains("row 4") && r.Contains("完成时限") && r.Contains("'2017年13月底前' names a day that does not exist"));
        Assert.Contains(rows, r => r.Contains("row 5") && r.Contains("完成时限") && r.Contains("'明年再说' is not a deadline"));
        Assert.DoesNotContain(rows, r => r.Contains("必须填写"));
    }

    [Fact]
    public async Task ConfirmImport_Twice_ImportsOnceAndBothConfirmationsShowTheFirstImport()
    {
        var browser = await _host.SignedInBrowserAsync("hq.planner");
        var confirm = await CheckGoodPlanAsync(browser);
        Assert.Equal("1", confirm["version"]);

        // A double click: the second post races the first.
        var answers = await Task.WhenAll(browser.PostAsync("/plans/import?handler=Apply", new FormUrlEncodedContent(confirm)),
            browser.PostAsync("/plans/import?handler=Apply", new FormUrlEncodedContent(confirm)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Redirect, a.StatusCode));
        Assert.Equal(answers[0].Headers.Location, answers[1].Headers.Location);
        var page = await WebHost.FinishedOperationPageAsync(browser, answers[0].Headers.Location!.ToString());
        Assert.Contains("operation-done", page);
        Assert.Equal(1, await PlanFixture.CountAsync(_host.Engine, "SELECT count(*) FROM plan_version"));
        Assert.Equal(1, await PlanFixture.CountAsync(_host.Engine, "SELECT count(*) FROM audit_event WHERE kind = 'plan.imported'"));
        Assert.Equal(1, await PlanFixture.CountAsync(_host.Engine, "SELECT count(*) FROM page_operation"));
    }

    [Fact]
    public async Task ConfirmImport_AfterTheSameFileWasImportedMeanwhile_ShowsWhichVersionItBecameAndWritesNothing()
    {
        var browser = await _host.SignedInBrowserAsync("hq.planner");
        var confirm = await CheckGoodPlanAsync(browser);
        // Another planner (here the command line) imports the same file between the check and the confirmation.
        await PlanFixture.ImportAsync(_host.Engine, PlanFixture.Yaml(GoodPlan()));
        var footprint = await PlanFixture.FootprintAsync(_host.Engine);

        var answer = await browser.PostAsync("/plans/import?handler=Apply", new FormUrlEncodedContent(confirm));

        var page = WebUtility.HtmlDecode(await WebHost.FinishedOperationPageAsync(browser, answer.Headers.Location!.ToString()));
        Assert.Contains("operation-failed", page);
        Assert.Contains("导入为第 1 版", page);
        Assert.Equal(footprint, await PlanFixture.FootprintAsync(_host.Engine));
    }

    private static string GoodPlan() => PlanFixture.Plan("""
          - { number: "1", title: 散乱污企业整治, lead: 县环保局, responsible: 化雨镇、羊山镇, deadline: 2017年10月31日前 }
        """);

    /// <summary>Checks a good plan through the page's form and returns the fields of its confirmation form.</summary>
    private static async Task<Dictionary<string, string>> CheckGoodPlanAsync(HttpClient browser)
    {
        var form = await browser.GetStringAsync("/plans/import");
        using var content = new MultipartFormDataContent();
        content.Add(new StringContent(WebHost.AntiforgeryToken(form)), "__RequestVerificationToken");
        content.Add(new StringContent(""), "Campaign");
        content.Add(new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(GoodPlan())), "file", "plan.yaml");
        var checkedPage = await (await browser.PostAsync("/plans/import?handler=Check", content)).Content.ReadAsStringAsync();
        var confirmation = ConfirmForm().Match(checkedPage).Value;
        Assert.NotEmpty(confirmation);
        var fields = HiddenField().Matches(confirmation).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        fields["__RequestVerificationToken"] = WebHost.AntiforgeryToken(checkedPage);
        return fields;
    }

    [GeneratedRegex("""<form method="post" action="[^"]*handler=Apply[^"]*">.*?</form>""", RegexOptions.Singleline)]
    private static partial Regex ConfirmForm();

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]*)" />""")]
    private static partial Regex HiddenField();

    /// <summary>Uploads the faulty plan through the page's own form and returns the problem table's rows as text.</summary>
    private async Task<IReadOnlyList<string>> CheckAsync(string query)
    {
        var browser = await _host.SignedInBrowserAsync("hq.planner");
        var form = await browser.GetStringAsync("/plans/import?" + query);
        using var content = new MultipartFormDataContent();
        content.Add(new StringContent(WebHost.AntiforgeryToken(form)), "__RequestVerificationToken");
        content.Add(new StringContent(""), "Campaign");
        var file = new ByteArrayContent(FaultyPlan());
        file.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        content.Add(file, "file", "plan.xlsx");

        var response = await browser.PostAsync("/plans/import?handler=Check&" + query, content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        var rows = ProblemRow().Matches(html).Select(m => WebUtility.HtmlDecode(Tag().Replace(m.Value, " "))).ToList();
        Assert.NotEmpty(rows);
        return rows;
    }

    [GeneratedRegex("""<tr class="(?:error|warning)">.*?</tr>""", RegexOptions.Singleline)]
    private static partial Regex ProblemRow();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tag();
}
