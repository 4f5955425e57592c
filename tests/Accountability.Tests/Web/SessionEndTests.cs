using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Accountability.Access;
using Dapper;

namespace Accountability.Tests.Web;

/// <summary>How sessions end: a password change ends every session of that person (cookies and API tokens), and an
/// API client revokes its own tokens.</summary>
public sealed class SessionEndTests : IAsyncLifetime
{
    private WebHost _host = null!;

    public async Task InitializeAsync() => _host = await WebHost.CreateAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task SignOut_EndsTheSessionOnTheServer_SoACopyOfTheCookieIsRefused_AndOtherSessionsGoOn()
    {
        var browser = _host.Browser();
        var form = await browser.GetStringAsync("/signin");
        var signedIn = await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Login"] = "huayu.operator", ["Password"] = await _host.PasswordForAsync("huayu.operator"),
            ["__RequestVerificationToken"] = WebHost.AntiforgeryToken(form),
        }));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        // What a shared computer, a proxy log or malware would keep: the cookie itself.
        var copy = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("accountability.session=", StringComparison.Ordinal)).Split(';')[0];
        var other = await _host.SignedInBrowserAsync("huayu.operator");   // the same person in another browser
        Task<HttpResponseMessage> WithCopy()
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Add("Cookie", copy);
            return _host.Api().SendAsync(request);
        }

        Assert.Equal(HttpStatusCode.OK, (await WithCopy()).StatusCode);
        var page = await browser.GetStringAsync("/");
        var signedOut = await browser.PostAsync("/signout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebHost.AntiforgeryToken(page),
        }));
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);

        // The copy is the cookie the server accepted a moment ago: the ended session is what refuses it now.
        var refused = await WithCopy();
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.StartsWith("/signin", refused.Headers.Location?.PathAndQuery, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Sessions_AreNotedAsSeenAtMostHourly_AndForgottenThirtyDaysAfterTheyEndedOrWereLastSeen()
    {
        async Task<Dictionary<Guid, (DateTimeOffset Seen, DateTimeOffset? Ended)>> SessionsAsync()
        {
            await using var connection = await _host.Engine.Database.DataSource.OpenConnectionAsync();
            return (await connection.QueryAsync<(Guid Id, DateTimeOffset Seen, DateTimeOffset? Ended)>(
                "SELECT id, seen_at, ended_at FROM web_session")).ToDictionary(r => r.Id, r => (r.Seen, r.Ended));
        }

        var signedInAt = _host.Engine.Time.GetUtcNow();
        var inUse = await _host.SignedInBrowserAsync("huayu.operator");
        var inUseId = (await SessionsAsync()).Keys.Single();
        var abandoned = await _host.SignedInBrowserAsync("hq.planner");     // the browser is closed, never signed out
        var abandonedId = (await SessionsAsync()).Keys.Single(id => id != inUseId);
        var signedOut = await _host.SignedInBrowserAsync("env.verifier");
        var signedOutId = (await SessionsAsync()).Keys.Single(id => id != inUseId && id != abandonedId);
        var page = await signedOut.GetStringAsync("/");
        await signedOut.PostAsync("/signout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebHost.AntiforgeryToken(page),
        }));

        // Within the hour a request writes nothing; after it, the session is noted as seen.
        _host.Engine.Time.Advance(TimeSpan.FromMinutes(40));
        Assert.Equal(HttpStatusCode.OK, (await inUse.GetAsync("/")).StatusCode);
        Assert.Equal(signedInAt, (await SessionsAsync())[inUseId].Seen);
        _host.Engine.Time.Advance(TimeSpan.FromMinutes(40));
        Assert.Equal(HttpStatusCode.OK, (await inUse.GetAsync("/")).StatusCode);
        var seenAgain = _host.Engine.Time.GetUtcNow();
        Assert.Equal(seenAgain, (await SessionsAsync())[inUseId].Seen);
        Assert.Equal(signedInAt, (await SessionsAsync())[abandonedId].Seen);
        Assert.NotNull((await SessionsAsync())[signedOutId].Ended);

        // Thirty days after the sign-in and the sign-out, but not yet after the session in use was last seen.
        var purge = _host.Engine.Get<IEnumerable<Accountability.Cycles.IPeriodicSweep>>().Single(s => s.Name == "web-sessions");
        _host.Engine.Time.SetUtcNow(signedInAt + PurgeWebSessions.Retention + TimeSpan.FromMinutes(1));
        Assert.Equal(2, await purge.RunOnceAsync(CancellationToken.None));
        Assert.Equal([inUseId], (await SessionsAsync()).Keys);
        _host.Engine.Time.SetUtcNow(seenAgain + PurgeWebSessions.Retention + TimeSpan.FromMinutes(1));
        Assert.Equal(1, await purge.RunOnceAsync(CancellationToken.None));
        Assert.Empty(await SessionsAsync());
    }

    [Fact]
    public async Task PasswordChange_EndsThePersonsCookieSessionsAndApiTokens_AndNobodyElses()
    {
        var browser = await _host.SignedInBrowserAsync("huayu.operator");
        var token = await _host.TokenForAsync("huayu.operator");
        var plannerToken = await _host.TokenForAsync("hq.planner");
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _host.Api(token).GetAsync("/api/me")).StatusCode);

        // The password was given away, so the administrator sets a new one: whoever holds the old sessions is out.
        await _host.Engine.Get<SetPassword>().RunAsync(null, "huayu.operator", "a brand new long password");

        var page = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/signin", page.Headers.Location?.PathAndQuery, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Api(token).GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _host.Api(plannerToken).GetAsync("/api/me")).StatusCode);
        // The new password opens a new session.
        var granted = await _host.Api().PostAsJsonAsync("/api/tokens", new { login = "huayu.operator", password = "a brand new long password" });
        var fresh = (await granted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        Assert.Equal(HttpStatusCode.OK, (await _host.Api(fresh).GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task PasswordPage_AnAdministratorSettingTheirOwnPassword_StaysSignedInThereAndNowhereElse()
    {
        await _host.Engine.Get<BootstrapAdministrator>().CreateFirstAsync("admin", "系统管理员", "a long enough password");
        var here = await _host.SignedInBrowserAsync("admin");
        var elsewhere = await _host.SignedInBrowserAsync("admin");
        var form = await here.GetStringAsync("/admin/organization");

        var posted = await here.PostAsync("/admin/organization?handler=Password", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["login"] = "admin", ["password"] = "my own new long password", ["__RequestVerificationToken"] = WebHost.AntiforgeryToken(form),
        }));

        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("/admin/organization")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await elsewhere.GetAsync("/admin/organization")).StatusCode);
    }

    [Fact]
    public async Task RevokeTokens_TheOneInUseAndAnotherOfMine_EndThoseAlone_AndNobodyElsesCanBeNamed()
    {
        var password = await _host.PasswordForAsync("env.verifier");
        async Task<string> IssueAsync(string name)
        {
            var response = await _host.Api().PostAsJsonAsync("/api/tokens", new { login = "env.verifier", password, name });
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        }

        var laptop = await IssueAsync("laptop");
        var script = await IssueAsync("nightly export");
        var phone = await IssueAsync("phone");
        var someoneElses = await _host.TokenForAsync("land.verifier");

        var listed = await _host.Api(phone).GetFromJsonAsync<JsonElement>("/api/tokens");
        Assert.Equal(["laptop", "nightly export", "phone"], listed.EnumerateArray().Select(t => t.GetProperty("name").GetString()).Order());
        Assert.DoesNotContain(laptop, listed.GetRawText());
        var scriptId = listed.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "nightly export").GetProperty("id").GetInt64();
        var othersId = (await _host.Api(someoneElses).GetFromJsonAsync<JsonElement>("/api/tokens"))[0].GetProperty("id").GetInt64();

        Assert.Equal(HttpStatusCode.NoContent, (await _host.Api(laptop).DeleteAsync("/api/tokens/current")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _host.Api(phone).DeleteAsync($"/api/tokens/{scriptId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Api(phone).DeleteAsync($"/api/tokens/{othersId}")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Api(laptop).GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Api(script).GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _host.Api(phone).GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _host.Api(someoneElses).GetAsync("/api/me")).StatusCode);
        var after = await _host.Api(phone).GetFromJsonAsync<JsonElement>("/api/tokens");
        Assert.Equal(2, after.EnumerateArray().Count(t => t.GetProperty("revokedAt").ValueKind != JsonValueKind.Null));
    }
}
