using Accountability.Plans;

namespace Accountability.Tests.Plans;

/// <summary>The reads the UI lists campaigns, versions, tasks and ledgers with.</summary>
public sealed class PlanStoreTests : IAsyncLifetime
{
    private TestEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _engine = await PlanFixture.EngineWithCountyAsync();
        await PlanFixture.ImportAsync(_engine, PlanFixture.Sample(PlanFixture.AutumnWinter));
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task Lists_ShowTheCampaignItsTasksAndVersions()
    {
        var store = _engine.Get<PlanStore>();

        var campaign = Assert.Single(await store.ListCampaignsAsync());
        var tasks = await store.ListTasksAsync(campaign.Code);
        var versions = await store.ListVersionsAsync(campaign.Code);

        Assert.Equal((new DateOnly(2017, 9, 9), new DateOnly(2018, 3, 31), 15, "jx-hq"), (campaign.StartsOn, campaign.EndsOn, campaign.Tasks, campaign.Headquarters!.Code));
        Assert.Equal(campaign.OpenAssignments, tasks.Sum(t => t.OpenAssignments));
        var monthly = tasks.Single(t => t.Number == "14");
        Assert.Equal(("每月25日前报送", 15 * 7), (monthly.DeadlineText, (int)monthly.Assignments));
        Assert.Equal(["jx-land", "jx-police"], tasks.Single(t => t.Number == "1").Cooperating.Skip(2).Select(u => u.Code));
        Assert.Equal(1, Assert.Single(versions).Version);
        await Assert.ThrowsAsync<NotFoundException>(() => store.ListTasksAsync("nowhere"));
    }
}
