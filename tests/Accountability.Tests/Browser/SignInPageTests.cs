using Microsoft.Playwright;

namespace Accountability.Tests.Browser;

public sealed class SignInPageTests : IAsyncLifetime
{
    private BrowserSession _session = null!;

    public async Task InitializeAsync() => _session = await BrowserSession.StartAsync();

    public async Task DisposeAsync() => await _session.DisposeAsync();

    [Fact]
    public async Task SignInPage_RendersInChineseAndSwitchesToEnglish()
    {
        var page = await _session.NewPageAsync();
        await page.GotoAsync("/signin");

        Assert.Equal("zh-CN", await page.GetAttributeAsync("html", "lang"));
        Assert.Equal("登录名", (await page.InnerTextAsync("label[for=login]")).Trim());
        await BrowserSession.ScreenshotAsync(page, "signin-zh");

        await page.ClickAsync("text=English");
        await page.WaitForSelectorAsync("html[lang=en]");
        Assert.Equal("Login", (await page.InnerTextAsync("label[for=login]")).Trim());
        await BrowserSession.ScreenshotAsync(page, "signin-en");
    }

    [Fact]
    public async Task SignIn_WithTheRightPassword_ShowsTheHomePageWithTheRoles()
    {
        var page = await _session.SignInAsync("huayu.operator");

        Assert.Contains("化雨镇", await page.InnerTextAsync("main"));
        Assert.Contains("单位经办人", await page.InnerTextAsync("main"));
        await BrowserSession.ScreenshotAsync(page, "home-unit-operator");
    }
}
