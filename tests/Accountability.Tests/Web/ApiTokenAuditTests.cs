using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Accountability.Access;
using Dapper;

namespace Accountability.Tests.Web;

/// <summary>Who could call the API, and from when to when, is on the record: issuing and revoking a token are audited
/// with its id and name, never the token.</summary>
public sealed class ApiTokenAuditTests : IAsyncLifetime
{
    private WebHost _host = null!;

    public async Task InitializeAsync() => _host = await WebHost.CreateAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private sealed record Event(string Kind, string Actor, long? ActorPersonId, string Payload);

    private async Task<List<Event>> TokenEventsAsync()
    {
        await using var connection = await _host.Engine.Database.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<Event>("""
            SELECT kind AS Kind, actor AS Actor, actor_person_id AS ActorPersonId, payload::text AS Payload
            FROM audit_event WHERE kind LIKE 'api_token.%' ORDER BY seq
            """)).ToList();
    }

    [Fact]
    public async Task IssueAndRevoke_OverTheApi_AreAuditedOnceEachWithTheTokenIdAndNeverTheToken()
    {
        var password = await _host.PasswordForAsync("env.verifier");
        var me = (await _host.Engine.Get<PersonStore>().FindByLoginAsync("env.verifier"))!.Id;
        var someoneElses = await _host.TokenForAsync("land.verifier");
        var before = (await TokenEventsAsync()).Count;
        async Task<string> IssueAsync(string name)
        {
            var response = await _host.Api().PostAsJsonAsync("/api/tokens", new { login = "env.verifier", password, name });
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        }

        var laptop = await IssueAsync("laptop");
        var script = await IssueAsync("nightly export");
        var listed = await _host.Api(laptop).GetFromJsonAsync<JsonElement>("/api/tokens");
        long IdOf(string name) => listed.EnumerateArray().Single(t => t.GetProperty("name").GetString() == name).GetProperty("id").GetInt64();
        var othersId = (await _host.Api(someoneElses).GetFromJsonAsync<JsonElement>("/api/tokens"))[0].GetProperty("id").GetInt64();

        Assert.Equal(HttpStatusCode.NoContent, (await _host.Api(laptop).DeleteAsync($"/api/tokens/{IdOf("nightly export")}")).StatusCode);
        // Revoking it again is no error, and no second event: the first revocation is the one that counts.
        Assert.Equal(HttpStatusCode.NoContent, (await _host.Api(laptop).DeleteAsync($"/api/tokens/{IdOf("nightly export")}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Api(laptop).DeleteAsync($"/api/tokens/{othersId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _host.Api(laptop).DeleteAsync("/api/tokens/current")).StatusCode);

        var events = (await TokenEventsAsync()).Skip(before).ToList();
        Assert.Equal(["api_token.issued", "api_token.issued", "api_token.revoked", "api_token.revoked"], events.Select(e => e.Kind));
        Assert.All(events, e => Assert.Equal(me, e.ActorPersonId));
        Assert.All(events, e => Assert.Equal($"person:{me}", e.Actor));
        var ids = events.Select(e => JsonDocument.Parse(e.Payload).RootElement.GetProperty("token_id").GetInt64()).ToList();
        Assert.Equal([IdOf("laptop"), IdOf("nightly export"), IdOf("nightly export"), IdOf("laptop")], ids);
        Assert.Contains("nightly export", events[1].Payload, StringComparison.Ordinal);
        foreach (var token in new[] { laptop, script })
        {
            Assert.All(events, e => Assert.DoesNotContain(token, e.Payload, StringComparison.Ordinal));
            Assert.All(events, e => Assert.DoesNotContain(token[ApiTokens.Prefix.Length..], e.Payload, StringComparison.Ordinal));
        }
    }
}
