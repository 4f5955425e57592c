using Accountability.Audit;
using Dapper;
using Npgsql;

namespace Accountability.Scoring;

/// <summary>
/// Scores a period again from its own snapshot under the rulebook version it was scored with — after an accepted
/// appeal changed what counts — and then every later period of the same cycle in order, because their ladders and
/// roll-ups start from this one. Runs in the caller's transaction; documents whose content changed are re-issued as
/// new versions.
/// </summary>
public sealed class RecomputePeriod(RulebookCatalog catalog, ScorePeriod score) : IUseCase
{
    private const string SelectRuns = """
        SELECT id, period, snapshot_id, period_start, period_end, cutoff_at, rulebook_code, rulebook_version
        FROM score_run
        WHERE campaign_id = @campaignId AND cycle = @cycle AND current AND period >= @period
        ORDER BY period
        """;

    public async Task<IReadOnlyList<ScoreRunResult>> RunAsync(NpgsqlConnection connection, long campaignId, string cycle, string period,
        long? appealId, DateTimeOffset now, AuditActor actor, CancellationToken cancellationToken)
    {
        var campaign = await CampaignInfo.LoadAsync(connection, campaignId, cancellationToken);
        var runs = (await connection.QueryAsync<(long Id, string Period, long SnapshotId, DateTimeOffset Start, DateTimeOffset End, DateTimeOffset Cutoff,
            string Code, int Version)>(new CommandDefinition(SelectRuns, new { campaignId, cycle, period }, cancellationToken: cancellationToken))).ToList();
        if (runs.Count == 0 || runs[0].Period != period)
        {
            throw new NotFoundException($"Period {period} of cycle {cycle} has not been scored.");
        }

        var results = new List<ScoreRunResult>();
        foreach (var run in runs)
        {
            var scope = new ScoringScope(campaignId, cycle, run.Period, run.SnapshotId, run.Start, run.End, run.Cutoff, campaign.Zone);
            var rulebook = catalog.Get(run.Code, run.Version);
            results.Add(await score.RunAsync(connection, new ScoreRequest(campaign, scope, rulebook, run.Period == period ? "appeal" : "cascade",
                appealId, null, false, now, actor), cancellationToken));
        }

        return results;
    }
}
