using Accountability.Workflows;
using Dapper;
using Npgsql;

namespace Accountability.Assignments;

/// <summary>
/// Recomputes the pending timers of items whose anchors changed without a workflow action — a plan version that moved
/// their due date: the reminder before the due date, the overdue timer and the chaser after it are all counted from
/// it, and must move with it (otherwise a reminder fires for the old date and again for the new one, and an item
/// brought forward falls overdue only when its stale reminder comes round). Set-based, inside the caller's
/// transaction, on rows the caller has already locked.
/// </summary>
public sealed class RescheduleTimers(AssignmentStore store, WorkflowCatalog catalog) : IUseCase
{
    private const int Chunk = 20_000;

    private const string SelectRows = "SELECT " + AssignmentStore.FactsColumns + "\n" + AssignmentStore.FactsFrom + """

        WHERE a.id = ANY(@ids)
        """;

    private const string UpdateTimers = """
        UPDATE assignment a SET next_timer_at = t.next_at, next_timer_kind = t.next_kind, recheck_at = t.recheck_at, recheck_kind = t.recheck_kind
        FROM unnest(@ids, @nextAts, @nextKinds, @recheckAts, @recheckKinds) AS t(id, next_at, next_kind, recheck_at, recheck_kind)
        WHERE a.id = t.id
        """;

    /// <summary>Returns how many items got other timers.</summary>
    public async Task<int> RunAsync(NpgsqlConnection connection, IReadOnlyList<long> ids, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var moved = 0;
        var instants = new Dictionary<(TimerDefinition, DateTimeOffset, long), DateTimeOffset?>();
        Dictionary<long, CampaignFacts>? campaigns = null;
        foreach (var chunk in ids.Chunk(Chunk))
        {
            var rows = (await connection.QueryAsync<AssignmentFacts>(new CommandDefinition(SelectRows, new { ids = chunk }, commandTimeout: 600,
                cancellationToken: cancellationToken))).AsList();
            var missing = rows.Select(r => r.CampaignId).Distinct().Where(c => campaigns?.ContainsKey(c) != true).ToArray();
            if (missing.Length > 0)
            {
                var loaded = await store.CampaignsAsync(connection, missing);
                campaigns = campaigns is null ? loaded : campaigns.Concat(loaded).ToDictionary();
            }

            var changed = new List<(long Id, TimerSchedule.NextTimers Timers)>();
            foreach (var row in rows)
            {
                var timers = TimerSchedule.Next(catalog.Get(row.WorkflowCode, row.WorkflowVersion), row.State, row, campaigns![row.CampaignId],
                    now, instants);
                if (timers.Next?.At != row.NextTimerAt || timers.Next?.Kind != row.NextTimerKind
                    || timers.Recheck?.At != row.RecheckAt || timers.Recheck?.Kind != row.RecheckKind)
                {
                    changed.Add((row.Id, timers));
                }
            }

            if (changed.Count == 0)
            {
                continue;
            }

            await connection.ExecuteAsync(new CommandDefinition(UpdateTimers, new
            {
                ids = changed.Select(c => c.Id).ToArray(),
                nextAts = changed.Select(c => c.Timers.Next?.At.ToUniversalTime()).ToArray(),
                nextKinds = changed.Select(c => c.Timers.Next?.Kind).ToArray(),
                recheckAts = changed.Select(c => c.Timers.Recheck?.At.ToUniversalTime()).ToArray(),
                recheckKinds = changed.Select(c => c.Timers.Recheck?.Kind).ToArray(),
            }, commandTimeout: 600, cancellationToken: cancellationToken));
            moved += changed.Count;
        }

        return moved;
    }
}
