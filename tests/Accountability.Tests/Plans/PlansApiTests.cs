using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Accountability.Plans;
using Accountability.Tests.Web;

namespace Accountability.Tests.Plans;

/// <summary>The plan endpoints on the real server: planners validate, diff and import; everyone else is refused;
/// bad files get 422 with every problem.</summary>
public sealed class PlansApiTests : IAsyncLifetime
{
    private WebHost _host = null!;

    public async Task InitializeAsync() => _host = await WebHost.CreateAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static ByteArrayContent Sample(string name, string extension = ".yaml") =>
        new(File.ReadAllBytes(RepositoryPaths.Sample("plans", name + extension)));

    [Fact]
    public async Task Planner_ValidatesDiffsAndImportsThenReadsTheCampaign()
    {
        var api = _host.Api(await _host.TokenForAsync("hq.planner"));

        var validated = await api.PostAsync($"/api/plans/validate?fileName={PlanFixture.HundredDays}.xlsx", Sample(PlanFixture.HundredDays, ".xlsx"));
        var diffed = await api.PostAsync($"/api/plans/diff?fileName={PlanFixture.HundredDays}.xlsx", Sample(PlanFixture.HundredDays, ".xlsx"));
        var imported = await api.PostAsync($"/api/plans/import?fileName={PlanFixture.HundredDays}.xlsx", Sample(PlanFixture.HundredDays, ".xlsx"));

        Assert.Equal(HttpStatusCode.OK, validated.StatusCode);
        var diff = await diffed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(9, diff.GetProperty("diff").GetProperty("tasksAdded").GetArrayLength());
        var outcome = await imported.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("imported", 1), (outcome.GetProperty("action").GetString(), outcome.GetProperty("version").GetInt32()));

        var campaigns = await api.GetFromJsonAsync<JsonElement>("/api/plans/campaigns");
        var campaign = Assert.Single(campaigns.EnumerateArray());
        Assert.Equal("jx-2017-100-days", campaign.GetProperty("code").GetString());
        Assert.Equal("monthly", campaign.GetProperty("cadence")[0].GetProperty("cycle").GetString());
        var tasks = await api.GetFromJsonAsync<JsonElement>("/api/plans/campaigns/jx-2017-100-days/tasks");
        Assert.Equal(9, tasks.GetArrayLength());
        Assert.Equal("县环境保护局", tasks[1].GetProperty("lead").GetProperty("name").GetString());
        var ledger = await api.GetFromJsonAsync<JsonElement>("/api/plans/campaigns/jx-2017-100-days/ledger");
        Assert.Equal(50, ledger.GetArrayLength());
        Assert.Equal("issued", ledger[0].GetProperty("assignmentState").GetString());
        var versions = await api.GetFromJsonAsync<JsonElement>("/api/plans/campaigns/jx-2017-100-days/versions");
        Assert.Equal("hq.planner", versions[0].GetProperty("importedBy").GetString());
    }

    [Fact]
    public async Task Import_RepeatedWithTheVersionTheDiffShowed_Answers409NamingTheVersionAndWritesNothing()
    {
        var api = _host.Api(await _host.TokenForAsync("hq.planner"));
        var diffed = await (await api.PostAsync($"/api/plans/diff?fileName={PlanFixture.HundredDays}.yaml", Sample(PlanFixture.HundredDays)))
            .Content.ReadFromJsonAsync<JsonElement>();
        var import = $"/api/plans/import?fileName={PlanFixture.HundredDays}.yaml&expectedVersion={diffed.GetProperty("version").GetInt32()}";

        var first = await api.PostAsync(import, Sample(PlanFixture.HundredDays));
        var footprint = await PlanFixture.FootprintAsync(_host.Engine);
        var retried = await api.PostAsync(import, Sample(PlanFixture.HundredDays));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, retried.StatusCode);
        var problem = await retried.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(nameof(ImportMustBecomeTheCheckedVersionRule), problem.GetProperty("rule").GetString());
        Assert.Contains("already imported as version 1 of campaign jx-2017-100-days by hq.planner", problem.GetProperty("detail").GetString());
        Assert.Equal(1, problem.GetProperty("current").GetProperty("importedAs").GetInt32());
        Assert.Equal(footprint, await PlanFixture.FootprintAsync(_host.Engine));
    }

    [Fact]
    public async Task UnitOperator_IsRefusedAndNothingIsWritten()
    {
        var api = _host.Api(await _host.TokenForAsync("huayu.operator"));

        var import = await api.PostAsync($"/api/plans/import?fileName={PlanFixture.HundredDays}.yaml", Sample(PlanFixture.HundredDays));
        var campaigns = await api.GetAsync("/api/plans/campaigns");

        Assert.Equal(HttpStatusCode.Forbidden, import.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, campaigns.StatusCode);
        Assert.Equal(0, await PlanFixture.CountAsync(_host.Engine, "SELECT count(*) FROM campaign"));
    }

    [Fact]
    public async Task Import_ABadFile_Answers422WithEveryProblem()
    {
        var api = _host.Api(await _host.TokenForAsync("hq.planner"));
        var yaml = PlanFixture.Plan("""
              - { number: "1", title: 散乱污, responsible: 化雨, deadline: 尽快 }
            """);

        var response = await api.PostAsync("/api/plans/import?fileName=bad.yaml", new StringContent(yaml));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problems = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems");
        Assert.Equal(["tasks[0].deadline", "tasks[0].responsible"],
            problems.EnumerateArray().Select(p => p.GetProperty("field").GetString()).Order());
    }

    [Fact]
    public async Task Import_ABadFile_KeepsTheEnglishReasonAndTextAndAddsTheirCode()
    {
        var api = _host.Api(await _host.TokenForAsync("hq.planner"));
        var yaml = PlanFixture.Plan("""
              - { number: "1", title: 散乱污, responsible: 化雨镇, deadline: 尽快 }
            """);

        var response = await api.PostAsync("/api/plans/import?fileName=bad.yaml", new StringContent(yaml));

        var problem = Assert.Single((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems").EnumerateArray());
        var reason = $"'尽快' is not a deadline this loader understands; write {DeadlinePhrase.AcceptedForms}";
        Assert.Equal(reason, problem.GetProperty("reason").GetString());
        Assert.Matches(@"^error: bad\.yaml:\d+ tasks\[0\]\.deadline: ", problem.GetProperty("text").GetString());
        Assert.EndsWith(": " + reason, problem.GetProperty("text").GetString());
        Assert.Equal("NotADeadline", problem.GetProperty("code").GetString());
        Assert.Equal("尽快", problem.GetProperty("arguments").GetProperty("value").GetString());
    }

    [Fact]
    public async Task Campaign_ThatDoesNotExist_Is404()
    {
        var api = _host.Api(await _host.TokenForAsync("hq.planner"));

        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/plans/campaigns/nowhere/tasks")).StatusCode);
    }
}
