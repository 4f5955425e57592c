using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace Accountability.Tests.Web;

public sealed class ScoringApiTests : IAsyncLifetime
{
    private WebHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await WebHost.CreateAsync();
        await using var connection = await _host.Engine.Database.DataSource.OpenConnectionAsync();
        var campaign = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO campaign (code, name, headquarters_unit_id, starts_on, ends_on, rulebook_code, created_at)
            VALUES ('aw', '秋冬季攻坚', (SELECT id FROM unit WHERE code = 'jx-hq'), '2017-09-01', '2018-03-31', 'autumn-winter-2017', now()) RETURNING id
            """);
        await connection.ExecuteAsync("""
            INSERT INTO scoring_event (campaign_id, unit_id, kind, level, occurred_at)
            SELECT @campaign, (SELECT id FROM unit WHERE code = 'jx-huayu'), 'not_rectified_in_time', 'county', '2017-10-10T02:00Z' FROM generate_series(1, 2)
            """, new { campaign });
        _host.Engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-01T01:00Z"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ScoreRankDocumentsAndInbox_OverHttp_AnswerEachRoleAsTheAccessPolicySays()
    {
        var planner = _host.Api(await _host.TokenForAsync("hq.planner"));
        var discipline = _host.Api(await _host.TokenForAsync("discipline.officer"));
        var town = _host.Api(await _host.TokenForAsync("huayu.operator"));

        Assert.Equal(HttpStatusCode.Forbidden, (await town.PostAsync("/api/scoring/campaigns/aw/periods/2017-10/score", null)).StatusCode);
        var scored = await planner.PostAsync("/api/scoring/campaigns/aw/periods/2017-10/score", null);
        Assert.Equal(HttpStatusCode.OK, scored.StatusCode);

        using var ranking = JsonDocument.Parse(await town.GetStringAsync("/api/scoring/campaigns/aw/periods/2017-10/ranking"));
        Assert.Equal("autumn-winter-2017@1", ranking.RootElement.GetProperty("rulebook").GetString());
        var ledger = await town.GetStringAsync("/api/scoring/campaigns/aw/periods/2017-10/ledger/jx-huayu");
        Assert.Contains("not-rectified", ledger);
        Assert.Equal(HttpStatusCode.NotFound, (await town.GetAsync("/api/scoring/campaigns/aw/periods/2017-10/ledger/jx-yangshan")).StatusCode);

        var documents = JsonDocument.Parse(await planner.GetStringAsync("/api/scoring/campaigns/aw/periods/2017-10/documents")).RootElement;
        var bulletin = documents.EnumerateArray().First(d => d.GetProperty("kind").GetString() == "ranking_bulletin").GetProperty("id").GetInt64();
        var page = await town.GetAsync($"/api/scoring/documents/{bulletin}/html");
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("class=\"masthead\"", await page.Content.ReadAsStringAsync());
        var workbook = await planner.GetAsync($"/api/scoring/documents/{bulletin}/ranking.xlsx");
        Assert.Equal(HttpStatusCode.OK, workbook.StatusCode);
        // The referral to discipline inspection is not the town's to read, nor even to know of.
        var referralLetter = documents.EnumerateArray().First(d => d.GetProperty("kind").GetString() == "referral").GetProperty("id").GetInt64();
        var hidden = await town.GetAsync($"/api/scoring/documents/{referralLetter}");
        var absent = await town.GetAsync($"/api/scoring/documents/{referralLetter + 1_000_000}");
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(await AssignmentsApiTests.ProblemWithoutTraceAsync(absent), await AssignmentsApiTests.ProblemWithoutTraceAsync(hidden));

        Assert.Equal(HttpStatusCode.Forbidden, (await planner.GetAsync("/api/discipline/referrals")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await town.GetAsync("/api/discipline/referrals")).StatusCode);
        var inbox = JsonDocument.Parse(await discipline.GetStringAsync("/api/discipline/referrals?unit=jx-huayu")).RootElement;
        var referral = inbox.EnumerateArray().Single().GetProperty("id").GetInt64();
        var dossier = await discipline.GetAsync($"/api/discipline/referrals/{referral}/dossier");
        var bytes = await dossier.Content.ReadAsByteArrayAsync();
        Assert.Equal(dossier.Headers.GetValues("X-Dossier-SHA256").Single(),
            Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)).ToLowerInvariant());
        Assert.Equal(HttpStatusCode.NotFound, (await planner.GetAsync($"/api/discipline/referrals/{referral}")).StatusCode);
        var disposed = await discipline.PostAsJsonAsync($"/api/discipline/referrals/{referral}/disposition",
            new { disposition = "public_criticism", reasons = "经核实，予以通报" });
        Assert.Equal(HttpStatusCode.OK, disposed.StatusCode);
    }

    [Fact]
    public async Task WhatIf_WithABrokenDraft_Answers422WithTheLineAndField()
    {
        var planner = _host.Api(await _host.TokenForAsync("hq.planner"));
        await planner.PostAsync("/api/scoring/campaigns/aw/periods/2017-10/score", null);

        var response = await planner.PostAsJsonAsync("/api/scoring/campaigns/aw/periods/2017-10/whatif", new WhatIfRequestBody("rulebook: x\nversion: one\n"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("version", await response.Content.ReadAsStringAsync());
        var ok = await planner.PostAsJsonAsync("/api/scoring/campaigns/aw/periods/2017-10/whatif", new { rulebook = "jining-consecutive" });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("jining-consecutive@1", await ok.Content.ReadAsStringAsync());
    }

    private sealed record WhatIfRequestBody(string Yaml);
}
