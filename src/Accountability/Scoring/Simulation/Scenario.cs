using System.Globalization;
using Accountability.Assignments;
using Accountability.Imports;
using YamlDotNet.RepresentationModel;

namespace Accountability.Scoring.Simulation;

/// <summary>The plan a scenario imports: a plan file next to it, or the plan written inside the scenario (then
/// <see cref="FileName"/> is the scenario's own, and problems name its lines).</summary>
public sealed record ScenarioPlan(string FileName, byte[] Bytes);

/// <summary>
/// One step of the timeline: at a local time, a named person (<see cref="As"/>) does <see cref="Do"/> to an item —
/// addressed by <see cref="Task"/> (with the unit, role and obligation when needed) or by <see cref="Item"/> (a ledger
/// number, or the label a recorded problem was given) — or records a problem, a look-back, or closes a period.
/// <see cref="Note"/> is the text the person writes: a progress note, an extension's reason, a return's requirements, a
/// chaser's message, an objection, an investigation record, a problem's requirements.
/// </summary>
public sealed record ScenarioStep(
    int Line,
    string Field,
    DateTimeOffset At,
    string Do,
    string? As,
    string? Task = null,
    string? Unit = null,
    string? Role = null,
    int? Obligation = null,
    string? Item = null,
    int? Percent = null,
    string? Note = null,
    DateOnly? Date = null,
    string? Leader = null,
    bool FalseReply = false,
    string? Colour = null,
    ProblemSource? Source = null,
    string? Level = null,
    string? Verifier = null,
    string? Name = null,
    string? ProblemType = null,
    string? Label = null,
    string? RepeatOf = null,
    bool Evidence = false,
    LookBackResult? Result = null,
    string? Period = null,
    string? Cycle = null);

/// <summary>A scripted campaign for the simulator (docs/formats/scenario.md).</summary>
public sealed record Scenario(
    string Name,
    string File,
    string OrganizationFile,
    ScenarioPlan Plan,
    string? Rulebook,
    string? RulebookFile,
    string TimeZone,
    DateTimeOffset? Start,
    DateTimeOffset? Until,
    IReadOnlyList<ScenarioStep> Timeline);

/// <summary>Reads a scenario file, reporting every problem with its line and field; nothing is run when there is one.</summary>
public static class ScenarioReader
{
    /// <summary>What each action needs besides <c>at</c> (and <c>as</c>, which every action but close_period needs).</summary>
    private static readonly Dictionary<string, string[]> Actions = new(StringComparer.Ordinal)
    {
        ["acknowledge"] = ["item"],
        ["report"] = ["item", "percent"],
        ["request_extension"] = ["item", "date", "note"],
        ["approve_extension"] = ["item", "date", "leader"],
        ["refuse_extension"] = ["item"],
        ["submit"] = ["item"],
        ["start_verification"] = ["item"],
        ["accept"] = ["item"],
        ["return"] = ["item", "note"],
        ["close"] = ["item"],
        ["chase"] = ["item", "note"],
        ["acknowledge_chaser"] = ["item"],
        ["object"] = ["item", "note"],
        ["close_unfounded"] = ["item", "note"],
        ["record_problem"] = ["source", "unit", "verifier", "name", "date"],
        ["look_back"] = ["item", "result"],
        ["close_period"] = ["period"],
    };

    private static readonly string[] StepKeys =
    [
        "at", "as", "do", "task", "unit", "role", "obligation", "item", "percent", "note", "date", "leader", "false_reply", "colour",
        "source", "level", "verifier", "name", "problem_type", "label", "repeat_of", "evidence", "result", "period", "cycle",
    ];

    private static readonly Dictionary<string, ProblemSource> Sources = new(StringComparer.Ordinal)
    {
        ["inspection"] = ProblemSource.Inspection, ["grid_patrol"] = ProblemSource.GridPatrol, ["upper_level"] = ProblemSource.UpperLevel,
        ["complaint"] = ProblemSource.Complaint, ["media"] = ProblemSource.Media,
    };

    public static Scenario? Read(string path, List<InputProblem> problems)
    {
        var before = problems.Count(p => !p.IsWarning);
        var fileName = Path.GetFileName(path);
        var bytes = System.IO.File.ReadAllBytes(path);
        var yaml = new YamlInput(fileName, problems);
        var root = yaml.LoadRoot(bytes);
        if (root is null)
        {
            return null;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        yaml.RejectUnknownKeys(root, "", "scenario", "organization", "plan", "rulebook", "rulebook_file", "time_zone", "start", "until", "timeline");
        var name = yaml.Required(root, "scenario", "scenario");
        var organization = yaml.Required(root, "organization", "organization");
        if (organization is not null && !System.IO.File.Exists(Path.Combine(directory, organization)))
        {
            yaml.ErrorAt(root, "organization", $"no file '{organization}' next to the scenario");
        }

        var plan = Plan(yaml, root, directory, fileName, TextDecoding.TryUtf8(bytes) ?? "");
        var rulebook = yaml.Scalar(root, "rulebook", "rulebook");
        var rulebookFile = yaml.Scalar(root, "rulebook_file", "rulebook_file");
        if (rulebook is not null && rulebookFile is not null)
        {
            yaml.ErrorAt(root, "rulebook", "give rulebook (a code in workflows/rulebooks) or rulebook_file (a draft next to the scenario), not both");
        }

        if (rulebookFile is not null && !System.IO.File.Exists(Path.Combine(directory, rulebookFile)))
        {
            yaml.ErrorAt(root, "rulebook_file", $"no file '{rulebookFile}' next to the scenario");
        }

        var timeZone = yaml.Scalar(root, "time_zone", "time_zone") ?? "Asia/Shanghai";
        TimeZoneInfo? zone = null;
        try
        {
            // Only IANA ids: the database reckons the campaign's months in its zone (migration 0651) and knows no others.
            zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone) is { HasIanaId: true } found ? found : null;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            zone = null;
        }

        if (zone is null)
        {
            yaml.ErrorAt(root, "time_zone", $"'{timeZone}' is not a time zone (an IANA id such as Asia/Shanghai)");
        }

        zone ??= TimeZoneInfo.Utc;
        var start = Instant(yaml, root, "start", "start", zone);
        var until = Instant(yaml, root, "until", "until", zone);

        var steps = new List<ScenarioStep>();
        var labels = new HashSet<string>(StringComparer.Ordinal);
        DateTimeOffset? lastAt = null;
        var timeline = yaml.Sequence(root, "timeline", "timeline");
        for (var i = 0; i < timeline.Count; i++)
        {
            var field = $"timeline[{i}]";
            if (timeline[i] is not YamlMappingNode s)
            {
                yaml.ErrorAt(timeline[i], field, "must be a mapping");
                continue;
            }

            var at = Instant(yaml, s, "at", $"{field}.at", zone, required: true);
            if (at is not null && lastAt is not null && at < lastAt)
            {
                yaml.ErrorAt(s, $"{field}.at", "the timeline runs forward: each step is at or after the one before");
            }

            if (at is not null && start is not null && at < start)
            {
                yaml.ErrorAt(s, $"{field}.at", "is before the scenario's start");
            }

            lastAt = at ?? lastAt;
            if (Step(yaml, s, field, at, labels) is { } step)
            {
                steps.Add(step);
            }
        }

        if (until is not null && lastAt is not null && until < lastAt)
        {
            yaml.ErrorAt(root, "until", "is before the last step of the timeline");
        }

        if (problems.Count(p => !p.IsWarning) > before || name is null || organization is null || plan is null)
        {
            return null;
        }

        return new Scenario(name, fileName, Path.Combine(directory, organization), plan, rulebook,
            rulebookFile is null ? null : Path.Combine(directory, rulebookFile), timeZone, start, until, steps);
    }

    /// <summary>A plan file named by path, or a plan written inline: its text is cut out of the scenario with blank
    /// lines and indentation kept in front, so that the plan reader's problems point at the scenario's own lines.</summary>
    private static ScenarioPlan? Plan(YamlInput yaml, YamlMappingNode root, string directory, string fileName, string text)
    {
        switch (YamlInput.Child(root, "plan"))
        {
            case null:
                yaml.Error(YamlInput.Line(root), "plan", "is required: a plan file next to the scenario (docs/formats/plan.md), or the plan itself");
                return null;
            case YamlScalarNode { Value: { } relative }:
                var path = Path.Combine(directory, relative);
                if (!System.IO.File.Exists(path))
                {
                    yaml.ErrorAt(root, "plan", $"no file '{relative}' next to the scenario");
                    return null;
                }

                return new ScenarioPlan(Path.GetFileName(path), System.IO.File.ReadAllBytes(path));
            case YamlMappingNode inline:
                // A block mapping's own end mark is its start; the plan's text runs to the next key of the scenario.
                var keys = root.Children.Keys.ToList();
                var next = keys.FindIndex(k => k is YamlScalarNode { Value: "plan" }) + 1;
                var (startIndex, endIndex) = ((int)inline.Start.Index, next < keys.Count ? (int)keys[next].Start.Index : text.Length);
                var padding = new string('\n', (int)inline.Start.Line - 1) + new string(' ', (int)inline.Start.Column - 1);
                return new ScenarioPlan(fileName, System.Text.Encoding.UTF8.GetBytes(padding + text[startIndex..endIndex]));
            case var other:
                yaml.ErrorAt(other, "plan", "must be a file name or the plan (campaign, tasks, ledger)");
                return null;
        }
    }

    private static ScenarioStep? Step(YamlInput yaml, YamlMappingNode s, string field, DateTimeOffset? at, HashSet<string> labels)
    {
        yaml.RejectUnknownKeys(s, field, StepKeys);
        var action = yaml.Required(s, "do", $"{field}.do");
        if (action is not null && !Actions.ContainsKey(action))
        {
            yaml.ErrorAt(s, $"{field}.do", $"'{action}' is not an action; expected one of: {string.Join(", ", Actions.Keys)}");
            action = null;
        }

        string? Text(string key) => yaml.Scalar(s, key, $"{field}.{key}");
        var actor = Text("as");
        var task = Text("task");
        var item = Text("item");
        if (action is not null)
        {
            if (action != "close_period" && actor is null)
            {
                yaml.Error(YamlInput.Line(s), $"{field}.as", "is required: the login of the person acting (from the organisation file)");
            }

            foreach (var key in Actions[action])
            {
                var present = key == "item" ? task is not null || item is not null : YamlInput.Child(s, key) is not null;
                if (!present)
                {
                    yaml.Error(YamlInput.Line(s), $"{field}.{(key == "item" ? "task" : key)}",
                        key == "item" ? $"is required to {action}: the task (with unit) or the item (a ledger number or a label)" : $"is required to {action}");
                }
            }

            if (task is not null && item is not null)
            {
                yaml.ErrorAt(s, $"{field}.item", "give task or item, not both");
            }
        }

        int? Number(string key, int min, int max)
        {
            var value = Text(key);
            if (value is null)
            {
                return null;
            }

            if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
            {
                return n;
            }

            yaml.ErrorAt(s, $"{field}.{key}", $"must be a whole number from {min} to {max}");
            return null;
        }

        bool Flag(string key)
        {
            var value = Text(key);
            if (value is null or "false" or "no")
            {
                return false;
            }

            if (value is "true" or "yes")
            {
                return true;
            }

            yaml.ErrorAt(s, $"{field}.{key}", "must be true or false");
            return false;
        }

        DateOnly? date = null;
        if (Text("date") is { } dateText)
        {
            if (DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            {
                date = d;
            }
            else
            {
                yaml.ErrorAt(s, $"{field}.date", $"'{dateText}' is not a date (yyyy-mm-dd)");
            }
        }

        ProblemSource? source = null;
        if (Text("source") is { } sourceText)
        {
            if (Sources.TryGetValue(sourceText, out var parsed))
            {
                source = parsed;
            }
            else
            {
                yaml.ErrorAt(s, $"{field}.source", $"expected one of: {string.Join(", ", Sources.Keys)}");
            }
        }

        var level = Text("level");
        if (level is not null && !RecordProblem.Levels.Contains(level))
        {
            yaml.ErrorAt(s, $"{field}.level", $"expected one of: {string.Join(", ", RecordProblem.Levels)}");
        }

        LookBackResult? result = Text("result") switch
        {
            null => null,
            "pass" => LookBackResult.Pass,
            "relapse" => LookBackResult.Relapse,
            var other => Invalid(other),
        };

        LookBackResult? Invalid(string value)
        {
            yaml.ErrorAt(s, $"{field}.result", $"'{value}' is not a look-back result; expected pass or relapse");
            return null;
        }

        if (result == LookBackResult.Relapse && date is null)
        {
            yaml.Error(YamlInput.Line(s), $"{field}.date", "is required for a relapse: the new due date");
        }

        var role = Text("role");
        if (role is not null && role is not ("lead" or "responsible" or "cooperating"))
        {
            yaml.ErrorAt(s, $"{field}.role", "expected lead, responsible or cooperating");
        }

        var label = Text("label");
        if (label is not null && !labels.Add(label))
        {
            yaml.ErrorAt(s, $"{field}.label", $"'{label}' labels an earlier problem already");
        }

        if (at is null || action is null)
        {
            return null;
        }

        return new ScenarioStep(YamlInput.Line(s), field, at.Value, action, actor, task, Text("unit"), role, Number("obligation", 0, 100_000), item,
            Number("percent", 0, 100), Text("note"), date, Text("leader"), Flag("false_reply"), Text("colour"), source, level, Text("verifier"),
            Text("name"), Text("problem_type"), label, Text("repeat_of"), Flag("evidence"), result, Text("period"), Text("cycle"));
    }

    private static DateTimeOffset? Instant(YamlInput yaml, YamlMappingNode map, string key, string field, TimeZoneInfo zone, bool required = false)
    {
        var text = required ? yaml.Required(map, key, field) : yaml.Scalar(map, key, field);
        if (text is null)
        {
            return null;
        }

        if (DateTime.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            // A moment within a day of the calendar's ends has no instant in every zone.
            if (local < DateTime.MinValue.AddDays(1) || local > DateTime.MaxValue.AddDays(-1))
            {
                yaml.ErrorAt(map, field, $"'{text}' is out of range");
                return null;
            }

            return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
        }

        yaml.ErrorAt(map, field, $"'{text}' is not a local time (yyyy-mm-ddThh:mm, in the scenario's time zone)");
        return null;
    }
}
