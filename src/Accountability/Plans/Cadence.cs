using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Accountability.Imports;

namespace Accountability.Plans;

/// <summary>
/// The campaign's cycles (一月一调度、一月一排名、一月一通报), checked and written exactly in the shape of
/// docs/formats/cadence.md, which the cycles capability reads from <c>campaign.cadence</c>.
/// </summary>
public static partial class Cadence
{
    public static readonly string[] Weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

    /// <summary>Checks one cycle; <paramref name="error"/> gets (field, reason) for each problem.</summary>
    public static CycleDefinition? Check(string? cycle, string? everyText, (string? Day, string? Weekday, string? Time)? reportBy,
        (string? Day, string? Weekday, string? Time)? close, Action<string, ProblemReason> error)
    {
        var every = ParseEvery(everyText);
        if (everyText is not null && every is null)
        {
            error("every", Reasons.NotAPeriod(everyText));
        }

        if (every is null)
        {
            return null;
        }

        var name = cycle ?? every switch { "month" => "monthly", "week" => "weekly", _ => "daily" };
        var report = reportBy is { } r ? Time(every, r, "report_by", required: false, error) : null;
        if (close is null)
        {
            error("close", Reasons.CloseRequired());
            return null;
        }

        var closeTime = Time(every, close.Value, "close", required: true, error);
        return closeTime is null ? null : new CycleDefinition(name, every, report, closeTime);
    }

    public static void CheckUnique(IReadOnlyList<CycleDefinition> cycles, Action<ProblemReason> error)
    {
        foreach (var duplicate in cycles.GroupBy(c => c.Cycle).Where(g => g.Count() > 1))
        {
            error(Reasons.CycleGivenTwice(duplicate.Key, duplicate.Count()));
        }
    }

    public static string? ParseEvery(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "month" or "monthly" or "每月" or "月" or "一月一调度" or "月调度" => "month",
        "week" or "weekly" or "每周" or "周" or "一周一调度" or "周调度" => "week",
        "day" or "daily" or "每天" or "每日" or "日" or "天" or "一天一调度" or "日调度" => "day",
        _ => null,
    };

    public static string? ParseWeekday(string? text)
    {
        var t = text?.Trim().ToLowerInvariant();
        if (t is null)
        {
            return null;
        }

        if (Weekdays.Contains(t))
        {
            return t;
        }

        var c = t.TrimStart('周', '星', '期').FirstOrDefault();
        return c switch
        {
            '一' => "monday",
            '二' => "tuesday",
            '三' => "wednesday",
            '四' => "thursday",
            '五' => "friday",
            '六' => "saturday",
            '日' or '天' => "sunday",
            _ => null,
        };
    }

    /// <summary>"25日 17:00", "周五 12:00", "08:00" — a cycle time as a sheet cell writes it.</summary>
    public static (string? Day, string? Weekday, string? Time)? ParseCell(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        {
            return (text.Trim(), null, null);
        }

        var m = CellPattern().Match(text.Trim());
        if (!m.Success)
        {
            return (null, null, text.Trim());
        }

        return (m.Groups["d"].Success ? m.Groups["d"].Value : null,
            m.Groups["w"].Success ? m.Groups["w"].Value : null,
            m.Groups["t"].Success ? m.Groups["t"].Value : null);
    }

    private static CycleTime? Time(string every, (string? Day, string? Weekday, string? Time) given, string field,
        bool required, Action<string, ProblemReason> error)
    {
        var ok = true;
        int? day = null;
        string? weekday = null;
        if (every == "month")
        {
            if (given.Day is null || !int.TryParse(given.Day.TrimEnd('日', '号'), NumberStyles.Integer, CultureInfo.InvariantCulture, out var d)
                || d is < 1 or > 31 || (field == "close" && d > 28))
            {
                error($"{field}.day", given.Day is null ? Reasons.DayOfMonthRequired() : Reasons.NotADayOfMonth(given.Day));
                ok = false;
            }
            else
            {
                day = d;
            }
        }
        else if (given.Day is not null)
        {
            error($"{field}.day", Reasons.DoesNotFitCycle("a day of the month", every));
            ok = false;
        }

        if (every == "week")
        {
            weekday = ParseWeekday(given.Weekday);
            if (weekday is null)
            {
                error($"{field}.weekday", given.Weekday is null ? Reasons.WeekdayRequired() : Reasons.NotAWeekday(given.Weekday));
                ok = false;
            }
        }
        else if (given.Weekday is not null)
        {
            error($"{field}.weekday", Reasons.DoesNotFitCycle("a weekday", every));
            ok = false;
        }

        var time = ParseTime(given.Time);
        if (time is null && (given.Time is not null || required))
        {
            error($"{field}.time", given.Time is null ? Reasons.TimeOfDayRequired() : Reasons.NotATimeOfDay(given.Time));
            ok = false;
        }

        return ok ? new CycleTime(day, weekday, time ?? "00:00") : null;
    }

    public static string? ParseTime(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var m = TimePattern().Match(DeadlinePhrase.Normalize(text));
        if (!m.Success)
        {
            return null;
        }

        var hour = int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture);
        var minute = m.Groups["m"].Success ? int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture) : 0;
        return hour is >= 0 and <= 23 && minute is >= 0 and <= 59 ? $"{hour:00}:{minute:00}" : null;
    }

    /// <summary>The JSON stored in <c>campaign.cadence</c>: a list, snake_case, nulls left out.</summary>
    public static string ToJson(IReadOnlyList<CycleDefinition> cycles)
    {
        var array = new JsonArray();
        foreach (var cycle in cycles)
        {
            var node = new JsonObject { ["cycle"] = cycle.Cycle, ["every"] = cycle.Every };
            if (cycle.ReportBy is { } report)
            {
                node["report_by"] = TimeNode(report);
            }

            node["close"] = TimeNode(cycle.Close);
            array.Add(node);
        }

        return array.ToJsonString(JsonOptions);

        static JsonObject TimeNode(CycleTime time)
        {
            var node = new JsonObject();
            if (time.Day is { } d)
            {
                node["day"] = d;
            }

            if (time.Weekday is { } w)
            {
                node["weekday"] = w;
            }

            node["time"] = time.Time;
            return node;
        }
    }

    public static IReadOnlyList<CycleDefinition> FromJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json) || JsonNode.Parse(json) is not JsonArray array)
        {
            return [];
        }

        return array.OfType<JsonObject>().Select(o => new CycleDefinition(
            (string?)o["cycle"] ?? "", (string?)o["every"] ?? "",
            o["report_by"] is JsonObject r ? Read(r) : null,
            o["close"] is JsonObject c ? Read(c) : new CycleTime(null, null, "00:00"))).ToList();

        static CycleTime Read(JsonObject o) => new((int?)o["day"], (string?)o["weekday"], (string?)o["time"] ?? "00:00");
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [GeneratedRegex(@"^(?<h>\d{1,2})(?:[:：](?<m>\d{2})|[时点](?:(?<m>\d{1,2})分?)?)$")]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"^(?:每月|次月)?(?:(?<d>\d{1,2})[日号]|(?:每)?(?<w>(?:周|星期)[一二三四五六日天]|monday|tuesday|wednesday|thursday|friday|saturday|sunday))?\s*(?<t>\d{1,2}(?:[:：]\d{2}|[时点](?:\d{1,2}分?)?))?$", RegexOptions.IgnoreCase)]
    private static partial Regex CellPattern();
}
