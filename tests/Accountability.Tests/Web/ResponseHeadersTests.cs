using System.Net;
using System.Net.Http.Json;
using Accountability.Tests.Assignments;
using Dapper;

namespace Accountability.Tests.Web;

/// <summary>What a response tells the browser and the caches in between: nothing a signed-in person was shown is kept
/// (county office computers are shared), an uploaded file or an issued document is never taken for anything but what it
/// says it is, and neither may run a script.</summary>
public sealed class ResponseHeadersTests : IAsyncLifetime
{
    private WebHost _host = null!;
    private AssignmentFixture _fixture = null!;

    public async Task InitializeAsync()
    {
        _host = await WebHost.CreateAsync();
        _fixture = await AssignmentFixture.CreateAsync(_host.Engine, importOrganization: false);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : "";

    [Fact]
    public async Task SignedInPagesEvidenceAndDocuments_AreNeverStored_AndFilesAndDocumentsRunNoScript()
    {
        var item = await _fixture.IssueOneAsync(new DateOnly(2017, 10, 31));
        var api = _host.Api(await _host.TokenForAsync("huayu.operator"));
        await api.PostAsJsonAsync($"/api/assignments/{item}/acknowledge", new { });
        using var submission = new MultipartFormDataContent
        {
            { new StringContent("已整改"), "note" },
            { new ByteArrayContent(AssignmentFixture.Photo().Content), "files", "现场.png" },
        };
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/api/assignments/{item}/submission", submission)).StatusCode);
        var fileId = await _fixture.ScalarAsync<long>("SELECT max(id) FROM evidence_file");
        var documentId = await _fixture.ScalarAsync<long>("""
            INSERT INTO document (campaign_id, kind, period, natural_key, title, html, data, sha256, issued_at)
            VALUES (@CampaignId, 'ranking_bulletin', '2017-10', 'ranking_bulletin:2017-10', '排名通报', '<p>通报</p>', '{}', 'x', now())
            RETURNING id
            """, new { _fixture.CampaignId });
        var browser = await _host.SignedInBrowserAsync("huayu.operator");

        var page = await browser.GetAsync($"/assignments/{item}");
        var evidence = await api.GetAsync($"/api/assignments/{item}/evidence/{fileId}");
        var document = await api.GetAsync($"/api/scoring/documents/{documentId}/html");
        var me = await api.GetAsync("/api/me");
        var stylesheet = await _host.Api().GetAsync("/css/site.css");

        Assert.All(new[] { page, evidence, document, me }, r =>
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Contains("no-store", Header(r, "Cache-Control"), StringComparison.Ordinal);
        });
        Assert.All(new[] { evidence, document }, r =>
        {
            Assert.Equal("nosniff", Header(r, "X-Content-Type-Options"));
            var policy = Header(r, "Content-Security-Policy");
            Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("script-src", policy, StringComparison.Ordinal);
        });
        Assert.Contains("sandbox", Header(evidence, "Content-Security-Policy"), StringComparison.Ordinal);
        // What anyone may fetch without signing in stays cacheable.
        Assert.Equal(HttpStatusCode.OK, stylesheet.StatusCode);
        Assert.DoesNotContain("no-store", Header(stylesheet, "Cache-Control"), StringComparison.Ordinal);
    }
}
