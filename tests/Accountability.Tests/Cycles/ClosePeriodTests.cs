using Accountability.Audit;
using Accountability.Cycles;
using Accountability.Notices;
using Accountability.Tests.Access;
using Dapper;
using Microsoft.Extensions.Options;

namespace Accountability.Tests.Cycles;

/// <summary>The period close as the engine runs it (the scheduler and the CLI call these same use cases).</summary>
public sealed class ClosePeriodTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Created = DateTimeOffset.Parse("2017-09-01T00:00Z");
    private TestEngine _engine = null!;
    private long _campaign;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        await OrganizationFixture.ImportSampleAsync(_engine);
        var ds = _engine.Database.DataSource;
        _campaign = await CycleScenario.CreateCampaignAsync(ds, "dq-2017", CycleScenario.Monthly, new DateOnly(2017, 9, 1), new DateOnly(2017, 12, 31), Created);
        var issued = DateTimeOffset.Parse("2017-09-01T01:00Z");
        var due = DateTimeOffset.Parse("2017-12-31T09:00Z");
        // 化雨镇 reported its progress in October; the others never did.
        await CycleScenario.AddItemsAsync(ds, _campaign, new Dictionary<string, int> { ["jx-huayu"] = 3 }, 4, issued, due, DateTimeOffset.Parse("2017-10-20T02:00Z"));
        await CycleScenario.AddItemsAsync(ds, _campaign, new Dictionary<string, int> { ["jx-yangshan"] = 3, ["jx-edz"] = 1, ["jx-food"] = 0 }, 4, issued, due);
        _engine.Get<IOptions<NoticesOptions>>().Value.Destinations.Add(new NoticeDestination { Channel = "webhook", Address = "http://127.0.0.1:9/hook" });
        _engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-01T01:00Z"));
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task CatchUp_AtTheCloseOfOctober_PublishesOneRankingBulletinWithTiesNotifiesAndChases()
    {
        var results = await _engine.Get<CatchUpCycles>().RunAsync(_campaign, "monthly");

        // September closed on 1 October, after the campaign came into the system: it is due too, and runs first.
        Assert.Equal(["2017-09", "2017-10"], results.Select(r => r.Period));
        Assert.All(results, r => Assert.Equal(CycleRunOutcome.Published, r.Outcome));
        var october = results[1];
        var bulletin = Assert.Single(october.Documents);
        Assert.Equal(DocumentIssue.Issued, bulletin.Issue);
        Assert.Equal(1, bulletin.Version);
        Assert.Equal(3, october.UnitsChased);
        Assert.Equal(4, october.Notifications);
        Assert.Equal(1, october.OutboxMessages);

        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var html = await connection.ExecuteScalarAsync<string>("SELECT html FROM document WHERE id = @Id", new { bulletin.Id });
        Assert.Contains("2017年10月", html);
        // The cut-off reads in the campaign's time, as the county office writes it.
        Assert.Contains("数据截至2017年11月1日 09:00", html);
        // 化雨镇 and 羊山镇 both closed 3 of 4: tied first; the parks are ranked in their own table.
        Assert.Contains("<td>1（并列）</td><td>化雨镇</td>", html);
        Assert.Contains("<td>1（并列）</td><td>羊山镇</td>", html);
        Assert.Contains("<h2>园区</h2>", html);
        var chased = await connection.QueryAsync<string>("""
            SELECT u.code FROM notification n JOIN unit u ON u.id = n.unit_id
            WHERE n.kind = 'progress_missing' AND n.dedupe_key LIKE '%:2017-10:%' ORDER BY u.code
            """);
        Assert.Equal(["jx-edz", "jx-food", "jx-yangshan"], chased);
        var audit = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_event WHERE kind = 'cycle.published'");
        Assert.Equal(2, audit);
    }

    [Fact]
    public async Task CatchUp_RunTwice_IssuesNothingTheSecondTime()
    {
        var catchUp = _engine.Get<CatchUpCycles>();
        await catchUp.RunAsync(_campaign, "monthly");
        var before = await CycleScenario.CountEveryTableAsync(_engine.Database.DataSource);

        var again = await catchUp.RunAsync(_campaign, "monthly");

        Assert.Empty(again);
        var closer = _engine.Get<ClosePeriod>();
        var store = _engine.Get<CycleRunStore>();
        var campaign = (await store.FindAsync(_campaign))!;
        var monthly = campaign.Cycle("monthly")!;
        var scheduledAgain = await closer.RunAsync(campaign, monthly, monthly.ParsePeriod("2017-10")!, CloseMode.Scheduled, AuditActor.Cycle);
        Assert.Equal(CycleRunOutcome.AlreadyPublished, scheduledAgain.Outcome);
        Assert.Equal(before, await CycleScenario.CountEveryTableAsync(_engine.Database.DataSource));
    }

    [Fact]
    public async Task ManualRerun_AfterDataChanged_IssuesACorrectionAsANewVersionAndKeepsThePublishedOne()
    {
        var run = _engine.Get<RunCycle>();
        var first = await run.RunAsync(new CycleRunRequest("dq-2017", "2017-10"), AuditActor.Cli);
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var publishedHtml = await connection.ExecuteScalarAsync<string>("SELECT html FROM document WHERE id = @Id", new { first.Documents[0].Id });
        await connection.ExecuteAsync("UPDATE assignment SET state = 'closed', closed_at = '2017-10-30T00:00Z' WHERE unit_id = (SELECT id FROM unit WHERE code = 'jx-food')");

        var september = await run.RunAsync(new CycleRunRequest("dq-2017", "2017-09"), AuditActor.Cli);
        var corrected = await run.RunAsync(new CycleRunRequest("dq-2017", "2017-10", "monthly"), AuditActor.Cli);

        Assert.Equal(CycleRunOutcome.Published, september.Outcome);
        Assert.Equal(CycleRunOutcome.Corrected, corrected.Outcome);
        Assert.Equal(2, corrected.Revision);
        var correction = Assert.Single(corrected.Documents);
        Assert.Equal(2, correction.Version);
        Assert.Equal(DocumentIssue.Corrected, correction.Issue);
        var versions = (await connection.QueryAsync<(int Version, long? Supersedes, string Html, string Title)>(
            "SELECT version, supersedes_id, html, title FROM document WHERE natural_key = @NaturalKey ORDER BY version", new { correction.NaturalKey })).ToList();
        Assert.Equal(2, versions.Count);
        Assert.Equal(publishedHtml, versions[0].Html);
        Assert.Equal(first.Documents[0].Id, versions[1].Supersedes);
        Assert.EndsWith("（更正）", versions[1].Title);
        // Every ranked unit hears of the correction once; nobody is chased twice for the same period.
        Assert.Equal(4, corrected.Notifications);
        Assert.Equal(0, corrected.UnitsChased);

        var again = await run.RunAsync(new CycleRunRequest("dq-2017", "2017-10"), AuditActor.Cli);
        Assert.Equal(DocumentIssue.Unchanged, Assert.Single(again.Documents).Issue);
        Assert.Equal(0, again.Notifications);
        Assert.Equal(0, again.OutboxMessages);
    }

    [Fact]
    public async Task DryRun_ShowsWhatWouldBeIssuedAndWritesNothing()
    {
        var before = await CycleScenario.CountEveryTableAsync(_engine.Database.DataSource);

        var dry = await _engine.Get<RunCycle>().RunAsync(new CycleRunRequest("dq-2017", "2017-10", DryRun: true), AuditActor.Cli);

        Assert.Equal(CycleRunOutcome.DryRun, dry.Outcome);
        Assert.Equal(DocumentIssue.Issued, Assert.Single(dry.Documents).Issue);
        Assert.Equal(3, dry.UnitsChased);
        Assert.Equal(4, dry.Notifications);
        Assert.Equal(before, await CycleScenario.CountEveryTableAsync(_engine.Database.DataSource));
    }

    [Fact]
    public async Task Close_WhenAnotherNodeClaimedTheRunSince_IsFencedOutAndWritesNothing()
    {
        var closer = _engine.Get<ClosePeriod>();
        var campaign = (await _engine.Get<CycleRunStore>().FindAsync(_campaign))!;
        var monthly = campaign.Cycle("monthly")!;
        var october = monthly.ParsePeriod("2017-10")!;
        // Node A claims, stalls (a long pause: the cluster declares it dead), node B claims the next attempt.
        var (a, _) = await closer.ClaimAsync(campaign, monthly, october, onlyUnpublished: true, CancellationToken.None);
        var (b, _) = await closer.ClaimAsync(campaign, monthly, october, onlyUnpublished: true, CancellationToken.None);
        var before = await CycleScenario.CountEveryTableAsync(_engine.Database.DataSource);

        var stale = await closer.CloseClaimedAsync(campaign, monthly, october, CloseMode.Scheduled, AuditActor.Cycle, a, CancellationToken.None);

        Assert.Equal(CycleRunOutcome.FencedOut, stale.Outcome);
        Assert.Equal((1, 2), (a!.Attempt, b!.Attempt));
        Assert.Equal(before, await CycleScenario.CountEveryTableAsync(_engine.Database.DataSource));
        var live = await closer.CloseClaimedAsync(campaign, monthly, october, CloseMode.Scheduled, AuditActor.Cycle, b, CancellationToken.None);
        Assert.Equal(CycleRunOutcome.Published, live.Outcome);
        Assert.Equal(2, live.Attempt);
    }

    [Fact]
    public async Task Close_WhileAnotherNodeIsClosingThePeriod_WaitsAndFindsItPublished()
    {
        var options = _engine.Get<IOptions<CyclesOptions>>().Value;
        options.PauseBetweenSteps = TimeSpan.FromMilliseconds(300);
        var closer = _engine.Get<ClosePeriod>();
        var campaign = (await _engine.Get<CycleRunStore>().FindAsync(_campaign))!;
        var monthly = campaign.Cycle("monthly")!;
        var october = monthly.ParsePeriod("2017-10")!;

        var first = closer.RunAsync(campaign, monthly, october, CloseMode.Scheduled, AuditActor.Cycle);
        await Task.Delay(150);
        var second = await closer.RunAsync(campaign, monthly, october, CloseMode.Scheduled, AuditActor.Cycle);

        Assert.Equal(CycleRunOutcome.Published, (await first).Outcome);
        Assert.Equal(CycleRunOutcome.AlreadyPublished, second.Outcome);
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM document WHERE period = '2017-10'"));
    }

    [Fact]
    public async Task RunCycle_ForAPeriodThatHasNotEnded_IsRefused()
    {
        var refusal = await Assert.ThrowsAsync<BusinessRuleBrokenException>(() =>
            _engine.Get<RunCycle>().RunAsync(new CycleRunRequest("dq-2017", "2017-11"), AuditActor.Cli));

        Assert.Equal(nameof(PeriodMustHaveEndedRule), refusal.Rule);
    }

    [Fact]
    public async Task RunCycle_WithAPeriodOfNoCycle_NamesTheField()
    {
        var refusal = await Assert.ThrowsAsync<InputRejectedException>(() =>
            _engine.Get<RunCycle>().RunAsync(new CycleRunRequest("dq-2017", "2017-W43"), AuditActor.Cli));

        Assert.Equal("period", Assert.Single(refusal.Problems).Field);
    }

    [Fact]
    public async Task CatchUp_AfterThreeDaysDown_RunsEveryMissedDailyPeriodInOrder()
    {
        var ds = _engine.Database.DataSource;
        var daily = await CycleScenario.CreateCampaignAsync(ds, "daily", CycleScenario.Daily, new DateOnly(2017, 10, 28), new DateOnly(2017, 11, 30),
            DateTimeOffset.Parse("2017-10-28T00:00Z"));
        await CycleScenario.AddItemsAsync(ds, daily, new Dictionary<string, int> { ["jx-huayu"] = 1 }, 2, DateTimeOffset.Parse("2017-10-28T00:00Z"),
            DateTimeOffset.Parse("2017-11-30T00:00Z"));

        var results = await _engine.Get<CatchUpCycles>().RunAsync(daily, "daily");

        Assert.Equal(["2017-10-28", "2017-10-29", "2017-10-30", "2017-10-31"], results.Select(r => r.Period));
        await using var connection = await ds.OpenConnectionAsync();
        var order = await connection.QueryAsync<string>("SELECT period FROM cycle_run WHERE campaign_id = @daily ORDER BY id", new { daily });
        Assert.Equal(results.Select(r => r.Period), order);
    }
}
