using Accountability.Access;
using Accountability.Workflows;

namespace Accountability.Assignments;

/// <summary>A complaint (投诉) found unfounded after investigation is closed as such, with the investigation record.
/// Only complaints can be (OnlyComplaintsMayBeClosedAsUnfoundedRule).</summary>
public sealed class CloseComplaintAsUnfounded(AssignmentTransitions transitions) : IUseCase
{
    public Task<ActionResult> RunAsync(Actor actor, ActionRequest request, string investigation,
        IReadOnlyList<EvidenceUpload>? files = null, CancellationToken cancellationToken = default) =>
        transitions.RunAsync(actor, request, "close_unfounded",
            [new(WorkflowParty.Inspector, Operation.RecordInspection), new(WorkflowParty.Verifier, Operation.VerifyItem)],
            new ActionInputs { Investigation = investigation, Files = files ?? [] },
            change: s => s.Before with { ClosedAt = s.Now },
            cancellationToken: cancellationToken);
}
