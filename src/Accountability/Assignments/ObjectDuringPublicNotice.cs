using Accountability.Access;
using Accountability.Workflows;

namespace Accountability.Assignments;

/// <summary>An objection received during public notice (公示), recorded by headquarters or inspection staff: the item
/// goes back to the verifier.</summary>
public sealed class ObjectDuringPublicNotice(AssignmentTransitions transitions) : IUseCase
{
    public Task<ActionResult> RunAsync(Actor actor, ActionRequest request, string objection, CancellationToken cancellationToken = default) =>
        transitions.RunAsync(actor, request, "object", [new(WorkflowParty.Inspector, Operation.RecordInspection)],
            new ActionInputs { Objection = objection }, cancellationToken: cancellationToken);
}
