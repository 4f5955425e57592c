using Accountability.Plans;

namespace Accountability.Tests.Plans;

/// <summary>Every deadline phrase planners write, read without a database or clock.</summary>
public sealed class DeadlinePhraseTests
{
    private static readonly DateOnly AutumnStart = new(2017, 9, 9);

    [Theory]
    [InlineData("2017-12-31", "2017-12-31")]
    [InlineData("2017/9/30", "2017-09-30")]
    [InlineData("2017.10.8", "2017-10-08")]
    [InlineData("2017年12月31日", "2017-12-31")]
    [InlineData("2017年12月31日前", "2017-12-31")]
    [InlineData("2017年12月底前", "2017-12-31")]
    [InlineData("2017年12月底前完成", "2017-12-31")]
    [InlineData("2017年底前", "2017-12-31")]
    [InlineData("2018年上半年", "2018-06-30")]
    [InlineData("9月30日前", "2017-09-30")]
    [InlineData("9月30号之前", "2017-09-30")]
    [InlineData("１０月１５日前", "2017-10-15")]
    [InlineData("10月中旬前", "2017-10-20")]
    [InlineData("10月上旬", "2017-10-10")]
    [InlineData("11月底前", "2017-11-30")]
    [InlineData("11月份内", "2017-11-30")]
    [InlineData("2月底前", "2018-02-28")]
    [InlineData("3月15日前", "2018-03-15")]
    public void Parse_AFixedDate_GivesThatDayWithTheYearOfTheCampaign(string text, string expected)
    {
        var spec = DeadlinePhrase.Parse(text, AutumnStart, out var error);

        Assert.Null(error);
        Assert.Equal(DateOnly.Parse(expected), Assert.IsType<FixedDeadline>(spec).Day);
    }

    [Fact]
    public void Parse_SeveralDates_TakesTheLastAndKeepsTheOthers()
    {
        var spec = Assert.IsType<FixedDeadline>(DeadlinePhrase.Parse("10月底前完成排查，12月底前完成整治", AutumnStart, out _));

        Assert.Equal(new DateOnly(2017, 12, 31), spec.Day);
        Assert.Equal([new DateOnly(2017, 10, 31)], spec.Earlier);
    }

    [Theory]
    [InlineData("每月25日前报送", RecurrenceEvery.Month, 25, null)]
    [InlineData("每月5号前上报", RecurrenceEvery.Month, 5, null)]
    [InlineData("每月底前报送", RecurrenceEvery.Month, null, null)]
    [InlineData("每周五前报送", RecurrenceEvery.Week, null, DayOfWeek.Friday)]
    [InlineData("每周星期一", RecurrenceEvery.Week, null, DayOfWeek.Monday)]
    [InlineData("每天一通报", RecurrenceEvery.Day, null, null)]
    [InlineData("每日17时前报送", RecurrenceEvery.Day, null, null)]
    [InlineData("每季度末", RecurrenceEvery.Quarter, null, null)]
    public void Parse_ARecurringReport_GivesItsSeries(string text, RecurrenceEvery every, int? day, DayOfWeek? weekday)
    {
        var spec = Assert.IsType<RecurringDeadline>(DeadlinePhrase.Parse(text, AutumnStart, out _));

        Assert.Equal(every, spec.Every);
        Assert.Equal(day, spec.Day);
        Assert.Equal(weekday, spec.Weekday);
    }

    [Theory]
    [InlineData("启动后15个工作日内", DeadlineAnchor.CampaignStart, 15, RelativeUnit.WorkingDays)]
    [InlineData("方案印发之日起10个工作日内", DeadlineAnchor.CampaignStart, 10, RelativeUnit.WorkingDays)]
    [InlineData("行动启动后30日内", DeadlineAnchor.CampaignStart, 30, RelativeUnit.Days)]
    [InlineData("交办后5个工作日内", DeadlineAnchor.Issue, 5, RelativeUnit.WorkingDays)]
    [InlineData("收到交办后3个月内", DeadlineAnchor.Issue, 3, RelativeUnit.Months)]
    [InlineData("20个工作日内完成", DeadlineAnchor.CampaignStart, 20, RelativeUnit.WorkingDays)]
    [InlineData("启动后2周内", DeadlineAnchor.CampaignStart, 14, RelativeUnit.Days)]
    public void Parse_ARelativeTime_GivesItsAnchorAndCount(string text, DeadlineAnchor anchor, int count, RelativeUnit unit)
    {
        var spec = Assert.IsType<RelativeDeadline>(DeadlinePhrase.Parse(text, AutumnStart, out _));

        Assert.Equal(new RelativeDeadline(anchor, count, unit), spec);
    }

    [Theory]
    [InlineData("长期坚持")]
    [InlineData("立即启动，长期坚持")]
    [InlineData("持续推进")]
    [InlineData("常态化开展")]
    public void Parse_LongTerm_HasNoDueDate(string text) =>
        Assert.IsType<LongTermDeadline>(DeadlinePhrase.Parse(text, AutumnStart, out _));

    [Theory]
    [InlineData("尽快", "is not a deadline")]
    [InlineData("2017年13月底前", "no month 13")]
    [InlineData("2017年2月30日前", "no day 30 in month 2")]
    [InlineData("每月32日前报送", "no day 32")]
    [InlineData("", "is empty")]
    public void Parse_SomethingElse_IsRefusedWithTheReason(string text, string reason)
    {
        var spec = DeadlinePhrase.Parse(text, AutumnStart, out var error);

        Assert.Null(spec);
        Assert.Contains(reason, error?.Text);
    }
}
