using Accountability.Access;
using Accountability.Workflows;

namespace Accountability.Assignments;

/// <summary>The verifier takes a submission up (验收中), so the unit sees someone is on it.</summary>
public sealed class StartVerification(AssignmentTransitions transitions) : IUseCase
{
    public Task<ActionResult> RunAsync(Actor actor, ActionRequest request, string? note = null, CancellationToken cancellationToken = default) =>
        transitions.RunAsync(actor, request, "start_verification", [new(WorkflowParty.Verifier, Operation.VerifyItem)],
            new ActionInputs { Note = note }, cancellationToken: cancellationToken);
}
