namespace Accountability.Scoring;

/// <summary>Everything the rulebook needs about one period, gathered from the snapshot and the events by set-based
/// SQL (<see cref="PeriodInputsStore"/>) and then scored in memory by <see cref="PeriodComputation"/> — which never
/// touches the database, so the arithmetic is unit-tested and what-if runs it without writing anything.</summary>
public sealed record PeriodInputs(
    IReadOnlyDictionary<long, UnitInfo> Units,
    IReadOnlyDictionary<long, UnitFacts> Facts,
    IReadOnlySet<(long UnitId, string RuleId)> ExcludedEntries,
    EventDigests? Digests = null,
    long EventsThrough = 0,
    IReadOnlyList<long>? ExcludedEventIds = null);

/// <summary>How many events, and which, stand behind a group (unit, kind, level): their count and the XOR of a 64-bit
/// hash of each id — order-independent, so the database computes it while grouping. Equal digests, equal events.</summary>
public readonly record struct EventDigest(int Count, long Xor)
{
    public EventDigest Add(EventDigest other) => new(Count + other.Count, Xor ^ other.Xor);

    public string Hex => Xor.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The digests of the events behind the tallies, for the ledger: per unit, kind and level, those of the
/// period, and those whose lasting condition counted days in the period.</summary>
public sealed record EventDigests(
    IReadOnlyDictionary<(long Unit, string Kind, string Level), EventDigest> InPeriod,
    IReadOnlyDictionary<(long Unit, string Kind, string Level), EventDigest> Days)
{
    public static readonly EventDigests Empty = new(new Dictionary<(long, string, string), EventDigest>(), new Dictionary<(long, string, string), EventDigest>());

    /// <summary>The events behind a ledger line: its groups, level by level.</summary>
    public EventDigest For(LedgerLine line, bool perDay)
    {
        if (line.EventKind is not { } kind)
        {
            return default;
        }

        var source = perDay ? Days : InPeriod;
        var digest = default(EventDigest);
        foreach (var level in line.Levels)
        {
            if (source.TryGetValue((line.UnitId, kind, level), out var d))
            {
                digest = digest.Add(d);
            }
        }

        return digest;
    }
}

/// <summary>A unit as the organisation knows it: its ranking category, parent (for roll-ups) and who holds its
/// leadership posts (consequences name them as they were at the period close).</summary>
public sealed record UnitInfo(
    long Id,
    string Code,
    string Name,
    string Kind,
    string? Category,
    int SortOrder,
    long? ParentId,
    bool Active,
    IReadOnlyDictionary<string, PostHolder> Posts);

public sealed record PostHolder(string Name, string? Title);

/// <summary>Events of one kind found at one level (empty string: none) in the period: how many, their task weights
/// summed, and the days the conditions they mark lasted within the period (plain and weighted; for days, events from
/// earlier periods count too while their condition lasts).</summary>
public sealed record EventTally(int Count, decimal Weight, decimal Days, decimal WeightedDays)
{
    public static readonly EventTally None = new(0, 0, 0, 0);
}

/// <summary>What the snapshot says of a unit at the cut-off.</summary>
public sealed record SnapshotTally(int Tasks, int Closed, int Open, int OnSchedule, int Yellow, int Red, int OverdueOpen,
    bool ReportedInPeriod)
{
    public static readonly SnapshotTally None = new(0, 0, 0, 0, 0, 0, 0, false);
}

/// <summary>One unit's facts for the period.</summary>
public sealed record UnitFacts(
    long UnitId,
    IReadOnlyDictionary<(string Kind, string Level), EventTally> Events,
    IReadOnlyDictionary<string, (int Before, int Through)> Cumulative,
    SnapshotTally Snapshot)
{
    // A plain loop over the unit's dozen tallies: called for several kinds per unit and rule, for every unit.
    public int CountInPeriod(string kind)
    {
        var count = 0;
        foreach (var ((eventKind, _), tally) in Events)
        {
            if (eventKind == kind)
            {
                count += tally.Count;
            }
        }

        return count;
    }

    public int CountInPeriod(IEnumerable<string> kinds) => kinds.Sum(CountInPeriod);

    public decimal Measure(string measure) => measure switch
    {
        "light_yellow" => Snapshot.Yellow,
        "light_red" => Snapshot.Red,
        "overdue_open" => Snapshot.OverdueOpen,
        "no_report" => Snapshot.Open > 0 && !Snapshot.ReportedInPeriod ? 1 : 0,
        _ => throw new ArgumentOutOfRangeException(nameof(measure), measure, "not a measure"),
    };
}

/// <summary>What earlier periods left for this one: per unit the last rank and the ladder counts; per roll-up rule and
/// upper unit, the lower units already held accountable. Read from the stored ranking of the previous period, or carried
/// in memory when what-if replays several periods.</summary>
public sealed record PeriodState(
    IReadOnlyDictionary<long, UnitState> Units,
    IReadOnlyDictionary<string, IReadOnlyDictionary<long, IReadOnlyList<long>>> RollUps)
{
    public static readonly PeriodState Empty = new(new Dictionary<long, UnitState>(), new Dictionary<string, IReadOnlyDictionary<long, IReadOnlyList<long>>>());
}

public sealed record UnitState(int? Rank, IReadOnlyDictionary<string, int> LadderCounts);
