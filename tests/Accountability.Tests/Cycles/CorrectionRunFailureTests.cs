using Accountability.Audit;
using Accountability.Cycles;
using Accountability.Tests.Access;
using Dapper;

namespace Accountability.Tests.Cycles;

/// <summary>A correction run of a published period that fails: recorded as failed, the publication untouched.</summary>
public sealed class CorrectionRunFailureTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Created = DateTimeOffset.Parse("2017-09-01T00:00Z");
    private TestEngine _engine = null!;
    private long _campaign;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        await OrganizationFixture.ImportSampleAsync(_engine);
        var ds = _engine.Database.DataSource;
        _campaign = await CycleScenario.CreateCampaignAsync(ds, "fail-2017", CycleScenario.Monthly, new DateOnly(2017, 9, 1), new DateOnly(2017, 12, 31), Created);
        await CycleScenario.AddItemsAsync(ds, _campaign, new Dictionary<string, int> { ["jx-huayu"] = 2, ["jx-yangshan"] = 1 }, 3,
            DateTimeOffset.Parse("2017-09-01T01:00Z"), DateTimeOffset.Parse("2017-12-31T09:00Z"));
        _engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-01T01:00Z"));
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task CorrectionRun_WhenItFails_IsListedAsFailedWithItsErrorAndThePublicationStands()
    {
        await _engine.Get<CatchUpCycles>().RunAsync(_campaign, "monthly");
        var store = _engine.Get<CycleRunStore>();
        var before = (await store.ListRunsAsync("fail-2017")).Single(r => r.Period == "2017-10");
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var documents = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM document WHERE campaign_id = @_campaign", new { _campaign });
        // The campaign's rulebook is one no scorer handles: the correction cannot rank the period and fails.
        await connection.ExecuteAsync("UPDATE campaign SET rulebook_code = 'no-such-rulebook' WHERE id = @_campaign", new { _campaign });
        _engine.Time.Advance(TimeSpan.FromDays(2));

        var failure = await Assert.ThrowsAsync<BusinessRuleBrokenException>(() =>
            _engine.Get<RunCycle>().RunAsync(new CycleRunRequest("fail-2017", "2017-10"), AuditActor.Cli));

        var after = (await store.ListRunsAsync("fail-2017")).Single(r => r.Period == "2017-10");
        Assert.Equal("failed", after.Status);
        Assert.Equal(failure.Message, after.Error);
        Assert.Equal(_engine.Time.GetUtcNow(), after.FailedAt);
        Assert.Equal(before.Attempt + 1, after.Attempt);
        Assert.Equal((1, before.PublishedAt, before.PublishedBy, before.Summary),
            (after.PublishedRevision, after.PublishedAt, after.PublishedBy, after.Summary));
        Assert.Equal(documents, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM document WHERE campaign_id = @_campaign", new { _campaign }));
        // Still published: the scheduler never re-runs it.
        Assert.Empty(await _engine.Get<CatchUpCycles>().RunAsync(_campaign, "monthly"));

        // Put right, the next correction publishes revision 2 and clears the failure.
        await connection.ExecuteAsync("UPDATE campaign SET rulebook_code = NULL WHERE id = @_campaign", new { _campaign });
        var corrected = await _engine.Get<RunCycle>().RunAsync(new CycleRunRequest("fail-2017", "2017-10"), AuditActor.Cli);
        Assert.Equal((CycleRunOutcome.Corrected, 2), (corrected.Outcome, corrected.Revision));
        var fixedRun = (await store.ListRunsAsync("fail-2017")).Single(r => r.Period == "2017-10");
        Assert.Equal(("published", null), (fixedRun.Status, fixedRun.Error));
    }
}
