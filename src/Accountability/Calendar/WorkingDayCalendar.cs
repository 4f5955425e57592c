namespace Accountability.Calendar;

public enum DayKind
{
    Workday,
    Weekend,

    /// <summary>A statutory holiday (放假), even when it falls on a weekday.</summary>
    Holiday,

    /// <summary>A weekend day worked in exchange for a holiday bridge (调休上班).</summary>
    MakeUpWorkday,
}

public sealed record CalendarDay(DateOnly Date, DayKind Kind, string? Name)
{
    public bool IsWorkingDay => Kind is DayKind.Workday or DayKind.MakeUpWorkday;
}

/// <summary>
/// Working days under the State Council's holiday arrangements: Monday to Friday, minus statutory holidays, plus the
/// weekend days people work in exchange (调休). Holidays are data (<c>workflows/calendars</c>), never code; the
/// <see cref="Version"/> (a digest of that data) is stored with every deadline computed from it, so a later correction
/// of the data never silently moves a deadline already issued. Years without data count weekends only;
/// <see cref="Covers"/> lets callers warn about that.
/// </summary>
public sealed class WorkingDayCalendar
{
    private readonly IReadOnlyDictionary<DateOnly, CalendarDay> _exceptions;
    private readonly IReadOnlySet<int> _years;

    public WorkingDayCalendar(string code, string version, IEnumerable<CalendarDay> exceptions, IEnumerable<int> years)
    {
        Code = code;
        Version = version;
        _exceptions = exceptions.ToDictionary(d => d.Date);
        _years = years.ToHashSet();
    }

    public string Code { get; }

    /// <summary>e.g. <c>cn:3f9a1c0e2b7d</c>: the code and a digest of the data it was built from.</summary>
    public string Version { get; }

    public IReadOnlySet<int> Years => _years;

    public bool Covers(DateOnly date) => _years.Contains(date.Year);

    public CalendarDay Day(DateOnly date) =>
        _exceptions.TryGetValue(date, out var day)
            ? day
            : new CalendarDay(date, date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? DayKind.Weekend : DayKind.Workday, null);

    public bool IsWorkingDay(DateOnly date) => Day(date).IsWorkingDay;

    /// <summary>The <paramref name="count"/>-th working day after <paramref name="start"/> (not counting the start
    /// itself): "启动后15个工作日内" from a Friday start ends on the 15th working day after it. Zero returns the start if it
    /// is a working day, else the next working day.</summary>
    public DateOnly AddWorkingDays(DateOnly start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var date = start;
        if (count == 0)
        {
            while (!IsWorkingDay(date))
            {
                date = date.AddDays(1);
            }

            return date;
        }

        while (count > 0)
        {
            date = date.AddDays(1);
            if (IsWorkingDay(date))
            {
                count--;
            }
        }

        return date;
    }

    /// <summary>Working days in (<paramref name="from"/>, <paramref name="to"/>]: how many working days have passed
    /// since <paramref name="from"/> by the end of <paramref name="to"/>. Zero or negative spans give 0.</summary>
    public int WorkingDaysBetween(DateOnly from, DateOnly to)
    {
        var count = 0;
        for (var date = from.AddDays(1); date <= to; date = date.AddDays(1))
        {
            if (IsWorkingDay(date))
            {
                count++;
            }
        }

        return count;
    }
}
