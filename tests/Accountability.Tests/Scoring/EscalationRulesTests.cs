using Accountability.Scoring;

namespace Accountability.Tests.Scoring;

/// <summary>Ladders, thresholds, roll-ups and vetoes over hand-made periods.</summary>
public sealed class EscalationRulesTests
{
    /// <summary>Three months of five towns: town 10 is among the last three in months 1 and 3 but not 2; towns 11 and 12
    /// in all three.</summary>
    private static IEnumerable<PeriodInputs> ThreeMonths()
    {
        int[][] deductions = [[5, 6, 4, 0, 1], [0, 6, 4, 3, 1], [5, 6, 4, 0, 1]];
        foreach (var month in deductions)
        {
            var builder = new FactsBuilder().Towns(5);
            for (var i = 0; i < month.Length; i++)
            {
                if (month[i] > 0)
                {
                    builder.Events(10 + i, "overdue", month[i]);
                }
            }

            yield return builder.Build();
        }
    }

    private static List<PeriodOutcome> Run(Rulebook rulebook, IEnumerable<PeriodInputs> periods)
    {
        var state = PeriodState.Empty;
        var outcomes = new List<PeriodOutcome>();
        foreach (var inputs in periods)
        {
            var outcome = PeriodComputation.Compute(rulebook, inputs, state);
            outcomes.Add(outcome);
            state = outcome.Next;
        }

        return outcomes;
    }

    private static string[] Of(PeriodOutcome outcome, long unit) =>
        outcome.Consequences.Where(c => c.UnitId == unit && c.Kind != "commendation").Select(c => $"{c.Kind}:{c.Post ?? "unit"}").ToArray();

    [Fact]
    public void SameThreeMonths_ConsecutiveLadder_ResetsTheStreakWhenAMonthIsMissed()
    {
        var months = Run(FactsBuilder.Shipped("jining-consecutive"), ThreeMonths());

        Assert.Equal([1, 0, 1], months.Select(m => m.Results.Single(r => r.UnitId == 10).LadderCounts["bottom-consecutive"]));
        Assert.Equal(["admonishment_talk:deputy_in_charge"], Of(months[0], 10));
        Assert.Empty(Of(months[1], 10));
        Assert.Contains(months[1].Consequences, c => c.UnitId == 10 && c.Kind == "commendation");
        Assert.Equal(["admonishment_talk:deputy_in_charge"], Of(months[2], 10));
        Assert.Equal([1, 2, 3], months.Select(m => m.Results.Single(r => r.UnitId == 11).LadderCounts["bottom-consecutive"]));
        Assert.Equal(["criticism:deputy_in_charge", "admonishment_talk:government_head", "admonishment_talk:party_secretary"], Of(months[1], 11));
        Assert.Equal(["formal_caution:government_head", "formal_caution:party_secretary"], Of(months[2], 11));
    }

    [Fact]
    public void SameThreeMonths_CumulativeLadder_KeepsCountingAcrossTheGap()
    {
        var months = Run(FactsBuilder.Shipped("anyang-cumulative"), ThreeMonths());

        Assert.Equal([1, 1, 2], months.Select(m => m.Results.Single(r => r.UnitId == 10).LadderCounts["bottom-cumulative"]));
        Assert.Equal(["warning:deputy_in_charge"], Of(months[0], 10));
        Assert.Empty(Of(months[1], 10));
        Assert.Equal(["admonishment_talk:government_head"], Of(months[2], 10));
        Assert.Equal(["admonishment_talk:party_secretary"], Of(months[2], 11));
        var fact = months[2].Consequences.Single(c => c.UnitId == 10).Facts.Single();
        Assert.Equal(("bottom-cumulative", "anyang-cumulative", 1, 2), (fact.RuleId, fact.Rulebook, fact.Version, fact.Count));
        Assert.Contains("累计第2次", fact.Text);
    }

    [Fact]
    public void LastPeriodsRank_IsCarriedIntoTheNextPeriodsRows()
    {
        var months = Run(FactsBuilder.Shipped("jining-consecutive"), ThreeMonths());

        Assert.Equal([null, 4, 1], months.Select(m => m.Results.Single(r => r.UnitId == 10).PreviousRank));
    }

    [Fact]
    public void CountThresholds_OverTheCampaign_ApplyEveryLevelCrossedInThePeriodOnce()
    {
        var rulebook = FactsBuilder.Shipped("autumn-winter-2017");
        var first = new FactsBuilder().Towns(3)
            .Cumulative(10, "not_rectified_in_time", before: 1, through: 4)
            .Build();
        var second = new FactsBuilder().Towns(3)
            .Cumulative(10, "not_rectified_in_time", before: 4, through: 5)
            .Build();

        var months = Run(rulebook, [first, second]);

        Assert.Equal(["accountability:deputy_in_charge", "accountability:government_head"], Of(months[0], 10));
        Assert.Empty(Of(months[1], 10));
    }

    [Fact]
    public void Relapse_CountsAsANewProblemAndAsAnUnrectifiedOne()
    {
        var rulebook = FactsBuilder.Shipped("autumn-winter-2017");
        var inputs = new FactsBuilder().Towns(3)
            .Events(11, "relapse", 2)
            .Cumulative(11, "relapse", before: 0, through: 2)
            .Cumulative(11, "problem_found", before: 0, through: 3)
            .Build();

        var outcome = PeriodComputation.Compute(rulebook, inputs, PeriodState.Empty);

        var result = outcome.Results.Single(r => r.UnitId == 11);
        Assert.Equal(2, result.ProblemsFound);
        Assert.Equal(2, result.Unrectified);
        // 2 unrectified (both relapses) reach the first level; 3 found + 2 relapses = 5 new problems reach it too.
        var consequence = Assert.Single(outcome.Consequences, c => c.UnitId == 11 && c.Kind == "accountability");
        Assert.Equal(("accountability", "deputy_in_charge"), (consequence.Kind, consequence.Post));
        Assert.Equal(["new-problems", "unrectified"], consequence.Facts.Select(f => f.RuleId).Order());
        Assert.Equal(-2m, outcome.Ledger.Single(l => l.UnitId == 11 && l.RuleId == "relapse").Points);
    }

    [Fact]
    public void RollUp_CountsLowerUnitsHeldAccountableAgainstTheUpperUnitsLeadersOverThePeriods()
    {
        var rulebook = FactsBuilder.Shipped("autumn-winter-2017");
        var first = new FactsBuilder().Towns(4)
            .Cumulative(10, "not_rectified_in_time", 0, 2)
            .Cumulative(11, "not_rectified_in_time", 0, 3)
            .Build();
        var second = new FactsBuilder().Towns(4)
            .Cumulative(12, "problem_found", 4, 6)
            .Build();
        var third = new FactsBuilder().Towns(4).Build();

        var months = Run(rulebook, [first, second, third]);

        Assert.Equal(["accountability:deputy_in_charge"], Of(months[0], 1));
        Assert.Contains("所辖2个单位被问责", months[0].Consequences.Single(c => c.UnitId == 1).Facts.Single().Text);
        Assert.Equal(["accountability:government_head"], Of(months[1], 1));
        Assert.Empty(Of(months[2], 1));
        Assert.Equal([10L, 11L, 12L], months[2].Next.RollUps["roll-up"][1]);
    }

    [Fact]
    public void Veto_AppliesItsConsequencesWithTheFact()
    {
        var rulebook = FactsBuilder.Shipped("autumn-winter-2017");
        var inputs = new FactsBuilder().Towns(3).Events(12, "veto", 1).Build();

        var outcome = PeriodComputation.Compute(rulebook, inputs, PeriodState.Empty);

        var consequence = outcome.Consequences.Single(c => c.UnitId == 12 && c.Kind == "accountability");
        Assert.Equal("party_secretary", consequence.Post);
        Assert.Equal("veto", consequence.Facts.Single().RuleId);
        Assert.Equal("一票否决", outcome.Results.Single(r => r.UnitId == 12).Grade);
    }

    [Fact]
    public void PeriodThresholdOnAMeasure_AppliesEveryPeriodItHolds()
    {
        var rulebook = FactsBuilder.Shipped("jining-consecutive");
        var red = new SnapshotTally(4, 0, 4, 2, 0, 2, 0, true);
        var months = Run(rulebook, [new FactsBuilder().Towns(3).Snapshot(10, red).Build(), new FactsBuilder().Towns(3).Snapshot(10, red).Build()]);

        Assert.All(months, m => Assert.Contains("supervision_order:unit", Of(m, 10)));
    }
}
