using System.Globalization;
using Dapper;
using Npgsql;

namespace Accountability.Scoring;

/// <summary>The period being scored: the campaign, the frozen snapshot, and the instants that bound its events.</summary>
public sealed record ScoringScope(
    long CampaignId,
    string Cycle,
    string Period,
    long SnapshotId,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    DateTimeOffset Cutoff,
    TimeZoneInfo Zone)
{
    /// <summary>Events count when they occurred before the period's end and no later than the cut-off.</summary>
    public DateTimeOffset Stop => PeriodEnd < Cutoff ? PeriodEnd : Cutoff;

    public DateOnly CutoffDay => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(Cutoff, Zone).DateTime);

    public DateOnly FirstDay => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(PeriodStart, Zone).DateTime);
}

/// <summary>
/// Gathers a period's facts in three passes: the period's events streamed once by binary COPY and tallied here (with
/// their ids for the ledger); the snapshot's weights and closing times streamed once when a rule needs them; and one
/// set-based aggregate over the snapshot for lights, completion and reporting. Runs on the caller's connection and
/// transaction. Why streaming: the ledger needs every event id, and building five million ids into arrays in the
/// database is serial and several times slower than reading them (docs/decisions/0400-scoring-streams-events.md).
/// </summary>
public sealed class PeriodInputsStore : IStore
{
    private const string SelectUnits = """
        SELECT u.id, u.code, u.name, u.kind, u.ranking_category AS category, u.sort_order AS sortorder, u.parent_id AS parentid, u.active
        FROM unit u
        """;

    private const string SelectPosts = "SELECT unit_id AS unitid, post, holder_name AS name, holder_title AS title FROM unit_post";

    // COPY takes no parameters: every value spliced in below is the engine's own (ids, instants it formats, kinds and
    // levels from the vocabulary), never user text.
    private const string ExportEvents = """
        COPY (SELECT e.id, e.unit_id, array_position({1}::text[], e.kind), coalesce(array_position({2}::text[], e.level), 0){6}
              FROM scoring_event e
              WHERE e.campaign_id = {0} AND e.occurred_at >= {3} AND e.occurred_at < {4} AND e.occurred_at <= {5}
                AND e.kind = ANY({1}::text[]))
        TO STDOUT (FORMAT BINARY)
        """;

    private const string ExportAssignments = """
        COPY (SELECT s.assignment_id, coalesce(t.weight, 1),
                     coalesce(s.closed_at, CASE WHEN s.state IN ('submitted', 'under_verification', 'public_notice') THEN s.submitted_at END)
              FROM assignment_snapshot s LEFT JOIN task t ON t.id = s.task_id
              WHERE s.snapshot_id = {0})
        TO STDOUT (FORMAT BINARY)
        """;

    private const string TallySnapshot = """
        WITH scheduled AS (
            SELECT t.id AS task_id,
                   coalesce(max((m.value ->> 'percent')::numeric) FILTER (WHERE (m.value ->> 'on')::date <= @cutoffDay), 0) AS percent
            FROM task t
            LEFT JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(t.milestones) = 'array' THEN t.milestones ELSE '[]'::jsonb END) m ON true
            WHERE t.campaign_id = @campaignId
            GROUP BY t.id
        ), items AS (
            SELECT s.unit_id,
                   s.state IN ('closed', 'closed_long_term', 'closed_unfounded') AS closed,
                   s.state IN ('submitted', 'under_verification', 'public_notice') AS awaiting,
                   s.due_at, s.issued_at, s.progress_percent,
                   CASE WHEN s.due_at IS NOT NULL AND s.due_at <= @cutoff THEN 100 ELSE coalesce(sc.percent, 0) END AS scheduled,
                   (s.progress_reported_at >= @start AND s.progress_reported_at <= @cutoff)
                       OR (s.submitted_at >= @start AND s.submitted_at <= @cutoff)
                       OR (s.closed_at >= @start AND s.closed_at <= @cutoff) AS reported
            FROM assignment_snapshot s
            LEFT JOIN scheduled sc ON sc.task_id = s.task_id
            WHERE s.snapshot_id = @snapshotId
        ), lit AS (
            SELECT i.*,
                   CASE WHEN i.closed OR i.awaiting THEN 'green'
                        WHEN i.progress_percent = 0 AND i.issued_at <= @notStartedBefore THEN 'red'
                        WHEN i.scheduled - i.progress_percent > @redBehind THEN 'red'
                        WHEN i.scheduled - i.progress_percent >= @yellowBehind THEN 'yellow'
                        ELSE 'green' END AS light
            FROM items i
        )
        SELECT unit_id AS unitid,
               count(*)::int AS tasks,
               count(*) FILTER (WHERE closed)::int AS closed,
               count(*) FILTER (WHERE NOT closed)::int AS open,
               count(*) FILTER (WHERE NOT closed AND light = 'green')::int AS onschedule,
               count(*) FILTER (WHERE light = 'yellow')::int AS yellow,
               count(*) FILTER (WHERE light = 'red')::int AS red,
               count(*) FILTER (WHERE NOT closed AND NOT awaiting AND due_at < @cutoff)::int AS overdueopen,
               coalesce(bool_or(reported), false) AS reportedinperiod
        FROM lit
        GROUP BY unit_id
        """;

    private const string SelectExcludedEvents = "SELECT event_id FROM score_exclusion WHERE campaign_id = @campaignId AND event_id IS NOT NULL ORDER BY event_id";

    private const string SelectExcludedEntries = """
        SELECT unit_id AS unitid, rule_id AS ruleid FROM score_exclusion
        WHERE campaign_id = @campaignId AND event_id IS NULL AND cycle = @cycle AND period = @period
        """;

    /// <summary>
    /// Streams the period's events once (binary COPY, fixed-width rows) and tallies them here: counts by unit, kind
    /// and level, the campaign-wide counts before and through the period, task weights and lasting days (from the
    /// snapshot, streamed once when a rule needs them), and the ids behind each tally for the ledger. One sequential
    /// pass instead of a GROUP BY per need, and no arrays built by the database.
    /// </summary>
    public async Task<PeriodInputs> GatherAsync(NpgsqlConnection connection, Rulebook rulebook, ScoringScope scope,
        CancellationToken cancellationToken)
    {
        var units = await LoadUnitsAsync(connection, cancellationToken);
        var excluded = (await connection.QueryAsync<long>(new CommandDefinition(SelectExcludedEvents, new { scope.CampaignId }, cancellationToken: cancellationToken))).ToHashSet();
        var excludedEntries = (await connection.QueryAsync<(long UnitId, string RuleId)>(new CommandDefinition(SelectExcludedEntries,
            new { scope.CampaignId, scope.Cycle, scope.Period }, cancellationToken: cancellationToken))).ToHashSet();

        // Events before the period only matter to campaign-wide thresholds and to per-day rules.
        var kinds = rulebook.EventKinds().ToArray();
        var levels = ScoringVocabulary.Levels.ToArray();
        // Kinds and levels travel as their 1-based positions in these arrays (array_position), levels 0 when none.
        var dayKinds = rulebook.Points.Where(p => p.Per == PointBasis.Day).Select(p => Array.IndexOf(kinds, p.EventKind!) + 1).ToHashSet();
        var weightedKinds = rulebook.Points.Where(p => p.Weighted).Select(p => Array.IndexOf(kinds, p.EventKind!) + 1).ToHashSet();
        var earlier = rulebook.Thresholds.Any(t => t.Window == ThresholdWindow.Campaign) || dayKinds.Count > 0;
        var from = earlier ? DateTimeOffset.UnixEpoch : scope.PeriodStart;

        var assignments = dayKinds.Count + weightedKinds.Count == 0
            ? new Dictionary<long, (decimal Weight, DateTimeOffset? Stop)>()
            : await ExportAssignmentsAsync(connection, scope.SnapshotId, cancellationToken);

        var groups = new Dictionary<(long Unit, int Kind, int Level), EventGroup>();
        // The assignment and the instant travel only when a rule needs them (weights, days, counts before the period).
        var full = earlier || assignments.Count > 0;
        var sql = string.Format(CultureInfo.InvariantCulture, ExportEvents, scope.CampaignId, ArrayLiteral(kinds), ArrayLiteral(levels),
            Instant(from), Instant(scope.PeriodEnd), Instant(scope.Cutoff), full ? ", e.assignment_id, e.occurred_at" : "");
        using (var export = await connection.BeginBinaryExportAsync(sql, cancellationToken))
        {
            export.Timeout = TimeSpan.FromMinutes(10);
            var start = scope.PeriodStart;
            var stop = scope.Stop;
            while (await export.StartRowAsync(cancellationToken) >= 0)
            {
                // Synchronous reads within a row: the row is already buffered, and an await per field would dominate.
                var id = export.Read<long>();
                var unit = export.Read<long>();
                var kind = export.Read<int>();
                var level = export.Read<int>();
                long? assignment = null;
                var occurred = stop.UtcDateTime;
                if (full)
                {
                    assignment = export.IsNull ? SkipNull(export) : export.Read<long>();
                    occurred = export.Read<DateTime>();
                }

                if (excluded.Count > 0 && excluded.Contains(id))
                {
                    continue;
                }

                if (!groups.TryGetValue((unit, kind, level), out var group))
                {
                    groups[(unit, kind, level)] = group = new EventGroup();
                }

                var inPeriod = occurred >= start.UtcDateTime;
                group.Through++;
                (decimal Weight, DateTimeOffset? Stop) item = assignment is { } a && assignments.TryGetValue(a, out var known) ? known : (1m, null);
                if (inPeriod)
                {
                    group.Count++;
                    group.Ids.Add(id);
                    group.Weight += weightedKinds.Contains(kind) ? item.Weight : 1;
                }

                if (dayKinds.Contains(kind))
                {
                    // From the event (or the period's start) to the item's submission or closure (or the period's end);
                    // every started day counts.
                    var end = item.Stop is { } closed && closed < stop ? closed : stop;
                    var begin = inPeriod ? new DateTimeOffset(occurred, TimeSpan.Zero) : start;
                    var days = Math.Max(0, Math.Ceiling((decimal)(end - begin).TotalDays));
                    if (days > 0)
                    {
                        group.Days += days;
                        group.WeightedDays += days * item.Weight;
                        group.DayIds.Add(id);
                    }
                }
            }
        }

        var events = new Dictionary<long, Dictionary<(string, string), EventTally>>();
        var cumulative = new Dictionary<long, Dictionary<string, (int Before, int Through)>>();
        var inPeriodIds = new Dictionary<(long, string, string), long[]>();
        var dayIds = new Dictionary<(long, string, string), long[]>();
        foreach (var ((unit, kindIndex, levelIndex), group) in groups)
        {
            var kind = kinds[kindIndex - 1];
            var level = levelIndex == 0 ? "" : levels[levelIndex - 1];
            if (group.Count > 0 || group.Days > 0)
            {
                Bucket(events, unit)[(kind, level)] = new EventTally(group.Count, group.Weight, group.Days, group.WeightedDays);
            }

            var byKind = Bucket(cumulative, unit);
            var (before, through) = byKind.GetValueOrDefault(kind);
            byKind[kind] = (before + group.Through - group.Count, through + group.Through);
            if (group.Ids.Count > 0)
            {
                var ids = group.Ids.ToArray();
                Array.Sort(ids);
                inPeriodIds[(unit, kind, level)] = ids;
            }

            if (group.DayIds.Count > 0)
            {
                var ids = group.DayIds.ToArray();
                Array.Sort(ids);
                dayIds[(unit, kind, level)] = ids;
            }
        }

        var lights = rulebook.Lights;
        var cutoffLocal = TimeZoneInfo.ConvertTime(scope.Cutoff, scope.Zone);
        var notStartedBefore = new DateTimeOffset(cutoffLocal.DateTime.AddMonths(-lights.RedNotStartedMonths), cutoffLocal.Offset).ToUniversalTime();
        var snapshots = (await connection.QueryAsync<(long UnitId, int Tasks, int Closed, int Open, int OnSchedule, int Yellow, int Red, int OverdueOpen, bool ReportedInPeriod)>(
                new CommandDefinition(TallySnapshot, new
                {
                    campaignId = scope.CampaignId, snapshotId = scope.SnapshotId, start = scope.PeriodStart, cutoff = scope.Cutoff, cutoffDay = scope.CutoffDay,
                    notStartedBefore, redBehind = lights.RedBehind, yellowBehind = lights.YellowBehind,
                }, commandTimeout: 600, cancellationToken: cancellationToken)))
            .ToDictionary(s => s.UnitId, s => new SnapshotTally(s.Tasks, s.Closed, s.Open, s.OnSchedule, s.Yellow, s.Red, s.OverdueOpen, s.ReportedInPeriod));

        var facts = new Dictionary<long, UnitFacts>();
        foreach (var unitId in events.Keys.Concat(cumulative.Keys).Concat(snapshots.Keys).Distinct().Where(units.ContainsKey).Order())
        {
            facts[unitId] = new UnitFacts(unitId,
                events.TryGetValue(unitId, out var e) ? e : new Dictionary<(string, string), EventTally>(),
                cumulative.TryGetValue(unitId, out var c) ? c : new Dictionary<string, (int, int)>(),
                snapshots.GetValueOrDefault(unitId) ?? SnapshotTally.None);
        }

        // Ranked units with nothing at all still take their place in the ranking (a perfect score).
        var categories = rulebook.Ranking.Categories;
        foreach (var unit in units.Values.Where(u => u.Active && u.Category is not null && (categories is null || categories.Contains(u.Category)) && !facts.ContainsKey(u.Id)))
        {
            facts[unit.Id] = new UnitFacts(unit.Id, new Dictionary<(string, string), EventTally>(), new Dictionary<string, (int, int)>(), SnapshotTally.None);
        }

        return new PeriodInputs(units, facts.OrderBy(f => f.Key).ToDictionary(f => f.Key, f => f.Value), excludedEntries,
            new EventIdIndex(inPeriodIds, dayIds));
    }

    private static async Task<Dictionary<long, (decimal Weight, DateTimeOffset? Stop)>> ExportAssignmentsAsync(NpgsqlConnection connection, long snapshotId,
        CancellationToken cancellationToken)
    {
        var result = new Dictionary<long, (decimal, DateTimeOffset?)>();
        using var export = await connection.BeginBinaryExportAsync(string.Format(CultureInfo.InvariantCulture, ExportAssignments, snapshotId), cancellationToken);
        export.Timeout = TimeSpan.FromMinutes(10);
        while (await export.StartRowAsync(cancellationToken) >= 0)
        {
            var id = export.Read<long>();
            var weight = export.Read<decimal>();
            DateTimeOffset? stop = null;
            if (export.IsNull)
            {
                export.Skip();
            }
            else
            {
                stop = new DateTimeOffset(export.Read<DateTime>(), TimeSpan.Zero);
            }

            result[id] = (weight, stop);
        }

        return result;
    }

    private static long? SkipNull(NpgsqlBinaryExporter export)
    {
        export.Skip();
        return null;
    }

    private static string ArrayLiteral(IEnumerable<string> values) => "'{" + string.Join(",", values) + "}'";

    private static string Instant(DateTimeOffset instant) =>
        "'" + instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture) + "'::timestamptz";

    /// <summary>One unit's events of one kind at one level, as the stream tallies them.</summary>
    private sealed class EventGroup
    {
        public int Count;
        public int Through;
        public decimal Weight;
        public decimal Days;
        public decimal WeightedDays;
        public readonly List<long> Ids = [];
        public readonly List<long> DayIds = [];
    }

    public static async Task<Dictionary<long, UnitInfo>> LoadUnitsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var posts = (await connection.QueryAsync<(long UnitId, string Post, string Name, string? Title)>(new CommandDefinition(SelectPosts, cancellationToken: cancellationToken)))
            .GroupBy(p => p.UnitId)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, PostHolder>)g.ToDictionary(p => p.Post, p => new PostHolder(p.Name, p.Title)));
        var empty = new Dictionary<string, PostHolder>();
        return (await connection.QueryAsync<(long Id, string Code, string Name, string Kind, string? Category, int SortOrder, long? ParentId, bool Active)>(
                new CommandDefinition(SelectUnits, cancellationToken: cancellationToken)))
            .ToDictionary(u => u.Id, u => new UnitInfo(u.Id, u.Code, u.Name, u.Kind, u.Category, u.SortOrder, u.ParentId, u.Active, posts.GetValueOrDefault(u.Id) ?? empty));
    }

    private static Dictionary<TKey, TValue> Bucket<TKey, TValue>(Dictionary<long, Dictionary<TKey, TValue>> map, long unitId)
        where TKey : notnull
    {
        if (!map.TryGetValue(unitId, out var bucket))
        {
            map[unitId] = bucket = [];
        }

        return bucket;
    }
}
