using Accountability.Audit;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accountability.Cycles;

/// <summary>Section <c>LookBack</c>: which closed items are re-inspected (回头看), and when.</summary>
public sealed class LookBackOptions
{
    public const string Section = "LookBack";

    /// <summary>An item is considered this long after it was closed (a relapse needs time to show).</summary>
    public TimeSpan AfterClose { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Disposal classes always re-inspected: a shut-down plant producing again is the typical relapse.</summary>
    public List<string> RiskDisposalClasses { get; set; } = ["shut_down"];

    /// <summary>Share of the other closed items picked at random, in percent.</summary>
    public double RandomPercent { get; set; } = 10;

    /// <summary>The look-back falls due this long after sampling (the workflow's sweep fires it).</summary>
    public TimeSpan DueAfter { get; set; } = TimeSpan.Zero;

    /// <summary>Seed of the random pick. The pick is a hash of (seed, item, closure), so it is reproducible and can be
    /// explained after the fact, yet not predictable by a unit that does not know the seed.</summary>
    public long Seed { get; set; } = 20171101;

    /// <summary>Items considered per pass; the rest wait for the next pass.</summary>
    public int BatchSize { get; set; } = 5000;
}

public sealed record LookBackSampling(int Considered, int Selected, int ByRisk, int ByRelapseHistory, int ByRandom);

/// <summary>
/// Look-back sampling of closed ledger items: every closure is considered once, when it is old enough; high-risk items
/// (shut-down enterprises first, then items that relapsed before) are always picked, the rest at a random share. A
/// picked item gets a look-back due timer (<c>next_timer_kind = 'look_back_due'</c>) on its assignment, which the
/// assignment workflow's timer sweep fires — the two capabilities meet only in that row. Set-based and batched; one
/// audit event per picked item, in the same transaction.
/// </summary>
public sealed class SampleLookBacks(NpgsqlDataSource dataSource, TimeProvider time, IOptions<LookBackOptions> options) : IUseCase
{
    private const string Sample = """
        WITH candidates AS (
            SELECT a.id, a.campaign_id, a.unit_id, a.closed_at, a.relapse_count, li.disposal_class
            FROM assignment a
            JOIN ledger_item li ON li.id = a.ledger_item_id
            WHERE a.state IN ('closed', 'closed_long_term') AND a.closed_at <= @closedBefore AND a.next_timer_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM look_back_sample s WHERE s.assignment_id = a.id AND s.closed_at = a.closed_at)
            ORDER BY a.closed_at, a.id
            LIMIT @batch
            FOR UPDATE OF a SKIP LOCKED
        ), decided AS (
            SELECT c.*,
                   CASE WHEN c.disposal_class = ANY(@riskClasses) THEN 'risk'
                        WHEN c.relapse_count > 0 THEN 'relapse_history'
                        ELSE 'random' END AS reason,
                   c.disposal_class = ANY(@riskClasses) OR c.relapse_count > 0
                       OR abs(hashtextextended(c.id::text || '/' || extract(epoch FROM c.closed_at)::text, @seed)) % 1000000 < @randomPpm AS selected
            FROM candidates c
        ), recorded AS (
            INSERT INTO look_back_sample (assignment_id, closed_at, campaign_id, sampled_at, reason, selected, due_at)
            SELECT d.id, d.closed_at, d.campaign_id, @now, d.reason, d.selected, CASE WHEN d.selected THEN @due END
            FROM decided d
        ), timers AS (
            UPDATE assignment a SET next_timer_kind = 'look_back_due', next_timer_at = @due, updated_at = @now
            FROM decided d
            WHERE a.id = d.id AND d.selected
        )
        SELECT d.id AS AssignmentId, d.campaign_id AS CampaignId, d.unit_id AS UnitId, d.reason AS Reason, d.selected AS Selected
        FROM decided d
        """;

    public async Task<LookBackSampling> RunAsync(CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var due = now + o.DueAfter;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var considered = (await connection.QueryAsync<(long AssignmentId, long CampaignId, long UnitId, string Reason, bool Selected)>(
            new CommandDefinition(Sample, new
            {
                closedBefore = now - o.AfterClose, batch = o.BatchSize, riskClasses = o.RiskDisposalClasses.ToArray(), seed = o.Seed,
                randomPpm = (long)Math.Round(o.RandomPercent * 10_000), now, due,
            }, cancellationToken: cancellationToken))).ToList();
        var picked = considered.Where(c => c.Selected).ToList();

        await AuditLog.AppendAsync(connection, picked.Select(p => AuditEntry.Create("look_back.sampled", AuditActor.Cycle, now,
            new { reason = p.Reason, due }, p.UnitId, p.CampaignId, p.AssignmentId)), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new LookBackSampling(considered.Count, picked.Count, picked.Count(p => p.Reason == "risk"),
            picked.Count(p => p.Reason == "relapse_history"), picked.Count(p => p.Reason == "random"));
    }
}
