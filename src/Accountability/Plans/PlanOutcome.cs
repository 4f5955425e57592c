namespace Accountability.Plans;

/// <summary>A plan file sent to validate, diff or import. <see cref="CampaignCode"/> names the campaign when the file
/// has no campaign section (a CSV holds one table); when both are given they must agree.</summary>
/// <param name="RulebookCode">A rulebook to apply instead of the one the file names: the simulator imports a plan this
/// way to try a rulebook on it before the planners adopt it.</param>
/// <param name="ExpectedVersion">The version the planner was shown this import would become (the diff's
/// <see cref="PlanOutcome.Version"/>). When given, an import that would become any other version is refused and writes
/// nothing: a second confirmation of the same check (a double click, a retried request) or a confirmation after
/// another planner's import would otherwise write a version nobody checked.</param>
public sealed record PlanRequest(string FileName, byte[] Bytes, string? CampaignCode = null, string? RulebookCode = null,
    int? ExpectedVersion = null);

/// <summary>How far a long import has got, for a progress bar.</summary>
public sealed record PlanProgress(string Stage, long Done, long Total);

/// <summary>A task or ledger item that a new version adds, changes or cancels, and what changed.</summary>
public sealed record PlanItemChange(string Number, string Title, IReadOnlyList<string> Changes);

/// <summary>What happens to assignment rows: issued, rescheduled or re-routed (still open), cancelled (were open),
/// kept because they are closed and have history, left as they are.</summary>
public sealed record AssignmentChanges(long Added, long Updated, long Cancelled, long KeptClosed, long Unchanged);

public sealed record PlanDiff(
    bool NewCampaign,
    IReadOnlyList<string> CampaignChanges,
    IReadOnlyList<PlanItemChange> TasksAdded,
    IReadOnlyList<PlanItemChange> TasksChanged,
    IReadOnlyList<PlanItemChange> TasksCancelled,
    int TasksUnchanged,
    IReadOnlyList<PlanItemChange> LedgerAdded,
    IReadOnlyList<PlanItemChange> LedgerChanged,
    IReadOnlyList<PlanItemChange> LedgerCancelled,
    int LedgerUnchanged,
    AssignmentChanges Assignments);

/// <summary>The answer to validate (<see cref="Diff"/> null), diff and import (<see cref="Version"/> is the version
/// written, or the one an import would write).</summary>
public sealed record PlanOutcome(
    string Action,
    string File,
    string Sha256,
    string CampaignCode,
    string CampaignName,
    int Version,
    int Tasks,
    int LedgerItems,
    long Assignments,
    PlanDiff? Diff,
    IReadOnlyList<InputProblem> Warnings);
