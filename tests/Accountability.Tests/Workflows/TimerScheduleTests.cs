using Accountability.Assignments;
using Accountability.Calendar;
using Accountability.Workflows;

namespace Accountability.Tests.Workflows;

/// <summary>Relative timers become instants on the statutory calendar in the campaign's zone.</summary>
public sealed class TimerScheduleTests
{
    private static readonly WorkflowDefinition Definition = new WorkflowCatalog(Path.Combine(RepositoryPaths.Workflows, "definitions")).Latest("assignment");
    private static readonly CampaignFacts Campaign = new(1, "c", TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"),
        new CalendarCatalog(Path.Combine(RepositoryPaths.Workflows, "calendars")).Get("cn"), 5, null);

    private static DateTimeOffset Local(int month, int day, int hour = 0) => new DateTimeOffset(2017, month, day, hour, 0, 0, TimeSpan.FromHours(8));

    private static DateTimeOffset? Instant(string timer, AssignmentFacts item) => TimerSchedule.InstantOf(Definition.Timer(timer)!, item, Campaign);

    [Fact]
    public void AcknowledgementDue_FromAFriday_IsTheEndOfTheMakeUpSaturday()
    {
        // 2017-09-30 is a Saturday worked for the National Day holiday (调休).
        var item = new AssignmentFacts { IssuedAt = Local(9, 29, 10) };

        Assert.Equal(Local(10, 1), Instant("acknowledgement_due", item));
    }

    [Fact]
    public void DueSoon_CountsWorkingDaysBackwardsOverTheHoliday()
    {
        // Due at the end of Monday 2017-10-09; three working days before: 9/30 (make-up Saturday), 9/29, 9/28.
        var item = new AssignmentFacts { IssuedAt = Local(9, 1), DueAt = Local(10, 10) };

        Assert.Equal(Local(9, 28, 9), Instant("due_soon", item));
    }

    [Fact]
    public void Chaser_TheDayAfterAMissOnAFriday_IsMondayMorning()
    {
        var item = new AssignmentFacts { IssuedAt = Local(9, 1), DueAt = Local(10, 14) };

        Assert.Equal(Local(10, 14), Instant("overdue", item));
        Assert.Equal(Local(10, 16, 9), Instant("chaser", item));
    }

    [Fact]
    public void PublicNoticeEnd_IsTheCampaignsDaysInWorkingDays_AndAbsentWithoutThem()
    {
        var item = new AssignmentFacts { IssuedAt = Local(9, 1), VerifiedAt = Local(9, 29, 15) };

        // 9/30 (make-up Saturday), then 10/9 to 10/12 after the holiday: the window ends with 10/12.
        Assert.Equal(Local(10, 13), Instant("public_notice_end", item));
        Assert.Null(TimerSchedule.InstantOf(Definition.Timer("public_notice_end")!, item, Campaign with { PublicNoticeDays = null }));
    }

    [Fact]
    public void Next_SkipsAReminderAlreadyFired_AndOnePastItsUntil()
    {
        var item = new AssignmentFacts { State = "in_progress", IssuedAt = Local(9, 1), DueAt = Local(10, 14), AcknowledgedAt = Local(9, 1) };
        var dueSoon = Instant("due_soon", item)!.Value;

        Assert.Equal(new PendingTimer("due_soon", dueSoon), TimerSchedule.Next(Definition, "in_progress", item, Campaign, Local(9, 2)).Next);

        var fired = item with { TimersFired = [PendingTimer.FiredKey("due_soon", dueSoon)] };
        Assert.Equal("overdue", TimerSchedule.Next(Definition, "in_progress", fired, Campaign, Local(9, 2)).Next?.Kind);

        // Returned after the due date: no "due soon" any more, overdue at once.
        Assert.Equal(new PendingTimer("overdue", Local(10, 14)), TimerSchedule.Next(Definition, "returned", item, Campaign, Local(10, 20)).Next);
    }

    [Fact]
    public void Next_InAFinalState_GoesToTheRecheckColumnsNeverTheNextTimer()
    {
        var item = new AssignmentFacts { State = "closed_long_term", IssuedAt = Local(9, 1), ClosedAt = Local(10, 9, 15) };

        var next = TimerSchedule.Next(Definition, "closed_long_term", item, Campaign, Local(10, 9, 15));

        Assert.Null(next.Next);
        Assert.Equal(new PendingTimer("recheck_due", Local(11, 8, 9)), next.Recheck);
    }

    [Fact]
    public void Next_ForAClosedItem_IsALookBackOnlyOnceSamplingPickedIt()
    {
        var closed = new AssignmentFacts { State = "closed", IssuedAt = Local(9, 1), ClosedAt = Local(9, 12, 15) };
        // Picked on the eve of National Day: the verifier is told on the first working morning after it.
        var sampled = closed with { LookBackSampledAt = Local(9, 30, 22) };
        var fired = sampled with { TimersFired = [PendingTimer.FiredKey("look_back_due", Local(10, 9, 9))] };

        Assert.Equal(new TimerSchedule.NextTimers(null, null), TimerSchedule.Next(Definition, "closed", closed, Campaign, Local(10, 20)));
        Assert.Equal(new PendingTimer("look_back_due", Local(10, 9, 9)), TimerSchedule.Next(Definition, "closed", sampled, Campaign, Local(9, 30, 22)).Recheck);
        Assert.Null(TimerSchedule.Next(Definition, "closed", fired, Campaign, Local(10, 9, 9)).Recheck);
    }
}
