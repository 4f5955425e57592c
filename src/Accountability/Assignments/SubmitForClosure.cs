using Accountability.Access;
using Accountability.Workflows;
using Dapper;

namespace Accountability.Assignments;

/// <summary>申请销号: the unit submits the item for closure with evidence files (checked by content, stored with their
/// SHA-256). A pending extension request is withdrawn: the work is done.</summary>
public sealed class SubmitForClosure(AssignmentTransitions transitions) : IUseCase
{
    private const string WithdrawExtension = """
        UPDATE extension_request SET status = 'withdrawn', decided_at = @now WHERE assignment_id = @assignmentId AND status = 'pending'
        """;

    public Task<ActionResult> RunAsync(Actor actor, ActionRequest request, IReadOnlyList<EvidenceUpload> files, string? note = null,
        CancellationToken cancellationToken = default) =>
        transitions.RunAsync(actor, request, "submit", [new(WorkflowParty.Unit, Operation.ActOnItem)],
            new ActionInputs { Files = files, Note = note },
            change: s => s.Before with { SubmittedAt = s.Now, HasPendingExtension = false },
            write: s => s.Connection.ExecuteAsync(WithdrawExtension, new { now = s.Now, assignmentId = s.Before.Id }),
            cancellationToken: cancellationToken);
}
