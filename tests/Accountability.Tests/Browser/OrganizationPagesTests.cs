using System.Text;
using Accountability.Access;
using Microsoft.Playwright;

namespace Accountability.Tests.Browser;

public sealed class OrganizationPagesTests : IAsyncLifetime
{
    private BrowserSession _session = null!;

    public async Task InitializeAsync()
    {
        _session = await BrowserSession.StartAsync();
        await _session.Engine.Get<BootstrapAdministrator>().CreateFirstAsync("admin", "系统管理员", "a long enough password");
    }

    public async Task DisposeAsync() => await _session.DisposeAsync();

    [Fact]
    public async Task Administrator_ChecksABadFileSeesEveryProblemByRowThenImportsAGoodOne()
    {
        var page = await _session.SignInAsync("admin");
        await page.ClickAsync("nav.main-nav >> text=组织机构");
        await page.WaitForURLAsync("**/admin/organization");
        await BrowserSession.ScreenshotAsync(page, "admin-organization");

        await page.ClickAsync("text=导入组织机构");
        await page.SetInputFilesAsync("#file", new FilePayload
        {
            Name = "bad.yaml", MimeType = "application/x-yaml",
            Buffer = Encoding.UTF8.GetBytes("units:\n  - { code: x1, name: 新镇, kind: town, parent: nowhere }\n  - { code: x2, kind: planet, parent: jx }\n"),
        });
        await page.ClickAsync("text=检查文件");
        var problems = await page.InnerTextAsync(".problems");
        // Said in the page's language (the CLI and the API keep the English reasons).
        Assert.Contains("单位编码“nowhere”不存在", problems);
        Assert.Contains("“planet”不是可选的值", problems);
        Assert.Contains("units[1].name", problems);
        await BrowserSession.ScreenshotAsync(page, "admin-organization-import-errors");

        await page.SetInputFilesAsync("#file", new FilePayload
        {
            Name = "good.yaml", MimeType = "application/x-yaml",
            Buffer = Encoding.UTF8.GetBytes("units:\n  - { code: jx-new, name: 新设镇, kind: town, parent: jx, category: 镇街 }\n"),
        });
        await page.ClickAsync("text=检查文件");
        Assert.Contains("新增单位 1 个", await page.InnerTextAsync(".summary"));
        // The import runs as an operation (so a double click imports once): its page says what it did.
        await page.ClickAsync("text=确认导入");
        await page.WaitForSelectorAsync("#operation-done");
        Assert.Contains("已导入 good.yaml", await page.InnerTextAsync("#operation-done"));
        await page.ClickAsync("#operation-done >> text=组织机构");
        await page.WaitForURLAsync("**/admin/organization");

        Assert.Contains("新设镇", await page.InnerTextAsync("main"));
    }

    [Fact]
    public async Task UnitOperator_OpeningTheOrganisationPage_IsRefused()
    {
        var page = await _session.SignInAsync("huayu.operator");

        var response = await page.GotoAsync("/admin/organization");

        Assert.Equal(403, response!.Status);
        Assert.DoesNotContain("组织机构", await page.InnerTextAsync("nav.main-nav"));
        Assert.Contains("无权访问", await page.InnerTextAsync("main"));
    }
}
