using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Accountability.Imports;

namespace Accountability.Plans;

/// <summary>What a deadline cell says, before the calendar turns it into instants.</summary>
public abstract record DeadlineSpec;

/// <summary>A day ("2017年12月底前", "9月30日前"). When the text names several days ("10月底前完成排查，12月底前完成整治")
/// the last is the deadline and <see cref="Earlier"/> holds the others.</summary>
public sealed record FixedDeadline(DateOnly Day, IReadOnlyList<DateOnly> Earlier) : DeadlineSpec;

/// <summary>"启动后15个工作日内": a count of working days, days or months after the campaign's start or the issue.</summary>
public sealed record RelativeDeadline(DeadlineAnchor Anchor, int Count, RelativeUnit Unit) : DeadlineSpec;

/// <summary>"每月25日前报送": a series of dated obligations over the campaign. <see cref="Day"/> null with a monthly
/// series means the month's last day.</summary>
public sealed record RecurringDeadline(RecurrenceEvery Every, int? Day, DayOfWeek? Weekday) : DeadlineSpec;

/// <summary>"长期坚持": no due date; the workflow closes it as long-term.</summary>
public sealed record LongTermDeadline : DeadlineSpec;

public enum DeadlineAnchor
{
    /// <summary>启动后, 印发后: the campaign's first day.</summary>
    CampaignStart,

    /// <summary>交办后, 收到后: the day the assignment is issued (the import).</summary>
    Issue,
}

public enum RelativeUnit
{
    WorkingDays,
    Days,
    Months,
}

public enum RecurrenceEvery
{
    Month,
    Week,
    Day,
    Quarter,
}

/// <summary>
/// Reads deadlines as planners write them in the 完成时限 column. The grammar is small and closed: anything else is
/// refused with the list of accepted forms, because a deadline guessed wrongly is worse than one asked for again.
/// Dates without a year take the first such date on or after the campaign's start.
/// </summary>
public static partial class DeadlinePhrase
{
    public const string AcceptedForms =
        "a date (2017-12-31, 2017年12月31日, 9月30日前, 2017年12月底前, 10月中旬前), a recurring report (每月25日前报送, " +
        "每月底前, 每周五前, 每天, 每季度末), a relative time (启动后15个工作日内, 交办后5个工作日内, 启动后30日内) or 长期坚持";

    public static DeadlineSpec? Parse(string text, DateOnly campaignStart, out ProblemReason? error)
    {
        error = null;
        var s = Normalize(text);
        if (s.Length == 0)
        {
            error = Reasons.DeadlineEmpty();
            return null;
        }

        var recurring = RecurringPattern().Match(s);
        if (recurring.Success)
        {
            if (recurring.Groups["md"].Success)
            {
                var day = int.Parse(recurring.Groups["md"].Value, CultureInfo.InvariantCulture);
                if (day is < 1 or > 31)
                {
                    error = Reasons.ImpossibleDate(text, $"there is no day {day} in a month");
                    return null;
                }

                return new RecurringDeadline(RecurrenceEvery.Month, day, null);
            }

            if (recurring.Groups["mend"].Success)
            {
                return new RecurringDeadline(RecurrenceEvery.Month, null, null);
            }

            if (recurring.Groups["wd"].Success)
            {
                return new RecurringDeadline(RecurrenceEvery.Week, null, Weekday(recurring.Groups["wd"].Value[0]));
            }

            if (recurring.Groups["q"].Success)
            {
                return new RecurringDeadline(RecurrenceEvery.Quarter, null, null);
            }

            return new RecurringDeadline(RecurrenceEvery.Day, null, null);
        }

        var dates = new List<DateOnly>();
        foreach (Match m in DatePattern().Matches(s))
        {
            var date = ToDate(m, campaignStart, out var reason);
            if (date is null)
            {
                error = Reasons.ImpossibleDate(text, reason!);
                return null;
            }

            dates.Add(date.Value);
        }

        if (dates.Count > 0)
        {
            var last = dates.Max();
            return new FixedDeadline(last, dates.Where(d => d != last).Distinct().Order().ToList());
        }

        var relative = RelativePattern().Match(s);
        if (relative.Success)
        {
            var count = int.Parse(relative.Groups["n"].Value, CultureInfo.InvariantCulture);
            var unit = relative.Groups["u"].Value switch
            {
                "个工作日" or "工作日" => RelativeUnit.WorkingDays,
                "个月" => RelativeUnit.Months,
                "周" or "个星期" => RelativeUnit.Days,
                _ => RelativeUnit.Days,
            };
            if (relative.Groups["u"].Value is "周" or "个星期")
            {
                count *= 7;
            }

            var anchor = relative.Groups["a"].Value is "交办" or "收到交办" or "下达" or "收到" or "签收" or "交办之日"
                ? DeadlineAnchor.Issue
                : DeadlineAnchor.CampaignStart;
            if (count is < 1 or > 3650)
            {
                error = Reasons.NotADayCount(text, count);
                return null;
            }

            return new RelativeDeadline(anchor, count, unit);
        }

        if (LongTermPattern().IsMatch(s))
        {
            return new LongTermDeadline();
        }

        error = Reasons.NotADeadline(text);
        return null;
    }

    /// <summary>A single day, for milestones (时间节点): only fixed dates make sense there.</summary>
    public static DateOnly? ParseDay(string text, DateOnly campaignStart, out ProblemReason? error)
    {
        var spec = Parse(text, campaignStart, out error);
        if (spec is FixedDeadline f)
        {
            return f.Day;
        }

        error ??= Reasons.NotASingleDate(text);
        return null;
    }

    private static DateOnly? ToDate(Match m, DateOnly campaignStart, out string? reason)
    {
        reason = null;
        int? year = m.Groups["y"].Success ? int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture) : null;
        if (year is < 2000 or > 2100)
        {
            reason = $"{year} is not a plausible year";
            return null;
        }

        if (m.Groups["yp"].Success)
        {
            return m.Groups["yp"].Value is "上半年" or "年中" ? new DateOnly(year!.Value, 6, 30) : new DateOnly(year!.Value, 12, 31);
        }

        if (!m.Groups["m"].Success)
        {
            return new DateOnly(year!.Value, 12, 31);
        }

        var month = int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture);
        if (month is < 1 or > 12)
        {
            reason = $"there is no month {month}";
            return null;
        }

        int DayIn(int y) => m.Groups["d"].Success
            ? int.Parse(m.Groups["d"].Value, CultureInfo.InvariantCulture)
            : m.Groups["p"].Value switch
            {
                "上旬" => 10,
                "中" => 15,
                "中旬" => 20,
                _ => DateTime.DaysInMonth(y, month),
            };

        var resolvedYear = year ?? campaignStart.Year;
        var day = DayIn(resolvedYear);
        if (day < 1 || day > DateTime.DaysInMonth(resolvedYear, month))
        {
            reason = $"there is no day {day} in month {month}";
            return null;
        }

        var date = new DateOnly(resolvedYear, month, day);
        if (year is null && date < campaignStart)
        {
            // "3月底前" in a campaign starting in September means next March.
            resolvedYear++;
            day = DayIn(resolvedYear);
            if (day > DateTime.DaysInMonth(resolvedYear, month))
            {
                reason = $"there is no day {day} in month {month}";
                return null;
            }

            date = new DateOnly(resolvedYear, month, day);
        }

        return date;
    }

    private static DayOfWeek Weekday(char c) => c switch
    {
        '一' => DayOfWeek.Monday,
        '二' => DayOfWeek.Tuesday,
        '三' => DayOfWeek.Wednesday,
        '四' => DayOfWeek.Thursday,
        '五' => DayOfWeek.Friday,
        '六' => DayOfWeek.Saturday,
        _ => DayOfWeek.Sunday,
    };

    /// <summary>Full-width digits and punctuation as ASCII, no whitespace: what a cell typed on a Chinese IME gives.</summary>
    public static string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                continue;
            }

            builder.Append(c switch
            {
                >= '０' and <= '９' => (char)('0' + (c - '０')),
                '－' or '—' or '–' => '-',
                '／' => '/',
                '．' => '.',
                '〇' => '0',
                _ => c,
            });
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"每月(?:(?<md>\d{1,2})[日号]|(?<mend>底|末))|每(?:周|星期)(?:星期)?(?<wd>[一二三四五六日天])|每(?<q>季度)(?:末|底)?|每(?<day>天|日)")]
    private static partial Regex RecurringPattern();

    [GeneratedRegex(@"(?<y>\d{4})[-/.](?<m>\d{1,2})[-/.](?<d>\d{1,2})|(?:(?<y>\d{4})年)?(?<m>\d{1,2})月(?<d>\d{1,2})[日号]|(?:(?<y>\d{4})年)?(?<m>\d{1,2})月份?(?<p>底|末|下旬|中旬|上旬|中|份内|内)|(?<y>\d{4})年(?<yp>年底|底|末|上半年|年中)|(?<y>\d{4})年(?!\d)")]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"(?:(?<a>行动启动|启动|方案印发|印发|部署|开展|实施|收到交办|交办之日|交办|下达|收到|签收)(?:之日)?(?:后|起))?(?<n>\d{1,4})(?<u>个工作日|工作日|个月|个星期|周|天|日)(?:内|之内|以内)")]
    private static partial Regex RelativePattern();

    [GeneratedRegex("长期坚持|长期|持续推进|常态化|持续开展|长效")]
    private static partial Regex LongTermPattern();
}
