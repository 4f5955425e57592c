using Accountability.Rankings;
using Accountability.Scoring;

namespace Accountability.Tests.Scoring;

public sealed class RankerTests
{
    private static IReadOnlyList<RankPlace> Rank(TieAtCutoff rule, params decimal?[] scores) =>
        Ranker.Rank(scores.Select((s, i) => new RankCandidate(i + 1, $"u{i + 1}", i, s, true)).ToList(), higherIsBetter: true, top: 2, bottom: 2, rule);

    [Fact]
    public void Ties_ShareARankAndTheNextRankSkips()
    {
        var places = Rank(TieAtCutoff.IncludeAll, 90, 95, 95, 80);

        Assert.Equal([3, 1, 1, 4], places.OrderBy(p => p.UnitId).Select(p => p.Rank));
    }

    [Fact]
    public void TieAtTheBottomCutoff_IncludeAll_PutsEveryTiedUnitInTheBottomList()
    {
        // Ranks 1, 2, 3, 3, 3: the last two places are straddled by a three-way tie.
        var places = Rank(TieAtCutoff.IncludeAll, 99, 98, 90, 90, 90);

        Assert.Equal([3L, 4L, 5L], places.Where(p => p.Bottom).Select(p => p.UnitId).Order());
    }

    [Fact]
    public void TieAtTheBottomCutoff_ExcludeAll_LeavesTheTiedUnitsOut()
    {
        var places = Rank(TieAtCutoff.ExcludeAll, 99, 98, 90, 90, 90);

        Assert.DoesNotContain(places, p => p.Bottom);
    }

    [Fact]
    public void TieAtTheTopCutoff_FollowsTheSameRule()
    {
        Assert.Equal([1L, 2L, 3L], Rank(TieAtCutoff.IncludeAll, 99, 98, 98, 90, 80).Where(p => p.Top).Select(p => p.UnitId).Order());
        Assert.Equal([1L], Rank(TieAtCutoff.ExcludeAll, 99, 98, 98, 90, 80).Where(p => p.Top).Select(p => p.UnitId));
    }

    [Fact]
    public void EveryoneEqual_NobodyIsTopOrBottom()
    {
        var places = Rank(TieAtCutoff.IncludeAll, 100, 100, 100, 100);

        Assert.All(places, p => Assert.Equal(1, p.Rank));
        Assert.DoesNotContain(places, p => p.Top || p.Bottom);
    }

    [Fact]
    public void UnusableData_RanksLastTiedAndIsInTheBottomList()
    {
        var places = Rank(TieAtCutoff.IncludeAll, 60, null, 100, null);

        Assert.Equal([2, 3, 1, 3], places.OrderBy(p => p.UnitId).Select(p => p.Rank));
        Assert.Equal([2L, 4L], places.Where(p => p.Bottom).Select(p => p.UnitId).Order());
        Assert.DoesNotContain(places, p => p.UnitId is 2 or 4 && p.Top);
    }
}
