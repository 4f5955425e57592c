using Accountability.Cycles;

namespace Accountability.Tests.Cycles;

public sealed class CadenceTests
{
    private static CycleDefinition Read(string json, string zone = "Asia/Shanghai")
    {
        var problems = new List<InputProblem>();
        var cycles = CadenceReader.Read(json, zone, "plan.yaml", problems);
        Assert.Empty(problems);
        return Assert.Single(cycles);
    }

    [Fact]
    public void MonthlyPeriod_InShanghai_StartsAndClosesAtBeijingTimeWhateverTheServerZone()
    {
        var monthly = Read(CycleScenario.Monthly);

        var october = monthly.ParsePeriod("2017-10")!;

        Assert.Equal(DateTimeOffset.Parse("2017-09-30T16:00Z"), october.Start);
        Assert.Equal(DateTimeOffset.Parse("2017-10-31T16:00Z"), october.End);
        Assert.Equal(DateTimeOffset.Parse("2017-11-01T01:00Z"), monthly.CloseOf(october));
        Assert.Equal(DateTimeOffset.Parse("2017-10-25T09:00Z"), monthly.ReportByOf(october));
        Assert.Equal("0 0 9 1 * ?", monthly.CloseCron());
        Assert.Equal("2017-11", monthly.Next(october).Key);
        // 00:30 on 1 November in Beijing is still 31 October in UTC, and belongs to November's period.
        Assert.Equal("2017-11", monthly.PeriodContaining(DateTimeOffset.Parse("2017-10-31T16:30Z")).Key);
    }

    [Fact]
    public void WeeklyAndDailyPeriods_UseIsoWeeksAndLocalDays()
    {
        var weekly = Read("""[{"cycle": "weekly", "every": "week", "report_by": {"weekday": "friday", "time": "12:00"}, "close": {"weekday": "monday", "time": "09:00"}}]""");
        var daily = Read(CycleScenario.Daily);

        var week = weekly.ParsePeriod("2017-W43")!;
        Assert.Equal(DateTimeOffset.Parse("2017-10-22T16:00Z"), week.Start);
        Assert.Equal(DateTimeOffset.Parse("2017-10-30T01:00Z"), weekly.CloseOf(week));
        Assert.Equal(DateTimeOffset.Parse("2017-10-27T04:00Z"), weekly.ReportByOf(week));
        Assert.Equal("0 0 9 ? * MON", weekly.CloseCron());
        Assert.Equal("2018-W01", weekly.ParsePeriod("2018-W01")!.Key);
        Assert.Null(weekly.ParsePeriod("2017-W54"));

        var day = daily.ParsePeriod("2017-10-25")!;
        Assert.Equal(DateTimeOffset.Parse("2017-10-26T00:00Z"), daily.CloseOf(day));
        Assert.Equal("0 0 8 * * ?", daily.CloseCron());
        Assert.Null(daily.ParsePeriod("2017-10"));
    }

    [Fact]
    public void PeriodsOfCampaign_CoverItsDatesInOrder()
    {
        var monthly = Read(CycleScenario.Monthly);

        var periods = monthly.PeriodsOf(new DateOnly(2017, 9, 1), new DateOnly(2017, 12, 10)).Select(p => p.Key).ToList();

        Assert.Equal(["2017-09", "2017-10", "2017-11", "2017-12"], periods);
    }

    [Fact]
    public void Read_WhenCadenceIsWrong_NamesEveryBadField()
    {
        var problems = new List<InputProblem>();

        var cycles = CadenceReader.Read("""
            [{"cycle": "monthly", "every": "month", "close": {"day": 31, "time": "09:00"}},
             {"cycle": "weekly", "every": "week", "close": {"weekday": "someday", "time": "25:00"}},
             {"cycle": "x", "every": "year", "close": {"time": "08:00"}}]
            """, "Asia/Shanghai", "plan.yaml", problems);

        Assert.Empty(cycles);
        Assert.Contains(problems, p => p.Field == "cadence[0].close.day");
        Assert.Contains(problems, p => p.Field == "cadence[1].close.time");
        Assert.Contains(problems, p => p.Field == "cadence[2].every");
        Assert.All(problems, p => Assert.Equal("plan.yaml", p.File));
    }

    [Fact]
    public void Read_WhenCadenceIsEmptyObject_MeansNoCycles()
    {
        var problems = new List<InputProblem>();

        Assert.Empty(CadenceReader.Read("{}", "Asia/Shanghai", "campaign", problems));
        Assert.Empty(problems);
    }

    [Fact]
    public void ShiftedClock_ReadsStartPlusScaledElapsedTime()
    {
        var anchor = TimeProvider.System.GetUtcNow().AddSeconds(-2);
        var clock = new ShiftedClock(DateTimeOffset.Parse("2017-10-31T00:00Z"), anchor, speed: 3600);

        var now = clock.GetUtcNow();

        // Two real seconds (and a little) at 3600x: two simulated hours, and not three.
        Assert.InRange(now, DateTimeOffset.Parse("2017-10-31T02:00Z"), DateTimeOffset.Parse("2017-10-31T03:00Z"));
    }
}
