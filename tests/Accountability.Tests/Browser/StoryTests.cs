using System.Text.RegularExpressions;
using Accountability.Audit;
using Accountability.Cycles;
using Microsoft.Playwright;

namespace Accountability.Tests.Browser;

/// <summary>
/// The whole story through the pages, on the real server and database with a test clock: the planner uploads a plan
/// and imports it; a town acknowledges an item and submits it with a photo; the verifier looks at the photo and
/// accepts; two problems pass their deadline; the planner dry-runs and then closes the month; the bulletin shows the
/// ranking; the discipline inspection commission finds the referral, reads the dossier, acknowledges it and records a
/// disposition. Screenshots of every main page go to artifacts/screenshots/.
/// </summary>
public sealed partial class StoryTests : IAsyncLifetime
{
    private const string Campaign = "jx-story-2017";
    private BrowserSession _session = null!;

    public async Task InitializeAsync() => _session = await BrowserSession.StartAsync();

    public async Task DisposeAsync() => await _session.DisposeAsync();

    private static string StoryPlan => Path.Combine(RepositoryPaths.Root, "tests", "Accountability.Tests", "Browser", "Plans", "jinxiang-story-2017.yaml");

    [Fact]
    public async Task WholeStory_FromPlanUploadToTheDisciplineDisposition()
    {
        // ── The planner uploads the plan, looks at what it will do, confirms and watches the import.
        var planner = await _session.SignInAsync("hq.planner");
        await BrowserSession.ScreenshotAsync(planner, "home-planner");
        await planner.ClickAsync("nav.main-nav >> text=方案导入");
        await planner.SetInputFilesAsync("#file", StoryPlan);
        await planner.ClickAsync("#check-plan");
        var check = await planner.InnerTextAsync(".summary");
        Assert.Contains("jinxiang-story-2017.yaml 校验通过", check);
        Assert.Contains("将新建专项行动", check);
        await BrowserSession.ScreenshotAsync(planner, "plan-import-check");
        await planner.ClickAsync("#confirm-import");
        await planner.WaitForSelectorAsync("#operation-done");
        Assert.Contains("第 1 版", await planner.InnerTextAsync("#operation-done"));
        await BrowserSession.ScreenshotAsync(planner, "plan-import-done");

        // ── 化雨镇 acknowledges its task and submits it with a photo from the site.
        var town = await _session.SignInAsync("huayu.operator");
        await town.ClickAsync("nav.main-nav >> text=待办事项");
        var toAcknowledge = await town.InnerTextAsync("#acknowledge");
        Assert.Contains("“散乱污”企业排查整治", toAcknowledge);
        Assert.Contains("化雨镇王庄砖厂原料露天堆放", toAcknowledge);
        await BrowserSession.ScreenshotAsync(town, "inbox-unit");
        await town.ClickAsync("#acknowledge >> text=“散乱污”企业排查整治");
        await town.ClickAsync("#acknowledge");
        Assert.Contains("已签收", await town.InnerTextAsync(".notice"));
        var itemUrl = town.Url;
        await town.SetInputFilesAsync("#evidence-0", new FilePayload { Name = "现场照片-王庄.png", MimeType = "image/png", Buffer = await PhotoAsync() });
        await town.FillAsync("#submit-note", "已完成排查建档，3家清理取缔类企业已断水断电，设备已拆除。");
        await town.ClickAsync("#submit-closure");
        Assert.Contains("已申请销号", await town.InnerTextAsync(".notice"));
        Assert.Contains("已申请销号", await town.InnerTextAsync(".badges"));
        await BrowserSession.ScreenshotAsync(town, "item-submitted");

        // ── The environment bureau sees it in its queue, looks at the photo and accepts (谁验收谁负责).
        var verifier = await _session.SignInAsync("env.verifier");
        await verifier.ClickAsync("nav.main-nav >> text=验收销号");
        Assert.Contains("化雨镇", await verifier.InnerTextAsync("#waiting"));
        await BrowserSession.ScreenshotAsync(verifier, "verification-queue");
        await verifier.GotoAsync(new Uri(itemUrl).PathAndQuery);
        // The photo is shown inline once the browser has fetched and decoded it.
        await verifier.WaitForFunctionAsync("() => { const i = document.querySelector('.gallery img'); return i && i.complete; }");
        var photoWidth = await verifier.EvaluateAsync<int>("() => document.querySelector('.gallery img').naturalWidth");
        Assert.True(photoWidth > 0, "the photo is shown inline");
        await BrowserSession.ScreenshotAsync(verifier, "item-verifier-evidence");
        await verifier.FillAsync("#accept-note", "现场核查属实，予以销号。");
        await verifier.ClickAsync("#accept");
        Assert.Contains("已销号", await verifier.InnerTextAsync(".badges"));

        // ── 8 September passes: both problems at 化雨镇 are overdue, not rectified in time, and chased.
        _session.Engine.Time.SetUtcNow(new DateTimeOffset(2017, 9, 12, 1, 0, 0, TimeSpan.Zero));
        await SweepAsync();
        // Days later the sign-in of 5 September has long expired (8 hours): the town signs in again.
        town = await _session.SignInAsync("huayu.operator");
        await town.GotoAsync("/inbox");
        var overdue = await town.InnerTextAsync("#overdue");
        Assert.Contains("化雨镇王庄砖厂原料露天堆放", overdue);
        Assert.Contains("化雨镇张楼村露天焚烧秸秆", overdue);
        Assert.Contains("化雨镇王庄砖厂原料露天堆放", await town.InnerTextAsync("#chasers"));
        await BrowserSession.ScreenshotAsync(town, "inbox-unit-overdue");

        // The town answers the chaser; its late extension request is refused with the reason, and recorded.
        await town.ClickAsync("#chasers >> text=化雨镇王庄砖厂原料露天堆放");
        await town.ClickAsync("form.chaser button[type=submit]");
        Assert.Contains("催办已回执", await town.InnerTextAsync(".notice"));
        await town.ClickAsync("summary:has-text('申请延期')");
        await town.FillAsync("#extension-reason", "砖厂原料棚正在施工，需延期一周。");
        await town.FillAsync("#proposed-date", "2017-09-20");
        await town.ClickAsync("form[action*='handler=Extension'] button[type=submit]");
        Assert.Contains("延期申请须在完成时限之前提出", await town.InnerTextAsync(".alert"));
        await BrowserSession.ScreenshotAsync(town, "item-extension-refused");
        await town.GotoAsync(town.Url);
        Assert.Contains("被拒绝：申请延期", await town.InnerTextAsync("ol.timeline"));
        await BrowserSession.ScreenshotAsync(town, "item-overdue-timeline");

        // ── The month ends. The planner dry-runs the close (nothing issued), then closes it.
        _session.Engine.Time.SetUtcNow(new DateTimeOffset(2017, 10, 1, 2, 0, 0, TimeSpan.Zero));
        await SweepAsync();
        planner = await _session.SignInAsync("hq.planner");
        await planner.ClickAsync("nav.main-nav >> text=调度排名");
        await BrowserSession.ScreenshotAsync(planner, "cycles");
        await planner.ClickAsync("button[data-period='2017-09'][data-action='dry-run']");
        await planner.WaitForSelectorAsync("#operation-done");
        var dryRun = await planner.InnerTextAsync("#operation-done");
        Assert.Contains("试运行", dryRun);
        Assert.Contains("排名情况的通报", dryRun);
        await BrowserSession.ScreenshotAsync(planner, "cycle-dry-run");
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM document"));

        await planner.GotoAsync("/cycles");
        await planner.ClickAsync("button[data-period='2017-09'][data-action='run']");
        await planner.WaitForSelectorAsync("#operation-done");
        var run = await planner.InnerTextAsync("#operation-done");
        Assert.Contains("已发布", run);
        await BrowserSession.ScreenshotAsync(planner, "cycle-run");

        // ── The bulletin, exactly as issued, shows the ranking.
        await planner.ClickAsync("nav.main-nav >> text=通报文件");
        await BrowserSession.ScreenshotAsync(planner, "documents");
        await planner.ClickAsync("a:has-text('排名情况的通报')");
        var bulletin = planner.FrameLocator("#document-frame");
        var ranking = await bulletin.Locator("body").InnerTextAsync();
        Assert.Contains("化雨镇", ranking);
        Assert.Contains("羊山镇", ranking);
        Assert.Matches(new Regex("名次|排名"), ranking);
        await BrowserSession.ScreenshotAsync(planner, "document-bulletin");

        // ── The discipline inspection commission receives the referral and disposes of it.
        var discipline = await _session.SignInAsync("discipline.officer");
        await discipline.ClickAsync("nav.main-nav >> text=问责移送");
        Assert.Contains("化雨镇", await discipline.InnerTextAsync("main table"));
        await BrowserSession.ScreenshotAsync(discipline, "referrals");
        await discipline.ClickAsync("main table >> text=化雨镇");
        var dossier = await discipline.InnerTextAsync(".dossier");
        Assert.Contains("化雨镇王庄砖厂原料露天堆放", dossier);
        Assert.Contains("未按期整改", dossier);
        Assert.Matches(new Regex("[0-9a-f]{64}"), await discipline.InnerTextAsync("#dossier-sha"));
        await BrowserSession.ScreenshotAsync(discipline, "referral-dossier");
        await discipline.ClickAsync("#acknowledge-referral");
        Assert.Contains("已签收", await discipline.InnerTextAsync("#referral-state"));
        await discipline.CheckAsync("input[name=disposition][value=formal_caution]");
        await discipline.FillAsync("#reasons", "分管负责人对交办问题督促不力，两项问题逾期未整改，予以诫勉。");
        await discipline.ClickAsync("#record-disposition");
        Assert.Contains("已处理", await discipline.InnerTextAsync("#referral-state"));
        Assert.Contains("诫勉", await discipline.InnerTextAsync("main"));
        await BrowserSession.ScreenshotAsync(discipline, "referral-disposed");
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM audit_event WHERE kind = 'referral.disposed'"));

        // ── The town sees every point of its score explained, with the rule and the events behind it.
        town = await _session.SignInAsync("huayu.operator");
        await town.GotoAsync("/score");
        var score = await town.InnerTextAsync("main");
        Assert.Contains("交办问题未按期整改", score);
        Assert.Contains("-0.6", score);
        await town.ClickAsync("#ledger-title ~ article.minus details summary");
        await BrowserSession.ScreenshotAsync(town, "score-unit");

        // The town appeals the deduction; the headquarters office reads the appeal and rejects it with its reasons.
        await town.ClickAsync("#ledger-title ~ article.minus details.appeal summary");
        await town.FillAsync("#ledger-title ~ article.minus details.appeal textarea[name=reasons]", "张楼村秸秆焚烧点位于邻镇交界处，不属本镇辖区。");
        await town.ClickAsync("#ledger-title ~ article.minus details.appeal button[type=submit]");
        Assert.Contains("申诉已提交", await town.InnerTextAsync(".notice"));
        await planner.GotoAsync("/appeals");
        await planner.ClickAsync("main table >> text=张楼村秸秆焚烧点位于邻镇交界处");
        await BrowserSession.ScreenshotAsync(planner, "appeal");
        await planner.FillAsync("#reason", "经核实，该点位在化雨镇辖区内，扣分无误。");
        await planner.ClickAsync("button[name=accept][value=false]");
        Assert.Contains("未采纳", await planner.InnerTextAsync("main"));

        // ── A second month, closed by the engine as the scheduler would, gives the dashboard's chart two points.
        _session.Engine.Time.SetUtcNow(new DateTimeOffset(2017, 11, 1, 2, 0, 0, TimeSpan.Zero));
        await SweepAsync();
        await _session.Engine.Get<RunCycle>().RunAsync(new CycleRunRequest(Campaign, "2017-10"), AuditActor.Cycle);
        planner = await _session.SignInAsync("hq.planner");
        town = await _session.SignInAsync("huayu.operator");
        await planner.ClickAsync("nav.main-nav >> text=指挥调度");
        await planner.ClickAsync($"a[href='/campaigns/{Campaign}'] >> nth=0");
        Assert.Equal(2, await planner.Locator("#ranking-chart circle").CountAsync() / Math.Max(1, await planner.Locator(".chart-legend li").CountAsync()));
        Assert.True(await planner.Locator("table.heatmap td.heat-red").CountAsync() > 0, "the overdue problems show red");
        await BrowserSession.ScreenshotAsync(planner, "dashboard");
        await planner.ClickAsync("nav.main-nav >> text=任务台账");
        await BrowserSession.ScreenshotAsync(planner, "ledger");
        await planner.ClickAsync("nav.main-nav >> text=问责办法");
        await planner.ClickAsync("#run-whatif");
        await planner.WaitForSelectorAsync("#whatif-report");
        await BrowserSession.ScreenshotAsync(planner, "rulebooks-whatif");
        await town.GotoAsync("/notices");
        await BrowserSession.ScreenshotAsync(town, "notices");
    }

    /// <summary>What the minute-by-minute scheduler would have done since the clock last moved (it is off in these tests).</summary>
    private async Task SweepAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            var results = await _session.Engine.Get<RunPeriodicSweeps>().RunAsync();
            Assert.All(results, r => Assert.Null(r.Error));
        }
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = await _session.Engine.Database.DataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A real PNG "site photo", drawn by the browser itself.</summary>
    private async Task<byte[]> PhotoAsync()
    {
        var page = await _session.NewPageAsync(width: 640, height: 420);
        await page.SetContentAsync("""
            <body style="margin:0;background:linear-gradient(#9cc3e6,#dfe9f2 55%,#8a7f6a 55%);font-family:'WenQuanYi Micro Hei',sans-serif">
              <div style="position:absolute;left:60px;top:170px;width:260px;height:120px;background:#b5523b;border:4px solid #6b2e20"></div>
              <div style="position:absolute;left:360px;top:120px;width:40px;height:170px;background:#7d7d7d"></div>
              <div style="position:absolute;left:16px;bottom:14px;color:#fff;font-size:22px;text-shadow:0 1px 2px #000">化雨镇王庄砖厂 断电断水 2017-09-05 10:32</div>
            </body>
            """);
        var png = await page.ScreenshotAsync();
        await page.Context.CloseAsync();
        return png;
    }
}
