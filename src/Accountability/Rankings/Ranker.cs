using Accountability.Scoring;

namespace Accountability.Rankings;

/// <summary>One unit as the ranker sees it: its metric value (null when its data is unusable) and its display order.</summary>
public sealed record RankCandidate(long UnitId, string Code, int SortOrder, decimal? Value, bool CanBeTop);

/// <summary>Where a unit landed in its category.</summary>
public sealed record RankPlace(long UnitId, int Rank, int CategorySize, bool Top, bool Bottom);

/// <summary>
/// Ranks one category. Ties share a rank (并列) and the next rank skips (1, 2, 2, 4); units whose data is unusable
/// share the last rank after every usable unit. The top-N and bottom-N lists follow the rulebook's cut-off rule when a
/// tie straddles N: every tied unit counts (include_all) or none does (exclude_all). When every unit stands equal
/// nobody is top or bottom — being last among equals is not being last.
/// </summary>
public static class Ranker
{
    public static IReadOnlyList<RankPlace> Rank(IReadOnlyList<RankCandidate> candidates, bool higherIsBetter, int top,
        int bottom, TieAtCutoff tieAtCutoff)
    {
        // A sort key where smaller is better; unusable data sorts after everything.
        decimal? Key(RankCandidate c) => c.Value is { } v ? (higherIsBetter ? -v : v) : null;
        int Compare(RankCandidate a, RankCandidate b)
        {
            var (ka, kb) = (Key(a), Key(b));
            return (ka, kb) switch
            {
                (null, null) => 0,
                (null, _) => 1,
                (_, null) => -1,
                _ => ka!.Value.CompareTo(kb!.Value),
            };
        }

        var ordered = candidates
            .OrderBy(c => c, Comparer<RankCandidate>.Create(Compare))
            .ThenBy(c => c.SortOrder)
            .ThenBy(c => c.Code, StringComparer.Ordinal)
            .ToList();
        // Tie groups are runs of equal keys in the sorted list: better = units before the run, worse = units after it.
        var n = ordered.Count;
        var places = new List<RankPlace>(n);
        var first = 0;
        while (first < n)
        {
            var last = first;
            while (last + 1 < n && Compare(ordered[last + 1], ordered[first]) == 0)
            {
                last++;
            }

            var better = first;
            var worse = n - 1 - last;
            var tied = last - first + 1;
            bool Inside(int ahead, int size) => size > 0 && (tieAtCutoff == TieAtCutoff.IncludeAll ? ahead < size : ahead + tied <= size);
            for (var i = first; i <= last; i++)
            {
                var unit = ordered[i];
                var isTop = unit.CanBeTop && unit.Value is not null && worse > 0 && Inside(better, top);
                var isBottom = better > 0 && Inside(worse, bottom);
                places.Add(new RankPlace(unit.UnitId, better + 1, n, isTop, isBottom && !isTop));
            }

            first = last + 1;
        }

        return places;
    }
}
