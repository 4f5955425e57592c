using Accountability.Calendar;

namespace Accountability.Assignments;

/// <summary>How a newly issued assignment starts: the workflow definition and version it stays on for life, its first
/// state, and its first timer (when acknowledgement is due).</summary>
public sealed record AssignmentStart(string WorkflowCode, int WorkflowVersion, string State, string? FirstTimerKind,
    DateTimeOffset? FirstTimerAt, string CalendarVersion);

/// <summary>
/// Decides how assignments start. Plan compilation asks once per import (every row of one import starts alike) and
/// writes the answer into each row it copies in; the assignment workflow owns the answer.
/// </summary>
public interface IAssignmentStartPolicy
{
    AssignmentStart For(string workflowCode, WorkingDayCalendar calendar, TimeZoneInfo zone, DateTimeOffset issuedAt);
}
