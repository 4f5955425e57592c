using System.Globalization;
using System.Text.RegularExpressions;
using Accountability.Assignments;
using Accountability.Imports;
using YamlDotNet.RepresentationModel;

namespace Accountability.Workflows;

/// <summary>
/// Reads one workflow definition file and checks it completely: every problem is reported with the file, line and
/// field (an unknown state, rule, anchor, input, scoring kind or placeholder; a timer nothing fires; two transitions
/// that could both apply), so a broken definition stops the server at start-up instead of misbehaving later.
/// </summary>
public static partial class WorkflowDefinitionReader
{
    /// <summary>Scoring kinds a workflow may write (docs/scoring-events.md).</summary>
    public static readonly IReadOnlySet<string> ScoringKinds = new HashSet<string>(StringComparer.Ordinal)
    {
        "acknowledged_late", "overdue", "extension_refused_after_due", "returned", "returned_as_false", "closed_on_time",
        "closed_late", "chaser_ignored", "problem_found", "not_rectified_in_time", "repeat_problem", "media_exposure",
        "complaint_substantiated", "relapse", "veto",
    };

    public static readonly IReadOnlySet<string> Placeholders = new HashSet<string>(StringComparer.Ordinal)
    {
        "number", "title", "unit", "due", "state", "count",
    };

    private static readonly Dictionary<string, WorkflowParty> Parties = new(StringComparer.Ordinal)
    {
        ["unit"] = WorkflowParty.Unit, ["verifier"] = WorkflowParty.Verifier, ["headquarters"] = WorkflowParty.Headquarters,
        ["inspector"] = WorkflowParty.Inspector, ["timer"] = WorkflowParty.Timer,
    };

    private static readonly Dictionary<string, TimerAnchor> Anchors = new(StringComparer.Ordinal)
    {
        ["issued"] = TimerAnchor.Issued, ["due"] = TimerAnchor.Due, ["chased"] = TimerAnchor.Chased,
        ["accepted"] = TimerAnchor.Accepted, ["closed"] = TimerAnchor.Closed, ["looked_back"] = TimerAnchor.LookedBack,
        ["sampled"] = TimerAnchor.Sampled,
    };

    private static readonly Dictionary<string, NotifyTarget> Targets = new(StringComparer.Ordinal)
    {
        ["unit"] = NotifyTarget.Unit, ["verifier"] = NotifyTarget.Verifier, ["headquarters"] = NotifyTarget.Headquarters,
    };

    private static readonly string[] Settings = ["public_notice_days"];

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex Placeholder();

    /// <summary>Reads <paramref name="bytes"/> (named <paramref name="file"/> in problems). Returns null when the file
    /// has errors; every error is in <paramref name="problems"/>.</summary>
    public static WorkflowDefinition? Read(string file, byte[] bytes, List<InputProblem> problems)
    {
        var before = problems.Count(p => !p.IsWarning);
        var yaml = new YamlInput(file, problems);
        var root = yaml.LoadRoot(bytes);
        if (root is null)
        {
            return null;
        }

        yaml.RejectUnknownKeys(root, "", "workflow", "version", "name", "initial", "chaser_colours", "states", "timers", "transitions");
        var code = yaml.Required(root, "workflow", "workflow");
        if (code is not null && !Identifier().IsMatch(code))
        {
            yaml.Error(YamlInput.Line(root), "workflow", $"'{code}' must be lower-case letters, digits and underscores");
        }

        var versionText = yaml.Required(root, "version", "version");
        var version = 0;
        if (versionText is not null && (!int.TryParse(versionText, CultureInfo.InvariantCulture, out version) || version < 1))
        {
            yaml.ErrorAt(YamlInput.Child(root, "version")!, "version", $"'{versionText}' is not a version number (1, 2, ...)");
        }

        var name = yaml.Scalar(root, "name", "name") ?? code ?? "";
        var initial = yaml.Required(root, "initial", "initial");
        var colours = yaml.Strings(root, "chaser_colours", "chaser_colours");

        var states = ReadStates(yaml, root);
        var stateNames = states.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        if (initial is not null && !stateNames.Contains(initial))
        {
            yaml.ErrorAt(YamlInput.Child(root, "initial")!, "initial", $"'{initial}' is not one of the states");
        }
        else if (initial is not null && !states.First(s => s.Name == initial).Open)
        {
            yaml.ErrorAt(YamlInput.Child(root, "initial")!, "initial", $"'{initial}' is a final state; an item must start open");
        }

        var timers = ReadTimers(yaml, root);
        var transitions = ReadTransitions(yaml, root, stateNames, timers, colours);
        CheckWhole(yaml, root, initial, states, timers, transitions);

        if (problems.Count(p => !p.IsWarning) > before || code is null || initial is null)
        {
            return null;
        }

        return new WorkflowDefinition(code, version, name, initial, states, timers, transitions, colours, file);
    }

    private static List<StateDefinition> ReadStates(YamlInput yaml, YamlMappingNode root)
    {
        var states = new List<StateDefinition>();
        switch (YamlInput.Child(root, "states"))
        {
            case null:
                yaml.Error(YamlInput.Line(root), "states", "is required");
                return states;
            case YamlMappingNode map:
                foreach (var (keyNode, value) in map.Children)
                {
                    var key = ((YamlScalarNode)keyNode).Value ?? "";
                    var path = $"states.{key}";
                    if (!Identifier().IsMatch(key))
                    {
                        yaml.ErrorAt(keyNode, path, "a state name must be lower-case letters, digits and underscores");
                    }

                    if (value is not YamlMappingNode state)
                    {
                        yaml.ErrorAt(value, path, "must be a mapping with label and open");
                        continue;
                    }

                    yaml.RejectUnknownKeys(state, path, "label", "open");
                    var label = yaml.Required(state, "label", $"{path}.label") ?? key;
                    var open = yaml.Required(state, "open", $"{path}.open");
                    if (open is not null and not ("true" or "false"))
                    {
                        yaml.ErrorAt(state, $"{path}.open", $"'{open}' must be true or false");
                    }

                    states.Add(new StateDefinition(key, label, open == "true"));
                }

                return states;
            case var other:
                yaml.ErrorAt(other, "states", "must be a mapping of state names");
                return states;
        }
    }

    private static List<TimerDefinition> ReadTimers(YamlInput yaml, YamlMappingNode root)
    {
        var timers = new List<TimerDefinition>();
        if (YamlInput.Child(root, "timers") is not { } node)
        {
            return timers;
        }

        if (node is not YamlMappingNode map)
        {
            yaml.ErrorAt(node, "timers", "must be a mapping of timer names");
            return timers;
        }

        foreach (var (keyNode, value) in map.Children)
        {
            var kind = ((YamlScalarNode)keyNode).Value ?? "";
            var path = $"timers.{kind}";
            if (!Identifier().IsMatch(kind))
            {
                yaml.ErrorAt(keyNode, path, "a timer name must be lower-case letters, digits and underscores");
            }

            if (value is not YamlMappingNode timer)
            {
                yaml.ErrorAt(value, path, "must be a mapping with from and an optional offset");
                continue;
            }

            yaml.RejectUnknownKeys(timer, path, "from", "working_days", "calendar_days", "at", "until");
            var from = Anchor(yaml, timer, "from", path, required: true);
            var until = Anchor(yaml, timer, "until", path, required: false);
            var working = yaml.Scalar(timer, "working_days", $"{path}.working_days");
            var calendar = yaml.Scalar(timer, "calendar_days", $"{path}.calendar_days");
            if (working is not null && calendar is not null)
            {
                yaml.ErrorAt(timer, path, "give working_days or calendar_days, not both");
            }

            var daysText = working ?? calendar;
            var daysField = working is not null ? "working_days" : "calendar_days";
            int? days = null;
            string? setting = null;
            if (daysText is not null)
            {
                if (int.TryParse(daysText, CultureInfo.InvariantCulture, out var d))
                {
                    days = d;
                }
                else if (Settings.Contains(daysText))
                {
                    setting = daysText;
                }
                else
                {
                    yaml.ErrorAt(timer, $"{path}.{daysField}",
                        $"'{daysText}' is neither a whole number of days nor a campaign setting ({string.Join(", ", Settings)})");
                }
            }

            var atText = yaml.Scalar(timer, "at", $"{path}.at");
            var at = TimeOfDayRule.AnchorTime;
            var fixedTime = TimeOnly.MinValue;
            if (atText == "end_of_day")
            {
                at = TimeOfDayRule.EndOfDay;
            }
            else if (atText is not null)
            {
                if (TimeOnly.TryParseExact(atText, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out fixedTime))
                {
                    at = TimeOfDayRule.Fixed;
                }
                else
                {
                    yaml.ErrorAt(timer, $"{path}.at", $"'{atText}' must be end_of_day or a time like \"09:00\"");
                }
            }

            timers.Add(new TimerDefinition(kind, from ?? TimerAnchor.Issued, days, setting, calendar is null, at, fixedTime, until, timers.Count));
        }

        return timers;
    }

    private static TimerAnchor? Anchor(YamlInput yaml, YamlMappingNode map, string key, string path, bool required)
    {
        var text = required ? yaml.Required(map, key, $"{path}.{key}") : yaml.Scalar(map, key, $"{path}.{key}");
        if (text is null)
        {
            return null;
        }

        if (Anchors.TryGetValue(text, out var anchor))
        {
            return anchor;
        }

        yaml.ErrorAt(map, $"{path}.{key}", $"'{text}' is not an anchor; expected one of: {string.Join(", ", Anchors.Keys)}");
        return null;
    }

    private static List<TransitionDefinition> ReadTransitions(YamlInput yaml, YamlMappingNode root, HashSet<string> states,
        List<TimerDefinition> timers, IReadOnlyList<string> colours)
    {
        var transitions = new List<TransitionDefinition>();
        var items = yaml.Sequence(root, "transitions", "transitions");
        if (items.Count == 0)
        {
            yaml.Error(YamlInput.Line(root), "transitions", "is required: a workflow needs at least one transition");
        }

        var timerNames = timers.Select(t => t.Kind).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"transitions[{i}]";
            if (items[i] is not YamlMappingNode map)
            {
                yaml.ErrorAt(items[i], path, "must be a mapping with trigger, by, from and optional to, inputs, guards, effects");
                continue;
            }

            yaml.RejectUnknownKeys(map, path, "trigger", "by", "from", "to", "inputs", "guards", "effects", "when_refused");
            var trigger = yaml.Required(map, "trigger", $"{path}.trigger") ?? "";
            if (trigger.Length > 0 && !Identifier().IsMatch(trigger))
            {
                yaml.ErrorAt(map, $"{path}.trigger", "a trigger must be lower-case letters, digits and underscores");
            }

            var by = new List<WorkflowParty>();
            foreach (var party in yaml.Strings(map, "by", $"{path}.by"))
            {
                if (Parties.TryGetValue(party, out var p))
                {
                    by.Add(p);
                }
                else
                {
                    yaml.ErrorAt(map, $"{path}.by", $"'{party}' is not a party; expected one of: {string.Join(", ", Parties.Keys)}");
                }
            }

            if (by.Count == 0)
            {
                yaml.ErrorAt(map, $"{path}.by", "is required: who fires this transition");
            }

            var from = yaml.Strings(map, "from", $"{path}.from");
            if (from.Count == 0)
            {
                yaml.ErrorAt(map, $"{path}.from", "is required: the states this transition leaves (or \"*\" for every state)");
            }

            foreach (var state in from.Where(s => s != "*" && !states.Contains(s)))
            {
                yaml.ErrorAt(YamlInput.Child(map, "from") ?? map, $"{path}.from", $"'{state}' is not one of the states");
            }

            var to = yaml.Scalar(map, "to", $"{path}.to");
            if (to is not null && !states.Contains(to))
            {
                yaml.ErrorAt(YamlInput.Child(map, "to")!, $"{path}.to", $"'{to}' is not one of the states");
            }

            if (by.Contains(WorkflowParty.Timer) && !timerNames.Contains(trigger))
            {
                yaml.ErrorAt(map, $"{path}.trigger", $"'{trigger}' is fired by the timer but no timer of that name is defined");
            }
            else if (!by.Contains(WorkflowParty.Timer) && timerNames.Contains(trigger))
            {
                yaml.ErrorAt(map, $"{path}.by", $"'{trigger}' is a timer: its transitions are fired by: timer");
            }

            var inputs = ReadInputs(yaml, map, path);
            if (by.Contains(WorkflowParty.Timer) && inputs.Any(input => input.Required))
            {
                yaml.ErrorAt(map, $"{path}.inputs", "a timer gives no inputs; none can be required");
            }

            var guards = yaml.Strings(map, "guards", $"{path}.guards");
            foreach (var guard in guards.Where(g => !WorkflowRules.Exists(g)))
            {
                yaml.ErrorAt(YamlInput.Child(map, "guards")!, $"{path}.guards",
                    $"'{guard}' is not a known rule; known: {string.Join(", ", WorkflowRules.Names.Order(StringComparer.Ordinal))}");
            }

            var effects = ReadEffects(yaml, map, "effects", $"{path}.effects", colours);
            var refusals = new List<RefusalRecord>();
            var refusalItems = yaml.Sequence(map, "when_refused", $"{path}.when_refused");
            for (var r = 0; r < refusalItems.Count; r++)
            {
                var refusalPath = $"{path}.when_refused[{r}]";
                if (refusalItems[r] is not YamlMappingNode refusal)
                {
                    yaml.ErrorAt(refusalItems[r], refusalPath, "must be a mapping with guard and effects");
                    continue;
                }

                yaml.RejectUnknownKeys(refusal, refusalPath, "guard", "effects");
                var guard = yaml.Required(refusal, "guard", $"{refusalPath}.guard");
                if (guard is not null && !guards.Contains(guard))
                {
                    yaml.ErrorAt(refusal, $"{refusalPath}.guard", $"'{guard}' is not one of this transition's guards");
                }

                var refusalEffects = ReadEffects(yaml, refusal, "effects", $"{refusalPath}.effects", colours);
                if (refusalEffects.OfType<ChaserEffect>().Any())
                {
                    yaml.ErrorAt(refusal, $"{refusalPath}.effects", "a refusal records scores and notices, not chasers");
                }

                refusals.Add(new RefusalRecord(guard ?? "", refusalEffects));
            }

            transitions.Add(new TransitionDefinition(trigger, by, from, to, inputs, guards, effects, refusals, YamlInput.Line(map)));
        }

        return transitions;
    }

    private static List<InputSpec> ReadInputs(YamlInput yaml, YamlMappingNode map, string path)
    {
        var inputs = new List<InputSpec>();
        switch (YamlInput.Child(map, "inputs"))
        {
            case null:
                break;
            case YamlMappingNode inputMap:
                foreach (var (keyNode, value) in inputMap.Children)
                {
                    var key = ((YamlScalarNode)keyNode).Value ?? "";
                    var requirement = (value as YamlScalarNode)?.Value;
                    if (!ActionInputs.Names.Contains(key))
                    {
                        yaml.ErrorAt(keyNode, $"{path}.inputs.{key}", $"unknown input; expected one of: {string.Join(", ", ActionInputs.Names)}");
                    }

                    if (requirement is not ("required" or "optional"))
                    {
                        yaml.ErrorAt(value, $"{path}.inputs.{key}", "must be required or optional");
                    }

                    inputs.Add(new InputSpec(key, requirement == "required"));
                }

                break;
            case var other:
                yaml.ErrorAt(other, $"{path}.inputs", "must be a mapping of input names to required/optional");
                break;
        }

        return inputs;
    }

    private static List<WorkflowEffect> ReadEffects(YamlInput yaml, YamlMappingNode map, string key, string path,
        IReadOnlyList<string> colours)
    {
        var effects = new List<WorkflowEffect>();
        var items = yaml.Sequence(map, key, path);
        for (var i = 0; i < items.Count; i++)
        {
            var effectPath = $"{path}[{i}]";
            if (items[i] is not YamlMappingNode effect)
            {
                yaml.ErrorAt(items[i], effectPath, "must be a mapping: score, notify or chaser");
                continue;
            }

            yaml.RejectUnknownKeys(effect, effectPath, "score", "notify", "chaser", "title", "digest", "when");
            var when = Condition(yaml, effect, effectPath);
            var score = yaml.Scalar(effect, "score", $"{effectPath}.score");
            var notify = yaml.Scalar(effect, "notify", $"{effectPath}.notify");
            var chaser = yaml.Scalar(effect, "chaser", $"{effectPath}.chaser");
            if ((score is null ? 0 : 1) + (notify is null ? 0 : 1) + (chaser is null ? 0 : 1) != 1)
            {
                yaml.ErrorAt(effect, effectPath, "an effect is exactly one of: score, notify, chaser");
                continue;
            }

            if (score is not null)
            {
                if (!ScoringKinds.Contains(score))
                {
                    yaml.ErrorAt(effect, $"{effectPath}.score", $"'{score}' is not a scoring event kind (docs/scoring-events.md)");
                }

                effects.Add(new ScoreEffect(score, when));
            }
            else if (notify is not null)
            {
                if (!Targets.TryGetValue(notify, out var target))
                {
                    yaml.ErrorAt(effect, $"{effectPath}.notify", $"'{notify}' is not a recipient; expected one of: {string.Join(", ", Targets.Keys)}");
                }

                var title = yaml.Required(effect, "title", $"{effectPath}.title") ?? "";
                var digest = yaml.Scalar(effect, "digest", $"{effectPath}.digest");
                foreach (var (text, field) in new[] { (title, "title"), (digest, "digest") })
                {
                    foreach (Match match in Placeholder().Matches(text ?? ""))
                    {
                        if (!Placeholders.Contains(match.Groups[1].Value))
                        {
                            yaml.ErrorAt(effect, $"{effectPath}.{field}",
                                $"unknown placeholder {match.Value}; known: {string.Join(", ", Placeholders.Select(p => "{" + p + "}"))}");
                        }
                    }
                }

                effects.Add(new NotifyEffect(target, title, digest, when));
            }
            else
            {
                if (chaser != "issue")
                {
                    yaml.ErrorAt(effect, $"{effectPath}.chaser", "the only chaser effect is: issue");
                }

                if (colours.Count == 0)
                {
                    yaml.ErrorAt(effect, $"{effectPath}.chaser", "chaser effects need chaser_colours at the top of the file");
                }

                effects.Add(new ChaserEffect(when));
            }
        }

        return effects;
    }

    private static ConditionRef? Condition(YamlInput yaml, YamlMappingNode effect, string path)
    {
        var text = yaml.Scalar(effect, "when", $"{path}.when");
        if (text is null)
        {
            return null;
        }

        var negated = text.StartsWith("not ", StringComparison.Ordinal);
        var name = negated ? text[4..].Trim() : text;
        if (!WorkflowRules.Exists(name))
        {
            yaml.ErrorAt(effect, $"{path}.when", $"'{name}' is not a known condition");
        }

        return new ConditionRef(name, negated);
    }

    private static void CheckWhole(YamlInput yaml, YamlMappingNode root, string? initial, List<StateDefinition> states,
        List<TimerDefinition> timers, List<TransitionDefinition> transitions)
    {
        foreach (var timer in timers.Where(t => !transitions.Any(tr => tr.Trigger == t.Kind)))
        {
            yaml.ErrorAt(YamlInput.Child(root, "timers")!, $"timers.{timer.Kind}", "no transition fires on this timer (add one with by: timer)");
        }

        // Two transitions on the same trigger from the same state must lead to different states: the executor tells
        // them apart by their destination, and their guards must make at most one apply.
        foreach (var state in states)
        {
            foreach (var group in transitions.Where(t => WorkflowDefinition.AppliesTo(t, state.Name)).GroupBy(t => t.Trigger))
            {
                var duplicate = group.GroupBy(t => t.Target(state.Name)).FirstOrDefault(g => g.Count() > 1);
                if (duplicate is not null)
                {
                    var second = duplicate.Skip(1).First();
                    yaml.Error(second.Line, $"transitions (trigger: {group.Key})",
                        $"from state {state.Name} two transitions on '{group.Key}' lead to {duplicate.Key} (also at line {duplicate.First().Line})");
                }
            }
        }

        // Plan import schedules only the first timer, computed from the issue time; later ones are computed when it
        // fires. Without one, an item's due-date timers would never start.
        if (initial is not null && states.Any(s => s.Name == initial))
        {
            var initialTimers = timers.Where(t => t.From == TimerAnchor.Issued
                && transitions.Any(tr => tr.Trigger == t.Kind && WorkflowDefinition.AppliesTo(tr, initial)));
            if (!initialTimers.Any())
            {
                yaml.ErrorAt(YamlInput.Child(root, "initial")!, "initial",
                    $"the initial state {initial} needs a timer counted from: issued (e.g. acknowledgement_due)");
            }
        }
    }
}
