using Accountability.Scoring;

namespace Accountability.Escalations;

/// <summary>What the escalation rules decided for a period, and the counts they carry to the next one.</summary>
public sealed record EscalationOutcome(
    IReadOnlyList<ConsequenceOutcome> Consequences,
    IReadOnlyDictionary<long, IReadOnlyDictionary<string, int>> LadderCounts,
    IReadOnlyDictionary<string, IReadOnlyDictionary<long, IReadOnlyList<long>>> RollUps);

/// <summary>
/// Applies a rulebook's ladders (consecutive or cumulative over periods), count thresholds (per period, or over the
/// campaign applying in the period a level is crossed), veto and roll-ups to one period's ranking and facts. One
/// consequence per unit, kind and post: when two rules reach the same rung, the facts of both are recorded on it.
/// </summary>
public static class EscalationRules
{
    public static EscalationOutcome Apply(Rulebook rulebook, PeriodInputs inputs, PeriodState previous,
        IReadOnlyList<UnitResult> results, IReadOnlySet<long> vetoed)
    {
        var outcomes = new SortedDictionary<(long Unit, string Kind, string Post), List<ConsequenceFact>>();
        void Add(long unitId, IEnumerable<ConsequenceRef> apply, ConsequenceFact fact)
        {
            foreach (var consequence in apply)
            {
                var posts = consequence.Posts.Count == 0 ? [ScoringVocabulary.UnitPost] : consequence.Posts;
                foreach (var post in posts)
                {
                    var key = (unitId, consequence.Kind, post);
                    if (!outcomes.TryGetValue(key, out var facts))
                    {
                        outcomes[key] = facts = [];
                    }

                    if (!facts.Contains(fact))
                    {
                        facts.Add(fact);
                    }
                }
            }
        }

        ConsequenceFact Fact(string ruleId, string text, int? count) => new(ruleId, rulebook.Code, rulebook.Version, text, count);

        // Ladders over periods, on the ranked units only.
        var ladderCounts = new Dictionary<long, IReadOnlyDictionary<string, int>>();
        foreach (var result in results.Where(r => r.Rank is not null))
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            var before = previous.Units.GetValueOrDefault(result.UnitId)?.LadderCounts;
            foreach (var ladder in rulebook.Ladders)
            {
                var held = ladder.When == LadderCondition.Bottom ? result.Bottom : result.Top;
                var last = before?.GetValueOrDefault(ladder.Id) ?? 0;
                var count = ladder.Window == LadderWindow.Consecutive ? (held ? last + 1 : 0) : last + (held ? 1 : 0);
                counts[ladder.Id] = count;
                if (held && ladder.RungFor(count) is { } rung)
                {
                    var where = ladder.When == LadderCondition.Bottom ? "后" : "前";
                    var times = ladder.Window == LadderWindow.Consecutive ? $"连续第{count}次" : $"累计第{count}次";
                    Add(result.UnitId, rung.Apply, Fact(ladder.Id,
                        $"{ladder.Name}：本期排名第{result.Rank}位（{CategoryName(result.Category)}共{result.CategorySize}个单位），处于{where}列，{times}", count));
                }
            }

            ladderCounts[result.UnitId] = counts;
        }

        // Count thresholds, on every scored unit.
        foreach (var (unitId, facts) in inputs.Facts.OrderBy(f => f.Key))
        {
            foreach (var threshold in rulebook.Thresholds)
            {
                if (threshold.Window == ThresholdWindow.Period)
                {
                    var count = threshold.Measure is { } measure ? (int)facts.Measure(measure) : facts.CountInPeriod(threshold.EventKinds);
                    foreach (var level in threshold.Levels.Where(l => l.At <= count))
                    {
                        Add(unitId, level.Apply, Fact(threshold.Id, $"{threshold.Name}：本期{count}项，达到{level.At}项的标准", count));
                    }
                }
                else
                {
                    var before = threshold.EventKinds.Sum(k => facts.Cumulative.GetValueOrDefault(k).Before);
                    var through = threshold.EventKinds.Sum(k => facts.Cumulative.GetValueOrDefault(k).Through);
                    foreach (var level in threshold.Levels.Where(l => before < l.At && l.At <= through))
                    {
                        Add(unitId, level.Apply, Fact(threshold.Id,
                            $"{threshold.Name}：行动以来累计{through}项（本期新增{through - before}项），达到{level.At}项的标准", through));
                    }
                }
            }

            if (rulebook.Veto is { } veto && vetoed.Contains(unitId))
            {
                var count = facts.CountInPeriod(veto.EventKinds);
                Add(unitId, veto.Apply, Fact("veto", $"本期发生一票否决事项{count}起，当期考核结果作废", count));
            }
        }

        // Roll-ups: lower units held accountable count against their upper unit's leaders, over the campaign.
        var rollUps = new Dictionary<string, IReadOnlyDictionary<long, IReadOnlyList<long>>>(StringComparer.Ordinal);
        foreach (var rollUp in rulebook.RollUps)
        {
            var earlier = previous.RollUps.GetValueOrDefault(rollUp.Id) ?? new Dictionary<long, IReadOnlyList<long>>();
            var sets = earlier.ToDictionary(e => e.Key, e => new SortedSet<long>(e.Value));
            var heldNow = outcomes
                .Where(o => (rollUp.Kinds.Count == 0 || rollUp.Kinds.Contains(o.Key.Kind)) && o.Value.Any(f => rollUp.FromRules.Contains(f.RuleId)))
                .Select(o => o.Key.Unit)
                .Distinct()
                .Where(u => inputs.Units.TryGetValue(u, out var info) && info.ParentId is not null)
                .ToList();
            foreach (var parentGroup in heldNow.GroupBy(u => inputs.Units[u].ParentId!.Value).OrderBy(g => g.Key))
            {
                var parent = parentGroup.Key;
                if (!sets.TryGetValue(parent, out var set))
                {
                    sets[parent] = set = [];
                }

                var before = set.Count;
                set.UnionWith(parentGroup);
                var after = set.Count;
                if (!inputs.Units.ContainsKey(parent))
                {
                    continue;
                }

                var names = string.Join("、", set.Select(u => inputs.Units.TryGetValue(u, out var i) ? i.Name : u.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                foreach (var level in rollUp.Levels.Where(l => before < l.At && l.At <= after))
                {
                    Add(parent, level.Apply, Fact(rollUp.Id, $"{rollUp.Name}：所辖{after}个单位被问责（{names}），达到{level.At}个的标准", after));
                }
            }

            rollUps[rollUp.Id] = sets.ToDictionary(s => s.Key, s => (IReadOnlyList<long>)s.Value.ToList());
        }

        var consequences = outcomes
            .OrderBy(o => o.Key.Unit)
            .ThenBy(o => ScoringVocabulary.Consequence(o.Key.Kind).Severity)
            .ThenBy(o => PostOrder(o.Key.Post))
            .Select(o => new ConsequenceOutcome(o.Key.Unit, o.Key.Kind, o.Key.Post == ScoringVocabulary.UnitPost ? null : o.Key.Post, o.Value))
            .ToList();
        return new EscalationOutcome(consequences, ladderCounts, rollUps);
    }

    private static int PostOrder(string post) => post switch
    {
        ScoringVocabulary.UnitPost => 0,
        "deputy_in_charge" => 1,
        "government_head" => 2,
        _ => 3,
    };

    public static string CategoryName(string? category) => category switch
    {
        "towns" => "镇街",
        "parks" => "园区",
        "departments" => "县直部门",
        null => "",
        _ => category,
    };
}
