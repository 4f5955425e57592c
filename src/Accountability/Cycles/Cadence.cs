using System.Globalization;
using System.Text.Json;

namespace Accountability.Cycles;

/// <summary>How often a cycle closes a period: monthly ("2017-10"), weekly (ISO "2017-W43") or daily ("2017-10-25").</summary>
public enum CycleEvery
{
    Month,
    Week,
    Day,
}

/// <summary>A moment relative to a period, in the campaign's zone: a day of the month or a weekday (or neither, for
/// daily cycles) and a time of day.</summary>
public sealed record CycleMoment(int? Day, DayOfWeek? Weekday, TimeOnly Time);

/// <summary>One period of a cycle, as absolute instants computed in the campaign's zone.</summary>
public sealed record Period(string Key, DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// One cycle of a campaign's cadence (<c>docs/formats/cadence.md</c>): which periods it closes, when units must have
/// reported, and when each period is closed. All calendar arithmetic happens in the campaign's zone, so a server
/// running in UTC still closes "2017-10" at 09:00 Beijing time on 1 November.
/// </summary>
public sealed class CycleDefinition
{
    public CycleDefinition(string cycle, CycleEvery every, CycleMoment? reportBy, CycleMoment close, TimeZoneInfo zone)
    {
        Cycle = cycle;
        Every = every;
        ReportBy = reportBy;
        Close = close;
        Zone = zone;
    }

    public string Cycle { get; }

    public CycleEvery Every { get; }

    public CycleMoment? ReportBy { get; }

    public CycleMoment Close { get; }

    public TimeZoneInfo Zone { get; }

    /// <summary>The period that contains the local date.</summary>
    public Period PeriodContaining(DateOnly local)
    {
        var first = Every switch
        {
            CycleEvery.Month => new DateOnly(local.Year, local.Month, 1),
            CycleEvery.Week => local.AddDays(-(((int)local.DayOfWeek + 6) % 7)),
            _ => local,
        };
        return PeriodStartingOn(first);
    }

    public Period PeriodContaining(DateTimeOffset instant) =>
        PeriodContaining(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone).DateTime));

    public Period Next(Period period) =>
        PeriodContaining(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(period.End, Zone).DateTime));

    /// <summary>When the period is closed: the close moment in the period that follows it.</summary>
    public DateTimeOffset CloseOf(Period period) => MomentIn(LocalStart(period.End), Close);

    /// <summary>When units must have reported progress within the period, or null when the cycle does not chase.</summary>
    public DateTimeOffset? ReportByOf(Period period) =>
        ReportBy is null ? null : MomentIn(LocalStart(period.Start), ReportBy);

    /// <summary>Parses a period key of this cycle ("2017-10", "2017-W43", "2017-10-25"); null when it is not one.</summary>
    public Period? ParsePeriod(string key)
    {
        switch (Every)
        {
            case CycleEvery.Month when DateOnly.TryParseExact(key + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var m):
                return PeriodStartingOn(m);
            case CycleEvery.Week when key.Length == 8 && key[4..6] == "-W"
                                      && int.TryParse(key[..4], NumberStyles.None, CultureInfo.InvariantCulture, out var year)
                                      && int.TryParse(key[6..], NumberStyles.None, CultureInfo.InvariantCulture, out var week)
                                      && week >= 1 && week <= ISOWeek.GetWeeksInYear(year):
                return PeriodStartingOn(DateOnly.FromDateTime(ISOWeek.ToDateTime(year, week, DayOfWeek.Monday)));
            case CycleEvery.Day when DateOnly.TryParseExact(key, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d):
                return PeriodStartingOn(d);
            default:
                return null;
        }
    }

    /// <summary>Every period of a campaign running from <paramref name="startsOn"/> to <paramref name="endsOn"/>
    /// (local dates, inclusive), in order.</summary>
    public IEnumerable<Period> PeriodsOf(DateOnly startsOn, DateOnly endsOn)
    {
        var endInstant = ToInstant(endsOn.AddDays(1).ToDateTime(TimeOnly.MinValue));
        for (var period = PeriodContaining(startsOn); period.Start < endInstant; period = Next(period))
        {
            yield return period;
        }
    }

    /// <summary>The Quartz cron expression that fires at every close, to be read in <see cref="Zone"/>.</summary>
    public string CloseCron()
    {
        var time = $"{Close.Time.Second} {Close.Time.Minute} {Close.Time.Hour}";
        return Every switch
        {
            CycleEvery.Month => $"{time} {Close.Day} * ?",
            CycleEvery.Week => $"{time} ? * {Close.Weekday!.Value.ToString()[..3].ToUpperInvariant()}",
            _ => $"{time} * * ?",
        };
    }

    /// <summary>How a reader names the period: 2017年10月, 2017年第43周, 2017年10月25日.</summary>
    public static string Label(string periodKey) => periodKey.Length switch
    {
        7 => $"{periodKey[..4]}年{int.Parse(periodKey[5..], CultureInfo.InvariantCulture)}月",
        8 => $"{periodKey[..4]}年第{int.Parse(periodKey[6..], CultureInfo.InvariantCulture)}周",
        10 => $"{periodKey[..4]}年{int.Parse(periodKey[5..7], CultureInfo.InvariantCulture)}月{int.Parse(periodKey[8..], CultureInfo.InvariantCulture)}日",
        _ => periodKey,
    };

    private Period PeriodStartingOn(DateOnly first)
    {
        var next = Every switch
        {
            CycleEvery.Month => first.AddMonths(1),
            CycleEvery.Week => first.AddDays(7),
            _ => first.AddDays(1),
        };
        var key = Every switch
        {
            CycleEvery.Month => first.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            CycleEvery.Week => $"{ISOWeek.GetYear(first.ToDateTime(TimeOnly.MinValue)):D4}-W{ISOWeek.GetWeekOfYear(first.ToDateTime(TimeOnly.MinValue)):D2}",
            _ => first.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
        return new Period(key, ToInstant(first.ToDateTime(TimeOnly.MinValue)), ToInstant(next.ToDateTime(TimeOnly.MinValue)));
    }

    private DateOnly LocalStart(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone).DateTime);

    /// <summary>The moment inside the period starting on <paramref name="first"/> (a month's 1st, a week's Monday,
    /// a day).</summary>
    private DateTimeOffset MomentIn(DateOnly first, CycleMoment moment)
    {
        var date = Every switch
        {
            CycleEvery.Month => first.AddDays((moment.Day ?? 1) - 1),
            CycleEvery.Week => first.AddDays(((int)(moment.Weekday ?? DayOfWeek.Monday) + 6) % 7),
            _ => first,
        };
        return ToInstant(date.ToDateTime(moment.Time));
    }

    private DateTimeOffset ToInstant(DateTime local)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        // A local time skipped by a daylight-saving change does not exist; take the first instant after the gap.
        while (Zone.IsInvalidTime(unspecified))
        {
            unspecified = unspecified.AddMinutes(30);
        }

        var offset = Zone.GetUtcOffset(unspecified);
        return new DateTimeOffset(unspecified, offset).ToUniversalTime();
    }
}

/// <summary>Reads <c>campaign.cadence</c> (JSON, shape in <c>docs/formats/cadence.md</c>). An empty object or array
/// means the campaign runs no cycles.</summary>
public static class CadenceReader
{
    private static readonly string[] Weekdays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

    /// <summary>Parses and validates; every problem names the field (<c>cadence[1].close.day</c>).</summary>
    public static IReadOnlyList<CycleDefinition> Read(string json, string timeZoneId, string source, List<InputProblem> problems)
    {
        var zone = FindZone(timeZoneId);
        if (zone is null)
        {
            problems.Add(new InputProblem(source, null, null, "time_zone", $"'{timeZoneId}' is not a known IANA time zone."));
            return [];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
        }
        catch (JsonException e)
        {
            problems.Add(new InputProblem(source, null, null, "cadence", $"not valid JSON: {e.Message}"));
            return [];
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && !root.EnumerateObject().Any())
            {
                return [];
            }

            if (root.ValueKind != JsonValueKind.Array)
            {
                problems.Add(new InputProblem(source, null, null, "cadence", "must be a list of cycles, e.g. [{\"cycle\": \"monthly\", \"every\": \"month\", \"close\": {\"day\": 1, \"time\": \"09:00\"}}]."));
                return [];
            }

            var cycles = new List<CycleDefinition>();
            var index = 0;
            foreach (var element in root.EnumerateArray())
            {
                var at = $"cadence[{index++}]";
                if (ReadCycle(element, at, zone, source, problems) is { } cycle)
                {
                    if (cycles.Any(c => c.Cycle == cycle.Cycle))
                    {
                        problems.Add(new InputProblem(source, null, null, $"{at}.cycle", $"'{cycle.Cycle}' appears twice; cycle names must be unique."));
                    }
                    else
                    {
                        cycles.Add(cycle);
                    }
                }
            }

            return cycles;
        }
    }

    /// <summary>Reads a stored cadence; a stored cadence that does not validate is an error of the data, not of the
    /// caller, and is reported as such.</summary>
    public static IReadOnlyList<CycleDefinition> ReadStored(string json, string timeZoneId, string campaignCode)
    {
        var problems = new List<InputProblem>();
        var cycles = CadenceReader.Read(json, timeZoneId, $"campaign {campaignCode}", problems);
        if (problems.Any(p => !p.IsWarning))
        {
            throw new InputRejectedException(problems);
        }

        return cycles;
    }

    public static TimeZoneInfo? FindZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    private static CycleDefinition? ReadCycle(JsonElement element, string at, TimeZoneInfo zone, string source, List<InputProblem> problems)
    {
        var before = problems.Count;
        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new InputProblem(source, null, null, at, "must be an object with cycle, every and close."));
            return null;
        }

        var name = String(element, "cycle");
        if (string.IsNullOrWhiteSpace(name) || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            problems.Add(new InputProblem(source, null, null, $"{at}.cycle", "a name of letters, digits, '-' or '_' is required (e.g. monthly)."));
        }

        CycleEvery? every = String(element, "every") switch
        {
            "month" => CycleEvery.Month,
            "week" => CycleEvery.Week,
            "day" => CycleEvery.Day,
            _ => null,
        };
        if (every is null)
        {
            problems.Add(new InputProblem(source, null, null, $"{at}.every", "must be month, week or day."));
            return null;
        }

        CycleMoment? close = null;
        if (element.TryGetProperty("close", out var closeElement))
        {
            close = ReadMoment(closeElement, every.Value, $"{at}.close", source, problems);
        }
        else
        {
            problems.Add(new InputProblem(source, null, null, $"{at}.close", "is required: when each period is closed (e.g. {\"day\": 1, \"time\": \"09:00\"})."));
        }

        CycleMoment? reportBy = null;
        if (element.TryGetProperty("report_by", out var reportElement) && reportElement.ValueKind != JsonValueKind.Null)
        {
            reportBy = ReadMoment(reportElement, every.Value, $"{at}.report_by", source, problems);
        }

        return problems.Count == before && close is not null ? new CycleDefinition(name!, every.Value, reportBy, close, zone) : null;
    }

    private static CycleMoment? ReadMoment(JsonElement element, CycleEvery every, string at, string source, List<InputProblem> problems)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new InputProblem(source, null, null, at, "must be an object such as {\"day\": 1, \"time\": \"09:00\"}."));
            return null;
        }

        var timeText = String(element, "time");
        if (!TimeOnly.TryParseExact(timeText ?? "", ["HH:mm", "H:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            problems.Add(new InputProblem(source, null, null, $"{at}.time", $"'{timeText}' is not a time of day such as 09:00."));
            return null;
        }

        switch (every)
        {
            case CycleEvery.Month:
                // Days after the 28th do not exist in every month; closes happen early in the next month anyway.
                if (!element.TryGetProperty("day", out var day) || day.ValueKind != JsonValueKind.Number
                    || !day.TryGetInt32(out var d) || d < 1 || d > 28)
                {
                    problems.Add(new InputProblem(source, null, null, $"{at}.day", "a monthly cycle needs a day of the month from 1 to 28."));
                    return null;
                }

                return new CycleMoment(d, null, time);
            case CycleEvery.Week:
                var weekday = Array.IndexOf(Weekdays, String(element, "weekday")?.ToLowerInvariant());
                if (weekday < 0)
                {
                    problems.Add(new InputProblem(source, null, null, $"{at}.weekday", "a weekly cycle needs a weekday (monday ... sunday)."));
                    return null;
                }

                return new CycleMoment(null, (DayOfWeek)weekday, time);
            default:
                return new CycleMoment(null, null, time);
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
