using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Logging;
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
/// Gathers a period's facts in two set-based queries on the caller's connection and transaction: the period's events
/// grouped by unit, kind and level (counts, task weights joined in, days for per-day rules, and an order-independent
/// digest of the ids of each group), and the snapshot's tallies per unit (lights, completion, reporting). The events
/// never leave the database: a ledger line records which events are behind it as a filter plus the highest event id
/// scored (docs/decisions/0401-ledger-lines-refer-to-their-events.md), and <see cref="LedgerEvents"/> lists them.
/// </summary>
public sealed partial class PeriodInputsStore(ILogger<PeriodInputsStore> logger) : IStore
{
    private const string SelectUnits = """
        SELECT u.id, u.code, u.name, u.kind, u.ranking_category AS category, u.sort_order AS sortorder, u.parent_id AS parentid, u.active
        FROM unit u
        """;

    private const string SelectPosts = "SELECT unit_id AS unitid, post, holder_name AS name, holder_title AS title FROM unit_post";

    private const string SelectEventsThrough = "SELECT coalesce(max(id), 0) FROM scoring_event";

    /// <summary>
    /// The period's events by unit, kind and level. {0}: whether an event lies in the period (events before it are read
    /// only for campaign-wide counts and per-day rules); {1}: the join for task weights; {2}: the join for how long a
    /// condition lasted (the snapshot's submission or closing time); {3}: the per-day aggregates (their @WEIGHT is {4} too);
    /// {4}: an event's weight (its task's, for weighted rules). Every event counted is
    /// one that <see cref="LedgerEvents"/> finds again from the ledger line: the same filter, the same id bound.
    /// </summary>
    private const string GroupEvents = """
        SELECT e.unit_id AS unit, e.kind, coalesce(e.level, '') AS level,
               count(*) FILTER (WHERE {0})::int AS count,
               count(*)::int AS through,
               coalesce(sum({4}) FILTER (WHERE {0}), 0)::numeric AS weight,
               coalesce(bit_xor(hashint8extended(e.id, 0)) FILTER (WHERE {0}), 0) AS digest{3}
        FROM scoring_event e{1}{2}
        WHERE e.campaign_id = @campaignId AND e.occurred_at >= @from AND e.occurred_at < @periodEnd AND e.occurred_at <= @cutoff
          AND e.kind = ANY(@kinds) AND e.id <= @eventsThrough AND {5}
        GROUP BY e.unit_id, e.kind, coalesce(e.level, '')
        """;

    /// <summary>{5} of <see cref="GroupEvents"/>: the events counted leave out those accepted appeals excluded.</summary>
    private const string NotExcluded = "e.id <> ALL(@excluded)";

    /// <summary>{5} of <see cref="GroupEvents"/>: only the excluded events, to take them off the monthly tallies.</summary>
    private const string OnlyExcluded = "e.id = ANY(@excluded)";

    /// <summary>
    /// A monthly period's events by unit, kind and level from the tallies the database keeps as events are written
    /// (migration 0651): a few rows per unit instead of every event. The highest event id is read in the same statement,
    /// so it bounds exactly the events the tallies hold. Months before the period are read only when the rulebook needs
    /// earlier events (campaign-wide thresholds); a non-weighted kind weighs one per event, as in <see cref="GroupEvents"/>.
    /// </summary>
    private const string GroupTallies = """
        SELECT y.unit_id AS unit, y.kind, y.level,
               coalesce(sum(y.events) FILTER (WHERE y.month = @month), 0)::int AS count,
               sum(y.events)::int AS through,
               coalesce(sum(CASE WHEN y.kind = ANY(@weightedKinds) THEN y.weight ELSE y.events END) FILTER (WHERE y.month = @month), 0)::numeric AS weight,
               coalesce(bit_xor(y.digest) FILTER (WHERE y.month = @month), 0) AS digest,
               t.through AS eventsthrough
        FROM (SELECT coalesce(max(id), 0) AS through FROM scoring_event) t
        LEFT JOIN scoring_event_tally y ON y.campaign_id = @campaignId AND y.month >= @fromMonth AND y.month <= @month AND y.kind = ANY(@kinds)
        GROUP BY y.unit_id, y.kind, y.level, t.through
        """;

    private const string InPeriod = "e.occurred_at >= @periodStart";

    private const string JoinWeights = "\n        LEFT JOIN task t ON t.id = e.task_id";

    private const string Weight = "CASE WHEN e.kind = ANY(@weightedKinds) THEN coalesce(t.weight, 1) ELSE 1 END";

    private const string JoinLasting = """

                LEFT JOIN assignment_snapshot s ON e.kind = ANY(@dayKinds) AND s.snapshot_id = @snapshotId AND s.assignment_id = e.assignment_id
                CROSS JOIN LATERAL (SELECT CASE WHEN e.kind = ANY(@dayKinds) THEN greatest(0, ceil(extract(epoch FROM
                    least(coalesce(coalesce(s.closed_at, CASE WHEN s.state IN ('submitted', 'under_verification', 'public_notice') THEN s.submitted_at END), @stop), @stop)
                    - greatest(e.occurred_at, @periodStart)) / 86400)) ELSE 0 END AS days) d
        """;

    private const string DayAggregates = """
        ,
                       coalesce(sum(d.days), 0) AS days,
                       coalesce(sum(d.days * @WEIGHT), 0)::numeric AS weighteddays,
                       count(*) FILTER (WHERE d.days > 0)::int AS daycount,
                       coalesce(bit_xor(hashint8extended(e.id, 0)) FILTER (WHERE d.days > 0), 0) AS daydigest
        """;

    private const string NoDayAggregates = ", 0::numeric AS days, 0::numeric AS weighteddays, 0 AS daycount, 0::bigint AS daydigest";

    /// <summary>The snapshot's tallies per unit. PostgreSQL evaluates an expression once per reference (a light counted
    /// as yellow and as red is worked out twice), so over a million rows what each reference costs is what the query
    /// costs: an item's stage is looked up once by hashing its state (instead of six text comparisons every time it is
    /// asked), its light is a small integer, milestone percents are whole numbers (the plan's model) compared as
    /// integers, and the open and on-schedule counts follow from the others (<see cref="Tally"/>). Together a third
    /// faster than asking each question of each row.</summary>
    private const string TallySnapshot = """
        WITH scheduled AS (
            SELECT t.id AS task_id,
                   coalesce(max((m.value ->> 'percent')::numeric::int) FILTER (WHERE (m.value ->> 'on')::date <= @cutoffDay), 0) AS percent
            FROM task t
            LEFT JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(t.milestones) = 'array' THEN t.milestones ELSE '[]'::jsonb END) m ON true
            WHERE t.campaign_id = @campaignId
            GROUP BY t.id
        ), stages (state, stage) AS (
            VALUES ('submitted', 1), ('under_verification', 1), ('public_notice', 1),
                   ('closed', 2), ('closed_long_term', 2), ('closed_unfounded', 2)
        ), items AS (
            SELECT s.unit_id,
                   coalesce(st.stage, 0) AS stage,   -- 0 being worked on, 1 awaiting verification, 2 closed
                   s.due_at, s.issued_at, s.progress_percent,
                   CASE WHEN s.due_at IS NOT NULL AND s.due_at <= @cutoff THEN 100 ELSE coalesce(sc.percent, 0) END AS scheduled,
                   (s.progress_reported_at >= @start AND s.progress_reported_at <= @cutoff)
                       OR (s.submitted_at >= @start AND s.submitted_at <= @cutoff)
                       OR (s.closed_at >= @start AND s.closed_at <= @cutoff) AS reported
            FROM assignment_snapshot s
            LEFT JOIN scheduled sc ON sc.task_id = s.task_id
            LEFT JOIN stages st ON st.state = s.state
            WHERE s.snapshot_id = @snapshotId
        ), lit AS (
            SELECT i.*,
                   CASE WHEN i.stage > 0 THEN 0                                                   -- green
                        WHEN i.progress_percent = 0 AND i.issued_at <= @notStartedBefore THEN 2   -- red
                        WHEN i.scheduled - i.progress_percent > @redBehind THEN 2
                        WHEN i.scheduled - i.progress_percent >= @yellowBehind THEN 1              -- yellow
                        ELSE 0 END AS light
            FROM items i
        )
        SELECT unit_id AS unitid,
               count(*)::int AS tasks,
               count(*) FILTER (WHERE stage = 2)::int AS closed,
               count(*) FILTER (WHERE light = 1)::int AS yellow,
               count(*) FILTER (WHERE light = 2)::int AS red,
               count(*) FILTER (WHERE stage = 0 AND due_at < @cutoff)::int AS overdueopen,
               coalesce(bool_or(reported), false) AS reportedinperiod
        FROM lit
        GROUP BY unit_id
        """;

    private const string SelectExcludedEvents = "SELECT DISTINCT event_id FROM score_exclusion WHERE campaign_id = @campaignId AND event_id IS NOT NULL ORDER BY event_id";

    private const string SelectExcludedEntries = """
        SELECT unit_id AS unitid, rule_id AS ruleid FROM score_exclusion
        WHERE campaign_id = @campaignId AND event_id IS NULL AND cycle = @cycle AND period = @period
        """;

    // Just-in-time compilation of these aggregates costs more than it saves: turned off for the two gathering queries.
    private const string JitOff = "SET LOCAL jit = off";

    private const string JitDefault = "RESET jit";

    /// <summary>
    /// Gathers the period's facts, counting every scoring event committed when it reads them: the highest event id among
    /// them is returned as <see cref="PeriodInputs.EventsThrough"/>. The scorer calls it once every transaction
    /// appending to the audit log has finished (every writer of scoring events appends), so that no event with a lower
    /// id can commit later. A whole month is read from the event tallies, anything else from the events themselves;
    /// <paramref name="source"/> forces the events (tests compare the two).
    /// </summary>
    public async Task<PeriodInputs> GatherAsync(NpgsqlConnection connection, Rulebook rulebook, ScoringScope scope,
        CancellationToken cancellationToken, EventSource source = EventSource.Tallies)
    {
        var clock = Stopwatch.StartNew();
        void Step(string name)
        {
            LogStep(scope.Period, name, clock.Elapsed.TotalMilliseconds);
            clock.Restart();
        }

        var units = await LoadUnitsAsync(connection, cancellationToken);
        var excluded = (await connection.QueryAsync<long>(new CommandDefinition(SelectExcludedEvents, new { scope.CampaignId }, cancellationToken: cancellationToken))).ToArray();
        var excludedEntries = (await connection.QueryAsync<(long UnitId, string RuleId)>(new CommandDefinition(SelectExcludedEntries,
            new { scope.CampaignId, scope.Cycle, scope.Period }, cancellationToken: cancellationToken))).ToHashSet();
        // Events before the period only matter to campaign-wide thresholds and to per-day rules.
        var kinds = rulebook.EventKinds().ToArray();
        var dayKinds = rulebook.Points.Where(p => p.Per == PointBasis.Day).Select(p => p.EventKind!).Distinct().ToArray();
        var weightedKinds = rulebook.Points.Where(p => p.Weighted && p.EventKind is not null).Select(p => p.EventKind!).Distinct().ToArray();
        var campaignWide = rulebook.Thresholds.Any(t => t.Window == ThresholdWindow.Campaign);
        var query = new EventQuery(scope, kinds, dayKinds, weightedKinds, campaignWide || dayKinds.Length > 0, excluded);

        await connection.ExecuteAsync(new CommandDefinition(JitOff, cancellationToken: cancellationToken));
        List<EventGroupRow> groups;
        long through;
        if (source != EventSource.Events && MonthOf(scope) is { } month)
        {
            // Per-day rules need each event's own time against the snapshot: those kinds are still read event by event.
            (groups, through) = await GroupTalliesAsync(connection, query with { Kinds = kinds.Except(dayKinds).ToArray() },
                month, cancellationToken);
            if (dayKinds.Length > 0)
            {
                groups.AddRange(await GroupEventsAsync(connection, query with { Kinds = dayKinds }, through, NotExcluded, cancellationToken));
            }
        }
        else
        {
            through = await connection.ExecuteScalarAsync<long>(new CommandDefinition(SelectEventsThrough, cancellationToken: cancellationToken));
            groups = await GroupEventsAsync(connection, query, through, NotExcluded, cancellationToken);
        }

        Step("units, exclusions and event groups");
        var events = new Dictionary<long, Dictionary<(string, string), EventTally>>();
        var cumulative = new Dictionary<long, Dictionary<string, (int Before, int Through)>>();
        var inPeriodDigests = new Dictionary<(long, string, string), EventDigest>();
        var dayDigests = new Dictionary<(long, string, string), EventDigest>();
        foreach (var g in groups)
        {
            if (g.Count > 0 || g.Days > 0)
            {
                Bucket(events, g.Unit)[(g.Kind, g.Level)] = new EventTally(g.Count, g.Weight, g.Days, g.WeightedDays);
            }

            var byKind = Bucket(cumulative, g.Unit);
            var (before, sum) = byKind.GetValueOrDefault(g.Kind);
            byKind[g.Kind] = (before + g.Through - g.Count, sum + g.Through);
            if (g.Count > 0)
            {
                inPeriodDigests[(g.Unit, g.Kind, g.Level)] = new EventDigest(g.Count, g.Digest);
            }

            if (g.DayCount > 0)
            {
                dayDigests[(g.Unit, g.Kind, g.Level)] = new EventDigest(g.DayCount, g.DayDigest);
            }
        }

        Step("event maps");
        var lights = rulebook.Lights;
        var cutoffLocal = TimeZoneInfo.ConvertTime(scope.Cutoff, scope.Zone);
        var notStartedBefore = new DateTimeOffset(cutoffLocal.DateTime.AddMonths(-lights.RedNotStartedMonths), cutoffLocal.Offset).ToUniversalTime();
        var snapshots = (await connection.QueryAsync<(long UnitId, int Tasks, int Closed, int Yellow, int Red, int OverdueOpen, bool ReportedInPeriod)>(
                new CommandDefinition(TallySnapshot, new
                {
                    campaignId = scope.CampaignId, snapshotId = scope.SnapshotId, start = scope.PeriodStart, cutoff = scope.Cutoff, cutoffDay = scope.CutoffDay,
                    notStartedBefore, redBehind = lights.RedBehind, yellowBehind = lights.YellowBehind,
                }, commandTimeout: 600, cancellationToken: cancellationToken)))
            .ToDictionary(s => s.UnitId, s => Tally(s.Tasks, s.Closed, s.Yellow, s.Red, s.OverdueOpen, s.ReportedInPeriod));
        await connection.ExecuteAsync(new CommandDefinition(JitDefault, cancellationToken: cancellationToken));
        Step("snapshot");

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
            new EventDigests(inPeriodDigests, dayDigests), through, excluded);
    }

    /// <summary>The local month a period is, when it is exactly one and its cut-off is not before its end; otherwise null.</summary>
    internal static DateOnly? MonthOf(ScoringScope scope)
    {
        var start = TimeZoneInfo.ConvertTime(scope.PeriodStart, scope.Zone).DateTime;
        var end = TimeZoneInfo.ConvertTime(scope.PeriodEnd, scope.Zone).DateTime;
        return start.Day == 1 && start.TimeOfDay == TimeSpan.Zero && end == start.AddMonths(1) && scope.Cutoff >= scope.PeriodEnd
            ? DateOnly.FromDateTime(start)
            : null;
    }

    private async Task<(List<EventGroupRow> Groups, long Through)> GroupTalliesAsync(NpgsqlConnection connection, EventQuery query,
        DateOnly month, CancellationToken cancellationToken)
    {
        var rows = (await connection.QueryAsync<TallyRow>(new CommandDefinition(GroupTallies, new
        {
            campaignId = query.Scope.CampaignId, month, fromMonth = query.Earlier ? DateOnly.MinValue : month, kinds = query.Kinds,
            weightedKinds = query.WeightedKinds,
        }, commandTimeout: 600, cancellationToken: cancellationToken))).AsList();
        var through = rows.Count > 0 ? rows[0].EventsThrough : 0;
        var groups = rows.Where(r => r.Unit is not null)
            .ToDictionary(r => (r.Unit!.Value, r.Kind!, r.Level!), r => new EventGroupRow(r.Unit!.Value, r.Kind!, r.Level!, r.Count ?? 0,
                r.Through ?? 0, r.Weight ?? 0, r.Digest ?? 0, 0, 0, 0, 0));

        // The tallies hold every event; those accepted appeals excluded are taken off again (the digest is a XOR).
        if (query.Excluded.Length > 0)
        {
            foreach (var x in await GroupEventsAsync(connection, query, through, OnlyExcluded, cancellationToken))
            {
                var g = groups.TryGetValue((x.Unit, x.Kind, x.Level), out var tallied) ? tallied
                    : throw new InvalidOperationException($"The event tallies of campaign {query.Scope.CampaignId} miss the excluded events of unit {x.Unit}, {x.Kind} {x.Level}: they disagree with scoring_event.");
                groups[(x.Unit, x.Kind, x.Level)] = g with
                {
                    Count = g.Count - x.Count, Through = g.Through - x.Through, Weight = g.Weight - x.Weight, Digest = g.Digest ^ x.Digest,
                };
            }
        }

        return (groups.Values.Where(g => g.Through > 0).ToList(), through);
    }

    private static async Task<List<EventGroupRow>> GroupEventsAsync(NpgsqlConnection connection, EventQuery query, long through,
        string idFilter, CancellationToken cancellationToken)
    {
        var (scope, dayKinds, weightedKinds) = (query.Scope, query.DayKinds, query.WeightedKinds);
        // Each part is there only when the rulebook needs it: no join for weights nobody reads, no days without per-day rules.
        var days = query.Kinds.Intersect(dayKinds).Any();
        var sql = string.Format(CultureInfo.InvariantCulture, GroupEvents, query.Earlier ? InPeriod : "true",
            weightedKinds.Length > 0 ? JoinWeights : "", days ? JoinLasting : "",
            days ? DayAggregates.Replace("@WEIGHT", weightedKinds.Length > 0 ? Weight : "1", StringComparison.Ordinal) : NoDayAggregates,
            weightedKinds.Length > 0 ? Weight : "1", idFilter);
        return (await connection.QueryAsync<EventGroupRow>(new CommandDefinition(sql, new
        {
            campaignId = scope.CampaignId, from = query.Earlier ? DateTimeOffset.UnixEpoch : scope.PeriodStart, periodStart = scope.PeriodStart,
            periodEnd = scope.PeriodEnd, cutoff = scope.Cutoff, stop = scope.Stop, snapshotId = scope.SnapshotId, kinds = query.Kinds, dayKinds,
            weightedKinds, eventsThrough = through, excluded = query.Excluded,
        }, commandTimeout: 600, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>What the grouping queries count: the kinds, which of them count days or weights, whether events before
    /// the period are read, and the events excluded by accepted appeals.</summary>
    private sealed record EventQuery(ScoringScope Scope, string[] Kinds, string[] DayKinds, string[] WeightedKinds, bool Earlier,
        long[] Excluded);

    /// <summary>A row of <see cref="GroupTallies"/>: a group, or nulls but the highest event id when there is none.</summary>
    private sealed record TallyRow(long? Unit, string? Kind, string? Level, int? Count, int? Through, decimal? Weight, long? Digest,
        long EventsThrough);

    /// <summary>A closed item is green; an open one is yellow, red, or else on schedule (awaiting verification counts as
    /// on schedule).</summary>
    internal static SnapshotTally Tally(int tasks, int closed, int yellow, int red, int overdueOpen, bool reportedInPeriod) =>
        new(tasks, closed, tasks - closed, tasks - closed - yellow - red, yellow, red, overdueOpen, reportedInPeriod);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Gathering {Period}: {Step} took {Milliseconds} ms")]
    private partial void LogStep(string period, string step, double milliseconds);

    /// <summary>One unit's events of one kind at one level, as the grouping query returns them.</summary>
    private sealed record EventGroupRow(long Unit, string Kind, string Level, int Count, int Through, decimal Weight, long Digest,
        decimal Days, decimal WeightedDays, int DayCount, long DayDigest);

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

/// <summary>Where <see cref="PeriodInputsStore"/> reads a period's events from: the monthly tallies where the period is
/// a whole month, or always the events themselves.</summary>
public enum EventSource
{
    Tallies,
    Events,
}
