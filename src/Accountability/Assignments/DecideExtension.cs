using Accountability.Access;
using Accountability.Workflows;
using Dapper;

namespace Accountability.Assignments;

/// <summary>Approves (with a new due date, by a named leader) or refuses a pending extension request. The original
/// due date stays on the item; the new one is <c>extended_due_at</c> and the timers follow it.</summary>
public sealed class DecideExtension(AssignmentTransitions transitions) : IUseCase
{
    private const string DecideRequest = """
        UPDATE extension_request
        SET status = @status, decided_at = @now, decided_by = @personId, leader = @leader, new_due_at = @newDue, decision_note = @note
        WHERE assignment_id = @assignmentId AND status = 'pending'
        """;

    public Task<ActionResult> RunAsync(Actor actor, ActionRequest request, bool approve, DateOnly? newDueDate, string? leader,
        string? note, CancellationToken cancellationToken = default) =>
        transitions.RunAsync(actor, request, approve ? "approve_extension" : "refuse_extension",
            [new(WorkflowParty.Headquarters, Operation.DecideExtension)],
            new ActionInputs { NewDate = newDueDate, Leader = leader, Note = note },
            change: s => s.Before with
            {
                HasPendingExtension = false,
                ExtendedDueAt = approve && newDueDate is { } d ? s.Context.Campaign.EndOfDay(d) : s.Before.ExtendedDueAt,
            },
            write: s => s.Connection.ExecuteAsync(DecideRequest, new
            {
                status = approve ? "approved" : "refused", now = s.Now, personId = s.Actor.PersonId, leader,
                newDue = approve && newDueDate is { } d ? s.Context.Campaign.EndOfDay(d) : (DateTimeOffset?)null, note,
                assignmentId = s.Before.Id,
            }),
            cancellationToken: cancellationToken);
}
