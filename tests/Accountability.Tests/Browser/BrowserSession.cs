using Accountability.Tests.Access;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Accountability.Tests.Browser;

/// <summary>
/// The real server listening on a real port (Kestrel, every middleware, its own PostgreSQL database, a test clock the
/// test can move) driven by Debian's Chromium through Playwright — never a downloaded browser. Screenshots go to
/// artifacts/screenshots/ at the checkout root.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly WebApplicationFactory<Program> _factory;
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private BrowserSession(TestEngine engine, WebApplicationFactory<Program> factory, string baseUrl, IPlaywright playwright, IBrowser browser)
    {
        Engine = engine;
        _factory = factory;
        BaseUrl = baseUrl;
        _playwright = playwright;
        _browser = browser;
    }

    public TestEngine Engine { get; }

    public string BaseUrl { get; }

    public static string ServerLogPath { get; } = Path.Combine(RepositoryPaths.Root, "artifacts", "browser-server.log");

    public static string ScreenshotFolder { get; } = Directory.CreateDirectory(Path.Combine(RepositoryPaths.Root, "artifacts", "screenshots")).FullName;

    public static async Task<BrowserSession> StartAsync()
    {
        var engine = await TestEngine.CreateAsync();
        await OrganizationFixture.ImportSampleAsync(engine);
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            b.UseSetting("ConnectionStrings:Accountability", engine.Database.ConnectionString);
            // The test moves its fake clock by hand; a live scheduler would race it.
            b.UseSetting("Scheduler:Enabled", "false");
            b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(engine.Time));
            // What went wrong on the server side of a page is kept for the reader of a failed test.
            b.ConfigureLogging(l => l.AddProvider(new Web.CapturedLog(ServerLogPath)));
        });
        factory.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            .Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1");

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Without the networking flags Chromium keeps trying to reach hosts this closed network cannot reach.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        return new BrowserSession(engine, factory, address.TrimEnd('/'), playwright, browser);
    }

    /// <summary>A fresh browser profile (its own cookies), Chinese by default like a county office PC.</summary>
    public async Task<IPage> NewPageAsync(string locale = "zh-CN", int width = 1366, int height = 900)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl, Locale = locale, ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        // CI machines are slow and shared: wait longer than Playwright's 30 s default before calling a page broken.
        context.SetDefaultTimeout(90_000);
        context.SetDefaultNavigationTimeout(90_000);
        return await context.NewPageAsync();
    }

    /// <summary>Signs in through the sign-in page as a person of the sample county.</summary>
    public async Task<IPage> SignInAsync(string login, string locale = "zh-CN")
    {
        const string password = "a long enough password";
        // Once only: setting a password again would end the sessions the test's other pages hold for the same person.
        await Web.WebHost.EnsurePasswordAsync(Engine, login, password);
        var page = await NewPageAsync(locale);
        await page.GotoAsync("/signin");
        await page.FillAsync("#login", login);
        await page.FillAsync("#password", password);
        await page.ClickAsync("main button[type=submit]");
        await page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.OrdinalIgnoreCase));
        return page;
    }

    /// <summary>The whole page by default; <paramref name="fullPage"/> false for what fits the screen (a phone's first view).</summary>
    public static Task ScreenshotAsync(IPage page, string name, bool fullPage = true) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = fullPage });

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _factory.DisposeAsync();
        await Engine.DisposeAsync();
    }
}
