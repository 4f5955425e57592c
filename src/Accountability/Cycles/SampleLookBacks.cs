using Accountability.Assignments;
using Accountability.Audit;
using Accountability.Workflows;
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

    /// <summary>Seed of the random pick. The pick is a hash of (seed, item, closure), so it is reproducible and can be
    /// explained after the fact, yet not predictable by a unit that does not know the seed.</summary>
    public long Seed { get; set; } = 20171101;

    /// <summary>Items considered per pass; the rest wait for the next pass.</summary>
    public int BatchSize { get; set; } = 5000;
}

public sealed record LookBackSampling(int Considered, int Selected, int ByRisk, int ByRelapseHistory, int ByRandom);

/// <summary>
/// Look-back sampling of closed ledger items: every closure is considered once, when it is old enough; high-risk items
/// (shut-down enterprises first, then items that relapsed before) are always picked, the rest at a random share. Sampling
/// only picks: a picked item gets <c>look_back_sampled_at</c>, the anchor of its workflow definition's look-back timer
/// (<c>from: sampled</c>), and that timer's instant as the item's recheck timer (<c>recheck_at</c>/<c>recheck_kind</c>,
/// where the workflow keeps the timers of final states), which the assignment timer sweep fires once — notifying whom
/// the definition says. Only closures in a state whose definition has such a timer, and with no recheck timer pending,
/// are considered. Set-based and batched; one audit event per picked item, in the same transaction.
/// </summary>
public sealed class SampleLookBacks(
    NpgsqlDataSource dataSource,
    TimeProvider time,
    WorkflowCatalog workflows,
    AssignmentStore assignments,
    IOptions<LookBackOptions> options) : IUseCase
{
    private const string Sample = """
        WITH candidates AS (
            SELECT a.id, a.campaign_id, a.unit_id, a.closed_at, a.relapse_count, a.workflow_code, a.workflow_version, a.state, li.disposal_class
            FROM assignment a
            JOIN ledger_item li ON li.id = a.ledger_item_id
            JOIN unnest(@codes, @versions, @states) AS w(code, version, state)
              ON w.code = a.workflow_code AND w.version = a.workflow_version AND w.state = a.state
            WHERE a.closed_at <= @closedBefore AND a.recheck_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM look_back_sample s WHERE s.assignment_id = a.id AND s.closed_at = a.closed_at)
            ORDER BY a.closed_at, a.id
            LIMIT @batch
            FOR UPDATE OF a SKIP LOCKED
        )
        SELECT c.id AS AssignmentId, c.campaign_id AS CampaignId, c.unit_id AS UnitId, c.closed_at AS ClosedAt,
               c.workflow_code AS WorkflowCode, c.workflow_version AS WorkflowVersion, c.state AS State,
               CASE WHEN c.disposal_class = ANY(@riskClasses) THEN 'risk'
                    WHEN c.relapse_count > 0 THEN 'relapse_history'
                    ELSE 'random' END AS Reason,
               c.disposal_class = ANY(@riskClasses) OR c.relapse_count > 0
                   OR abs(hashtextextended(c.id::text || '/' || extract(epoch FROM c.closed_at)::text, @seed)) % 1000000 < @randomPpm AS Selected
        FROM candidates c
        ORDER BY c.closed_at, c.id
        """;

    private const string Record = """
        INSERT INTO look_back_sample (assignment_id, closed_at, campaign_id, sampled_at, reason, selected, due_at)
        SELECT s.assignment_id, s.closed_at, s.campaign_id, @now, s.reason, s.selected, s.due_at
        FROM unnest(@ids, @closedAts, @campaigns, @reasons, @selected, @dues) AS s(assignment_id, closed_at, campaign_id, reason, selected, due_at)
        """;

    private const string SetTimers = """
        UPDATE assignment a SET look_back_sampled_at = @now, recheck_at = t.due_at, recheck_kind = t.kind, updated_at = @now
        FROM unnest(@ids, @dues, @kinds) AS t(id, due_at, kind)
        WHERE a.id = t.id
        """;

    public async Task<LookBackSampling> RunAsync(CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var timers = SampledTimers();
        if (timers.Count == 0)
        {
            // No definition re-inspects closed items on a sampled timer: nothing to pick for.
            return new LookBackSampling(0, 0, 0, 0, 0);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var considered = (await connection.QueryAsync<Candidate>(new CommandDefinition(Sample, new
        {
            closedBefore = now - o.AfterClose, batch = o.BatchSize, riskClasses = o.RiskDisposalClasses.ToArray(), seed = o.Seed,
            randomPpm = (long)Math.Round(o.RandomPercent * 10_000),
            codes = timers.Select(t => t.Code).ToArray(), versions = timers.Select(t => t.Version).ToArray(), states = timers.Select(t => t.State).ToArray(),
        }, cancellationToken: cancellationToken))).ToList();
        if (considered.Count == 0)
        {
            return new LookBackSampling(0, 0, 0, 0, 0);
        }

        // When each picked item's look-back falls due, as its definition says, counted from now on its campaign's calendar.
        var campaigns = await assignments.CampaignsAsync(connection, considered.Select(c => c.CampaignId).Distinct().ToArray());
        var dues = new Dictionary<(long Campaign, string Code, int Version, string State), (string Kind, DateTimeOffset? At)>();
        (string Kind, DateTimeOffset? At) Due(Candidate c)
        {
            var key = (c.CampaignId, c.WorkflowCode, c.WorkflowVersion, c.State);
            if (!dues.TryGetValue(key, out var due))
            {
                var timer = timers.First(t => t.Code == c.WorkflowCode && t.Version == c.WorkflowVersion && t.State == c.State).Timer;
                due = (timer.Kind, TimerSchedule.InstantOf(timer, new AssignmentFacts { LookBackSampledAt = now }, campaigns[c.CampaignId]));
                dues[key] = due;
            }

            return due;
        }

        var picked = considered.Where(c => c.Selected).Select(c => (Candidate: c, Due: Due(c))).ToList();
        await connection.ExecuteAsync(new CommandDefinition(Record, new
        {
            now,
            ids = considered.Select(c => c.AssignmentId).ToArray(),
            closedAts = considered.Select(c => c.ClosedAt.ToUniversalTime()).ToArray(),
            campaigns = considered.Select(c => c.CampaignId).ToArray(),
            reasons = considered.Select(c => c.Reason).ToArray(),
            selected = considered.Select(c => c.Selected).ToArray(),
            dues = considered.Select(c => c.Selected ? Due(c).At?.ToUniversalTime() : null).ToArray(),
        }, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(SetTimers, new
        {
            now,
            ids = picked.Select(p => p.Candidate.AssignmentId).ToArray(),
            dues = picked.Select(p => p.Due.At?.ToUniversalTime()).ToArray(),
            kinds = picked.Select(p => p.Due.At is null ? null : p.Due.Kind).ToArray(),
        }, cancellationToken: cancellationToken));

        await AuditLog.AppendAsync(connection, picked.Select(p => AuditEntry.Create("look_back.sampled", AuditActor.Cycle, now,
            new { reason = p.Candidate.Reason, timer = p.Due.Kind, due = p.Due.At }, p.Candidate.UnitId, p.Candidate.CampaignId,
            p.Candidate.AssignmentId)), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new LookBackSampling(considered.Count, picked.Count, picked.Count(p => p.Candidate.Reason == "risk"),
            picked.Count(p => p.Candidate.Reason == "relapse_history"), picked.Count(p => p.Candidate.Reason == "random"));
    }

    /// <summary>Every (definition, final state) with a timer counted from the sampling, and that timer.</summary>
    private List<(string Code, int Version, string State, TimerDefinition Timer)> SampledTimers() =>
        workflows.All
            .SelectMany(d => d.States.Where(s => !s.Open)
                .Select(s => (d, s, Timer: d.TimersIn(s.Name).FirstOrDefault(t => t.From == TimerAnchor.Sampled)))
                .Where(x => x.Timer is not null)
                .Select(x => (x.d.Code, x.d.Version, x.s.Name, x.Timer!)))
            .OrderBy(x => x.Code, StringComparer.Ordinal).ThenBy(x => x.Version).ThenBy(x => x.Name, StringComparer.Ordinal)
            .ToList();

    private sealed record Candidate(long AssignmentId, long CampaignId, long UnitId, DateTimeOffset ClosedAt, string WorkflowCode, int WorkflowVersion,
        string State, string Reason, bool Selected);
}
