using System.Globalization;

namespace Accountability.Scoring;

/// <summary>
/// A period's instants from its name, in the campaign's zone: <c>2017-10</c> (a month), <c>2017-W43</c> (an ISO week),
/// <c>2017-10-25</c> (a day). The period runs from its first local midnight to the next period's.
/// </summary>
public static class PeriodBounds
{
    public static (DateTimeOffset Start, DateTimeOffset End) For(string period, TimeZoneInfo zone)
    {
        DateTime start, end;
        var parts = period.Split('-');
        if (parts is [var y, var w] && w.StartsWith('W') && int.TryParse(y, CultureInfo.InvariantCulture, out var isoYear)
            && int.TryParse(w[1..], CultureInfo.InvariantCulture, out var week))
        {
            start = ISOWeek.ToDateTime(isoYear, week, DayOfWeek.Monday);
            end = start.AddDays(7);
        }
        else if (DateOnly.TryParseExact(period, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            start = day.ToDateTime(TimeOnly.MinValue);
            end = start.AddDays(1);
        }
        else if (DateOnly.TryParseExact(period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month))
        {
            start = month.ToDateTime(TimeOnly.MinValue);
            end = start.AddMonths(1);
        }
        else
        {
            throw new InputRejectedException([new InputProblem("period", null, null, "period", $"'{period}' is not a period: write 2017-10 (month), 2017-W43 (week) or 2017-10-25 (day)")]);
        }

        return (Local(start, zone), Local(end, zone));
    }

    private static DateTimeOffset Local(DateTime local, TimeZoneInfo zone) =>
        new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
}
