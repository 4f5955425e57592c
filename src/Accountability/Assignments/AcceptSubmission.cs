using Accountability.Access;
using Accountability.Workflows;

namespace Accountability.Assignments;

/// <summary>验收通过: the verifier accepts and is recorded as accountable for it (谁验收谁负责). The item goes to public
/// notice when the campaign has one, otherwise it is closed (or closed long-term) at once.</summary>
public sealed class AcceptSubmission(AssignmentTransitions transitions) : IUseCase
{
    public Task<ActionResult> RunAsync(Actor actor, ActionRequest request, string? note = null, CancellationToken cancellationToken = default) =>
        transitions.RunAsync(actor, request, "accept", [new(WorkflowParty.Verifier, Operation.VerifyItem)],
            new ActionInputs { Note = note },
            change: s => s.Before with
            {
                VerifiedAt = s.Now,
                VerifiedBy = s.Actor.PersonId,
                ClosedAt = s.Context.Definition.IsOpen(s.Decision.To) ? null : s.Now,
            },
            check: s => SubmitterMayNotVerifyTheirOwnSubmissionRule.CheckAsync(s, "accept"),
            cancellationToken: cancellationToken);
}
