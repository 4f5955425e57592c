using System.Globalization;
using System.Text.RegularExpressions;
using Accountability.Imports;
using YamlDotNet.RepresentationModel;

namespace Accountability.Plans;

/// <summary>
/// Reads a plan file: the canonical YAML (docs/formats/plan.md, schema workflows/schemas/plan.schema.json), a workbook
/// with the sheets planners already keep (行动方案, 调度周期, 重点任务分工表, 企业台账), or a CSV holding one of the two
/// tables in UTF-8 or GBK. Shape problems are collected with their file, sheet, row or line and field, never thrown;
/// whatever the bytes, this returns (a corrupt workbook is a problem like any other).
/// </summary>
public static partial class PlanFileReader
{
    public static readonly string[] TopKeys = ["campaign", "tasks", "ledger"];

    public static readonly string[] CampaignKeys =
    [
        "code", "name", "document_number", "headquarters", "starts_on", "ends_on", "time_zone", "calendar", "workflow",
        "rulebook", "public_notice_days", "cadence",
    ];

    public static readonly string[] TaskKeys =
    [
        "number", "clause", "title", "measures", "category", "target", "lead", "responsible", "cooperating", "deadline",
        "milestones", "evidence", "verifier", "weight",
    ];

    public static readonly string[] LedgerKeys =
    [
        "number", "kind", "name", "town", "problem_type", "disposal", "measures", "responsible_person", "deadline", "source",
        "found_level", "verifier",
    ];

    public static PlanFile? Read(string fileName, byte[] bytes, List<InputProblem> problems)
    {
        fileName = Path.GetFileName(fileName);
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        try
        {
            return extension switch
            {
                ".yaml" or ".yml" => ReadYaml(fileName, bytes, problems),
                ".xlsx" or ".csv" => PlanWorkbookReader.Read(fileName, bytes, problems),
                _ => Refuse(),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Parsers of third-party formats throw what they like on corrupt input; the user gets a problem, not a crash.
            problems.Add(InputProblem.Of(fileName, null, null, null, Reasons.FileUnreadable(e.Message)));
            return null;
        }

        PlanFile? Refuse()
        {
            problems.Add(InputProblem.Of(fileName, null, null, null, Reasons.UnsupportedFileType(extension)));
            return null;
        }
    }

    private static PlanFile? ReadYaml(string fileName, byte[] bytes, List<InputProblem> problems)
    {
        var yaml = new YamlInput(fileName, problems);
        var root = yaml.LoadRoot(bytes);
        if (root is null)
        {
            return null;
        }

        yaml.RejectUnknownKeys(root, "", TopKeys);
        CampaignSection? campaign = null;
        switch (YamlInput.Child(root, "campaign"))
        {
            case YamlMappingNode map:
                campaign = ReadCampaign(yaml, map);
                break;
            case null:
                break;
            case var other:
                yaml.ErrorAt(other, "campaign", Reasons.NotAMapping("must be a mapping (code, name, starts_on, ...)", "code, name, starts_on, ..."));
                break;
        }

        List<TaskDefinition>? tasks = null;
        if (YamlInput.Child(root, "tasks") is not null)
        {
            tasks = [];
            var nodes = yaml.Sequence(root, "tasks", "tasks");
            for (var i = 0; i < nodes.Count; i++)
            {
                if (nodes[i] is YamlMappingNode map)
                {
                    if (ReadTask(yaml, map, $"tasks[{i}]") is { } task)
                    {
                        tasks.Add(task);
                    }
                }
                else
                {
                    yaml.ErrorAt(nodes[i], $"tasks[{i}]", Reasons.NotAMapping("each task must be a mapping with number, title, units and deadline", "number, title, lead, responsible, deadline"));
                }
            }
        }

        List<LedgerItemDefinition>? ledger = null;
        if (YamlInput.Child(root, "ledger") is not null)
        {
            ledger = [];
            var nodes = yaml.Sequence(root, "ledger", "ledger");
            for (var i = 0; i < nodes.Count; i++)
            {
                if (nodes[i] is YamlMappingNode map)
                {
                    if (ReadLedgerItem(yaml, map, $"ledger[{i}]") is { } item)
                    {
                        ledger.Add(item);
                    }
                }
                else
                {
                    yaml.ErrorAt(nodes[i], $"ledger[{i}]", Reasons.NotAMapping("each ledger item must be a mapping with number, name, town and deadline", "number, name, town, deadline"));
                }
            }
        }

        if (campaign is null && tasks is null && ledger is null)
        {
            yaml.Error(YamlInput.Line(root), null, Reasons.NoPlanSections());
        }

        return new PlanFile(fileName, campaign, tasks, ledger);
    }

    private static CampaignSection ReadCampaign(YamlInput yaml, YamlMappingNode map)
    {
        const string path = "campaign";
        yaml.RejectUnknownKeys(map, path, CampaignKeys);
        var origin = new Origin(yaml.File, null, YamlInput.Line(map), path);
        var starts = Date(yaml, map, "starts_on", $"{path}.starts_on");
        var ends = Date(yaml, map, "ends_on", $"{path}.ends_on");
        int? noticeDays = null;
        if (yaml.Scalar(map, "public_notice_days", $"{path}.public_notice_days") is { } noticeText)
        {
            if (int.TryParse(noticeText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= 90)
            {
                noticeDays = n;
            }
            else
            {
                yaml.ErrorAt(YamlInput.Child(map, "public_notice_days")!, $"{path}.public_notice_days", Reasons.NotANumberOfDays(noticeText, 0, 90));
            }
        }

        List<CycleDefinition>? cadence = null;
        if (YamlInput.Child(map, "cadence") is not null)
        {
            cadence = [];
            var nodes = yaml.Sequence(map, "cadence", $"{path}.cadence");
            for (var i = 0; i < nodes.Count; i++)
            {
                var field = $"{path}.cadence[{i}]";
                if (nodes[i] is not YamlMappingNode cycle)
                {
                    yaml.ErrorAt(nodes[i], field, Reasons.NotAMapping("each cycle must be a mapping with cycle, every, report_by and close", "cycle, every, report_by, close"));
                    continue;
                }

                yaml.RejectUnknownKeys(cycle, field, "cycle", "every", "report_by", "close");
                var report = CycleTimeNode(yaml, cycle, "report_by", $"{field}.report_by");
                var close = CycleTimeNode(yaml, cycle, "close", $"{field}.close");
                var definition = Cadence.Check(yaml.Scalar(cycle, "cycle", $"{field}.cycle"), yaml.Required(cycle, "every", $"{field}.every"),
                    report, close, (key, reason) => yaml.ErrorAt(cycle, $"{field}.{key}", reason));
                if (definition is not null)
                {
                    cadence.Add(definition);
                }
            }

            Cadence.CheckUnique(cadence, reason => yaml.ErrorAt(YamlInput.Child(map, "cadence")!, $"{path}.cadence", reason));
        }

        return new CampaignSection(
            yaml.Scalar(map, "code", $"{path}.code"),
            yaml.Scalar(map, "name", $"{path}.name"),
            yaml.Scalar(map, "document_number", $"{path}.document_number"),
            yaml.Scalar(map, "headquarters", $"{path}.headquarters"),
            starts, ends,
            yaml.Scalar(map, "time_zone", $"{path}.time_zone"),
            yaml.Scalar(map, "calendar", $"{path}.calendar"),
            yaml.Scalar(map, "workflow", $"{path}.workflow"),
            yaml.Scalar(map, "rulebook", $"{path}.rulebook"),
            noticeDays, cadence, origin);
    }

    private static (string? Day, string? Weekday, string? Time)? CycleTimeNode(YamlInput yaml, YamlMappingNode cycle, string key, string field)
    {
        switch (YamlInput.Child(cycle, key))
        {
            case null or YamlScalarNode { Value: null or "" }:
                return null;
            case YamlMappingNode m:
                yaml.RejectUnknownKeys(m, field, "day", "weekday", "time");
                return (yaml.Scalar(m, "day", $"{field}.day"), yaml.Scalar(m, "weekday", $"{field}.weekday"), yaml.Scalar(m, "time", $"{field}.time"));
            case var other:
                yaml.ErrorAt(other, field, Reasons.NotAMapping("must be a mapping with day or weekday, and time", "day/weekday, time"));
                return null;
        }
    }

    private static TaskDefinition? ReadTask(YamlInput yaml, YamlMappingNode map, string path)
    {
        yaml.RejectUnknownKeys(map, path, TaskKeys);
        var number = yaml.Required(map, "number", $"{path}.number");
        var title = yaml.Required(map, "title", $"{path}.title");
        var milestones = new List<MilestoneDefinition>();
        var nodes = yaml.Sequence(map, "milestones", $"{path}.milestones");
        for (var i = 0; i < nodes.Count; i++)
        {
            var field = $"{path}.milestones[{i}]";
            switch (nodes[i])
            {
                case YamlMappingNode m:
                    yaml.RejectUnknownKeys(m, field, "on", "percent");
                    var on = yaml.Required(m, "on", $"{field}.on");
                    var percentText = yaml.Required(m, "percent", $"{field}.percent");
                    if (on is not null && percentText is not null)
                    {
                        if (Percent(percentText) is { } p)
                        {
                            milestones.Add(new MilestoneDefinition(on, p));
                        }
                        else
                        {
                            yaml.ErrorAt(m, $"{field}.percent", Reasons.NotAPercentage(percentText));
                        }
                    }

                    break;
                case YamlScalarNode { Value: { } text }:
                    milestones.AddRange(ParseMilestones(text, reason => yaml.ErrorAt(nodes[i], field, reason)));
                    break;
                default:
                    yaml.ErrorAt(nodes[i], field, Reasons.NotAMapping("must be a mapping with on and percent", "on, percent"));
                    break;
            }
        }

        decimal? weight = null;
        if (yaml.Scalar(map, "weight", $"{path}.weight") is { } weightText)
        {
            weight = Weight(weightText, reason => yaml.ErrorAt(YamlInput.Child(map, "weight")!, $"{path}.weight", reason));
        }

        if (number is null || title is null)
        {
            return null;
        }

        return new TaskDefinition(number, yaml.Scalar(map, "clause", $"{path}.clause"), title,
            yaml.Scalar(map, "measures", $"{path}.measures"), yaml.Scalar(map, "category", $"{path}.category"),
            yaml.Scalar(map, "target", $"{path}.target"),
            Units(yaml, map, "lead", path), Units(yaml, map, "responsible", path), Units(yaml, map, "cooperating", path),
            yaml.Scalar(map, "deadline", $"{path}.deadline"), milestones,
            yaml.Strings(map, "evidence", $"{path}.evidence").SelectMany(SplitList).ToList(),
            yaml.Scalar(map, "verifier", $"{path}.verifier"), weight,
            new Origin(yaml.File, null, YamlInput.Line(map), path));
    }

    private static LedgerItemDefinition? ReadLedgerItem(YamlInput yaml, YamlMappingNode map, string path)
    {
        yaml.RejectUnknownKeys(map, path, LedgerKeys);
        var number = yaml.Required(map, "number", $"{path}.number");
        var name = yaml.Required(map, "name", $"{path}.name");
        if (number is null || name is null)
        {
            return null;
        }

        return new LedgerItemDefinition(number, yaml.Scalar(map, "kind", $"{path}.kind") ?? "enterprise", name,
            yaml.Scalar(map, "town", $"{path}.town"), yaml.Scalar(map, "problem_type", $"{path}.problem_type"),
            yaml.Scalar(map, "disposal", $"{path}.disposal"), yaml.Scalar(map, "measures", $"{path}.measures"),
            yaml.Scalar(map, "responsible_person", $"{path}.responsible_person"), yaml.Scalar(map, "deadline", $"{path}.deadline"),
            yaml.Scalar(map, "source", $"{path}.source"), yaml.Scalar(map, "found_level", $"{path}.found_level"),
            yaml.Scalar(map, "verifier", $"{path}.verifier"), new Origin(yaml.File, null, YamlInput.Line(map), path));
    }

    /// <summary>A unit column: one phrase ("各镇街、县公安局") or a list of them, joined as one phrase.</summary>
    private static string? Units(YamlInput yaml, YamlMappingNode map, string key, string path) =>
        YamlInput.Child(map, key) is YamlSequenceNode
            ? string.Join('、', yaml.Strings(map, key, $"{path}.{key}")) is { Length: > 0 } joined ? joined : null
            : yaml.Scalar(map, key, $"{path}.{key}");

    private static DateOnly? Date(YamlInput yaml, YamlMappingNode map, string key, string field)
    {
        var text = yaml.Scalar(map, key, field);
        if (text is null)
        {
            return null;
        }

        var date = ParseDate(text);
        if (date is null)
        {
            yaml.ErrorAt(YamlInput.Child(map, key)!, field, Reasons.NotADate(text));
        }

        return date;
    }

    /// <summary>A full date: 2017-09-01, 2017/9/1, 2017.9.1, 2017年9月1日 (a spreadsheet date cell reads as the first).</summary>
    public static DateOnly? ParseDate(string text)
    {
        var m = FullDatePattern().Match(DeadlinePhrase.Normalize(text));
        if (!m.Success)
        {
            return null;
        }

        var year = int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture);
        var month = int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture);
        var day = int.Parse(m.Groups["d"].Value, CultureInfo.InvariantCulture);
        return year is >= 2000 and <= 2100 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month)
            ? new DateOnly(year, month, day)
            : null;
    }

    public static int? Percent(string text)
    {
        var t = DeadlinePhrase.Normalize(text).TrimEnd('%', '％');
        return int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 100 ? p : null;
    }

    public static decimal? Weight(string text, Action<ProblemReason> error)
    {
        if (decimal.TryParse(DeadlinePhrase.Normalize(text), NumberStyles.Number, CultureInfo.InvariantCulture, out var w) && w is >= 0 and <= 9999)
        {
            return w;
        }

        error(Reasons.NotAWeight(text));
        return null;
    }

    /// <summary>"2017-10-31 30%；2017-11-30 60%" or "10月底前完成30%，11月底前完成60%".</summary>
    public static IEnumerable<MilestoneDefinition> ParseMilestones(string text, Action<ProblemReason> error)
    {
        foreach (var part in text.Split(['；', ';', '，', ',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Digits made ASCII but spaces kept: "2017-10-31 30%" must not read as "...3130%".
            var normalized = new string(part.Select(c => c is >= '０' and <= '９' ? (char)('0' + (c - '０')) : c).ToArray());
            var m = PercentPattern().Match(normalized);
            if (!m.Success)
            {
                error(Reasons.MilestoneWithoutPercent(part));
                continue;
            }

            var percent = int.Parse(m.Groups["p"].Value, CultureInfo.InvariantCulture);
            if (percent > 100)
            {
                error(Reasons.MilestoneOverHundred(part, percent));
                continue;
            }

            yield return new MilestoneDefinition(normalized.Remove(m.Index, m.Length).Trim(), percent);
        }
    }

    public static IEnumerable<string> SplitList(string text) =>
        text.Split(['、', '，', ',', '；', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [GeneratedRegex(@"^(?<y>\d{4})(?:[-/.]|年)(?<m>\d{1,2})(?:[-/.]|月)(?<d>\d{1,2})日?(?:\d{1,2}:\d{2}(?::\d{2})?)?$")]
    private static partial Regex FullDatePattern();

    [GeneratedRegex(@"(?:完成)?(?<!\d)(?<p>\d{1,3})\s*[%％]")]
    private static partial Regex PercentPattern();
}
