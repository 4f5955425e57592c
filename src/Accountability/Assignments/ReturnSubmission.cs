using Accountability.Access;
using Accountability.Workflows;

namespace Accountability.Assignments;

/// <summary>退回: the verifier returns the submission with requirements; the clock runs again. Marked as a false reply
/// (虚假销号) it is scored as returned_as_false.</summary>
public sealed class ReturnSubmission(AssignmentTransitions transitions) : IUseCase
{
    public Task<ActionResult> RunAsync(Actor actor, ActionRequest request, string requirements, bool falseReply = false,
        IReadOnlyList<EvidenceUpload>? files = null, CancellationToken cancellationToken = default) =>
        transitions.RunAsync(actor, request, "return", [new(WorkflowParty.Verifier, Operation.VerifyItem)],
            new ActionInputs { Requirements = requirements, FalseReply = falseReply, Files = files ?? [] },
            check: s => SubmitterMayNotVerifyTheirOwnSubmissionRule.CheckAsync(s, "return"),
            cancellationToken: cancellationToken);
}
