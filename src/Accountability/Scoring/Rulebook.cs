namespace Accountability.Scoring;

/// <summary>
/// A quantified accountability rulebook (量化问责办法) as data: how scoring events and the frozen snapshot become points,
/// ranks and consequences. One YAML file per code and version in <c>workflows/rulebooks</c> (format:
/// docs/formats/rulebook.md). Immutable once loaded; <see cref="Sha256"/> is a digest of the file, stored with every
/// score run so a period can be shown to have been scored under exactly this text.
/// </summary>
public sealed record Rulebook(
    string Code,
    int Version,
    string Name,
    string DocumentNumber,
    string? Issuer,
    string? DocumentPrefix,
    DateOnly EffectiveFrom,
    DateOnly? EffectiveTo,
    string File,
    string Sha256,
    IReadOnlyList<ScoreComponent> Components,
    IReadOnlyList<Grade> Grades,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Counts,
    IReadOnlyList<PointRule> Points,
    RankingRule Ranking,
    IReadOnlyList<LadderRule> Ladders,
    IReadOnlyList<ThresholdRule> Thresholds,
    IReadOnlyList<RollUpRule> RollUps,
    ProgressLights Lights,
    VetoRule? Veto,
    IReadOnlyDictionary<string, ConsequenceDefinition> Consequences)
{
    /// <summary>Score before any point: the sum of the components' allotments (百分制: 100).</summary>
    public decimal BaseScore => Components.Sum(c => c.Points);

    /// <summary>e.g. <c>jining-consecutive@1</c>: how ledger entries and consequences cite the rulebook.</summary>
    public string Citation => $"{Code}@{Version}";

    public bool InForceOn(DateOnly day) => EffectiveFrom <= day && (EffectiveTo is null || day <= EffectiveTo);

    /// <summary>The bulletin grade for a score: the first grade whose minimum the score reaches.</summary>
    public string GradeFor(decimal score) =>
        Grades.FirstOrDefault(g => g.MinScore is null || score >= g.MinScore)?.Name ?? "";

    /// <summary>Every event kind some rule of this rulebook reads.</summary>
    public IReadOnlySet<string> EventKinds()
    {
        var kinds = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var rule in Points.Where(p => p.EventKind is not null))
        {
            kinds.Add(rule.EventKind!);
        }

        foreach (var count in Counts.Values)
        {
            kinds.UnionWith(count);
        }

        foreach (var threshold in Thresholds)
        {
            kinds.UnionWith(threshold.EventKinds);
        }

        if (Veto is not null)
        {
            kinds.UnionWith(Veto.EventKinds);
        }

        kinds.UnionWith(ScoringVocabulary.BulletinKinds);
        return kinds;
    }
}

/// <summary>A score component (分项): its allotment, the cap on its deductions (by default the allotment, so deductions
/// stop at zero) and on its bonuses.</summary>
public sealed record ScoreComponent(string Code, string Name, decimal Points, decimal? DeductionCap, decimal? BonusCap)
{
    public decimal EffectiveDeductionCap => DeductionCap ?? Points;
}

/// <summary>A grade for the bulletin (优秀 ≥ 90 ...); the last one usually has no minimum.</summary>
public sealed record Grade(string Name, decimal? MinScore);

public enum PointBasis
{
    /// <summary>Each event counts once (the vocabulary writes events once per item and fact).</summary>
    Item,

    /// <summary>Each started day the condition lasted inside the period (e.g. −0.1 per day overdue).</summary>
    Day,
}

/// <summary>
/// Points for an event kind or a measure derived from the snapshot. Negative points are deductions, positive ones
/// bonuses. <see cref="ByLevel"/> gives the points by the level that found the problem (county −0.1, city −0.2...);
/// otherwise <see cref="Points"/> applies to every event.
/// </summary>
public sealed record PointRule(
    string Id,
    string Name,
    string? EventKind,
    string? Measure,
    decimal? Points,
    IReadOnlyDictionary<string, decimal>? ByLevel,
    PointBasis Per,
    bool Weighted,
    string Component,
    decimal? Cap)
{
    public bool IsBonus => Points is > 0 || (ByLevel?.Values.Any(v => v > 0) ?? false);

    /// <summary>Points for one event found at <paramref name="level"/> (empty string when the event has none), or null
    /// when the rule does not apply to that level.</summary>
    public decimal? PointsFor(string level)
    {
        if (ByLevel is null)
        {
            return Points;
        }

        if (ByLevel.TryGetValue(level, out var p))
        {
            return p;
        }

        return ByLevel.TryGetValue("default", out var d) ? d : null;
    }

    /// <summary>True when the rule needs each event's assignment (its task weight, how long it lasted).</summary>
    public bool NeedsAssignment => EventKind is not null && (Weighted || Per == PointBasis.Day);
}

public enum RankingMetric
{
    /// <summary>Highest score first.</summary>
    Score,

    /// <summary>Highest share of assignments closed first.</summary>
    CompletionRate,

    /// <summary>Fewest points deducted first.</summary>
    Deductions,
}

/// <summary>What to do when a tie (并列) straddles the top-N or bottom-N cut-off.</summary>
public enum TieAtCutoff
{
    /// <summary>Every unit of the tie counts as inside the top/bottom N (the list may grow beyond N).</summary>
    IncludeAll,

    /// <summary>No unit of the tie counts (the list may shrink below N).</summary>
    ExcludeAll,
}

/// <summary>How a period is ranked. Categories are ranked separately (towns vs parks); ties share a rank (并列);
/// units whose data is unusable are ranked last.</summary>
public sealed record RankingRule(
    RankingMetric Metric,
    IReadOnlyList<string>? Categories,
    TieAtCutoff TieAtCutoff,
    IReadOnlyList<string> UnusableWhen,
    RankCut Top,
    RankCut Bottom)
{
    /// <summary>The sentence the bulletin prints about ties at the cut-off.</summary>
    public string TieRuleText => TieAtCutoff == TieAtCutoff.IncludeAll
        ? "得分相同的单位名次并列；并列名次跨越前（后）位次界线的，并列单位均计入。"
        : "得分相同的单位名次并列；并列名次跨越前（后）位次界线的，并列单位均不计入。";
}

/// <summary>How many units the top-N or bottom-N list holds: one number for every category, or one per category (13
/// towns: the last 3; 2 parks: the last 1).</summary>
public sealed record RankCut(int Default, IReadOnlyDictionary<string, int> ByCategory)
{
    public static readonly RankCut None = new(0, new Dictionary<string, int>());

    public int For(string category) => ByCategory.TryGetValue(category, out var n) ? n : Default;

    public bool IsNone => Default == 0 && ByCategory.Values.All(v => v == 0);
}

public enum LadderWindow
{
    /// <summary>Periods in a row: a period outside the condition resets the count (Jining 2016).</summary>
    Consecutive,

    /// <summary>Every period in the condition since the campaign began (Anyang 2022).</summary>
    Cumulative,
}

public enum LadderCondition
{
    Bottom,
    Top,
}

/// <summary>One consequence a rung applies, on the named posts (none: on the unit itself, e.g. 通报表扬).</summary>
public sealed record ConsequenceRef(string Kind, IReadOnlyList<string> Posts);

/// <summary>A rung of a ladder or a level of a count threshold: at this count, these consequences.</summary>
public sealed record Rung(int At, IReadOnlyList<ConsequenceRef> Apply);

/// <summary>Escalation over periods on a ranking condition (bottom-N, top-N). The highest rung the count has reached
/// applies, every period the condition holds.</summary>
public sealed record LadderRule(string Id, string Name, LadderCondition When, LadderWindow Window, IReadOnlyList<Rung> Rungs)
{
    public Rung? RungFor(int count) => Rungs.Where(r => r.At <= count).MaxBy(r => r.At);
}

public enum ThresholdWindow
{
    /// <summary>Counted within the period; every level reached applies each period.</summary>
    Period,

    /// <summary>Counted since the campaign began; a level applies in the period the count crosses it.</summary>
    Campaign,
}

/// <summary>Count thresholds (2/4/6 unrectified, 5/10/15 new problems → deputy / head / party secretary): every level
/// reached (or crossed, for a campaign window) applies.</summary>
public sealed record ThresholdRule(
    string Id,
    string Name,
    string? CountName,
    IReadOnlyList<string> EventKinds,
    string? Measure,
    ThresholdWindow Window,
    IReadOnlyList<Rung> Levels);

/// <summary>Roll-up one level up: when N lower units have been held accountable under the listed rules, the upper
/// unit's leaders are (2/3/4 towns → the county's deputy head / head / party secretary). Cumulative over the campaign;
/// a level applies in the period the count crosses it.</summary>
public sealed record RollUpRule(string Id, string Name, IReadOnlyList<string> FromRules, IReadOnlyList<string> Kinds,
    IReadOnlyList<Rung> Levels);

/// <summary>Progress lights (亮灯) at the cut-off: points behind scheduled progress (序时进度) for yellow and red, and
/// months without any progress after which an item is red.</summary>
public sealed record ProgressLights(int YellowBehind, int RedBehind, int RedNotStartedMonths)
{
    public static readonly ProgressLights Default = new(10, 30, 3);
}

/// <summary>一票否决: any of these events in the period voids the unit's rating regardless of points: it is graded
/// <see cref="Grade"/>, ranked last, never commended, and the listed consequences apply.</summary>
public sealed record VetoRule(IReadOnlyList<string> EventKinds, string Grade, IReadOnlyList<ConsequenceRef> Apply);

/// <summary>A response the subject of a consequence owes, due a number of working or calendar days after it is
/// issued (a rectification plan within 5 working days after a talk).</summary>
public sealed record ResponseTimer(string Kind, string Name, int? WithinWorkingDays, int? WithinDays);

/// <summary>How the rulebook carries out a consequence kind: the responses it demands and, for a talk, the practical
/// details the admonishment notice prints.</summary>
public sealed record ConsequenceDefinition(
    string Kind,
    IReadOnlyList<ResponseTimer> Responses,
    string? Requirements,
    string? Place,
    IReadOnlyList<string> Interviewers,
    IReadOnlyList<string> Materials,
    bool? Public,
    int? WithinWorkingDays);
