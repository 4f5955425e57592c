using Accountability.Calendar;

namespace Accountability.Assignments;

/// <summary>
/// Until workflow definitions drive it: every assignment starts on the built-in <c>assignment</c> workflow, version
/// 1, state <c>issued</c>, and must be acknowledged (签收) by the end of the next working day in the campaign's zone.
/// </summary>
public sealed class DefaultAssignmentStartPolicy : IAssignmentStartPolicy
{
    public const int AcknowledgeWithinWorkingDays = 1;

    public AssignmentStart For(string workflowCode, WorkingDayCalendar calendar, TimeZoneInfo zone, DateTimeOffset issuedAt)
    {
        var localIssue = TimeZoneInfo.ConvertTime(issuedAt, zone);
        var dueDay = calendar.AddWorkingDays(DateOnly.FromDateTime(localIssue.DateTime), AcknowledgeWithinWorkingDays);
        // End of that day: midnight starting the following day, in the campaign's zone.
        var endOfDay = dueDay.AddDays(1).ToDateTime(TimeOnly.MinValue);
        var dueAt = new DateTimeOffset(endOfDay, zone.GetUtcOffset(endOfDay)).ToUniversalTime();
        return new AssignmentStart(workflowCode, 1, "issued", "acknowledgement_due", dueAt, calendar.Version);
    }
}
