using Accountability.Audit;
using Accountability.Cycles;
using Dapper;
using Npgsql;

namespace Accountability.Scoring;

/// <summary>
/// The cycle's scorer for campaigns that name a rulebook in <c>workflows/rulebooks</c>: finds the snapshot the cycle
/// froze for the period's cut-off (or freezes it when the cycle has not), picks the rulebook version in force on the
/// period's first day, and scores, ranks and escalates inside the cycle's transaction.
/// </summary>
public sealed class RulebookPeriodScorer(RulebookCatalog catalog, ScorePeriod score) : IPeriodScorer
{
    private const string FindSnapshot = """
        SELECT id FROM period_snapshot
        WHERE campaign_id = @campaignId AND cycle = @cycle AND period = @period AND cutoff_at = @cutoff
        ORDER BY id DESC LIMIT 1
        """;

    public bool Handles(string? rulebookCode) => catalog.Contains(rulebookCode);

    public async Task<PeriodScoringResult> ScoreAsync(NpgsqlConnection connection, PeriodContext context, CancellationToken cancellationToken)
    {
        var campaign = await CampaignInfo.LoadAsync(connection, context.CampaignId, cancellationToken);
        var scope = await ScopeAsync(connection, campaign, context, cancellationToken);
        var rulebook = catalog.InForce(campaign.RulebookCode ?? throw new NotFoundException($"Campaign {campaign.Code} names no rulebook."), scope.FirstDay);
        var result = await score.RunAsync(connection, new ScoreRequest(campaign, scope, rulebook, "cycle", null, context.CycleRunId, context.DryRun,
            context.Now, AuditActor.Cycle), cancellationToken);
        return new PeriodScoringResult(result.DocumentIds, result.ConsequenceCount, result.Outcome is { } o
            ? $"{rulebook.Citation}: {o.Results.Count(r => r.Rank is not null)} ranked, {o.Consequences.Count} consequences, output {result.OutputSha256[..12]}"
            : "", result.Published);
    }

    /// <summary>The scope of a period close: the snapshot for its cut-off, frozen now if the cycle has not.</summary>
    public static async Task<ScoringScope> ScopeAsync(NpgsqlConnection connection, CampaignInfo campaign, PeriodContext context,
        CancellationToken cancellationToken)
    {
        var snapshotId = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(FindSnapshot, new
        {
            campaignId = campaign.Id, cycle = context.Cycle, period = context.Period, cutoff = context.Cutoff,
        }, cancellationToken: cancellationToken))
            ?? await FreezeSnapshot.RunAsync(connection, campaign.Id, context.Cycle, context.Period, context.Cutoff, context.Now);
        return new ScoringScope(campaign.Id, context.Cycle, context.Period, snapshotId, context.PeriodStart.ToUniversalTime(),
            context.PeriodEnd.ToUniversalTime(), context.Cutoff.ToUniversalTime(), campaign.Zone);
    }
}
