using Accountability.Assignments;
using Accountability.Cycles;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Accountability.Tests.Assignments;

/// <summary>The daily light refresh reads without locks and writes set-based: an action that changes a row in between
/// must keep the light it set.</summary>
public sealed class ProgressLightRefreshRaceTests : IAsyncLifetime
{
    private TestEngine _engine = null!;
    private AssignmentFixture _fixture = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        _fixture = await AssignmentFixture.CreateAsync(_engine);
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private RefreshProgressLights Refresher() => _engine.Services.GetServices<IPeriodicSweep>().OfType<RefreshProgressLights>().Single();

    [Fact]
    public async Task Refresh_WhenAnActionChangesTheRowBetweenItsReadAndItsWrite_LeavesTheActionsLight()
    {
        // Acknowledged and never reported on, due in ten days: nine days on, the refresh would light it red.
        var id = await _fixture.IssueOneAsync(new DateOnly(2017, 9, 10));
        await _engine.Get<AcknowledgeAssignment>().RunAsync(await _fixture.ActorAsync("huayu.operator"), new ActionRequest(id));
        _engine.Time.Advance(TimeSpan.FromDays(8));
        Assert.NotEqual(ProgressLights.Red, (await _fixture.FactsAsync(id)).Light);

        // An action (the unit submits: awaiting verification is green) holds the row, changed but not yet committed. The
        // refresh reads the row as last committed, computes red and waits on the lock to write it.
        await using var holder = await _engine.Database.DataSource.OpenConnectionAsync();
        await using var held = await holder.BeginTransactionAsync();
        await holder.ExecuteAsync("""
            UPDATE assignment SET state = 'submitted', submitted_at = now(), light = 'green', row_version = row_version + 1
            WHERE id = @id
            """, new { id }, held);
        var refresh = Refresher().RefreshAsync(_fixture.CampaignId, _engine.Time.GetUtcNow(), force: true, CancellationToken.None);
        while (!refresh.IsCompleted
               && await _fixture.ScalarAsync<int>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") < 1)
        {
            await Task.Delay(20);
        }

        Assert.False(refresh.IsCompleted, "the refresh must be waiting on the action's row lock");
        await held.CommitAsync();
        var changed = await refresh;

        Assert.Equal(0, changed);
        var facts = await _fixture.FactsAsync(id);
        Assert.Equal("submitted", facts.State);
        Assert.Equal(ProgressLights.Green, facts.Light);
    }

    [Fact]
    public async Task Refresh_WithNoActionInTheWay_WritesTheNewLight()
    {
        var id = await _fixture.IssueOneAsync(new DateOnly(2017, 9, 10));
        await _engine.Get<AcknowledgeAssignment>().RunAsync(await _fixture.ActorAsync("huayu.operator"), new ActionRequest(id));
        var version = (await _fixture.FactsAsync(id)).RowVersion;
        _engine.Time.Advance(TimeSpan.FromDays(8));

        var changed = await Refresher().RefreshAsync(_fixture.CampaignId, _engine.Time.GetUtcNow(), force: true, CancellationToken.None);

        Assert.Equal(1, changed);
        var facts = await _fixture.FactsAsync(id);
        Assert.Equal(ProgressLights.Red, facts.Light);
        Assert.Equal(version, facts.RowVersion);
    }
}
