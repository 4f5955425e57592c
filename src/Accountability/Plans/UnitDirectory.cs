using Accountability.Imports;

namespace Accountability.Plans;

/// <summary>A unit as plan compilation needs it.</summary>
public sealed record DirectoryUnit(long Id, string Code, string Name, string Kind, long? ParentId, string? Category,
    string[] Aliases, int SortOrder);

/// <summary>What a unit phrase named: the units in the order written, or why some of it names nothing.</summary>
public sealed record UnitPhrase(IReadOnlyList<DirectoryUnit> Units, IReadOnlyList<string> Unknown)
{
    public bool Ok => Unknown.Count == 0;
}

/// <summary>
/// Resolves unit phrases as people write them in plan tables: exact names, codes and aliases ("县环保局"), with or
/// without the 县 prefix; group words from the compilation definition ("各镇街" → every unit of category towns); lists
/// separated by 、，,；; or spaces. A name that matches nothing is reported with the closest known names.
/// Resolutions are cached per phrase: a table of a thousand tasks repeats the same few phrases.
/// </summary>
public sealed class UnitDirectory
{
    private static readonly char[] Separators = ['、', '，', ',', '；', ';', '/', '／', ' ', '\u3000', '\n', '\r', '\t'];

    private readonly Dictionary<string, DirectoryUnit> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<long, DirectoryUnit> _byId;
    private readonly Dictionary<string, IReadOnlyList<DirectoryUnit>> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UnitPhrase> _cache = new(StringComparer.Ordinal);

    public UnitDirectory(IEnumerable<DirectoryUnit> units, IReadOnlyList<UnitGroup> groups)
    {
        var ordered = units.OrderBy(u => u.SortOrder).ThenBy(u => u.Code, StringComparer.Ordinal).ToList();
        _byId = ordered.ToDictionary(u => u.Id);
        // Names first, then codes, then aliases: an alias never hides another unit's official name.
        foreach (var unit in ordered)
        {
            _byName.TryAdd(Key(unit.Name), unit);
        }

        foreach (var unit in ordered)
        {
            _byName.TryAdd(Key(unit.Code), unit);
        }

        foreach (var unit in ordered)
        {
            foreach (var alias in unit.Aliases)
            {
                _byName.TryAdd(Key(alias), unit);
            }
        }

        foreach (var group in groups)
        {
            var members = ordered.Where(u => u.Category == group.Category).ToList();
            foreach (var word in group.Words)
            {
                _groups[Key(word)] = members;
            }
        }
    }

    public int Count => _byId.Count;

    public DirectoryUnit? Find(long id) => _byId.GetValueOrDefault(id);

    /// <summary>Resolves a phrase; null or blank gives no units and no problem.</summary>
    public UnitPhrase Resolve(string? phrase)
    {
        if (string.IsNullOrWhiteSpace(phrase))
        {
            return new UnitPhrase([], []);
        }

        if (_cache.TryGetValue(phrase, out var cached))
        {
            return cached;
        }

        var units = new List<DirectoryUnit>();
        var seen = new HashSet<long>();
        var unknown = new List<string>();
        foreach (var raw in phrase.Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var token = raw.TrimEnd('等').Trim();
            if (token.Length == 0)
            {
                continue;
            }

            var found = Lookup(token);
            if (found is null)
            {
                unknown.Add(token);
                continue;
            }

            foreach (var unit in found)
            {
                if (seen.Add(unit.Id))
                {
                    units.Add(unit);
                }
            }
        }

        var result = new UnitPhrase(units, unknown);
        _cache[phrase] = result;
        return result;
    }

    /// <summary>The town, street or park a unit lies in (itself when it is one); null when it lies in none.</summary>
    public DirectoryUnit? TownOf(DirectoryUnit unit)
    {
        for (DirectoryUnit? current = unit; current is not null; current = current.ParentId is { } p ? Find(p) : null)
        {
            if (current.Kind is "town" or "street" or "park")
            {
                return current;
            }
        }

        return null;
    }

    /// <summary>"'化雨' is not a unit; did you mean 化雨镇?": the known names closest to what was written.</summary>
    public ProblemReason UnknownReason(string token)
    {
        var suggestions = Suggest(token, 3);
        return suggestions.Count == 0 ? Reasons.UnknownUnit(token) : Reasons.UnknownUnitDidYouMean(token, suggestions);
    }

    public IReadOnlyList<string> Suggest(string token, int count)
    {
        var key = Key(token);
        var candidates = _byName.Select(e => (Written: e.Key, e.Value.Name))
            .Concat(_groups.Keys.Select(w => (Written: w, Name: w)))
            .Select(c => (c.Name, Distance: Score(key, c.Written)))
            .Where(c => c.Distance <= Math.Max(2, key.Length / 2))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => c.Name)
            .Distinct()
            .Take(count)
            .ToList();
        return candidates;

        static int Score(string written, string known)
        {
            // A fragment of a real name ("化雨" for 化雨镇) is close whatever its length difference.
            if (known.Contains(written, StringComparison.OrdinalIgnoreCase) || written.Contains(known, StringComparison.OrdinalIgnoreCase))
            {
                return 1;
            }

            return Levenshtein(written, known);
        }
    }

    private IReadOnlyList<DirectoryUnit>? Lookup(string token)
    {
        var key = Key(token);
        if (_groups.TryGetValue(key, out var group))
        {
            return group;
        }

        if (_byName.TryGetValue(key, out var unit))
        {
            return [unit];
        }

        // "环保局" for 县环保局 and the other way round: plans drop or add the county prefix freely.
        var variant = key.StartsWith('县') ? key[1..] : "县" + key;
        return variant.Length > 0 && _byName.TryGetValue(variant, out unit) ? [unit] : null;
    }

    private static string Key(string text) => text.Trim().Replace('（', '(').Replace('）', ')');

    internal static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
