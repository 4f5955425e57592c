using Accountability.Access;

namespace Accountability.Tests.Access;

public sealed class AccessPolicyTests : IAsyncLifetime
{
    private TestEngine _engine = null!;
    private AccessPolicy _policy = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        await OrganizationFixture.ImportSampleAsync(_engine);
        _policy = _engine.Get<AccessPolicy>();
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private Task<long> Unit(string code) => OrganizationFixture.UnitIdAsync(_engine, code);

    private Task<Actor> Person(string login) => OrganizationFixture.ActorAsync(_engine, login);

    [Fact]
    public async Task UnitOperator_MayActOnTheirOwnUnitsItems()
    {
        var decision = await _policy.DecideAsync(await Person("huayu.operator"), Operation.ActOnItem, await Unit("jx-huayu"));

        Assert.True(decision.Allowed, decision.Reason);
    }

    [Fact]
    public async Task UnitOperator_MayActOnItemsOfUnitsBelowTheirOwn()
    {
        var decision = await _policy.DecideAsync(await Person("huayu.operator"), Operation.ActOnItem, await Unit("jx-huayu-grid-01"));

        Assert.True(decision.Allowed, decision.Reason);
    }

    [Theory]
    [InlineData(Operation.ViewItem)]
    [InlineData(Operation.ActOnItem)]
    [InlineData(Operation.VerifyItem)]
    [InlineData(Operation.ViewScore)]
    [InlineData(Operation.Appeal)]
    public async Task UnitOperator_IsRefusedOnAnotherUnitsItems(Operation operation)
    {
        var decision = await _policy.DecideAsync(await Person("huayu.operator"), operation, await Unit("jx-yangshan"));

        Assert.False(decision.Allowed);
    }

    [Fact]
    public async Task GridOperator_MayNotActForTheTownAbove()
    {
        var decision = await _policy.DecideAsync(await Person("huayu.grid.chief"), Operation.ActOnItem, await Unit("jx-huayu"));

        Assert.False(decision.Allowed);
    }

    [Fact]
    public async Task Verifier_MayVerifyOnlyItemsTheirUnitVerifies()
    {
        var verifier = await Person("env.verifier");

        Assert.True((await _policy.DecideAsync(verifier, Operation.VerifyItem, await Unit("jx-huayu"), await Unit("jx-env"))).Allowed);
        Assert.False((await _policy.DecideAsync(verifier, Operation.VerifyItem, await Unit("jx-huayu"), await Unit("jx-land"))).Allowed);
        Assert.False((await _policy.DecideAsync(verifier, Operation.ActOnItem, await Unit("jx-huayu"), await Unit("jx-env"))).Allowed);
    }

    [Fact]
    public async Task Planner_ManagesPlansAndSeesEveryItemButCannotActForAUnit()
    {
        var planner = await Person("hq.planner");

        Assert.True((await _policy.DecideAsync(planner, Operation.ManagePlans)).Allowed);
        Assert.True((await _policy.DecideAsync(planner, Operation.ViewItem, await Unit("jx-yangshan"))).Allowed);
        Assert.False((await _policy.DecideAsync(planner, Operation.ActOnItem, await Unit("jx-yangshan"))).Allowed);
    }

    [Fact]
    public async Task OnlyDisciplineStaff_HandleReferrals()
    {
        Assert.True((await _policy.DecideAsync(await Person("discipline.officer"), Operation.HandleReferrals)).Allowed);
        foreach (var login in new[] { "hq.planner", "county.leader", "huayu.leader", "env.verifier", "inspection.officer" })
        {
            Assert.False((await _policy.DecideAsync(await Person(login), Operation.HandleReferrals)).Allowed, login);
        }
    }

    [Fact]
    public async Task Require_WhenDenied_ThrowsAndCanHideExistence()
    {
        var actor = await Person("huayu.operator");
        var otherUnit = await Unit("jx-yangshan");

        var error = await Assert.ThrowsAsync<AccessDeniedException>(
            () => _policy.RequireAsync(actor, Operation.ActOnItem, otherUnit, hideExistence: true));

        Assert.True(error.HideExistence);
    }

    [Fact]
    public async Task VisibleUnits_ForAUnitOperator_AreTheirUnitAndEverythingBelowIt()
    {
        var visibility = await _policy.VisibleUnitsAsync(await Person("huayu.operator"), Operation.ViewItem);

        Assert.False(visibility.All);
        Assert.Contains(await Unit("jx-huayu"), visibility.ItemUnits);
        Assert.Contains(await Unit("jx-huayu-grid-05"), visibility.ItemUnits);
        Assert.DoesNotContain(await Unit("jx-yangshan"), visibility.ItemUnits);
        Assert.True((await _policy.VisibleUnitsAsync(await Person("hq.planner"), Operation.ViewItem)).All);
    }
}
