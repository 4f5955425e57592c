using Accountability.Access;
using Accountability.Workflows;

namespace Accountability.Assignments;

/// <summary>A progress report: percent done, a note, optional attachments. Recomputes the item's light.</summary>
public sealed class ReportProgress(AssignmentTransitions transitions) : IUseCase
{
    public Task<ActionResult> RunAsync(Actor actor, ActionRequest request, int percent, string note,
        IReadOnlyList<EvidenceUpload>? files = null, CancellationToken cancellationToken = default) =>
        transitions.RunAsync(actor, request, "report_progress", [new(WorkflowParty.Unit, Operation.ActOnItem)],
            new ActionInputs { Percent = percent, Note = note, Files = files ?? [] },
            change: s => s.Before with { ProgressPercent = percent, ProgressReportedAt = s.Now },
            cancellationToken: cancellationToken);
}
