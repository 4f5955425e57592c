using Accountability.Calendar;
using Accountability.Workflows;

namespace Accountability.Assignments;

/// <summary>
/// How assignments start, from the workflow definition: the latest version of the campaign's workflow, its initial
/// state, and the earliest timer of that state counted from the issue time (for the default definition,
/// acknowledgement due at the end of the next working day on the campaign's calendar). Timers counted from the due
/// date are computed when that first timer fires, because plan import asks once for a whole import.
/// </summary>
public sealed class WorkflowAssignmentStartPolicy(WorkflowCatalog catalog) : IAssignmentStartPolicy
{
    public AssignmentStart For(string workflowCode, WorkingDayCalendar calendar, TimeZoneInfo zone, DateTimeOffset issuedAt)
    {
        var definition = catalog.Latest(workflowCode);
        var campaign = new CampaignFacts(0, "", zone, calendar, null, null);
        var item = new AssignmentFacts { IssuedAt = issuedAt, State = definition.Initial };
        var first = TimerSchedule.Next(definition, definition.Initial, item, campaign, issuedAt).Next;
        return new AssignmentStart(definition.Code, definition.Version, definition.Initial, first?.Kind, first?.At, calendar.Version);
    }

    /// <summary>The first state and timers of an item whose due date is known (problems recorded one by one).</summary>
    public static AssignmentFacts Start(WorkflowDefinition definition, AssignmentFacts item, CampaignFacts campaign, DateTimeOffset now)
    {
        var started = item with { State = definition.Initial, WorkflowCode = definition.Code, WorkflowVersion = definition.Version };
        var next = TimerSchedule.Next(definition, definition.Initial, started, campaign, now).Next;
        return started with { NextTimerAt = next?.At, NextTimerKind = next?.Kind };
    }
}
