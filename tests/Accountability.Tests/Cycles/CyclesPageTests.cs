using System.Net;
using Accountability.Audit;
using Accountability.Cycles;
using Accountability.Tests.Web;
using Dapper;

namespace Accountability.Tests.Cycles;

/// <summary>The cycles page (调度 · 排名 · 通报) as a planner reads it.</summary>
public sealed class CyclesPageTests : IAsyncLifetime
{
    private WebHost _host = null!;

    public async Task InitializeAsync() => _host = await WebHost.CreateAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task FailedCorrectionRun_ShowsItsErrorAndWhenItFailed_NextToThePeriod()
    {
        var engine = _host.Engine;
        var ds = engine.Database.DataSource;
        var campaign = await CycleScenario.CreateCampaignAsync(ds, "fail-2017", CycleScenario.Monthly, new DateOnly(2017, 9, 1), new DateOnly(2017, 12, 31),
            DateTimeOffset.Parse("2017-09-01T00:00Z"));
        await CycleScenario.AddItemsAsync(ds, campaign, new Dictionary<string, int> { ["jx-huayu"] = 2 }, 3,
            DateTimeOffset.Parse("2017-09-01T01:00Z"), DateTimeOffset.Parse("2017-12-31T09:00Z"));
        engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-01T01:00Z"));
        await engine.Get<CatchUpCycles>().RunAsync(campaign, "monthly");
        await using (var connection = await ds.OpenConnectionAsync())
        {
            // A rulebook no scorer handles: the correction of October cannot rank it and fails.
            await connection.ExecuteAsync("UPDATE campaign SET rulebook_code = 'no-such-rulebook' WHERE id = @campaign", new { campaign });
        }

        engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-03T02:30Z"));
        var failure = await Assert.ThrowsAsync<BusinessRuleBrokenException>(() =>
            engine.Get<RunCycle>().RunAsync(new CycleRunRequest("fail-2017", "2017-10"), AuditActor.Cli));
        var planner = await _host.SignedInBrowserAsync("hq.planner");

        var page = WebUtility.HtmlDecode(await planner.GetStringAsync("/cycles?campaign=fail-2017"));

        Assert.Contains($"2017-11-03 10:30 运行失败：{failure.Message}", page, StringComparison.Ordinal);
        Assert.Contains("data-run-error=\"2017-10\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("data-run-error=\"2017-09\"", page, StringComparison.Ordinal);
    }
}
