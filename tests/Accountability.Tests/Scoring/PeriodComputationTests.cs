using Accountability.Scoring;

namespace Accountability.Tests.Scoring;

/// <summary>The engine's arithmetic on hand-made facts: points, caps, weights, days, ranking, vetoes.</summary>
public sealed class PeriodComputationTests
{
    private static readonly Rulebook Small = FactsBuilder.Parse("""
        rulebook: small
        version: 3
        name: 测试办法
        document_number: 测〔2017〕1号
        effective_from: 2017-01-01
        components:
          - { code: tasks, name: 任务, points: 10 }
          - { code: problems, name: 问题, points: 90, deduction_cap: 5 }
          - { code: bonus, name: 加分, points: 0, bonus_cap: 2 }
        grades: [{ name: 好, min: 95 }, { name: 差 }]
        points:
          - { id: overdue, name: 逾期, event: overdue, points: -1, weighted: true, component: tasks }
          - { id: overdue-days, name: 逾期按日, event: overdue, points: -0.1, per: day, component: tasks }
          - { id: found, name: 发现问题, event: problem_found, by_level: { county: -0.1, city: -0.2, province: -0.3 }, component: problems }
          - { id: media, name: 曝光, event: media_exposure, points: -2, component: problems, cap: 3 }
          - { id: red, name: 红灯, measure: light_red, points: -0.5, component: tasks }
          - { id: closed, name: 按期销号, event: closed_on_time, points: 0.5, component: bonus }
        ranking: { metric: score, categories: [towns], top: 1, bottom: 1 }
        veto: { events: [veto], grade: 否决 }
        """);

    [Fact]
    public void Points_ByLevelWeightedAndPerDay_AreWrittenOnePerRuleWithTheirBasis()
    {
        var inputs = new FactsBuilder().Towns(2)
            .Events(10, "problem_found", 3, "county").Events(10, "problem_found", 2, "city").Events(10, "problem_found", 1, "central")
            .Events(10, "overdue", 2, weight: 3, days: 7)
            .Snapshot(10, new SnapshotTally(5, 1, 4, 1, 0, 2, 1, true))
            .Build();

        var outcome = PeriodComputation.Compute(Small, inputs, PeriodState.Empty);

        var lines = outcome.Ledger.Where(l => l.UnitId == 10).ToDictionary(l => l.RuleId);
        Assert.Equal(-0.7m, lines["found"].Points);                 // 3 × 0.1 + 2 × 0.2; central is not in the rule
        Assert.Equal(["city", "county"], lines["found"].Levels.Order());
        Assert.Equal(-3m, lines["overdue"].Points);                 // weights 3 in all
        Assert.Equal(-0.7m, lines["overdue-days"].Points);          // 7 days × 0.1
        Assert.Equal(-1m, lines["red"].Points);                     // two red items
        Assert.Equal(100 - 0.7m - 3m - 0.7m - 1m, outcome.Results.Single(r => r.UnitId == 10).Score);
        Assert.Contains("按任务权重", lines["overdue"].Basis);
    }

    [Fact]
    public void Caps_DeductionsStopAtTheComponentsCapAndBonusesAtTheirs_AndTheLedgerStillAddsUp()
    {
        var inputs = new FactsBuilder().Towns(2)
            .Events(10, "overdue", 14)                      // −14 against a component worth 10: stops at zero
            .Events(10, "media_exposure", 4)                // −8, but the rule caps at 3
            .Events(10, "problem_found", 30, "province")   // −9 more in problems: the component caps at 5 in all
            .Events(10, "closed_on_time", 9)                // +4.5, bonus cap 2
            .Build();

        var outcome = PeriodComputation.Compute(Small, inputs, PeriodState.Empty);

        var lines = outcome.Ledger.Where(l => l.UnitId == 10).ToDictionary(l => l.RuleId);
        Assert.Equal(-3m, lines["media"].Points);
        Assert.Equal(4m, lines["tasks:cap"].Points);
        Assert.Equal(7m, lines["problems:cap"].Points);           // 3 + 9 = 12 deducted, cap 5
        Assert.Equal(-2.5m, lines["bonus:bonus-cap"].Points);
        var result = outcome.Results.Single(r => r.UnitId == 10);
        Assert.Equal(100 - 10 - 5 + 2, result.Score);
        Assert.Equal(Small.BaseScore + lines.Values.Sum(l => l.Points), result.Score);
        Assert.Equal(15m, result.Deductions);
        Assert.Equal(2m, result.Bonuses);
        Assert.Equal("差", result.Grade);
    }

    [Fact]
    public void Veto_VoidsTheRatingRanksLastAndNeverCommends()
    {
        var inputs = new FactsBuilder().Towns(3)
            .Events(11, "overdue", 2)
            .Events(12, "veto", 1)
            .Build();

        var outcome = PeriodComputation.Compute(Small, inputs, PeriodState.Empty);

        var vetoed = outcome.Results.Single(r => r.UnitId == 12);
        Assert.True(vetoed.Vetoed);
        Assert.Equal("否决", vetoed.Grade);
        Assert.Equal(100m, vetoed.Score);              // the points stand; the rating is void
        Assert.Equal(3, vetoed.Rank);
        Assert.False(vetoed.Top);
        Assert.True(vetoed.Bottom);
        Assert.True(outcome.Results.Single(r => r.UnitId == 10).Top);
        Assert.Equal(2, outcome.Results.Single(r => r.UnitId == 11).Rank);
    }

    [Fact]
    public void AcceptedAppealOnADerivedEntry_TakesTheWholeEntryOut()
    {
        var inputs = new FactsBuilder().Towns(1)
            .Snapshot(10, new SnapshotTally(2, 0, 2, 0, 0, 2, 0, true))
            .ExcludeEntry(10, "red")
            .Build();

        var outcome = PeriodComputation.Compute(Small, inputs, PeriodState.Empty);

        Assert.DoesNotContain(outcome.Ledger, l => l.RuleId == "red");
        Assert.Equal(100m, outcome.Results.Single().Score);
    }

    [Fact]
    public void Ranking_UnitWithUnusableData_IsRankedLastAfterEveryUsableUnit()
    {
        var rulebook = FactsBuilder.Shipped("jining-consecutive");
        var inputs = new FactsBuilder().Towns(4)
            .Events(10, "overdue", 30)                                                      // far worse score, but usable
            .Snapshot(11, new SnapshotTally(3, 0, 3, 3, 0, 0, 0, ReportedInPeriod: false))   // reported nothing: unusable
            .Build();

        var outcome = PeriodComputation.Compute(rulebook, inputs, PeriodState.Empty);

        var silent = outcome.Results.Single(r => r.UnitId == 11);
        Assert.False(silent.Usable);
        Assert.Equal("未按时报送调度数据", silent.UnusableReason);
        Assert.Equal(4, silent.Rank);
        Assert.Equal(3, outcome.Results.Single(r => r.UnitId == 10).Rank);
        Assert.Equal([12L, 13L, 10L, 11L], outcome.Results.Where(r => r.Category == "towns").Select(r => r.UnitId));
    }
}
