using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Accountability.Tests.Web;

public sealed class FoundationWebTests : IAsyncLifetime
{
    private WebHost _host = null!;

    public async Task InitializeAsync() => _host = await WebHost.CreateAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Health_AnswersOkWhenTheDatabaseAnswers()
    {
        var response = await _host.Api().GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheApi()
    {
        var document = await _host.Api().GetStringAsync("/openapi/v1.json");

        Assert.Contains("/api/tokens", document);
        Assert.Contains("/api/organization/import", document);
    }

    [Fact]
    public async Task Pages_RequireSignInAndSpeakChineseByDefault()
    {
        var browser = _host.Browser();

        var home = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        Assert.StartsWith("/signin", home.Headers.Location!.PathAndQuery, StringComparison.OrdinalIgnoreCase);

        var signIn = await browser.GetStringAsync("/signin");
        Assert.Contains("lang=\"zh-CN\"", signIn);
        Assert.Contains(WebUtility.HtmlEncode("登录名"), signIn);
        var english = await browser.GetStringAsync("/signin?culture=en");
        Assert.Contains("lang=\"en\"", english);
        Assert.Contains("Login", english);
    }

    [Fact]
    public async Task SignInForm_WithoutTheAntiforgeryToken_IsRejected()
    {
        await _host.PasswordForAsync("huayu.operator");
        var browser = _host.Browser();
        await browser.GetStringAsync("/signin");

        var response = await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Login"] = "huayu.operator", ["Password"] = "a long enough password",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task SignInRateLimit_BehindALoadBalancer_CountsEachClientNotTheBalancer()
    {
        // The README's deployment: a load balancer on the node (no configuration needed for one on the same host) passes
        // the client's address in X-Forwarded-For. Were the balancer's own address counted, 30 sign-ins a minute from
        // the whole county would lock everyone out.
        const string balancer = "127.0.0.1";
        async Task<int> SignInPageAsync(string client) =>
            (await _host.SendFromAsync(balancer, "GET", "/signin", [("X-Forwarded-For", client)])).Response.StatusCode;

        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(200, await SignInPageAsync("203.0.113.7"));
        }

        Assert.Equal(429, await SignInPageAsync("203.0.113.7"));
        Assert.Equal(200, await SignInPageAsync("198.51.100.9"));

        // Anyone else writing the header gains nothing by it: a peer that is not a known balancer is counted as itself.
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(200, (await _host.SendFromAsync("192.0.2.50", "GET", "/signin", [("X-Forwarded-For", $"10.9.9.{i}")])).Response.StatusCode);
        }

        Assert.Equal(429, (await _host.SendFromAsync("192.0.2.50", "GET", "/signin", [("X-Forwarded-For", "10.9.9.200")])).Response.StatusCode);
    }

    [Fact]
    public async Task SessionCookie_BehindAnHttpsLoadBalancer_IsMarkedSecure()
    {
        var password = await _host.PasswordForAsync("huayu.operator");
        const string balancer = "127.0.0.1";
        (string, string)[] forwarded = [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https")];

        var form = await _host.SendFromAsync(balancer, "GET", "/signin", forwarded);
        var html = await new StreamReader(form.Response.Body).ReadToEndAsync();
        var antiforgery = form.Response.Headers.SetCookie.Select(c => c!.Split(';')[0]).Single(c => c.StartsWith("accountability.antiforgery=", StringComparison.Ordinal));
        var signedIn = await _host.SendFromAsync(balancer, "POST", "/signin", [.. forwarded, ("Cookie", antiforgery)],
            $"Login=huayu.operator&Password={Uri.EscapeDataString(password)}&__RequestVerificationToken={Uri.EscapeDataString(WebHost.AntiforgeryToken(html))}");

        Assert.Equal(302, signedIn.Response.StatusCode);
        var session = signedIn.Response.Headers.SetCookie.Single(c => c!.StartsWith("accountability.session=", StringComparison.Ordinal))!;
        Assert.Contains("secure", session, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SignInForm_WithTheRightPassword_SetsTheSessionCookieAndShowsTheRoles()
    {
        var browser = await _host.SignedInBrowserAsync("huayu.operator");

        var home = await browser.GetStringAsync("/");

        Assert.Contains(WebUtility.HtmlEncode("化雨镇"), home);
        Assert.Contains(WebUtility.HtmlEncode("单位经办人"), home);
    }

    [Fact]
    public async Task RefusedPage_ForAUnitOperator_AnswersForbiddenAndLogsNoServerError()
    {
        var browser = await _host.SignedInBrowserAsync("huayu.operator");

        var response = await browser.GetAsync("/admin/organization");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain(_host.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Fact]
    public async Task SessionCookie_IssuedByOneNode_IsAcceptedByAnotherNodeOnTheSameDatabase()
    {
        var password = await _host.PasswordForAsync("huayu.operator");
        var first = _host.Api();
        var form = await first.GetAsync("/signin");
        var antiforgery = Cookies(form);
        var signIn = new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Login"] = "huayu.operator", ["Password"] = password,
                ["__RequestVerificationToken"] = WebHost.AntiforgeryToken(await form.Content.ReadAsStringAsync()),
            }),
        };
        signIn.Headers.Add("Cookie", antiforgery);
        var signedIn = await first.SendAsync(signIn);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        // The load balancer sends the next request to another node, which shares only the database.
        await using var second = _host.SecondNode();
        var home = new HttpRequestMessage(HttpMethod.Get, "/");
        home.Headers.Add("Cookie", Cookies(signedIn));
        var response = await second.Api().SendAsync(home);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("化雨镇", await response.Content.ReadAsStringAsync());
    }

    private static string Cookies(HttpResponseMessage response) =>
        string.Join("; ", response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));

    [Fact]
    public async Task SignInForm_WithAWrongPassword_SaysNotWhichHalfWasWrong()
    {
        await _host.PasswordForAsync("huayu.operator");
        var browser = _host.Browser();

        async Task<string> Attempt(string login, string password)
        {
            var form = await browser.GetStringAsync("/signin");
            var response = await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Login"] = login, ["Password"] = password, ["__RequestVerificationToken"] = WebHost.AntiforgeryToken(form),
            }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }

        var wrongPassword = await Attempt("huayu.operator", "not the password");
        var unknownLogin = await Attempt("nobody", "a long enough password");

        var message = WebUtility.HtmlEncode("登录名或密码错误。");
        Assert.Contains(message, wrongPassword);
        Assert.Contains(message, unknownLogin);
    }

    [Fact]
    public async Task Api_WithAToken_KnowsWhoIsCalling()
    {
        var token = await _host.TokenForAsync("env.verifier");

        var me = await _host.Api(token).GetFromJsonAsync<JsonElement>("/api/me");

        Assert.Equal("env.verifier", me.GetProperty("login").GetString());
    }

    [Fact]
    public async Task Api_TokenEndpoint_ExchangesAPasswordForAToken()
    {
        var password = await _host.PasswordForAsync("hq.planner");

        var refused = await _host.Api().PostAsJsonAsync("/api/tokens", new { login = "hq.planner", password = "wrong password" });
        var granted = await _host.Api().PostAsJsonAsync("/api/tokens", new { login = "hq.planner", password });

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        var token = (await granted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        Assert.Equal(HttpStatusCode.OK, (await _host.Api(token).GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Api_WithoutATokenOrWithOnlyTheSessionCookie_AnswersUnauthorized()
    {
        var browser = await _host.SignedInBrowserAsync("hq.planner");

        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Api().GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Api("acct_forged").GetAsync("/api/me")).StatusCode);
        // The API never accepts the ambient cookie, so a forged cross-site request cannot drive it.
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task OrganizationImport_ByAUnitOperator_IsForbidden()
    {
        var token = await _host.TokenForAsync("huayu.operator");

        var response = await _host.Api(token).PostAsync("/api/organization/import?fileName=org.yaml",
            new StringContent("units: []", Encoding.UTF8));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task OrganizationImport_WithErrors_Answers422ListingEveryProblem()
    {
        var admin = await AdministratorTokenAsync();

        var response = await _host.Api(admin).PostAsync("/api/organization/import?fileName=org.yaml",
            new StringContent("units:\n  - { code: a, name: 甲, kind: town, parent: nowhere }\n  - { code: b, kind: town, parent: jx }\n", Encoding.UTF8));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problems = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems");
        Assert.Equal(2, problems.GetArrayLength());
        Assert.Contains(problems.EnumerateArray(), p => p.GetProperty("reason").GetString()!.Contains("unknown parent 'nowhere'"));
        Assert.Contains(problems.EnumerateArray(), p => p.GetProperty("field").GetString() == "units[1].name");
    }

    [Fact]
    public async Task OrganizationImport_ByTheAdministrator_ImportsAndDryRunWritesNothing()
    {
        var admin = await AdministratorTokenAsync();
        const string body = "units:\n  - { code: jx-new, name: 新设镇, kind: town, parent: jx, category: 镇街 }\n";

        var dry = await _host.Api(admin).PostAsync("/api/organization/import?fileName=org.yaml&dryRun=true", new StringContent(body, Encoding.UTF8));
        Assert.True(dry.IsSuccessStatusCode, await dry.Content.ReadAsStringAsync());
        var listed = await _host.Api(admin).GetAsync("/api/organization/units");
        Assert.True(listed.IsSuccessStatusCode, await listed.Content.ReadAsStringAsync());
        var units = await listed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.DoesNotContain(units.EnumerateArray(), u => u.GetProperty("code").GetString() == "jx-new");

        var real = await _host.Api(admin).PostAsync("/api/organization/import?fileName=org.yaml", new StringContent(body, Encoding.UTF8));
        Assert.True(real.IsSuccessStatusCode, await real.Content.ReadAsStringAsync());
        units = await _host.Api(admin).GetFromJsonAsync<JsonElement>("/api/organization/units");
        Assert.Equal(HttpStatusCode.OK, real.StatusCode);
        var added = Assert.Single(units.EnumerateArray(), u => u.GetProperty("code").GetString() == "jx-new");
        Assert.Equal("towns", added.GetProperty("rankingCategory").GetString());
    }

    private async Task<string> AdministratorTokenAsync()
    {
        var bootstrap = _host.Engine.Get<Accountability.Access.BootstrapAdministrator>();
        var id = await bootstrap.CreateFirstAsync("admin", "管理员", "a long enough password");
        return await _host.Engine.Get<Accountability.Access.ApiTokens>().IssueAsync(id, "test");
    }
}
