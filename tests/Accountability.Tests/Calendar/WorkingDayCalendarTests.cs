using Accountability.Calendar;

namespace Accountability.Tests.Calendar;

public sealed class WorkingDayCalendarTests
{
    private static readonly WorkingDayCalendar China = new CalendarCatalog(Path.Combine(RepositoryPaths.Workflows, "calendars")).Get("cn");

    [Fact]
    public void ShippedCalendar_CoversEveryYearFrom2017To2026()
    {
        Assert.Equal(Enumerable.Range(2017, 10), China.Years.Order());
        Assert.StartsWith("cn:", China.Version);
    }

    [Theory]
    [InlineData("2017-10-02", DayKind.Holiday)]        // National Day week, a Monday
    [InlineData("2017-09-30", DayKind.MakeUpWorkday)]  // the Saturday worked for it
    [InlineData("2017-10-09", DayKind.Workday)]
    [InlineData("2017-10-14", DayKind.Weekend)]
    [InlineData("2020-01-31", DayKind.Holiday)]        // Spring Festival extended to 2 February 2020
    [InlineData("2023-04-05", DayKind.Holiday)]        // Qingming on a Wednesday, a single day
    [InlineData("2026-02-28", DayKind.MakeUpWorkday)]
    [InlineData("2026-02-23", DayKind.Holiday)]
    public void Day_KnowsHolidaysAndMakeUpWorkdays(string date, DayKind expected)
    {
        Assert.Equal(expected, China.Day(DateOnly.Parse(date)).Kind);
    }

    [Fact]
    public void AddWorkingDays_CountsAMakeUpSaturdayAndSkipsTheHolidayWeek()
    {
        var thursday = new DateOnly(2017, 9, 28);

        Assert.Equal(new DateOnly(2017, 9, 29), China.AddWorkingDays(thursday, 1));
        Assert.Equal(new DateOnly(2017, 9, 30), China.AddWorkingDays(thursday, 2)); // 调休 Saturday
        Assert.Equal(new DateOnly(2017, 10, 9), China.AddWorkingDays(thursday, 3)); // after 1–8 October
    }

    [Fact]
    public void AddWorkingDays_OverAnOrdinaryWeekend_SkipsSaturdayAndSunday()
    {
        var friday = new DateOnly(2017, 11, 17);

        Assert.Equal(new DateOnly(2017, 11, 20), China.AddWorkingDays(friday, 1));
        Assert.Equal(new DateOnly(2017, 12, 8), China.AddWorkingDays(friday, 15));
    }

    [Fact]
    public void AddWorkingDays_Zero_IsTheStartOrTheNextWorkingDay()
    {
        Assert.Equal(new DateOnly(2017, 11, 17), China.AddWorkingDays(new DateOnly(2017, 11, 17), 0));
        Assert.Equal(new DateOnly(2017, 10, 9), China.AddWorkingDays(new DateOnly(2017, 10, 1), 0));
    }

    [Fact]
    public void WorkingDaysBetween_CountsWorkingDaysAfterTheStartUpToAndIncludingTheEnd()
    {
        Assert.Equal(3, China.WorkingDaysBetween(new DateOnly(2017, 9, 28), new DateOnly(2017, 10, 9)));
        Assert.Equal(0, China.WorkingDaysBetween(new DateOnly(2017, 10, 1), new DateOnly(2017, 10, 8)));
        Assert.Equal(0, China.WorkingDaysBetween(new DateOnly(2017, 10, 9), new DateOnly(2017, 10, 1)));
    }

    [Fact]
    public void OutsideTheData_OnlyWeekendsCountAndCoversSaysSo()
    {
        var date = new DateOnly(2030, 10, 1);

        Assert.False(China.Covers(date));
        Assert.True(China.IsWorkingDay(date));
    }

    [Fact]
    public void Load_AMalformedFile_ReportsEveryErrorWithLineAndField()
    {
        var folder = Directory.CreateTempSubdirectory("calendar-test").FullName;
        File.WriteAllText(Path.Combine(folder, "cn-2017.yaml"), """
            calendar: cn
            year: 2017
            holidays:
              - { name: 春节, from: 2017-01-27, to: 2017-02-02 }
              - { name: 重复, days: [2017-01-28] }
              - { name: 错年, days: [2018-01-01] }
              - { name: 坏日期, days: [2017-13-01] }
            make_up_workdays:
              - { date: 2017-01-23, for: 春节 }
            colour: red
            """);

        var problems = new List<InputProblem>();
        CalendarCatalog.Load(folder, problems);

        var text = problems.Select(p => p.ToString()).ToList();
        Assert.Contains(text, p => p.Contains("calendars/cn-2017.yaml:5 holidays[1].days") && p.Contains("listed twice"));
        Assert.Contains(text, p => p.Contains("calendars/cn-2017.yaml:6 holidays[2].days") && p.Contains("is not in 2017"));
        Assert.Contains(text, p => p.Contains("calendars/cn-2017.yaml:7 holidays[3].days") && p.Contains("not a date"));
        Assert.Contains(text, p => p.Contains("calendars/cn-2017.yaml:9 make_up_workdays[0].date") && p.Contains("a make-up workday is a weekend day"));
        Assert.Contains(text, p => p.Contains(":10 colour") && p.Contains("unknown field"));
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void Load_AHolidayRunningOutOfItsYear_IsOneProblemNamingTheLineAndField()
    {
        var folder = Directory.CreateTempSubdirectory("calendar-test").FullName;
        File.WriteAllText(Path.Combine(folder, "cn-2017.yaml"), """
            calendar: cn
            year: 2017
            holidays:
              - { name: 国庆节, from: 2017-10-01, to: 9999-12-31 }
            """);
        try
        {
            var problems = new List<InputProblem>();

            CalendarCatalog.Load(folder, problems);

            var problem = Assert.Single(problems);
            Assert.Equal(("calendars/cn-2017.yaml", 4, "holidays[0].to"), (problem.File, problem.Line, problem.Field));
            Assert.Contains("not in 2017", problem.Reason);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
