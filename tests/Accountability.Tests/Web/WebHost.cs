using System.Net;
using System.Text.RegularExpressions;
using Accountability.Access;
using Accountability.Tests.Access;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Accountability.Tests.Web;

/// <summary>The real server (Program.cs, every middleware) in process, on a database of its own.</summary>
public sealed partial class WebHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;

    private readonly bool _ownsEngine;

    private readonly IReadOnlyDictionary<string, string> _settings;

    private WebHost(TestEngine engine, bool ownsEngine = true, IReadOnlyDictionary<string, string>? settings = null)
    {
        Engine = engine;
        _ownsEngine = ownsEngine;
        _settings = settings ?? new Dictionary<string, string>();
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            foreach (var (key, value) in _settings)
            {
                b.UseSetting(key, value);
            }

            b.UseSetting("ConnectionStrings:Accountability", engine.Database.ConnectionString);
            // These tests drive the engine's fake clock by hand; the scheduler is tested with real server processes.
            b.UseSetting("Scheduler:Enabled", "false");
            b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(engine.Time));
            b.ConfigureLogging(l => l.AddProvider(Logs));
        });
    }

    public TestEngine Engine { get; }

    /// <summary>What the server logged at warning or above.</summary>
    public CapturedLog Logs { get; } = new();

    /// <summary>A server on a fresh database holding the sample organisation; <paramref name="settings"/> are
    /// configuration the server starts with.</summary>
    public static async Task<WebHost> CreateAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var engine = await TestEngine.CreateAsync();
        await OrganizationFixture.ImportSampleAsync(engine);
        return new WebHost(engine, settings: settings);
    }

    /// <summary>A second server node on the same database (as behind a load balancer), configured alike.</summary>
    public WebHost SecondNode() => new(Engine, ownsEngine: false, _settings);

    /// <summary>A browser-like client: keeps cookies, does not follow redirects (tests look at them).</summary>
    public HttpClient Browser() => _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public HttpClient Api(string? token = null)
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }

        return client;
    }

    /// <summary>Gives the person the tests' password, unless they have it already: setting a password ends the person's
    /// sessions, and a test may hold a cookie and a token of the same person.</summary>
    public async Task<string> PasswordForAsync(string login)
    {
        const string password = "a long enough password";
        await EnsurePasswordAsync(Engine, login, password);
        return password;
    }

    public static async Task EnsurePasswordAsync(TestEngine engine, string login, string password)
    {
        var person = await engine.Get<PersonStore>().FindByLoginAsync(login);
        if (person?.PasswordHash is not { } hash || !PasswordHasher.Verify(password, hash, out _))
        {
            await engine.Get<SetPassword>().RunAsync(null, login, password);
        }
    }

    public async Task<string> TokenForAsync(string login)
    {
        await PasswordForAsync(login);
        var person = await Engine.Get<PersonStore>().FindByLoginAsync(login);
        return await Engine.Get<ApiTokens>().IssueAsync(person!.Id, "test");
    }

    /// <summary>Signs in through the real form (anti-forgery token and all) and returns the client holding the cookie.</summary>
    public async Task<HttpClient> SignedInBrowserAsync(string login, HttpClient? browser = null)
    {
        var password = await PasswordForAsync(login);
        browser ??= Browser();
        var form = await browser.GetStringAsync("/signin");
        var response = await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Login"] = login, ["Password"] = password, ["__RequestVerificationToken"] = AntiforgeryToken(form),
        }));
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"sign-in as {login} answered {response.StatusCode}");
        }

        return browser;
    }

    /// <summary>A request as it reaches the server from <paramref name="remoteAddress"/> — the peer it sees, a client or a
    /// load balancer in front of one — with <paramref name="headers"/> and, for a POST, a form body. Answers the context as
    /// the server left it (status, response headers, body).</summary>
    public Task<Microsoft.AspNetCore.Http.HttpContext> SendFromAsync(string remoteAddress, string method, string path,
        IEnumerable<(string Name, string Value)> headers, string? form = null) =>
        _factory.Server.SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = IPAddress.Parse(remoteAddress);
            c.Request.Method = method;
            c.Request.Path = path;
            foreach (var (name, value) in headers)
            {
                c.Request.Headers[name] = value;
            }

            if (form is not null)
            {
                c.Request.ContentType = "application/x-www-form-urlencoded";
                c.Request.Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(form));
            }
        });

    public static string AntiforgeryToken(string html) => AntiforgeryPattern().Match(html).Groups[1].Value;

    /// <summary>A background operation's page (<c>/operations/{id}</c>) once its work has finished, polled the way the
    /// page itself polls.</summary>
    public static async Task<string> FinishedOperationPageAsync(HttpClient browser, string location)
    {
        for (var i = 0; i < 600; i++)
        {
            var progress = await browser.GetStringAsync(location + "?handler=Progress");
            if (!progress.Contains("\"running\"", StringComparison.Ordinal))
            {
                return await browser.GetStringAsync(location);
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{location} still running after a minute");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryPattern();

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        if (_ownsEngine)
        {
            await Engine.DisposeAsync();
        }
    }
}

/// <summary>Keeps the server's warnings and errors in memory for tests that check what operators would be shown and,
/// given a path, appends them (with their exceptions) to that file for the reader of a failed test.</summary>
public sealed class CapturedLog(string? path = null) : ILoggerProvider
{
    private static readonly Lock FileGate = new();

    private readonly System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, string Category, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Writer(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(LogLevel level, string category, string message, Exception? exception)
    {
        _entries.Enqueue((level, category, message + (exception is null ? "" : " " + exception.GetType().Name)));
        if (path is not null)
        {
            lock (FileGate)
            {
                File.AppendAllText(path, $"{DateTime.Now:HH:mm:ss} {level} {category}: {message}\n{exception}\n");
            }
        }
    }

    private sealed class Writer(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Add(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}
