using Accountability.Access;
using Accountability.Workflows;

namespace Accountability.Assignments;

/// <summary>销号 after the public notice has ended (the timer does the same at the end of the window); a long-term
/// task is closed as 长期坚持 and re-checked on a schedule.</summary>
public sealed class CloseAssignment(AssignmentTransitions transitions) : IUseCase
{
    public Task<ActionResult> RunAsync(Actor actor, ActionRequest request, string? note = null, CancellationToken cancellationToken = default) =>
        transitions.RunAsync(actor, request, "close", [new(WorkflowParty.Verifier, Operation.VerifyItem)],
            new ActionInputs { Note = note },
            change: s => s.Before with { ClosedAt = s.Now },
            check: s => SubmitterMayNotVerifyTheirOwnSubmissionRule.CheckAsync(s, "close"),
            cancellationToken: cancellationToken);
}
