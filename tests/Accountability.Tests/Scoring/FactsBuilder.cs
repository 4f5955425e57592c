using System.Text;
using Accountability.Scoring;

namespace Accountability.Tests.Scoring;

/// <summary>Hand-made period facts for the engine's arithmetic, no database: a county (id 1) with towns and parks under
/// it, each holding the three leadership posts.</summary>
internal sealed class FactsBuilder
{
    private readonly Dictionary<long, UnitInfo> _units = new()
    {
        [1] = Unit(1, "jx", "金乡县", "county", null, null),
    };

    private readonly Dictionary<long, Dictionary<(string, string), EventTally>> _events = [];
    private readonly Dictionary<long, Dictionary<string, (int, int)>> _cumulative = [];
    private readonly Dictionary<long, SnapshotTally> _snapshots = [];
    private readonly HashSet<(long, string)> _excluded = [];

    public static Rulebook Shipped(string code) =>
        RulebookCatalog.Load(Path.Combine(RepositoryPaths.Workflows, "rulebooks"), []).Single(r => r.Code == code);

    public static Rulebook Parse(string yaml)
    {
        var problems = new List<InputProblem>();
        return RulebookReader.Read("test.yaml", Encoding.UTF8.GetBytes(yaml), problems)
               ?? throw new InvalidOperationException(string.Join("\n", problems));
    }

    public FactsBuilder Towns(int count, long firstId = 10)
    {
        for (var i = 0; i < count; i++)
        {
            Town(firstId + i);
        }

        return this;
    }

    public FactsBuilder Town(long id, string category = "towns", long parent = 1)
    {
        _units[id] = Unit(id, $"t{id}", $"镇{id}", category == "parks" ? "park" : "town", category, parent);
        _events.TryAdd(id, []);
        return this;
    }

    public FactsBuilder Events(long unit, string kind, int count, string level = "", decimal? weight = null, decimal days = 0)
    {
        _events.TryAdd(unit, []);
        _events[unit][(kind, level)] = new EventTally(count, weight ?? count, days, days * (weight is null ? 1 : weight.Value / Math.Max(count, 1)));
        return this;
    }

    public FactsBuilder Cumulative(long unit, string kind, int before, int through)
    {
        _cumulative.TryAdd(unit, []);
        _cumulative[unit][kind] = (before, through);
        return this;
    }

    public FactsBuilder Snapshot(long unit, SnapshotTally tally)
    {
        _snapshots[unit] = tally;
        _events.TryAdd(unit, []);
        return this;
    }

    public FactsBuilder ExcludeEntry(long unit, string rule)
    {
        _excluded.Add((unit, rule));
        return this;
    }

    public PeriodInputs Build() => new(
        _units,
        _events.Keys.Order().ToDictionary(u => u, u => new UnitFacts(u, _events[u],
            _cumulative.TryGetValue(u, out var c) ? c : new Dictionary<string, (int, int)>(),
            _snapshots.GetValueOrDefault(u) ?? SnapshotTally.None)),
        _excluded);

    private static UnitInfo Unit(long id, string code, string name, string kind, string? category, long? parent) =>
        new(id, code, name, kind, category, (int)id, parent, true, new Dictionary<string, PostHolder>
        {
            ["deputy_in_charge"] = new($"副{id}", "副镇长"),
            ["government_head"] = new($"长{id}", "镇长"),
            ["party_secretary"] = new($"书{id}", "党委书记"),
        });
}
