using System.Globalization;
using System.Security.Cryptography;
using Accountability.Imports;
using YamlDotNet.RepresentationModel;

namespace Accountability.Scoring;

/// <summary>
/// Reads one rulebook file (YAML, docs/formats/rulebook.md) into a <see cref="Rulebook"/>, adding a problem with the
/// file, line and field for everything wrong with it instead of stopping at the first: unknown fields, unknown event
/// kinds, measures, consequences or posts, references to rules that do not exist, ladders whose rungs do not rise.
/// Returns null when there is any error.
/// </summary>
public static class RulebookReader
{
    private static readonly string[] TopLevel =
    [
        "rulebook", "version", "name", "document_number", "issuer", "document_prefix", "effective_from", "effective_to",
        "components", "grades", "counts", "points", "ranking", "ladders", "thresholds", "roll_up", "progress_lights",
        "chasers", "veto", "consequences",
    ];

    public static Rulebook? Read(string file, byte[] bytes, List<InputProblem> problems)
    {
        var before = problems.Count(p => !p.IsWarning);
        var yaml = new YamlInput(file, problems);
        var root = yaml.LoadRoot(bytes);
        if (root is null)
        {
            return null;
        }

        var reader = new Reader(yaml);
        var rulebook = reader.Read(root, Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant());
        return problems.Count(p => !p.IsWarning) > before ? null : rulebook;
    }

    private sealed class Reader(YamlInput yaml)
    {
        private readonly HashSet<string> _ruleIds = new(StringComparer.Ordinal);

        public Rulebook? Read(YamlMappingNode root, string sha256)
        {
            yaml.RejectUnknownKeys(root, "", TopLevel);
            var code = yaml.Required(root, "rulebook", "rulebook");
            if (code is not null && !IsIdentifier(code))
            {
                yaml.ErrorAt(root, "rulebook", $"'{code}' must be lower-case letters, digits and hyphens");
            }

            var version = Int(root, "version", "version", required: true, min: 1) ?? 0;
            var name = yaml.Required(root, "name", "name");
            var number = yaml.Required(root, "document_number", "document_number");
            var issuer = yaml.Scalar(root, "issuer", "issuer");
            var prefix = yaml.Scalar(root, "document_prefix", "document_prefix");
            var from = Date(root, "effective_from", "effective_from", required: true);
            var to = Date(root, "effective_to", "effective_to", required: false);
            if (from is not null && to is not null && to < from)
            {
                yaml.ErrorAt(root, "effective_to", "ends before effective_from");
            }

            var components = Components(root);
            var grades = Grades(root);
            var counts = Counts(root);
            var points = Points(root, components);
            var ranking = Ranking(root);
            var ladders = Ladders(root);
            var thresholds = Thresholds(root, counts);
            var rollUps = RollUps(root);
            var lights = Lights(root);
            RejectChasers(root);
            var veto = Veto(root);
            var consequences = ConsequenceDefinitions(root);
            foreach (var ladder in ladders)
            {
                var size = ladder.When == LadderCondition.Bottom ? ranking?.Bottom : ranking?.Top;
                if (size is { IsNone: true })
                {
                    yaml.ErrorAt(root, "ranking." + (ladder.When == LadderCondition.Bottom ? "bottom" : "top"),
                        $"ladder '{ladder.Id}' escalates on the {ladder.When.ToString().ToLowerInvariant()} units, so the ranking must say how many (e.g. bottom: 10)");
                }
            }

            if (code is null || name is null || number is null || from is null)
            {
                return null;
            }

            return new Rulebook(code, version, name, number, issuer, prefix, from.Value, to, yaml.File, sha256, components,
                grades, counts, points, ranking ?? new RankingRule(RankingMetric.Score, null, TieAtCutoff.IncludeAll, [], RankCut.None, RankCut.None),
                ladders, thresholds, rollUps, lights, veto, consequences);
        }

        private List<ScoreComponent> Components(YamlMappingNode root)
        {
            var result = new List<ScoreComponent>();
            var items = yaml.Sequence(root, "components", "components");
            if (items.Count == 0)
            {
                yaml.Error(YamlInput.Line(root), "components", "is required: at least one score component (e.g. { code: tasks, name: 任务推进, points: 100 })");
            }

            for (var i = 0; i < items.Count; i++)
            {
                var path = $"components[{i}]";
                if (Map(items[i], path) is not { } map)
                {
                    continue;
                }

                yaml.RejectUnknownKeys(map, path, "code", "name", "points", "deduction_cap", "bonus_cap");
                var code = Identifier(map, "code", path);
                var name = yaml.Required(map, "name", $"{path}.name");
                var points = Decimal(map, "points", $"{path}.points", required: true, min: 0);
                var cap = Decimal(map, "deduction_cap", $"{path}.deduction_cap", required: false, min: 0);
                var bonusCap = Decimal(map, "bonus_cap", $"{path}.bonus_cap", required: false, min: 0);
                if (code is null || name is null || points is null)
                {
                    continue;
                }

                if (result.Any(c => c.Code == code))
                {
                    yaml.ErrorAt(map, $"{path}.code", $"component '{code}' is defined twice");
                }

                result.Add(new ScoreComponent(code, name, points.Value, cap, bonusCap));
            }

            return result;
        }

        private List<Grade> Grades(YamlMappingNode root)
        {
            var result = new List<Grade>();
            var items = yaml.Sequence(root, "grades", "grades");
            decimal? previous = null;
            for (var i = 0; i < items.Count; i++)
            {
                var path = $"grades[{i}]";
                if (Map(items[i], path) is not { } map)
                {
                    continue;
                }

                yaml.RejectUnknownKeys(map, path, "name", "min");
                var name = yaml.Required(map, "name", $"{path}.name");
                var min = Decimal(map, "min", $"{path}.min", required: false);
                if (previous is not null && min is not null && min >= previous)
                {
                    yaml.ErrorAt(map, $"{path}.min", "grades must be listed from the highest minimum down");
                }

                if (min is null && i != items.Count - 1)
                {
                    yaml.ErrorAt(map, $"{path}.min", "only the last grade may have no minimum");
                }

                previous = min ?? previous;
                if (name is not null)
                {
                    result.Add(new Grade(name, min));
                }
            }

            return result;
        }

        private Dictionary<string, IReadOnlyList<string>> Counts(YamlMappingNode root)
        {
            var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            if (YamlInput.Child(root, "counts") is not { } node)
            {
                return result;
            }

            if (node is not YamlMappingNode map)
            {
                yaml.ErrorAt(node, "counts", "must be a mapping of count names to lists of event kinds");
                return result;
            }

            foreach (var (keyNode, _) in map.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value ?? "";
                var path = $"counts.{key}";
                if (!IsIdentifier(key.Replace('_', '-')))
                {
                    yaml.ErrorAt(keyNode, path, "a count name is lower-case letters, digits and underscores");
                }

                result[key] = EventKindList(map, key, path);
            }

            return result;
        }

        private List<PointRule> Points(YamlMappingNode root, List<ScoreComponent> components)
        {
            var result = new List<PointRule>();
            var items = yaml.Sequence(root, "points", "points");
            for (var i = 0; i < items.Count; i++)
            {
                var path = $"points[{i}]";
                if (Map(items[i], path) is not { } map)
                {
                    continue;
                }

                yaml.RejectUnknownKeys(map, path, "id", "name", "event", "measure", "points", "by_level", "per", "weighted", "component", "cap");
                var id = RuleId(map, path);
                var name = yaml.Required(map, "name", $"{path}.name");
                var kind = yaml.Scalar(map, "event", $"{path}.event");
                var measure = yaml.Scalar(map, "measure", $"{path}.measure");
                if ((kind is null) == (measure is null))
                {
                    yaml.ErrorAt(map, $"{path}.event", "give exactly one of event (a scoring event kind) or measure (derived from the snapshot)");
                }

                CheckKind(kind, map, $"{path}.event");
                CheckMeasure(measure, map, $"{path}.measure");
                var points = Decimal(map, "points", $"{path}.points", required: false);
                var byLevel = ByLevel(map, $"{path}.by_level");
                if ((points is null) == (byLevel is null))
                {
                    yaml.ErrorAt(map, $"{path}.points", "give exactly one of points or by_level");
                }

                var values = byLevel?.Values.ToList() ?? (points is { } p ? [p] : []);
                if (values.Any(v => v == 0) || (values.Any(v => v > 0) && values.Any(v => v < 0)))
                {
                    yaml.ErrorAt(map, $"{path}.points", "points are non-zero and all of one sign: negative for a deduction, positive for a bonus");
                }

                var per = Enum(map, "per", $"{path}.per", PointBasis.Item, ("item", PointBasis.Item), ("day", PointBasis.Day));
                if (per == PointBasis.Day && (kind is null || !ScoringVocabulary.LastingKinds.Contains(kind)))
                {
                    yaml.ErrorAt(map, $"{path}.per", $"per: day scores how long a condition lasted; it applies to the events {string.Join(", ", ScoringVocabulary.LastingKinds)}");
                }

                var weighted = Bool(map, "weighted", $"{path}.weighted") ?? false;
                if (weighted && kind is null)
                {
                    yaml.ErrorAt(map, $"{path}.weighted", "task weights apply to events on assignments, not to measures");
                }

                var component = yaml.Required(map, "component", $"{path}.component");
                if (component is not null && components.Count > 0 && components.All(c => c.Code != component))
                {
                    yaml.ErrorAt(map, $"{path}.component", $"no component '{component}' (components: {string.Join(", ", components.Select(c => c.Code))})");
                }

                var cap = Decimal(map, "cap", $"{path}.cap", required: false, min: 0);
                if (id is not null && name is not null && component is not null)
                {
                    result.Add(new PointRule(id, name, kind, measure, points, byLevel, per, weighted, component, cap));
                }
            }

            return result;
        }

        private Dictionary<string, decimal>? ByLevel(YamlMappingNode map, string path)
        {
            if (YamlInput.Child(map, "by_level") is not { } node)
            {
                return null;
            }

            if (node is not YamlMappingNode levels)
            {
                yaml.ErrorAt(node, path, "must map levels (county, city, province, central, default) to points");
                return null;
            }

            var result = new Dictionary<string, decimal>(StringComparer.Ordinal);
            foreach (var (keyNode, valueNode) in levels.Children)
            {
                var level = ((YamlScalarNode)keyNode).Value ?? "";
                if (!ScoringVocabulary.Levels.Contains(level) && level != "default")
                {
                    yaml.ErrorAt(keyNode, $"{path}.{level}", $"unknown level; expected one of: {string.Join(", ", ScoringVocabulary.Levels)}, default");
                    continue;
                }

                if (valueNode is YamlScalarNode { Value: { } text } && decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
                {
                    result[level] = value;
                }
                else
                {
                    yaml.ErrorAt(valueNode, $"{path}.{level}", "must be a number");
                }
            }

            return result;
        }

        private RankingRule? Ranking(YamlMappingNode root)
        {
            if (YamlInput.Child(root, "ranking") is not { } node)
            {
                yaml.Error(YamlInput.Line(root), "ranking", "is required (metric, categories, top, bottom...)");
                return null;
            }

            if (Map(node, "ranking") is not { } map)
            {
                return null;
            }

            yaml.RejectUnknownKeys(map, "ranking", "metric", "categories", "ties_at_cutoff", "unusable_when", "top", "bottom");
            var metric = Enum(map, "metric", "ranking.metric", RankingMetric.Score, ("score", RankingMetric.Score),
                ("completion_rate", RankingMetric.CompletionRate), ("deductions", RankingMetric.Deductions));
            var categories = yaml.Strings(map, "categories", "ranking.categories");
            var ties = Enum(map, "ties_at_cutoff", "ranking.ties_at_cutoff", TieAtCutoff.IncludeAll,
                ("include_all", TieAtCutoff.IncludeAll), ("exclude_all", TieAtCutoff.ExcludeAll));
            var unusable = yaml.Strings(map, "unusable_when", "ranking.unusable_when");
            foreach (var condition in unusable.Where(c => !ScoringVocabulary.UnusableConditions.Contains(c)))
            {
                yaml.ErrorAt(map, "ranking.unusable_when", $"unknown condition '{condition}'; expected: {string.Join(", ", ScoringVocabulary.UnusableConditions)}");
            }

            var top = Cut(map, "top", "ranking.top");
            var bottom = Cut(map, "bottom", "ranking.bottom");
            return new RankingRule(metric, categories.Count == 0 ? null : categories, ties, unusable, top, bottom);
        }

        private RankCut Cut(YamlMappingNode map, string key, string path)
        {
            switch (YamlInput.Child(map, key))
            {
                case null:
                    return RankCut.None;
                case YamlMappingNode byCategory:
                    var cuts = new Dictionary<string, int>(StringComparer.Ordinal);
                    foreach (var (keyNode, _) in byCategory.Children)
                    {
                        var category = ((YamlScalarNode)keyNode).Value ?? "";
                        if (Int(byCategory, category, $"{path}.{category}", required: true, min: 0) is { } n)
                        {
                            cuts[category] = n;
                        }
                    }

                    return new RankCut(0, cuts);
                default:
                    return new RankCut(Int(map, key, path, required: false, min: 0) ?? 0, new Dictionary<string, int>());
            }
        }

        private List<LadderRule> Ladders(YamlMappingNode root)
        {
            var result = new List<LadderRule>();
            var items = yaml.Sequence(root, "ladders", "ladders");
            for (var i = 0; i < items.Count; i++)
            {
                var path = $"ladders[{i}]";
                if (Map(items[i], path) is not { } map)
                {
                    continue;
                }

                yaml.RejectUnknownKeys(map, path, "id", "name", "when", "window", "rungs");
                var id = RuleId(map, path);
                var name = yaml.Required(map, "name", $"{path}.name");
                var when = Enum(map, "when", $"{path}.when", (LadderCondition?)null, ("bottom", LadderCondition.Bottom), ("top", LadderCondition.Top));
                var window = Enum(map, "window", $"{path}.window", (LadderWindow?)null,
                    ("consecutive", LadderWindow.Consecutive), ("cumulative", LadderWindow.Cumulative));
                if (when is null)
                {
                    yaml.Error(YamlInput.Line(map), $"{path}.when", "is required: bottom or top");
                }

                if (window is null)
                {
                    yaml.Error(YamlInput.Line(map), $"{path}.window", "is required: consecutive or cumulative");
                }

                var rungs = Rungs(map, "rungs", path);
                if (id is not null && name is not null && when is not null && window is not null)
                {
                    result.Add(new LadderRule(id, name, when.Value, window.Value, rungs));
                }
            }

            return result;
        }

        private List<ThresholdRule> Thresholds(YamlMappingNode root, Dictionary<string, IReadOnlyList<string>> counts)
        {
            var result = new List<ThresholdRule>();
            var items = yaml.Sequence(root, "thresholds", "thresholds");
            for (var i = 0; i < items.Count; i++)
            {
                var path = $"thresholds[{i}]";
                if (Map(items[i], path) is not { } map)
                {
                    continue;
                }

                yaml.RejectUnknownKeys(map, path, "id", "name", "count", "events", "measure", "window", "levels");
                var id = RuleId(map, path);
                var name = yaml.Required(map, "name", $"{path}.name");
                var countName = yaml.Scalar(map, "count", $"{path}.count");
                var events = YamlInput.Child(map, "events") is null ? [] : EventKindList(map, "events", $"{path}.events");
                var measure = yaml.Scalar(map, "measure", $"{path}.measure");
                var given = (countName is null ? 0 : 1) + (events.Count == 0 ? 0 : 1) + (measure is null ? 0 : 1);
                if (given != 1)
                {
                    yaml.ErrorAt(map, $"{path}.count", "give exactly one of count (a name under counts), events (a list of kinds) or measure");
                }

                IReadOnlyList<string> kinds = events;
                if (countName is not null)
                {
                    if (counts.TryGetValue(countName, out var named))
                    {
                        kinds = named;
                    }
                    else
                    {
                        yaml.ErrorAt(map, $"{path}.count", $"no count named '{countName}' under counts");
                    }
                }

                CheckMeasure(measure, map, $"{path}.measure");
                var window = Enum(map, "window", $"{path}.window", ThresholdWindow.Period,
                    ("period", ThresholdWindow.Period), ("campaign", ThresholdWindow.Campaign));
                if (window == ThresholdWindow.Campaign && measure is not null)
                {
                    yaml.ErrorAt(map, $"{path}.window", "a measure is taken at the cut-off; only event counts can run over the campaign");
                }

                var levels = Rungs(map, "levels", path);
                if (id is not null && name is not null)
                {
                    result.Add(new ThresholdRule(id, name, countName, kinds, measure, window, levels));
                }
            }

            return result;
        }

        private List<RollUpRule> RollUps(YamlMappingNode root)
        {
            var result = new List<RollUpRule>();
            var items = yaml.Sequence(root, "roll_up", "roll_up");
            var knownRules = _ruleIds.ToHashSet();
            for (var i = 0; i < items.Count; i++)
            {
                var path = $"roll_up[{i}]";
                if (Map(items[i], path) is not { } map)
                {
                    continue;
                }

                yaml.RejectUnknownKeys(map, path, "id", "name", "from", "kinds", "levels");
                var id = RuleId(map, path);
                var name = yaml.Required(map, "name", $"{path}.name");
                var from = yaml.Strings(map, "from", $"{path}.from");
                if (from.Count == 0)
                {
                    yaml.ErrorAt(map, $"{path}.from", "is required: the ids of the rules whose consequences count as a lower unit held accountable");
                }

                foreach (var rule in from.Where(r => !knownRules.Contains(r)))
                {
                    yaml.ErrorAt(map, $"{path}.from", $"no ladder or threshold with id '{rule}' (a roll-up counts consequences of rules defined before it)");
                }

                var kinds = yaml.Strings(map, "kinds", $"{path}.kinds");
                foreach (var kind in kinds)
                {
                    CheckConsequence(kind, map, $"{path}.kinds");
                }

                var levels = Rungs(map, "levels", path);
                if (id is not null && name is not null)
                {
                    result.Add(new RollUpRule(id, name, from, kinds, levels));
                }
            }

            return result;
        }

        private ProgressLights Lights(YamlMappingNode root)
        {
            if (YamlInput.Child(root, "progress_lights") is not { } node || Map(node, "progress_lights") is not { } map)
            {
                return ProgressLights.Default;
            }

            yaml.RejectUnknownKeys(map, "progress_lights", "yellow_behind", "red_behind", "red_not_started_months");
            var yellow = Int(map, "yellow_behind", "progress_lights.yellow_behind", required: false, min: 1) ?? ProgressLights.Default.YellowBehind;
            var red = Int(map, "red_behind", "progress_lights.red_behind", required: false, min: 1) ?? ProgressLights.Default.RedBehind;
            var months = Int(map, "red_not_started_months", "progress_lights.red_not_started_months", required: false, min: 1) ?? ProgressLights.Default.RedNotStartedMonths;
            if (red <= yellow)
            {
                yaml.ErrorAt(map, "progress_lights.red_behind", $"must be more than yellow_behind ({yellow})");
            }

            return new ProgressLights(yellow, red, months);
        }

        /// <summary>The chaser ladder is the workflow's (docs/decisions/0600-chaser-ladder-lives-in-the-workflow.md): a
        /// rulebook that declares one would be declaring something nothing follows, so it is refused with the reason.</summary>
        private void RejectChasers(YamlMappingNode root)
        {
            if (YamlInput.Child(root, "chasers") is { } chasers)
            {
                yaml.ErrorAt(chasers, "chasers",
                    "a rulebook does not set the chaser ladder: the workflow definition does (chaser_colours and the chaser/escalation " +
                    "timers in workflows/definitions), and writes a chaser_ignored event when a chaser goes unanswered; score that " +
                    "event here (points or a threshold), see docs/decisions/0600-chaser-ladder-lives-in-the-workflow.md");
            }
        }

        private VetoRule? Veto(YamlMappingNode root)
        {
            if (YamlInput.Child(root, "veto") is not { } node || Map(node, "veto") is not { } map)
            {
                return null;
            }

            yaml.RejectUnknownKeys(map, "veto", "events", "grade", "apply");
            var kinds = EventKindList(map, "events", "veto.events");
            if (kinds.Count == 0)
            {
                yaml.ErrorAt(map, "veto.events", "is required: the event kinds that void the rating");
            }

            var grade = yaml.Scalar(map, "grade", "veto.grade") ?? "一票否决";
            var apply = Apply(map, "veto");
            _ruleIds.Add("veto");
            return new VetoRule(kinds, grade, apply);
        }

        private Dictionary<string, ConsequenceDefinition> ConsequenceDefinitions(YamlMappingNode root)
        {
            var result = new Dictionary<string, ConsequenceDefinition>(StringComparer.Ordinal);
            if (YamlInput.Child(root, "consequences") is not { } node)
            {
                return result;
            }

            if (node is not YamlMappingNode map)
            {
                yaml.ErrorAt(node, "consequences", "must map consequence kinds to their details");
                return result;
            }

            foreach (var (keyNode, valueNode) in map.Children)
            {
                var kind = ((YamlScalarNode)keyNode).Value ?? "";
                var path = $"consequences.{kind}";
                CheckConsequence(kind, keyNode, path);
                if (Map(valueNode, path) is not { } details)
                {
                    continue;
                }

                yaml.RejectUnknownKeys(details, path, "requirements", "place", "interviewers", "materials", "public", "within_working_days", "responses");
                var responses = new List<ResponseTimer>();
                var items = yaml.Sequence(details, "responses", $"{path}.responses");
                for (var i = 0; i < items.Count; i++)
                {
                    var itemPath = $"{path}.responses[{i}]";
                    if (Map(items[i], itemPath) is not { } response)
                    {
                        continue;
                    }

                    yaml.RejectUnknownKeys(response, itemPath, "kind", "name", "within_working_days", "within_days");
                    var responseKind = Identifier(response, "kind", itemPath);
                    var name = yaml.Required(response, "name", $"{itemPath}.name");
                    var workingDays = Int(response, "within_working_days", $"{itemPath}.within_working_days", required: false, min: 1);
                    var days = Int(response, "within_days", $"{itemPath}.within_days", required: false, min: 1);
                    if ((workingDays is null) == (days is null))
                    {
                        yaml.ErrorAt(response, $"{itemPath}.within_working_days", "give exactly one of within_working_days or within_days");
                    }

                    if (responseKind is not null && name is not null)
                    {
                        responses.Add(new ResponseTimer(responseKind, name, workingDays, days));
                    }
                }

                result[kind] = new ConsequenceDefinition(kind, responses,
                    yaml.Scalar(details, "requirements", $"{path}.requirements"),
                    yaml.Scalar(details, "place", $"{path}.place"),
                    yaml.Strings(details, "interviewers", $"{path}.interviewers"),
                    yaml.Strings(details, "materials", $"{path}.materials"),
                    Bool(details, "public", $"{path}.public"),
                    Int(details, "within_working_days", $"{path}.within_working_days", required: false, min: 1));
            }

            return result;
        }

        private List<Rung> Rungs(YamlMappingNode map, string key, string path)
        {
            var result = new List<Rung>();
            var items = yaml.Sequence(map, key, $"{path}.{key}");
            if (items.Count == 0)
            {
                yaml.ErrorAt(map, $"{path}.{key}", "is required: at least one entry with at and apply");
            }

            for (var i = 0; i < items.Count; i++)
            {
                var rungPath = $"{path}.{key}[{i}]";
                if (Map(items[i], rungPath) is not { } rung)
                {
                    continue;
                }

                yaml.RejectUnknownKeys(rung, rungPath, "at", "apply");
                var at = Int(rung, "at", $"{rungPath}.at", required: true, min: 1);
                if (at is not null && result.Count > 0 && at <= result[^1].At)
                {
                    yaml.ErrorAt(rung, $"{rungPath}.at", $"must be more than the entry before ({result[^1].At}): entries rise");
                }

                var apply = Apply(rung, rungPath);
                if (apply.Count == 0)
                {
                    yaml.ErrorAt(rung, $"{rungPath}.apply", "is required: at least one consequence");
                }

                if (at is not null)
                {
                    result.Add(new Rung(at.Value, apply));
                }
            }

            return result;
        }

        private List<ConsequenceRef> Apply(YamlMappingNode map, string path)
        {
            var result = new List<ConsequenceRef>();
            var items = yaml.Sequence(map, "apply", $"{path}.apply");
            for (var i = 0; i < items.Count; i++)
            {
                var itemPath = $"{path}.apply[{i}]";
                if (Map(items[i], itemPath) is not { } item)
                {
                    continue;
                }

                yaml.RejectUnknownKeys(item, itemPath, "consequence", "posts", "post");
                var kind = yaml.Required(item, "consequence", $"{itemPath}.consequence");
                CheckConsequence(kind, item, $"{itemPath}.consequence");
                var posts = yaml.Strings(item, "posts", $"{itemPath}.posts").Concat(yaml.Strings(item, "post", $"{itemPath}.post")).ToList();
                foreach (var post in posts.Where(p => !ScoringVocabulary.Posts.ContainsKey(p)))
                {
                    yaml.ErrorAt(item, $"{itemPath}.posts", $"unknown post '{post}'; expected one of: {string.Join(", ", ScoringVocabulary.Posts.Keys)} (leave out for the unit itself)");
                }

                if (kind is not null)
                {
                    result.Add(new ConsequenceRef(kind, posts.Distinct().ToList()));
                }
            }

            return result;
        }

        private List<string> EventKindList(YamlMappingNode map, string key, string path)
        {
            var kinds = yaml.Strings(map, key, path);
            foreach (var kind in kinds)
            {
                CheckKind(kind, map, path);
            }

            return kinds.Distinct().ToList();
        }

        private void CheckKind(string? kind, YamlNode at, string path)
        {
            if (kind is not null && !ScoringVocabulary.EventKinds.Contains(kind))
            {
                yaml.ErrorAt(at, path, $"unknown scoring event kind '{kind}'; expected one of: {string.Join(", ", ScoringVocabulary.EventKinds)} (docs/scoring-events.md)");
            }
        }

        private void CheckMeasure(string? measure, YamlNode at, string path)
        {
            if (measure is not null && !ScoringVocabulary.Measures.ContainsKey(measure))
            {
                yaml.ErrorAt(at, path, $"unknown measure '{measure}'; expected one of: {string.Join(", ", ScoringVocabulary.Measures.Keys)}");
            }
        }

        private void CheckConsequence(string? kind, YamlNode at, string path)
        {
            if (kind is not null && ScoringVocabulary.Consequences.All(c => c.Code != kind))
            {
                yaml.ErrorAt(at, path, $"unknown consequence '{kind}'; expected one of: {string.Join(", ", ScoringVocabulary.Consequences.Select(c => c.Code))}");
            }
        }

        private string? RuleId(YamlMappingNode map, string path)
        {
            var id = Identifier(map, "id", path);
            if (id is not null && !_ruleIds.Add(id))
            {
                yaml.ErrorAt(map, $"{path}.id", $"rule id '{id}' is used twice: every point rule, ladder, threshold and roll-up has its own id");
            }

            return id;
        }

        private string? Identifier(YamlMappingNode map, string key, string path)
        {
            var value = yaml.Required(map, key, $"{path}.{key}");
            if (value is not null && !IsIdentifier(value.Replace('_', '-')))
            {
                yaml.ErrorAt(map, $"{path}.{key}", $"'{value}' must be lower-case letters, digits, hyphens or underscores");
                return null;
            }

            return value;
        }

        private YamlMappingNode? Map(YamlNode node, string path)
        {
            if (node is YamlMappingNode map)
            {
                return map;
            }

            yaml.ErrorAt(node, path, "must be a mapping (key: value lines)");
            return null;
        }

        private int? Int(YamlMappingNode map, string key, string path, bool required, int min = int.MinValue)
        {
            var text = required ? yaml.Required(map, key, path) : yaml.Scalar(map, key, path);
            if (text is null)
            {
                return null;
            }

            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                yaml.ErrorAt(map, path, $"'{text}' is not a whole number");
                return null;
            }

            if (value < min)
            {
                yaml.ErrorAt(map, path, $"must be at least {min}");
                return null;
            }

            return value;
        }

        private decimal? Decimal(YamlMappingNode map, string key, string path, bool required, decimal? min = null)
        {
            var text = required ? yaml.Required(map, key, path) : yaml.Scalar(map, key, path);
            if (text is null)
            {
                return null;
            }

            if (!decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
            {
                yaml.ErrorAt(map, path, $"'{text}' is not a number");
                return null;
            }

            if (value < min)
            {
                yaml.ErrorAt(map, path, $"must be at least {min}");
                return null;
            }

            return value;
        }

        private bool? Bool(YamlMappingNode map, string key, string path)
        {
            var text = yaml.Scalar(map, key, path);
            switch (text)
            {
                case null:
                    return null;
                case "true" or "yes":
                    return true;
                case "false" or "no":
                    return false;
                default:
                    yaml.ErrorAt(map, path, $"'{text}' is not true or false");
                    return null;
            }
        }

        private DateOnly? Date(YamlMappingNode map, string key, string path, bool required)
        {
            var text = required ? yaml.Required(map, key, path) : yaml.Scalar(map, key, path);
            if (text is null)
            {
                return null;
            }

            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return date;
            }

            yaml.ErrorAt(map, path, $"'{text}' is not a date (yyyy-mm-dd)");
            return null;
        }

        private T Enum<T>(YamlMappingNode map, string key, string path, T fallback, params (string Name, T Value)[] values)
        {
            var text = yaml.Scalar(map, key, path);
            if (text is null)
            {
                return fallback;
            }

            foreach (var (name, value) in values)
            {
                if (name == text)
                {
                    return value;
                }
            }

            yaml.ErrorAt(map, path, $"'{text}' is not one of: {string.Join(", ", values.Select(v => v.Name))}");
            return fallback;
        }
    }

    private static bool IsIdentifier(string value) =>
        value.Length > 0 && value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && char.IsAsciiLetterLower(value[0]);
}
