using System.Globalization;
using System.Runtime.CompilerServices;
using Accountability.Escalations;
using Accountability.Rankings;

namespace Accountability.Scoring;

/// <summary>
/// Scores one period under one rulebook: points per rule and unit, component caps, the score, the grade, the ranking
/// per category, and the consequences of ladders, thresholds, vetoes and roll-ups. Pure: the same inputs, rulebook and
/// previous state give the same outcome, in the same order, every time.
/// </summary>
public static class PeriodComputation
{
    public static PeriodOutcome Compute(Rulebook rulebook, PeriodInputs inputs, PeriodState previous)
    {
        var ledger = new List<LedgerLine>();
        var scores = new Dictionary<long, (decimal Score, decimal Deductions, decimal Bonuses)>();
        var unitIds = inputs.Facts.Keys.Order().ToList();
        foreach (var unitId in unitIds)
        {
            var facts = inputs.Facts[unitId];
            // An accepted appeal on a derived entry (a light, a missing report) takes the whole entry out.
            var lines = PointLines(rulebook, facts).Where(l => !inputs.ExcludedEntries.Contains((unitId, l.RuleId))).ToList();
            lines.AddRange(CapLines(rulebook, unitId, lines).ToList());
            ledger.AddRange(lines);
            // Cap lines give back part of what the other lines took (or gave): deductions and bonuses are net of them.
            var bonusCaps = lines.Where(l => l.RuleId.EndsWith(":bonus-cap", StringComparison.Ordinal)).Sum(l => l.Points);
            var deductionCaps = lines.Where(l => l.RuleId.EndsWith(":cap", StringComparison.Ordinal)).Sum(l => l.Points);
            var deductions = -lines.Where(l => l.Points < 0 && !l.RuleId.Contains(':', StringComparison.Ordinal)).Sum(l => l.Points) - deductionCaps;
            var bonuses = lines.Where(l => l.Points > 0 && !l.RuleId.Contains(':', StringComparison.Ordinal)).Sum(l => l.Points) + bonusCaps;
            scores[unitId] = (rulebook.BaseScore + lines.Sum(l => l.Points), deductions, bonuses);
        }

        var vetoed = unitIds.Where(u => rulebook.Veto is { } veto && inputs.Facts[u].CountInPeriod(veto.EventKinds) > 0).ToHashSet();
        var results = Rank(rulebook, inputs, previous, scores, vetoed);
        var escalation = EscalationRules.Apply(rulebook, inputs, previous, results, vetoed);
        var resultsWithCounts = results.Select(r => r with { LadderCounts = escalation.LadderCounts.GetValueOrDefault(r.UnitId) ?? new Dictionary<string, int>() }).ToList();
        var next = new PeriodState(
            resultsWithCounts.ToDictionary(r => r.UnitId, r => new UnitState(r.Rank, r.LadderCounts)),
            escalation.RollUps);
        return new PeriodOutcome(ledger, resultsWithCounts, escalation.Consequences, next);
    }

    private static List<LedgerLine> PointLines(Rulebook rulebook, UnitFacts facts)
    {
        var lines = new List<LedgerLine>();
        // The unit's tallies by kind, each kind's levels in order: looked up once per rule instead of filtered per rule.
        var byKind = facts.Events.GroupBy(e => e.Key.Kind, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(e => e.Key.Level, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        foreach (var rule in rulebook.Points)
        {
            decimal quantity = 0;
            decimal points = 0;
            var levels = new List<string>();
            if (rule.EventKind is { } kind)
            {
                foreach (var ((_, level), tally) in byKind.GetValueOrDefault(kind) ?? [])
                {
                    if (rule.PointsFor(level) is not { } each)
                    {
                        continue;
                    }

                    var q = (rule.Per, rule.Weighted) switch
                    {
                        (PointBasis.Item, false) => tally.Count,
                        (PointBasis.Item, true) => tally.Weight,
                        (_, false) => tally.Days,
                        (_, true) => tally.WeightedDays,
                    };
                    if (q == 0)
                    {
                        continue;
                    }

                    levels.Add(level);
                    quantity += q;
                    points += q * each;
                }
            }
            else
            {
                quantity = facts.Measure(rule.Measure!);
                points = quantity * rule.Points!.Value;
            }

            if (points == 0)
            {
                continue;
            }

            var basis = Basis(rule, quantity);
            if (rule.Cap is { } cap && Math.Abs(points) > cap)
            {
                points = Math.Sign(points) * cap;
                basis += $"，本项最多{(points < 0 ? "扣" : "加")}{Number(cap)}分";
            }

            lines.Add(new LedgerLine(facts.UnitId, rule.Id, rule.Name, rule.Component, quantity, points, rule.EventKind, levels, basis));
        }

        return lines;
    }

    /// <summary>Deductions within a component stop at its cap (by default its allotment: 扣完为止); bonuses stop at the
    /// bonus cap. The excess goes back as a line of its own so the ledger still adds up to the score.</summary>
    private static IEnumerable<LedgerLine> CapLines(Rulebook rulebook, long unitId, List<LedgerLine> lines)
    {
        foreach (var component in rulebook.Components)
        {
            var deducted = -lines.Where(l => l.Component == component.Code && l.Points < 0).Sum(l => l.Points);
            if (deducted > component.EffectiveDeductionCap)
            {
                var excess = deducted - component.EffectiveDeductionCap;
                yield return new LedgerLine(unitId, $"{component.Code}:cap", $"{component.Name}扣分上限", component.Code, 1, excess, null, [],
                    $"{component.Name}共扣{Number(deducted)}分，超过本项上限{Number(component.EffectiveDeductionCap)}分，扣完为止，返还{Number(excess)}分");
            }

            var added = lines.Where(l => l.Component == component.Code && l.Points > 0).Sum(l => l.Points);
            if (component.BonusCap is { } bonusCap && added > bonusCap)
            {
                var excess = added - bonusCap;
                yield return new LedgerLine(unitId, $"{component.Code}:bonus-cap", $"{component.Name}加分上限", component.Code, 1, -excess, null, [],
                    $"{component.Name}共加{Number(added)}分，超过加分上限{Number(bonusCap)}分，核减{Number(excess)}分");
            }
        }
    }

    private static string Basis(PointRule rule, decimal quantity)
    {
        var unit = rule.Per == PointBasis.Day ? "天" : rule.Measure == "no_report" ? "次" : "项";
        var weighted = rule.Weighted ? "（按任务权重折算）" : "";
        return $"{rule.Name}{Number(quantity)}{unit}{weighted}，{Rates.GetValue(rule, Rate)}";
    }

    // A rule's rate ("每项扣1分") is the same on every unit's line: written once per rule, not once per line.
    private static readonly ConditionalWeakTable<PointRule, string> Rates = new();

    private static string Rate(PointRule rule) => rule.ByLevel is null
        ? $"每{(rule.Per == PointBasis.Day ? "天" : "项")}{(rule.Points < 0 ? "扣" : "加")}{Number(Math.Abs(rule.Points!.Value))}分"
        : "按发现层级计分";

    private static List<UnitResult> Rank(Rulebook rulebook, PeriodInputs inputs, PeriodState previous,
        Dictionary<long, (decimal Score, decimal Deductions, decimal Bonuses)> scores, HashSet<long> vetoed)
    {
        var ranking = rulebook.Ranking;
        var counts = rulebook.Counts;
        IReadOnlyList<string> newProblems = counts.TryGetValue("new_problems", out var np) ? np : ["problem_found", "repeat_problem", "relapse"];
        IReadOnlyList<string> unrectified = counts.TryGetValue("unrectified", out var ur) ? ur : ["not_rectified_in_time", "relapse"];

        var rows = new Dictionary<long, UnitResult>();
        foreach (var (unitId, facts) in inputs.Facts.OrderBy(f => f.Key))
        {
            var unit = inputs.Units[unitId];
            var (score, deductions, bonuses) = scores[unitId];
            var snapshot = facts.Snapshot;
            decimal? completion = snapshot.Tasks == 0 ? null : Math.Round(100m * snapshot.Closed / snapshot.Tasks, 2, MidpointRounding.AwayFromZero);
            string? unusable = null;
            // A vetoed rating is void whatever the ranking rule lists: it cannot be placed by its points.
            if (vetoed.Contains(unitId))
            {
                unusable = "一票否决";
            }
            else if (ranking.UnusableWhen.Contains("no_report") && facts.Measure("no_report") > 0)
            {
                unusable = "未按时报送调度数据";
            }
            else if (ranking.Metric == RankingMetric.CompletionRate && completion is null)
            {
                unusable = "无考核任务";
            }

            var grade = vetoed.Contains(unitId) ? rulebook.Veto!.Grade : rulebook.GradeFor(score);
            rows[unitId] = new UnitResult(unitId, unit.Category, null, 0, false, score, deductions, bonuses, grade, unusable is null, unusable,
                vetoed.Contains(unitId), snapshot.Tasks, snapshot.Closed, completion, snapshot.OnSchedule, snapshot.Yellow, snapshot.Red,
                facts.CountInPeriod("overdue"), facts.CountInPeriod(newProblems), facts.CountInPeriod(unrectified),
                facts.CountInPeriod("complaint_substantiated"), false, false, previous.Units.GetValueOrDefault(unitId)?.Rank,
                new Dictionary<string, int>());
        }

        var categories = ranking.Categories
                         ?? rows.Values.Select(r => r.Category).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var category in categories)
        {
            var members = rows.Values.Where(r => r.Category == category).ToList();
            if (members.Count == 0)
            {
                continue;
            }

            var candidates = members.Select(r =>
            {
                var unit = inputs.Units[r.UnitId];
                decimal? value = !r.Usable ? null : ranking.Metric switch
                {
                    RankingMetric.Score => r.Score,
                    RankingMetric.CompletionRate => r.Completion,
                    _ => r.Deductions,
                };
                return new RankCandidate(r.UnitId, unit.Code, unit.SortOrder, value, !r.Vetoed);
            }).ToList();
            var places = Ranker.Rank(candidates, ranking.Metric != RankingMetric.Deductions, ranking.Top.For(category),
                ranking.Bottom.For(category), ranking.TieAtCutoff);
            var sharing = places.CountBy(p => p.Rank).ToDictionary();
            foreach (var place in places)
            {
                rows[place.UnitId] = rows[place.UnitId] with
                {
                    Rank = place.Rank, CategorySize = place.CategorySize, Top = place.Top, Bottom = place.Bottom,
                    Tied = sharing[place.Rank] > 1,
                };
            }
        }

        // Units outside the ranked categories are scored, not ranked.
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (category, index) in categories.Select((c, i) => (c, i)))
        {
            order.TryAdd(category, index);
        }

        return rows.Values
            .OrderBy(r => r.Category is null || !order.ContainsKey(r.Category) ? 1 : 0)
            .ThenBy(r => r.Category is { } c ? order.GetValueOrDefault(c, -1) : int.MaxValue)
            .ThenBy(r => r.Rank ?? int.MaxValue)
            .ThenBy(r => inputs.Units[r.UnitId].SortOrder)
            .ThenBy(r => inputs.Units[r.UnitId].Code, StringComparer.Ordinal)
            .Select(r => r.Category is not null && categories.Contains(r.Category) ? r : r with { Rank = null, CategorySize = 0, Tied = false })
            .ToList();
    }

    public static string Number(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
