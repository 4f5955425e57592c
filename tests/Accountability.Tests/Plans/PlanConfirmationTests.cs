using Accountability.Plans;
using Accountability.Tests.Access;

namespace Accountability.Tests.Plans;

/// <summary>A confirmed import becomes the version its check showed, or nothing: confirming the same check twice (a
/// double click, a retry) or after another planner's import writes no version nobody checked.</summary>
public sealed class PlanConfirmationTests : IAsyncLifetime
{
    private const string Tasks = """
          - { number: "1", title: 散乱污企业整治, lead: 县环保局, responsible: 化雨镇、羊山镇, deadline: 2017年10月31日前 }
          - { number: "2", title: 秸秆禁烧, lead: 县农业局, responsible: 化雨镇、羊山镇, deadline: 2017年11月30日前 }
        """;

    private const string AmendedTasks = """
          - { number: "1", title: 散乱污企业整治, lead: 县环保局, responsible: 化雨镇, deadline: 2017年11月15日前 }
        """;

    private const string OtherTasks = """
          - { number: "1", title: 散乱污企业整治, lead: 县环保局, responsible: 化雨镇、羊山镇, deadline: 2017年10月31日前 }
          - { number: "3", title: 燃煤锅炉取缔, lead: 县质监局, responsible: 化雨镇, deadline: 2017年12月15日前 }
        """;

    private TestEngine _engine = null!;

    public async Task InitializeAsync() => _engine = await PlanFixture.EngineWithCountyAsync();

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private static PlanRequest Plan(int expectedVersion, string tasks = Tasks, string fileName = "plan.yaml") =>
        PlanFixture.Yaml(PlanFixture.Plan(tasks), fileName) with { ExpectedVersion = expectedVersion };

    [Fact]
    public async Task Import_ConfirmedTwice_IsRefusedTheSecondTimeNamingTheVersionItBecameAndWritesNothing()
    {
        var planner = await OrganizationFixture.ActorAsync(_engine, "hq.planner");
        var first = await PlanFixture.ImportAsync(_engine, Plan(1), planner);
        var footprint = await PlanFixture.FootprintAsync(_engine);

        var again = await Assert.ThrowsAsync<BusinessRuleBrokenException>(() => PlanFixture.ImportAsync(_engine, Plan(1), planner));

        Assert.Equal(1, first.Version);
        Assert.Equal(nameof(ImportMustBecomeTheCheckedVersionRule), again.Rule);
        Assert.Contains("already imported as version 1 of campaign test-campaign by hq.planner at 2017-09-01 09:00", again.Message);
        Assert.Contains("已于 2017-09-01 09:00 由 hq.planner 导入为第 1 版", again.Message);
        Assert.Equal(footprint, await PlanFixture.FootprintAsync(_engine));
    }

    [Fact]
    public async Task Import_ConfirmedAfterAnotherPlannersImport_IsRefusedAsCheckedAgainstAnOlderVersionAndWritesNothing()
    {
        await PlanFixture.ImportAsync(_engine, Plan(1));
        // Two planners check their files against version 1; the first to confirm makes version 2.
        await PlanFixture.ImportAsync(_engine, Plan(2, AmendedTasks, "plan-amended.yaml"));
        var footprint = await PlanFixture.FootprintAsync(_engine);

        var stale = await Assert.ThrowsAsync<BusinessRuleBrokenException>(() =>
            PlanFixture.ImportAsync(_engine, Plan(2, OtherTasks, "plan-other.yaml")));

        Assert.Equal(nameof(ImportMustBecomeTheCheckedVersionRule), stale.Rule);
        Assert.Contains("campaign test-campaign is now at version 2: plan-amended.yaml imported by cli", stale.Message);
        Assert.Contains("would become version 3, not version 2 as checked", stale.Message);
        Assert.Equal(footprint, await PlanFixture.FootprintAsync(_engine));
    }

    [Fact]
    public async Task Import_ConfirmedForTheVersionItBecomes_ImportsIt()
    {
        await PlanFixture.ImportAsync(_engine, Plan(1));

        var second = await PlanFixture.ImportAsync(_engine, Plan(2, AmendedTasks, "plan-amended.yaml"));

        Assert.Equal(("imported", 2), (second.Action, second.Version));
        Assert.Equal(2, await PlanFixture.CountAsync(_engine, "SELECT count(*) FROM plan_version"));
    }
}
