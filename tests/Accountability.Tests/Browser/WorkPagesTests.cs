using System.Text;
using System.Text.RegularExpressions;
using Accountability.Plans;
using Accountability.Tests.Plans;
using Dapper;
using Microsoft.Playwright;

namespace Accountability.Tests.Browser;

/// <summary>
/// The work pages around the story: the sample plan workbook uploaded through the page, a plan with errors refused row
/// by row, another unit's item refused without a trace of it, the pages in Chinese and in English, and a phone.
/// The 百日攻坚 sample campaign is imported by the engine before the tests.
/// </summary>
public sealed partial class WorkPagesTests : IAsyncLifetime
{
    private BrowserSession _session = null!;

    public async Task InitializeAsync()
    {
        _session = await BrowserSession.StartAsync();
        await PlanFixture.ImportAsync(_session.Engine, PlanFixture.Sample(PlanFixture.HundredDays));
        // The campaign's deadlines have passed: a week later on the test clock its items are overdue and chased, as the
        // scheduler's sweep would have made them.
        _session.Engine.Time.Advance(TimeSpan.FromDays(7));
        for (var i = 0; i < 3; i++)
        {
            await _session.Engine.Get<Accountability.Cycles.RunPeriodicSweeps>().RunAsync();
        }
    }

    public async Task DisposeAsync() => await _session.DisposeAsync();

    [Fact]
    public async Task PlanUpload_OfTheSampleWorkbook_ShowsTheDiffThenImportsWithProgress()
    {
        var page = await _session.SignInAsync("hq.planner");
        await page.GotoAsync("/plans/import");
        await page.SetInputFilesAsync("#file", RepositoryPaths.Sample("plans", PlanFixture.AutumnWinter + ".xlsx"));
        await page.ClickAsync("#check-plan");

        var summary = await page.InnerTextAsync(".summary");
        Assert.Contains("将新建专项行动“金乡县2017—2018年秋冬季大气污染综合治理攻坚行动”", summary);
        Assert.Matches(new Regex(@"新增任务 \(\d+\)"), summary);
        await BrowserSession.ScreenshotAsync(page, "plan-import-sample-check");

        await page.ClickAsync("#confirm-import");
        await page.WaitForSelectorAsync("#operation-done");
        Assert.Contains("第 1 版", await page.InnerTextAsync("#operation-done"));
        Assert.Equal(1, await ScalarAsync<int>("SELECT count(*) FROM campaign WHERE code = 'jx-2017-autumn-winter'"));
    }

    [Fact]
    public async Task PlanUpload_WithErrors_ListsEveryProblemBySheetRowAndColumnAndWritesNothing()
    {
        // Signing in may first set the planner's password, an audited act: the footprint is taken after it.
        var page = await _session.SignInAsync("hq.planner");
        var footprint = await PlanFixture.FootprintAsync(_session.Engine);
        var workbook = Workbook.Create(("重点任务分工表",
        [
            ["序号", "重点任务", "牵头单位", "责任单位", "完成时限"],
            ["1", "燃煤锅炉清零", "县环保局", "化雨", "2017年10月31日前"],
            ["2", "工地扬尘治理", "县住建局", "各镇街", "明年再说"],
        ]));
        await page.GotoAsync("/plans/import");
        await page.SetInputFilesAsync("#file", new FilePayload { Name = "分工表.xlsx", Buffer = workbook,
            MimeType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
        await page.SelectOptionAsync("#campaign", "jx-2017-100-days");
        await page.ClickAsync("#check-plan");

        var rows = await page.Locator(".problems tbody tr").AllInnerTextsAsync();
        Assert.Contains(rows, r => r.Contains("重点任务分工表") && r.Contains('2') && r.Contains("责任单位") && r.Contains("化雨镇"));
        Assert.Contains(rows, r => r.Contains('3') && r.Contains("完成时限"));
        Assert.Equal(0, await page.Locator("#confirm-import").CountAsync());
        await BrowserSession.ScreenshotAsync(page, "plan-import-errors");
        Assert.Equal(footprint, await PlanFixture.FootprintAsync(_session.Engine));
    }

    [Fact]
    public async Task UnitUser_OpeningAnotherUnitsItem_IsRefusedAndSeesNothingOfIt()
    {
        var (id, number, title) = (await QueryAsync<(long, string, string)>("""
            SELECT a.id, l.number, l.name FROM assignment a JOIN ledger_item l ON l.id = a.ledger_item_id JOIN unit u ON u.id = a.unit_id
            WHERE u.code = 'jx-yangshan' ORDER BY a.id LIMIT 1
            """)).Single();
        var page = await _session.SignInAsync("huayu.operator");

        var response = await page.GotoAsync($"/assignments/{id}");
        Assert.Equal(404, response!.Status);
        var main = await page.InnerTextAsync("main");
        Assert.Contains("未找到", main);
        Assert.DoesNotContain(title, await page.ContentAsync());
        Assert.DoesNotContain(number, main);
        await BrowserSession.ScreenshotAsync(page, "item-refused");

        // Nor by the evidence link, an action posted by hand, or a search of the ledger.
        var evidence = await page.APIRequest.GetAsync($"/assignments/{id}?handler=Evidence&fileId=1");
        Assert.Equal(404, evidence.Status);
        await page.GotoAsync($"/ledger?q={Uri.EscapeDataString(title)}");
        Assert.Contains("共 0 项", await page.InnerTextAsync("main"));
        var own = await page.GotoAsync("/ledger");
        Assert.Equal(200, own!.Status);
        Assert.DoesNotContain("羊山镇", await page.InnerTextAsync("main table"));
    }

    [Fact]
    public async Task VerifierAndDisciplinePages_RefuseTheOtherRoles()
    {
        var town = await _session.SignInAsync("huayu.operator");
        Assert.Equal(403, (await town.GotoAsync("/verification"))!.Status);
        Assert.Equal(403, (await town.GotoAsync("/referrals"))!.Status);
        Assert.Equal(403, (await town.GotoAsync("/cycles"))!.Status);
        Assert.Equal(403, (await town.GotoAsync("/plans/import"))!.Status);
        Assert.Contains("无权访问", await town.InnerTextAsync("main"));
        var planner = await _session.SignInAsync("hq.planner");
        Assert.Equal(403, (await planner.GotoAsync("/referrals"))!.Status);
        Assert.DoesNotContain("问责移送", await planner.InnerTextAsync("nav.main-nav"));
    }

    [Fact]
    public async Task Pages_RenderInChineseByDefaultAndInEnglishAfterTheSwitch()
    {
        string[] pages = ["/", "/campaigns", "/campaigns/jx-2017-100-days", "/ledger", "/plans/import", "/cycles", "/documents", "/rulebooks", "/notices"];
        var page = await _session.SignInAsync("hq.planner");
        foreach (var path in pages)
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(200, response!.Status);
            Assert.Equal("zh-CN", await page.GetAttributeAsync("html", "lang"));
            AssertNoResourceKeys(path, await page.InnerTextAsync("body"));
        }

        Assert.Contains("任务台账", await page.InnerTextAsync("nav.main-nav"));
        await page.GotoAsync("/campaigns/jx-2017-100-days");
        await page.ClickAsync("text=English");
        await page.WaitForSelectorAsync("html[lang=en]");
        Assert.Contains("Ledger", await page.InnerTextAsync("nav.main-nav"));
        Assert.Contains("Light map", await page.InnerTextAsync("main"));
        await BrowserSession.ScreenshotAsync(page, "dashboard-en");
        foreach (var path in pages)
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(200, response!.Status);
            Assert.Equal("en", await page.GetAttributeAsync("html", "lang"));
            AssertNoResourceKeys(path, await page.InnerTextAsync("body"));
        }

        await page.GotoAsync("/ledger?state=overdue");
        Assert.Contains("Overdue", await page.InnerTextAsync("main table"));
        await BrowserSession.ScreenshotAsync(page, "ledger-en");

        var town = await _session.SignInAsync("huayu.operator", "en");
        await town.GotoAsync("/inbox");
        await town.ClickAsync("text=English");
        await town.WaitForSelectorAsync("html[lang=en]");
        Assert.Contains("Overdue", await town.InnerTextAsync("main"));
        await BrowserSession.ScreenshotAsync(town, "inbox-unit-en");
        await town.ClickAsync("#overdue table a >> nth=0");
        // The click only starts the navigation: wait for the item's page before reading it (the inbox has no timeline).
        await town.WaitForURLAsync(url => url.Contains("/assignments/", StringComparison.Ordinal));
        await town.WaitForLoadStateAsync(Microsoft.Playwright.LoadState.Load);
        Assert.Contains("Timeline", await town.InnerTextAsync("main"));
        AssertNoResourceKeys(town.Url, await town.InnerTextAsync("body"));
        await BrowserSession.ScreenshotAsync(town, "item-en");
    }

    [Fact]
    public async Task Inbox_OnAPhone_ShowsRowsAsLabelledCards()
    {
        var page = await _session.SignInAsync("huayu.operator");
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync("/inbox");

        var label = await page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('table.responsive td'), '::before').content");
        Assert.Contains("编号", label);
        var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
        Assert.False(overflow, "the page fits the phone's width");
        await BrowserSession.ScreenshotAsync(page, "inbox-phone", fullPage: false);
        await page.ClickAsync("table.responsive a >> nth=0");
        await BrowserSession.ScreenshotAsync(page, "item-phone", fullPage: false);
    }

    [Fact]
    public async Task Pages_HaveASkipLinkFirstAndALabelOnEveryField()
    {
        var page = await _session.SignInAsync("huayu.operator");
        await page.GotoAsync("/inbox");

        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("skip-link", await page.EvaluateAsync<string>("() => document.activeElement.className"));
        await page.Keyboard.PressAsync("Enter");
        Assert.EndsWith("#main", page.Url);

        var item = await ScalarAsync<long>("SELECT a.id FROM assignment a JOIN unit u ON u.id = a.unit_id WHERE u.code = 'jx-huayu' AND a.task_id IS NOT NULL ORDER BY a.id LIMIT 1");
        foreach (var path in new[] { "/inbox", $"/assignments/{item}", "/ledger", "/score", "/notices" })
        {
            await page.GotoAsync(path);
            var unlabelled = await page.EvaluateAsync<string[]>("""
                () => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                    .filter(e => !e.labels?.length && !e.getAttribute('aria-label')).map(e => e.name || e.id)
                """);
            Assert.True(unlabelled.Length == 0, $"{path}: fields without a label: {string.Join(", ", unlabelled)}");
        }
    }

    [Fact]
    public async Task Ledger_SearchedAndFiltered_ExportsTheSameRowsToExcelAndChasesTheSelectedItem()
    {
        var page = await _session.SignInAsync("hq.planner");
        await page.GotoAsync("/ledger");
        await page.FillAsync("#q", "化雨镇");
        await page.SelectOptionAsync("#state", "overdue");
        await page.ClickAsync("form.filters button[type=submit]");
        var rows = await page.Locator("table.items tbody tr").AllInnerTextsAsync();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Contains("化雨镇", r));
        Assert.All(rows, r => Assert.Contains("已逾期", r));
        Assert.Contains($"共 {rows.Count} 项", await page.InnerTextAsync("#results-title"));
        await BrowserSession.ScreenshotAsync(page, "ledger-filtered");

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("a[download]"));
        Assert.EndsWith(".xlsx", download.SuggestedFilename, StringComparison.Ordinal);
        await using (var workbook = await download.CreateReadStreamAsync())
        {
            var buffered = new MemoryStream();
            await workbook.CopyToAsync(buffered);
            buffered.Position = 0;
            var exported = MiniExcelLibs.MiniExcel.Query(buffered, useHeaderRow: true).Cast<IDictionary<string, object?>>().ToList();
            Assert.Equal(rows.Count, exported.Count);
            Assert.All(exported, r => Assert.Contains(r.Values, v => v?.ToString()?.Contains("化雨镇", StringComparison.Ordinal) == true));
        }

        var chasersBefore = await ScalarAsync<long>("SELECT count(*) FROM assignment_chaser");
        await page.CheckAsync("table.items tbody tr >> nth=0 >> input[type=checkbox]");
        await page.FillAsync("#bulk-message", "请于今日内整改到位并回执。");
        await page.ClickAsync("#chase-form fieldset.bulk button[type=submit]");
        Assert.Contains("已对 1 项事项催办", await page.InnerTextAsync(".notice"));
        Assert.Equal(chasersBefore + 1, await ScalarAsync<long>("SELECT count(*) FROM assignment_chaser"));
    }

    [Fact]
    public async Task UnitReportsAndSubmits_VerifierReturnsThenAccepts_AndALookBackRelapseReopensTheItem()
    {
        var (id, verifierLogin) = (await QueryAsync<(long, string)>("""
            SELECT a.id, p.login FROM assignment a
            JOIN unit u ON u.id = a.unit_id
            JOIN membership m ON m.unit_id = a.verifier_unit_id AND m.role = 'verifier'
            JOIN person p ON p.id = m.person_id
            WHERE u.code = 'jx-huayu' AND a.state = 'overdue'
            ORDER BY a.id LIMIT 1
            """))[0];
        var town = await _session.SignInAsync("huayu.operator");
        await town.GotoAsync($"/assignments/{id}");
        await town.ClickAsync("#acknowledge");
        await town.ClickAsync("summary:has-text('报送进展')");
        await town.FillAsync("#percent", "60");
        await town.FillAsync("#progress-note", "已完成12家企业排查建档，剩余8家本周内完成。");
        await town.ClickAsync("form[action*='handler=Progress'] button[type=submit]");
        Assert.Contains("进展已报送", await town.InnerTextAsync(".notice"));
        Assert.Contains("60%", await town.InnerTextAsync(".facts"));
        foreach (var input in await town.Locator("form[action*='handler=Submit'] input[type=file][required]").AllAsync())
        {
            await input.SetInputFilesAsync(new FilePayload { Name = "整改台账.pdf", MimeType = "application/pdf", Buffer = Encoding.ASCII.GetBytes("%PDF-1.4\n%%EOF\n") });
        }

        await town.FillAsync("#submit-note", "已整改。");
        await town.ClickAsync("#submit-closure");
        Assert.Contains("已申请销号", await town.InnerTextAsync(".badges"));

        var verifier = await _session.SignInAsync(verifierLogin);
        await verifier.GotoAsync("/verification");
        Assert.Contains("化雨镇", await verifier.InnerTextAsync("#waiting"));
        await verifier.GotoAsync($"/assignments/{id}");
        await verifier.ClickAsync("summary:has-text('退回整改')");
        await verifier.FillAsync("#requirements", "缺少整改前后对比照片，请补充现场照片后重新申请销号。");
        await verifier.ClickAsync("form[action*='handler=Return'] button[type=submit]");
        Assert.Contains("已退回", await verifier.InnerTextAsync(".badges"));
        await BrowserSession.ScreenshotAsync(verifier, "item-returned");

        await town.GotoAsync("/inbox");
        var returned = await town.InnerTextAsync("#returned");
        var title = await ScalarAsync<string>($"SELECT coalesce(l.name, t.title) FROM assignment a LEFT JOIN ledger_item l ON l.id = a.ledger_item_id LEFT JOIN task t ON t.id = a.task_id WHERE a.id = {id}");
        Assert.Contains(title, returned);
        await town.ClickAsync($"#returned a[href='/assignments/{id}'] >> nth=0");
        Assert.Contains("缺少整改前后对比照片", await town.InnerTextAsync("ol.timeline"));

        // The town resubmits with the photos; the verifier accepts; a look-back finds the problem back (反弹).
        foreach (var input in await town.Locator("form[action*='handler=Submit'] input[type=file][required]").AllAsync())
        {
            await input.SetInputFilesAsync(new FilePayload { Name = "整改前后对比.pdf", MimeType = "application/pdf", Buffer = Encoding.ASCII.GetBytes("%PDF-1.4\n%%EOF\n") });
        }

        await town.ClickAsync("#submit-closure");
        await verifier.GotoAsync($"/assignments/{id}");
        await verifier.ClickAsync("#accept");
        Assert.Contains("公示中", await verifier.InnerTextAsync(".badges"));
        await verifier.GotoAsync("/verification");
        Assert.Contains(title, await verifier.InnerTextAsync("#notice"));

        // The five days of public notice pass without objection: the timer closes the item.
        _session.Engine.Time.Advance(TimeSpan.FromDays(8));
        for (var i = 0; i < 3; i++)
        {
            await _session.Engine.Get<Accountability.Cycles.RunPeriodicSweeps>().RunAsync();
        }

        verifier = await _session.SignInAsync(verifierLogin);
        await verifier.GotoAsync($"/assignments/{id}");
        Assert.Contains("已销号", await verifier.InnerTextAsync(".badges"));
        await verifier.ClickAsync("summary:has-text('回头看')");
        await verifier.CheckAsync("input[name=result][value=relapse]");
        await verifier.FillAsync("#lookback-note", "复查发现该企业已恢复生产，问题反弹。");
        await verifier.FillAsync("#lookback-due", "2017-09-30");
        await verifier.ClickAsync("form[action*='handler=LookBack'] button[type=submit]");
        Assert.Contains("已记录反弹", await verifier.InnerTextAsync(".notice"));
        await BrowserSession.ScreenshotAsync(verifier, "item-look-back-relapse");
        town = await _session.SignInAsync("huayu.operator");
        await town.GotoAsync("/inbox");
        Assert.Contains(title, await town.InnerTextAsync("#returned"));
    }

    /// <summary>A resource key that was not found shows as itself (Nav_Ledger, State_overdue): none may reach a page.</summary>
    private static void AssertNoResourceKeys(string path, string text)
    {
        var leaked = KeyPattern().Matches(text).Select(m => m.Value).Distinct().ToList();
        Assert.True(leaked.Count == 0, $"{path} shows resource keys: {string.Join(", ", leaked)}");
    }

    [GeneratedRegex(@"\b[A-Z][A-Za-z]+_[A-Za-z_]+\b")]
    private static partial Regex KeyPattern();

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = await _session.Engine.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<T>(sql) ?? throw new InvalidOperationException(sql);
    }

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql)
    {
        await using var connection = await _session.Engine.Database.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<T>(sql)).ToList();
    }
}
