using Accountability.Access;
using Accountability.Audit;
using Accountability.Cycles;
using Npgsql;

namespace Accountability.Scoring;

/// <summary>
/// Scores one period of a campaign outside a scheduled cycle — from the CLI (<c>accountability score period</c>), the
/// simulator, or a planner closing a period by hand: freezes the snapshot at the cut-off if none exists, then scores
/// exactly as the cycle does, in one transaction.
/// </summary>
public sealed class ScoreCampaignPeriod(NpgsqlDataSource dataSource, AccessPolicy access, RulebookCatalog catalog, ScorePeriod score,
    TimeProvider time) : IUseCase
{
    /// <param name="actor">The planner doing it, or null for an operator at the console.</param>
    /// <param name="cutoff">The cut-off; by default the period's end.</param>
    /// <param name="rulebook">A rulebook to score under instead of the campaign's (the simulator tries drafts this way).</param>
    public async Task<ScoreRunResult> RunAsync(Actor? actor, string campaignCode, string cycle, string period, DateTimeOffset? cutoff = null,
        Rulebook? rulebook = null, CancellationToken cancellationToken = default)
    {
        if (actor is not null)
        {
            await access.RequireAsync(actor, Operation.RunCycles, cancellationToken: cancellationToken);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var campaign = await CampaignInfo.LoadAsync(connection, await CampaignInfo.IdForCodeAsync(connection, campaignCode, cancellationToken), cancellationToken);
        var (start, end) = PeriodBounds.For(period, campaign.Zone);
        var now = time.GetUtcNow();
        var context = new PeriodContext(campaign.Id, cycle, period, start, end, cutoff ?? end, 0, false, now);
        var scope = await RulebookPeriodScorer.ScopeAsync(connection, campaign, context, cancellationToken);
        rulebook ??= catalog.InForce(campaign.RulebookCode ?? throw new NotFoundException($"Campaign {campaign.Code} names no rulebook."), scope.FirstDay);
        var result = await score.RunAsync(connection, new ScoreRequest(campaign, scope, rulebook, "cycle", null, null, false, now,
            actor is null ? AuditActor.Cli : AuditActor.Person(actor.PersonId)), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }
}
