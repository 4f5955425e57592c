using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Accountability.Tests.Web;
using Dapper;

namespace Accountability.Tests.Cycles;

public sealed class CyclesApiTests : IAsyncLifetime
{
    private WebHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await WebHost.CreateAsync();
        var ds = _host.Engine.Database.DataSource;
        var campaign = await CycleScenario.CreateCampaignAsync(ds, "dq-api", CycleScenario.Monthly, new DateOnly(2017, 9, 1), new DateOnly(2017, 12, 31),
            DateTimeOffset.Parse("2017-09-01T00:00Z"));
        await CycleScenario.AddItemsAsync(ds, campaign, new Dictionary<string, int> { ["jx-huayu"] = 1, ["jx-yangshan"] = 2 }, 3,
            DateTimeOffset.Parse("2017-09-01T01:00Z"), DateTimeOffset.Parse("2017-12-01T01:00Z"));
        _host.Engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-01T02:00Z"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Run_ByThePlanner_DryRunWritesNothingThenTheRunPublishesAndUnitsSeeTheBulletin()
    {
        var planner = _host.Api(await _host.TokenForAsync("hq.planner"));
        var before = await CycleScenario.CountEveryTableAsync(_host.Engine.Database.DataSource);

        var dry = await planner.PostAsJsonAsync("/api/cycles/run", new { campaign = "dq-api", period = "2017-10", dryRun = true });
        var dryBody = await dry.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, dry.StatusCode);
        Assert.Equal("DryRun", dryBody.GetProperty("outcome").GetString());
        Assert.Equal(1, dryBody.GetProperty("documents").GetArrayLength());
        Assert.Equal(before, await CycleScenario.CountEveryTableAsync(_host.Engine.Database.DataSource));

        var run = await planner.PostAsJsonAsync("/api/cycles/run", new { campaign = "dq-api", period = "2017-10" });
        Assert.Equal("Published", (await run.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString());
        var runs = await planner.GetFromJsonAsync<JsonElement>("/api/cycles/runs?campaign=dq-api");
        Assert.Equal("2017-10", runs[0].GetProperty("period").GetString());

        var town = _host.Api(await _host.TokenForAsync("huayu.operator"));
        var notices = await town.GetFromJsonAsync<JsonElement>("/api/notices?unread=true");
        var bulletin = notices.EnumerateArray().Single(n => n.GetProperty("kind").GetString() == "document.ranking_bulletin");
        var read = await town.PostAsync($"/api/notices/{bulletin.GetProperty("id").GetInt64()}/read", null);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        await using var connection = await _host.Engine.Database.DataSource.OpenConnectionAsync();
        Assert.NotNull(await connection.ExecuteScalarAsync<DateTimeOffset?>("SELECT read_at FROM notification WHERE id = @id",
            new { id = bulletin.GetProperty("id").GetInt64() }));
    }

    [Fact]
    public async Task Run_ByAUnitOperator_IsForbiddenAndAFuturePeriodIsAConflict()
    {
        var town = _host.Api(await _host.TokenForAsync("huayu.operator"));
        var planner = _host.Api(await _host.TokenForAsync("hq.planner"));

        var forbidden = await town.PostAsJsonAsync("/api/cycles/run", new { campaign = "dq-api", period = "2017-10" });
        var future = await planner.PostAsJsonAsync("/api/cycles/run", new { campaign = "dq-api", period = "2017-11" });

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, future.StatusCode);
    }
}
