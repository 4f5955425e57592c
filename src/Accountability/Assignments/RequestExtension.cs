using Accountability.Access;
using Accountability.Workflows;
using Dapper;

namespace Accountability.Assignments;

/// <summary>延期申请: only before the (possibly extended) due date. Filed after it, the request is refused with
/// ExtensionMustBeFiledBeforeDueDateRule and the refusal is recorded (extension_refused_after_due).</summary>
public sealed class RequestExtension(AssignmentTransitions transitions) : IUseCase
{
    private const string InsertRequest = """
        INSERT INTO extension_request (assignment_id, requested_at, requested_by, reason, proposed_due_at, status, audit_seq)
        VALUES (@assignmentId, @now, @personId, @reason, @proposed, @status, @seq)
        """;

    public Task<ActionResult> RunAsync(Actor actor, ActionRequest request, string reason, DateOnly proposedDate,
        CancellationToken cancellationToken = default)
    {
        Task Insert(ActionStep s, string status) => s.Connection.ExecuteAsync(InsertRequest, new
        {
            assignmentId = s.Before.Id, now = s.Now, personId = s.Actor.PersonId, reason,
            proposed = s.Context.Campaign.EndOfDay(proposedDate), status, seq = s.AuditSeq,
        });

        return transitions.RunAsync(actor, request, "request_extension", [new(WorkflowParty.Unit, Operation.ActOnItem)],
            new ActionInputs { Reason = reason, ProposedDate = proposedDate },
            change: s => s.Before with { HasPendingExtension = true },
            write: s => Insert(s, "pending"),
            writeRefusal: s => Insert(s, "refused_after_due"),
            cancellationToken: cancellationToken);
    }
}
