using Accountability.Access;
using Accountability.Workflows;

namespace Accountability.Assignments;

public enum LookBackResult
{
    /// <summary>The problem has not come back.</summary>
    Pass,

    /// <summary>反弹: the problem is back; the item is reopened with a new due date and the verifier is flagged.</summary>
    Relapse,
}

/// <summary>回头看: the result of re-inspecting a closed item. A relapse reopens it (relapse count + 1, new due date),
/// records a relapse scoring event (which rulebooks count as a new problem and as an unrectified one) and flags the
/// verifier who accepted it (谁验收谁负责). Either result answers the look-back sampling asked for: its pending
/// look-back timer stops, and the item is sampled again only after it is closed again.</summary>
public sealed class RecordLookBack(AssignmentTransitions transitions) : IUseCase
{
    public Task<ActionResult> RunAsync(Actor actor, ActionRequest request, LookBackResult result, string? note,
        DateOnly? newDueDate = null, IReadOnlyList<EvidenceUpload>? files = null, CancellationToken cancellationToken = default) =>
        transitions.RunAsync(actor, request, result == LookBackResult.Pass ? "look_back_pass" : "look_back_relapse",
            [new(WorkflowParty.Verifier, Operation.VerifyItem), new(WorkflowParty.Inspector, Operation.RecordInspection)],
            new ActionInputs { Note = note, NewDate = newDueDate, Files = files ?? [] },
            change: s => result == LookBackResult.Pass
                ? s.Before with { LastLookBackAt = s.Now, LookBackSampledAt = null }
                : s.Before with
                {
                    LastLookBackAt = s.Now,
                    LookBackSampledAt = null,
                    RelapseCount = s.Before.RelapseCount + 1,
                    VerifierFlagged = true,
                    ExtendedDueAt = newDueDate is { } d ? s.Context.Campaign.EndOfDay(d) : s.Before.ExtendedDueAt,
                    ClosedAt = null,
                    SubmittedAt = null,
                    ChaserLevel = 0,
                },
            // A relapse found by the submitter is a confession, not a conflict of interest; a pass is a ruling.
            check: result == LookBackResult.Pass ? s => SubmitterMayNotVerifyTheirOwnSubmissionRule.CheckAsync(s, "pass the look-back of") : null,
            cancellationToken: cancellationToken);
}
