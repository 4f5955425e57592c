using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Accountability.Assignments;
using Accountability.Tests.Assignments;

namespace Accountability.Tests.Web;

/// <summary>The assignment actions over HTTP: status codes for every kind of refusal, If-Match, Idempotency-Key,
/// evidence uploads checked by content.</summary>
public sealed class AssignmentsApiTests : IAsyncLifetime
{
    private WebHost _host = null!;
    private AssignmentFixture _fixture = null!;
    private long _item;

    public async Task InitializeAsync()
    {
        _host = await WebHost.CreateAsync();
        _fixture = await AssignmentFixture.CreateAsync(_host.Engine, importOrganization: false);
        _item = await _fixture.IssueOneAsync(new DateOnly(2017, 10, 31));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<HttpClient> ClientAsync(string login) => _host.Api(await _host.TokenForAsync(login));

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task Acknowledge_AnswersTheItemWithItsVersionAsETag()
    {
        var client = await ClientAsync("huayu.operator");

        var response = await client.PostAsJsonAsync($"/api/assignments/{_item}/acknowledge", new { note = "收到" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
        Assert.Equal("acknowledged", (await JsonAsync(response)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task AnotherUnitsItem_Is404ForReadsAndActions()
    {
        var client = await ClientAsync("yangshan.operator");

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/assignments/{_item}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync($"/api/assignments/{_item}/acknowledge", new { })).StatusCode);
        var list = await JsonAsync(await client.GetAsync("/api/assignments"));
        Assert.Equal(0, list.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task AnotherUnitsItem_AnswersWordForWordAsAnItemThatDoesNotExist()
    {
        var client = await ClientAsync("yangshan.operator");
        var missing = _item + 1_000_000;

        // Were the two answers worded differently, a unit could walk the ids and learn which items exist elsewhere.
        foreach (var (hidden, absent) in new[]
                 {
                     (await client.GetAsync($"/api/assignments/{_item}"), await client.GetAsync($"/api/assignments/{missing}")),
                     (await client.GetAsync($"/api/assignments/{_item}/evidence/1"), await client.GetAsync($"/api/assignments/{missing}/evidence/1")),
                     (await client.PostAsJsonAsync($"/api/assignments/{_item}/acknowledge", new { }),
                         await client.PostAsJsonAsync($"/api/assignments/{missing}/acknowledge", new { })),
                 })
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
            Assert.Equal(await ProblemWithoutTraceAsync(absent), await ProblemWithoutTraceAsync(hidden));
        }
    }

    /// <summary>The problem body as the client reads it, less the trace id that differs for every request.</summary>
    public static async Task<string> ProblemWithoutTraceAsync(HttpResponseMessage response)
    {
        var problem = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        problem.Remove("traceId");
        return problem.ToJsonString();
    }

    [Fact]
    public async Task AVerifiersAction_ByTheUnit_Is403()
    {
        var client = await ClientAsync("huayu.operator");

        var response = await client.PostAsJsonAsync($"/api/assignments/{_item}/accept", new { });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task AcceptingYourOwnSubmission_Is409NamingTheRuleAndTheReason()
    {
        // 化雨镇's operator also verifies for 县环保局 (the item's verifying unit), and submitted the item themselves.
        await _fixture.ScalarAsync<int>("""
            INSERT INTO membership (person_id, unit_id, role)
            VALUES ((SELECT id FROM person WHERE login = 'huayu.operator'), (SELECT id FROM unit WHERE code = 'jx-env'), 'verifier')
            RETURNING 1
            """);
        var me = await _fixture.ActorAsync("huayu.operator");
        await _host.Engine.Get<AcknowledgeAssignment>().RunAsync(me, new ActionRequest(_item));
        await _host.Engine.Get<SubmitForClosure>().RunAsync(me, new ActionRequest(_item), [AssignmentFixture.Photo()], "已整改");
        var client = await ClientAsync("huayu.operator");

        var response = await client.PostAsJsonAsync($"/api/assignments/{_item}/accept", new { note = "自己验收" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Equal(nameof(SubmitterMayNotVerifyTheirOwnSubmissionRule), problem.GetProperty("rule").GetString());
        Assert.Contains("another verifier", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("submitted", problem.GetProperty("current").GetProperty("state").GetString());
    }

    [Fact]
    public async Task AnIllegalTransition_Is409NamingTheRuleWithTheCurrentItem()
    {
        var client = await ClientAsync("huayu.operator");

        var response = await client.PostAsJsonAsync($"/api/assignments/{_item}/progress", new { percent = 10, note = "开始" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Equal("StateMustAllowActionRule", problem.GetProperty("rule").GetString());
        Assert.Equal("issued", problem.GetProperty("current").GetProperty("state").GetString());
    }

    [Fact]
    public async Task AStaleIfMatch_Is409WithTheCurrentItem()
    {
        var client = await ClientAsync("huayu.operator");
        await client.PostAsJsonAsync($"/api/assignments/{_item}/acknowledge", new { });
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/assignments/{_item}/progress") { Content = JsonContent.Create(new { percent = 10, note = "开始" }) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(2, (await JsonAsync(response)).GetProperty("current").GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task ARetryWithTheSameIdempotencyKey_ReplaysTheFirstAnswer()
    {
        var client = await ClientAsync("huayu.operator");
        HttpRequestMessage Request()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/assignments/{_item}/acknowledge") { Content = JsonContent.Create(new { note = "收到" }) };
            request.Headers.Add("Idempotency-Key", "8d3c0a52-ack");
            return request;
        }

        var first = await client.SendAsync(Request());
        var retry = await client.SendAsync(Request());

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal(["assignment.acknowledge"], await _fixture.AuditKindsAsync(_item));
    }

    [Fact]
    public async Task Submission_AsMultipart_StoresCheckedEvidence_AndRefusesAProgram()
    {
        var client = await ClientAsync("huayu.operator");
        await client.PostAsJsonAsync($"/api/assignments/{_item}/acknowledge", new { });

        using var bad = new MultipartFormDataContent
        {
            { new StringContent("已整改"), "note" },
            { new ByteArrayContent([0x4D, 0x5A, 0x90, 0x00]), "files", "现场照片.jpg" },
        };
        var refused = await client.PostAsync($"/api/assignments/{_item}/submission", bad);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("executable", await refused.Content.ReadAsStringAsync());

        var photo = AssignmentFixture.Photo();
        using var good = new MultipartFormDataContent
        {
            { new StringContent("已整改"), "note" },
            { new StringContent("现场照片"), "kinds" },
            { new ByteArrayContent(photo.Content), "files", "现场.png" },
        };
        var submitted = await client.PostAsync($"/api/assignments/{_item}/submission", good);
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        Assert.Equal("submitted", (await JsonAsync(submitted)).GetProperty("state").GetString());

        var details = await JsonAsync(await client.GetAsync($"/api/assignments/{_item}"));
        var evidence = details.GetProperty("evidence")[0];
        Assert.Equal("现场照片", evidence.GetProperty("kind").GetString());
        Assert.Equal("image/png", evidence.GetProperty("contentType").GetString());
        var download = await client.GetAsync($"/api/assignments/{_item}/evidence/{evidence.GetProperty("id").GetInt64()}");
        Assert.Equal(photo.Content, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", download.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AMalformedField_Is422NamingIt()
    {
        var client = await ClientAsync("huayu.operator");
        await client.PostAsJsonAsync($"/api/assignments/{_item}/acknowledge", new { });

        var response = await client.PostAsJsonAsync($"/api/assignments/{_item}/extension-request", new { reason = "设备", proposedDate = "11/30/2017" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("proposedDate", (await JsonAsync(response)).GetProperty("problems")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task RecordProblem_CreatesTheItemForTheTown()
    {
        var client = await ClientAsync("inspection.officer");
        var town = await Accountability.Tests.Access.OrganizationFixture.UnitIdAsync(_host.Engine, "jx-huayu");
        var verifier = await Accountability.Tests.Access.OrganizationFixture.UnitIdAsync(_host.Engine, "jx-env");

        var response = await client.PostAsJsonAsync("/api/problems", new
        {
            campaignId = _fixture.CampaignId, source = "media", level = "city", townUnitId = town, verifierUnitId = verifier,
            name = "某砖厂夜间冒黑烟被市电视台曝光", dueDate = "2017-09-20",
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var item = await JsonAsync(response);
        Assert.Equal("WT-0001", item.GetProperty("number").GetString());
        Assert.Equal(["media_exposure"], await _fixture.ScoresAsync(item.GetProperty("id").GetInt64()));
    }

    [Fact]
    public async Task RecordProblem_RetriedWithTheSameIdempotencyKey_CreatesOneItem()
    {
        var client = await ClientAsync("inspection.officer");
        var town = await Accountability.Tests.Access.OrganizationFixture.UnitIdAsync(_host.Engine, "jx-huayu");
        var verifier = await Accountability.Tests.Access.OrganizationFixture.UnitIdAsync(_host.Engine, "jx-env");
        HttpRequestMessage Request()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/problems")
            {
                Content = JsonContent.Create(new
                {
                    campaignId = _fixture.CampaignId, source = "inspection", level = "county", townUnitId = town, verifierUnitId = verifier,
                    name = "化雨镇某石料厂露天堆放未苫盖", dueDate = "2017-09-20",
                }),
            };
            request.Headers.Add("Idempotency-Key", "c41e-problem");
            return request;
        }

        var first = await client.SendAsync(Request());
        var retry = await client.SendAsync(Request());

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (first.StatusCode, retry.StatusCode));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal(1, await _fixture.ScalarAsync<int>("SELECT count(*) FROM ledger_item"));
    }
}
