using Dapper;
using Npgsql;

namespace Accountability.Scoring;

/// <summary>What a ledger line's events look like when checked: how many the line recorded and how many its reference
/// finds now, with the digests of both. They are equal unless the scoring events were tampered with.</summary>
public sealed record LedgerEventsCheck(long EntryId, int RecordedCount, string? RecordedDigest, int FoundCount, string FoundDigest)
{
    public bool Holds => RecordedCount == FoundCount && (RecordedDigest is null || RecordedDigest == FoundDigest);
}

/// <summary>
/// The scoring events behind ledger lines. A line refers to them by a filter — its run's campaign and period (events
/// before the period too for a per-day rule, when their condition lasted into it), its unit, event kind and levels —
/// bounded by the highest event id the run read and leaving out the events accepted appeals had excluded by then.
/// scoring_event is append-only, so the filter finds exactly the events the run counted, however many are written
/// later. Lines of runs scored before the reference existed keep their ids in <c>event_ids</c>.
/// </summary>
public sealed class LedgerEvents : IStore
{
    /// <summary>The filter itself, shared by the listing and the check so that they cannot disagree; mirrors the
    /// grouping query of <see cref="PeriodInputsStore"/>.</summary>
    private const string Matching = """
        FROM score_ledger_entry l
        JOIN score_run r ON r.id = l.run_id
        JOIN scoring_event e ON e.campaign_id = r.campaign_id AND e.unit_id = l.unit_id AND e.kind = l.event_kind
             AND coalesce(e.level, '') = ANY(l.levels)
             AND e.occurred_at < r.period_end AND e.occurred_at <= r.cutoff_at
             AND (l.per_day OR e.occurred_at >= r.period_start)
             AND e.id <= r.events_through AND e.id <> ALL(r.excluded_event_ids)
        LEFT JOIN assignment_snapshot s ON l.per_day AND s.snapshot_id = r.snapshot_id AND s.assignment_id = e.assignment_id
        WHERE l.id = ANY(@ids) AND r.events_through IS NOT NULL
          AND (NOT l.per_day
               OR least(coalesce(s.closed_at, CASE WHEN s.state IN ('submitted', 'under_verification', 'public_notice') THEN s.submitted_at END,
                                 least(r.period_end, r.cutoff_at)),
                        least(r.period_end, r.cutoff_at))
                  > greatest(e.occurred_at, r.period_start))
        """;

    private const string SelectEvents = "SELECT l.id AS entry, e.id AS event\n" + Matching + """

        UNION ALL
        SELECT l.id, unnest(l.event_ids)
        FROM score_ledger_entry l JOIN score_run r ON r.id = l.run_id
        WHERE l.id = ANY(@ids) AND r.events_through IS NULL
        ORDER BY 1, 2
        """;

    private const string CheckEvents = """
        SELECT l.id AS entryid, l.event_count AS recordedcount, l.event_digest AS recordeddigest,
               coalesce(f.found, 0)::int AS foundcount, lpad(to_hex(coalesce(f.digest, 0)), 16, '0') AS founddigest
        FROM score_ledger_entry l
        LEFT JOIN (SELECT l.id, count(*) AS found, bit_xor(hashint8extended(e.id, 0)) AS digest
        """ + "\n" + Matching + """

                   GROUP BY l.id) f ON f.id = l.id
        WHERE l.id = ANY(@ids)
        ORDER BY l.id
        """;

    /// <summary>The ids of the events behind each of <paramref name="entryIds"/>, in id order (an entry without events
    /// maps to an empty array).</summary>
    public async Task<IReadOnlyDictionary<long, long[]>> ForEntriesAsync(NpgsqlConnection connection, IReadOnlyCollection<long> entryIds,
        CancellationToken cancellationToken = default)
    {
        var result = entryIds.Distinct().ToDictionary(id => id, _ => new List<long>());
        if (result.Count == 0)
        {
            return new Dictionary<long, long[]>();
        }

        foreach (var (entry, eventId) in await connection.QueryAsync<(long Entry, long Event)>(new CommandDefinition(SelectEvents,
                     new { ids = result.Keys.ToArray() }, commandTimeout: 600, cancellationToken: cancellationToken)))
        {
            result[entry].Add(eventId);
        }

        return result.ToDictionary(r => r.Key, r => r.Value.ToArray());
    }

    public async Task<long[]> ForEntryAsync(NpgsqlConnection connection, long entryId, CancellationToken cancellationToken = default) =>
        (await ForEntriesAsync(connection, [entryId], cancellationToken))[entryId];

    /// <summary>Recounts the events each line's reference finds and compares count and digest with what the line
    /// recorded when it was scored.</summary>
    public async Task<IReadOnlyList<LedgerEventsCheck>> CheckAsync(NpgsqlConnection connection, IReadOnlyCollection<long> entryIds,
        CancellationToken cancellationToken = default) =>
        (await connection.QueryAsync<LedgerEventsCheck>(new CommandDefinition(CheckEvents, new { ids = entryIds.Distinct().ToArray() },
            commandTimeout: 600, cancellationToken: cancellationToken))).ToList();
}
