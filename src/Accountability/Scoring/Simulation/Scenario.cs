using System.Globalization;
using Accountability.Imports;
using YamlDotNet.RepresentationModel;

namespace Accountability.Scoring.Simulation;

public sealed record ScenarioCampaign(string Code, string Name, DateOnly StartsOn, DateOnly EndsOn, string TimeZone, string? Headquarters,
    string? Rulebook, string? RulebookFile);

public sealed record ScenarioTask(string Number, string Title, decimal Weight, DateOnly? Due, IReadOnlyList<string> Units,
    IReadOnlyList<(DateOnly On, int Percent)> Milestones);

/// <summary>One step of the timeline: a scoring event, a progress report, a state change or a period close.</summary>
public sealed record ScenarioStep(int Line, DateTimeOffset At, string Kind, string? Unit, string? Task, string? Event, string? Level, int Count,
    int? Percent, string? State, string? Cycle, string? Period);

/// <summary>A scripted campaign for the simulator (docs/formats/scenario.md).</summary>
public sealed record Scenario(string Name, string OrganizationFile, ScenarioCampaign Campaign, IReadOnlyList<ScenarioTask> Tasks,
    IReadOnlyList<ScenarioStep> Timeline, string Directory);

/// <summary>Reads a scenario file, reporting every problem with its line and field.</summary>
public static class ScenarioReader
{
    private static readonly string[] StateNames =
        ["issued", "acknowledged", "in_progress", "overdue", "returned", "submitted", "under_verification", "public_notice", "reopened", "closed"];

    public static Scenario? Read(string path, List<InputProblem> problems)
    {
        var before = problems.Count(p => !p.IsWarning);
        var yaml = new YamlInput(Path.GetFileName(path), problems);
        var root = yaml.LoadRoot(File.ReadAllBytes(path));
        if (root is null)
        {
            return null;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        yaml.RejectUnknownKeys(root, "", "scenario", "organization", "campaign", "tasks", "timeline");
        var name = yaml.Required(root, "scenario", "scenario");
        var organization = yaml.Required(root, "organization", "organization");
        if (organization is not null && !File.Exists(Path.Combine(directory, organization)))
        {
            yaml.ErrorAt(root, "organization", $"no file '{organization}' next to the scenario");
        }

        ScenarioCampaign? campaign = null;
        if (YamlInput.Child(root, "campaign") is YamlMappingNode c)
        {
            yaml.RejectUnknownKeys(c, "campaign", "code", "name", "starts_on", "ends_on", "time_zone", "headquarters", "rulebook", "rulebook_file");
            var code = yaml.Required(c, "code", "campaign.code");
            var campaignName = yaml.Required(c, "name", "campaign.name");
            var starts = Date(yaml, c, "starts_on", "campaign.starts_on", true);
            var ends = Date(yaml, c, "ends_on", "campaign.ends_on", true);
            var rulebook = yaml.Scalar(c, "rulebook", "campaign.rulebook");
            var rulebookFile = yaml.Scalar(c, "rulebook_file", "campaign.rulebook_file");
            if ((rulebook is null) == (rulebookFile is null))
            {
                yaml.ErrorAt(c, "campaign.rulebook", "give rulebook (a code in workflows/rulebooks) or rulebook_file (a draft next to the scenario)");
            }

            if (rulebookFile is not null && !File.Exists(Path.Combine(directory, rulebookFile)))
            {
                yaml.ErrorAt(c, "campaign.rulebook_file", $"no file '{rulebookFile}' next to the scenario");
            }

            if (code is not null && campaignName is not null && starts is not null && ends is not null)
            {
                campaign = new ScenarioCampaign(code, campaignName, starts.Value, ends.Value, yaml.Scalar(c, "time_zone", "campaign.time_zone") ?? "Asia/Shanghai",
                    yaml.Scalar(c, "headquarters", "campaign.headquarters"), rulebook, rulebookFile is null ? null : Path.Combine(directory, rulebookFile));
            }
        }
        else
        {
            yaml.Error(YamlInput.Line(root), "campaign", "is required: code, name, starts_on, ends_on, rulebook");
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(campaign?.TimeZone ?? "Asia/Shanghai");
        var tasks = new List<ScenarioTask>();
        var taskItems = yaml.Sequence(root, "tasks", "tasks");
        for (var i = 0; i < taskItems.Count; i++)
        {
            var path0 = $"tasks[{i}]";
            if (taskItems[i] is not YamlMappingNode t)
            {
                yaml.ErrorAt(taskItems[i], path0, "must be a mapping");
                continue;
            }

            yaml.RejectUnknownKeys(t, path0, "number", "title", "weight", "due", "units", "milestones");
            var number = yaml.Required(t, "number", $"{path0}.number");
            var title = yaml.Required(t, "title", $"{path0}.title");
            var weightText = yaml.Scalar(t, "weight", $"{path0}.weight");
            var weight = 1m;
            if (weightText is not null && !decimal.TryParse(weightText, NumberStyles.Number, CultureInfo.InvariantCulture, out weight))
            {
                yaml.ErrorAt(t, $"{path0}.weight", $"'{weightText}' is not a number");
            }

            var units = yaml.Strings(t, "units", $"{path0}.units");
            if (units.Count == 0)
            {
                yaml.ErrorAt(t, $"{path0}.units", "is required: the codes of the units the task is assigned to");
            }

            var milestones = new List<(DateOnly, int)>();
            foreach (var m in yaml.Sequence(t, "milestones", $"{path0}.milestones").OfType<YamlMappingNode>())
            {
                if (Date(yaml, m, "on", $"{path0}.milestones.on", true) is { } on
                    && int.TryParse(yaml.Required(m, "percent", $"{path0}.milestones.percent"), CultureInfo.InvariantCulture, out var percent))
                {
                    milestones.Add((on, percent));
                }
            }

            if (number is not null && title is not null)
            {
                tasks.Add(new ScenarioTask(number, title, weight, Date(yaml, t, "due", $"{path0}.due", false), units, milestones));
            }
        }

        var steps = new List<ScenarioStep>();
        var timeline = yaml.Sequence(root, "timeline", "timeline");
        for (var i = 0; i < timeline.Count; i++)
        {
            var path0 = $"timeline[{i}]";
            if (timeline[i] is not YamlMappingNode s)
            {
                yaml.ErrorAt(timeline[i], path0, "must be a mapping");
                continue;
            }

            yaml.RejectUnknownKeys(s, path0, "at", "event", "unit", "task", "level", "count", "progress", "state", "close", "period");
            var atText = yaml.Required(s, "at", $"{path0}.at");
            DateTimeOffset? at = null;
            if (atText is not null)
            {
                if (DateTime.TryParseExact(atText, ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
                {
                    at = new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
                }
                else
                {
                    yaml.ErrorAt(s, $"{path0}.at", $"'{atText}' is not a local time (yyyy-mm-ddThh:mm, in the campaign's zone)");
                }
            }

            if (steps.Count > 0 && at is not null && at < steps[^1].At)
            {
                yaml.ErrorAt(s, $"{path0}.at", "the timeline runs forward: each step is at or after the one before");
            }

            var kinds = new[] { "event", "progress", "state", "close" }.Where(k => YamlInput.Child(s, k) is not null).ToList();
            if (kinds.Count != 1)
            {
                yaml.ErrorAt(s, path0, "each step is exactly one of: event, progress, state, close");
                continue;
            }

            var kind = kinds[0];
            var unit = yaml.Scalar(s, "unit", $"{path0}.unit");
            var task = yaml.Scalar(s, "task", $"{path0}.task");
            var value = yaml.Scalar(s, kind, $"{path0}.{kind}");
            var countText = yaml.Scalar(s, "count", $"{path0}.count");
            var count = 1;
            if (countText is not null && (!int.TryParse(countText, CultureInfo.InvariantCulture, out count) || count < 1))
            {
                yaml.ErrorAt(s, $"{path0}.count", "must be a whole number of at least 1");
            }

            if (kind is "event" or "progress" or "state" && unit is null)
            {
                yaml.ErrorAt(s, $"{path0}.unit", "is required for this step");
            }

            if (kind is "progress" or "state" && task is null)
            {
                yaml.ErrorAt(s, $"{path0}.task", "is required: the unit's assignment on this task");
            }

            if (task is not null && tasks.All(t => t.Number != task))
            {
                yaml.ErrorAt(s, $"{path0}.task", $"no task '{task}' under tasks");
            }

            if (kind == "event" && value is not null && !ScoringVocabulary.EventKinds.Contains(value))
            {
                yaml.ErrorAt(s, $"{path0}.event", $"unknown scoring event kind '{value}'; expected one of: {string.Join(", ", ScoringVocabulary.EventKinds)}");
            }

            int? percent = null;
            if (kind == "progress")
            {
                percent = int.TryParse(value, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 100 ? p : null;
                if (percent is null)
                {
                    yaml.ErrorAt(s, $"{path0}.progress", "must be a percentage 0–100");
                }
            }

            if (kind == "state" && !StateNames.Contains(value))
            {
                yaml.ErrorAt(s, $"{path0}.state", $"expected one of: {string.Join(", ", StateNames)}");
            }

            var period = yaml.Scalar(s, "period", $"{path0}.period");
            if (kind == "close" && period is null)
            {
                yaml.ErrorAt(s, $"{path0}.period", "is required: the period to close (2017-10)");
            }

            if (at is not null)
            {
                steps.Add(new ScenarioStep(YamlInput.Line(s), at.Value, kind, unit, task, kind == "event" ? value : null, yaml.Scalar(s, "level", $"{path0}.level"),
                    count, percent, kind == "state" ? value : null, kind == "close" ? value : null, period));
            }
        }

        if (problems.Count(p => !p.IsWarning) > before || name is null || organization is null || campaign is null)
        {
            return null;
        }

        return new Scenario(name, Path.Combine(directory, organization), campaign, tasks, steps, directory);
    }

    private static DateOnly? Date(YamlInput yaml, YamlMappingNode map, string key, string path, bool required)
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
}
