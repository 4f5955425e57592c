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
/// Gathers a period's facts with a few set-based statements: one pass over the period's events grouped by unit, kind
/// and level (kept in a temporary table, with the event ids, for the ledger); one pass joining the events that need
/// their assignment (task weights, days a condition lasted) to the snapshot; one pass over the snapshot for lights,
/// completion and reporting. Runs on the caller's connection and transaction.
/// </summary>
public sealed class PeriodInputsStore : IStore
{
    /// <summary>The event groups of the period being scored, with their event ids; the ledger writer reads it.</summary>
    public const string EventGroupTable = "score_event_group";

    /// <summary>Events that need their assignment (per-day rules), with the ids of those that counted days.</summary>
    public const string DayGroupTable = "score_day_group";

    private const string SelectUnits = """
        SELECT u.id, u.code, u.name, u.kind, u.ranking_category AS category, u.sort_order AS sortorder, u.parent_id AS parentid, u.active
        FROM unit u
        """;

    private const string SelectPosts = "SELECT unit_id AS unitid, post, holder_name AS name, holder_title AS title FROM unit_post";

    private const string GroupEvents = $"""
        DROP TABLE IF EXISTS {EventGroupTable};
        CREATE TEMP TABLE {EventGroupTable} ON COMMIT DROP AS
        SELECT e.unit_id, e.kind, coalesce(e.level, '') AS level,
               count(*) FILTER (WHERE e.occurred_at >= @start)::int AS in_period,
               count(*)::int AS through,
               coalesce(array_agg(e.id) FILTER (WHERE e.occurred_at >= @start), '{"{}"}') AS ids
        FROM scoring_event e
        WHERE e.campaign_id = @campaignId AND e.occurred_at >= @from AND e.occurred_at < @periodEnd AND e.occurred_at <= @cutoff
          AND e.kind = ANY(@kinds) AND NOT (e.id = ANY(@excluded))
        GROUP BY e.unit_id, e.kind, coalesce(e.level, '');
        SELECT unit_id AS unitid, kind, level, in_period AS inperiod, through FROM {EventGroupTable};
        """;

    // Days are counted from the event (or the period's start) to when the item was submitted or closed (or the
    // period's end), every started day counting; an item submitted and still awaiting verification stops the clock.
    private const string GroupAssignmentEvents = $"""
        DROP TABLE IF EXISTS {DayGroupTable};
        CREATE TEMP TABLE {DayGroupTable} ON COMMIT DROP AS
        SELECT e.unit_id, e.kind, coalesce(e.level, '') AS level,
               coalesce(sum(w.weight) FILTER (WHERE e.occurred_at >= @start), 0) AS weight,
               coalesce(sum(d.days), 0) AS days,
               coalesce(sum(d.days * w.weight), 0) AS weighted_days,
               coalesce(array_agg(e.id) FILTER (WHERE d.days > 0), '{"{}"}') AS ids
        FROM scoring_event e
        LEFT JOIN assignment_snapshot s ON s.snapshot_id = @snapshotId AND s.assignment_id = e.assignment_id
        LEFT JOIN task t ON t.id = s.task_id
        CROSS JOIN LATERAL (SELECT coalesce(t.weight, 1) AS weight) w
        CROSS JOIN LATERAL (
            SELECT CASE WHEN e.kind = ANY(@lastingKinds) THEN greatest(0, ceil(extract(epoch FROM
                       least(coalesce(s.closed_at,
                                      CASE WHEN s.state IN ('submitted', 'under_verification', 'public_notice') THEN s.submitted_at END,
                                      'infinity'::timestamptz), @stop)
                       - greatest(e.occurred_at, @start)) / 86400.0)) ELSE 0 END AS days) d
        WHERE e.campaign_id = @campaignId AND e.occurred_at >= @from AND e.occurred_at < @periodEnd AND e.occurred_at <= @cutoff
          AND e.kind = ANY(@kinds) AND NOT (e.id = ANY(@excluded))
        GROUP BY e.unit_id, e.kind, coalesce(e.level, '');
        SELECT unit_id AS unitid, kind, level, weight, days, weighted_days AS weighteddays FROM {DayGroupTable};
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

    public async Task<PeriodInputs> GatherAsync(NpgsqlConnection connection, Rulebook rulebook, ScoringScope scope,
        CancellationToken cancellationToken)
    {
        var units = await LoadUnitsAsync(connection, cancellationToken);
        var excluded = (await connection.QueryAsync<long>(new CommandDefinition(SelectExcludedEvents, new { scope.CampaignId }, cancellationToken: cancellationToken))).ToArray();
        var excludedEntries = (await connection.QueryAsync<(long UnitId, string RuleId)>(new CommandDefinition(SelectExcludedEntries,
            new { scope.CampaignId, scope.Cycle, scope.Period }, cancellationToken: cancellationToken))).ToHashSet();

        // Events before the period only matter to campaign-wide thresholds and to per-day rules.
        var campaignWide = rulebook.Thresholds.Any(t => t.Window == ThresholdWindow.Campaign);
        var from = campaignWide ? DateTimeOffset.MinValue.AddYears(1) : scope.PeriodStart;
        var common = new
        {
            campaignId = scope.CampaignId, start = scope.PeriodStart, periodEnd = scope.PeriodEnd, cutoff = scope.Cutoff,
            snapshotId = scope.SnapshotId, stop = scope.Stop, excluded,
        };

        var events = new Dictionary<long, Dictionary<(string, string), EventTally>>();
        var cumulative = new Dictionary<long, Dictionary<string, (int Before, int Through)>>();
        var groups = await connection.QueryAsync<(long UnitId, string Kind, string Level, int InPeriod, int Through)>(new CommandDefinition(
            GroupEvents, new { common.campaignId, common.start, common.periodEnd, common.cutoff, common.excluded, from, kinds = rulebook.EventKinds().ToArray() },
            commandTimeout: 600, cancellationToken: cancellationToken));
        foreach (var g in groups)
        {
            if (g.InPeriod > 0)
            {
                Bucket(events, g.UnitId)[(g.Kind, g.Level)] = new EventTally(g.InPeriod, g.InPeriod, 0, 0);
            }

            var byKind = Bucket(cumulative, g.UnitId);
            var (before, through) = byKind.GetValueOrDefault(g.Kind);
            byKind[g.Kind] = (before + g.Through - g.InPeriod, through + g.Through);
        }

        var assignmentKinds = rulebook.Points.Where(p => p.NeedsAssignment).Select(p => p.EventKind!).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (assignmentKinds.Length > 0)
        {
            var lasting = rulebook.Points.Any(p => p.Per == PointBasis.Day);
            var tallies = await connection.QueryAsync<(long UnitId, string Kind, string Level, decimal Weight, decimal Days, decimal WeightedDays)>(new CommandDefinition(
                GroupAssignmentEvents, new
                {
                    common.campaignId, common.start, common.periodEnd, common.cutoff, common.excluded, common.snapshotId, common.stop,
                    from = lasting ? DateTimeOffset.MinValue.AddYears(1) : scope.PeriodStart,
                    kinds = assignmentKinds, lastingKinds = ScoringVocabulary.LastingKinds.ToArray(),
                }, commandTimeout: 600, cancellationToken: cancellationToken));
            foreach (var t in tallies)
            {
                var bucket = Bucket(events, t.UnitId);
                var count = bucket.GetValueOrDefault((t.Kind, t.Level))?.Count ?? 0;
                bucket[(t.Kind, t.Level)] = new EventTally(count, t.Weight, t.Days, t.WeightedDays);
            }
        }

        var lights = rulebook.Lights;
        var cutoffLocal = TimeZoneInfo.ConvertTime(scope.Cutoff, scope.Zone);
        var notStartedBefore = new DateTimeOffset(cutoffLocal.DateTime.AddMonths(-lights.RedNotStartedMonths), cutoffLocal.Offset).ToUniversalTime();
        var snapshots = (await connection.QueryAsync<(long UnitId, int Tasks, int Closed, int Open, int OnSchedule, int Yellow, int Red, int OverdueOpen, bool ReportedInPeriod)>(
                new CommandDefinition(TallySnapshot, new
                {
                    common.campaignId, common.snapshotId, common.start, common.cutoff, cutoffDay = scope.CutoffDay,
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

        return new PeriodInputs(units, facts.OrderBy(f => f.Key).ToDictionary(f => f.Key, f => f.Value), excludedEntries);
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
