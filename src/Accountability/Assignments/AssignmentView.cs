using Accountability.Workflows;

namespace Accountability.Assignments;

/// <summary>An assignment as the API and pages show it after an action or on a read. <see cref="Version"/> is the
/// row version: send it back (If-Match) to act only on what you saw.</summary>
public sealed record AssignmentView(
    long Id,
    long CampaignId,
    string Number,
    string Title,
    long UnitId,
    string UnitName,
    string Role,
    long? VerifierUnitId,
    string State,
    string StateLabel,
    bool Open,
    int Version,
    string Workflow,
    DateTimeOffset IssuedAt,
    DateTimeOffset? DueAt,
    DateTimeOffset? ExtendedDueAt,
    DateTimeOffset? AcknowledgedAt,
    int ProgressPercent,
    DateTimeOffset? ProgressReportedAt,
    string? Light,
    DateTimeOffset? SubmittedAt,
    DateTimeOffset? VerifiedAt,
    long? VerifiedBy,
    DateTimeOffset? ClosedAt,
    int RelapseCount,
    bool VerifierFlagged,
    int ChaserLevel,
    string? NextTimerKind,
    DateTimeOffset? NextTimerAt)
{
    public static AssignmentView From(AssignmentFacts item, WorkflowDefinition definition)
    {
        var state = definition.HasState(item.State) ? definition.State(item.State) : new StateDefinition(item.State, item.State, false);
        return new AssignmentView(item.Id, item.CampaignId, item.Number, item.Title, item.UnitId, item.UnitName, item.Role,
            item.VerifierUnitId, item.State, state.Label, state.Open, item.RowVersion, $"{definition.Code}/v{definition.Version}",
            item.IssuedAt, item.DueAt, item.ExtendedDueAt, item.AcknowledgedAt, item.ProgressPercent, item.ProgressReportedAt,
            item.Light, item.SubmittedAt, item.VerifiedAt, item.VerifiedBy, item.ClosedAt, item.RelapseCount, item.VerifierFlagged,
            item.ChaserLevel, item.NextTimerKind ?? item.RecheckKind, item.NextTimerAt ?? item.RecheckAt);
    }
}

/// <summary>The answer to an action: the item afterwards, and whether this is the stored answer to an earlier request
/// with the same Idempotency-Key (nothing was done this time).</summary>
public sealed record ActionResult(AssignmentView Item, bool Replayed);

/// <summary>Which assignment, optionally the row version the actor saw (a stale one is refused with 409), and an
/// idempotency key that makes a retry return the first answer.</summary>
public sealed record ActionRequest(long AssignmentId, int? ExpectedVersion = null, string? IdempotencyKey = null);
