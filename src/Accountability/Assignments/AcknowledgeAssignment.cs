using Accountability.Access;
using Accountability.Workflows;

namespace Accountability.Assignments;

/// <summary>签收: the unit confirms receipt. The time-stamped receipt is the proof of notice; after its due time the
/// definition records acknowledged_late.</summary>
public sealed class AcknowledgeAssignment(AssignmentTransitions transitions) : IUseCase
{
    public Task<ActionResult> RunAsync(Actor actor, ActionRequest request, string? note = null, CancellationToken cancellationToken = default) =>
        transitions.RunAsync(actor, request, "acknowledge", [new(WorkflowParty.Unit, Operation.ActOnItem)], new ActionInputs { Note = note },
            change: s => s.Before with { AcknowledgedAt = s.Now, AcknowledgedBy = s.Actor.PersonId },
            cancellationToken: cancellationToken);
}
