using Accountability.Calendar;

namespace Accountability.Plans;

/// <summary>The campaign as it will be stored: the file's values over the stored ones over the defaults.</summary>
public sealed record CompiledCampaign(
    string Code,
    string Name,
    string? DocumentNumber,
    long? HeadquartersUnitId,
    DateOnly StartsOn,
    DateOnly EndsOn,
    string TimeZoneId,
    string CalendarCode,
    string WorkflowCode,
    string? RulebookCode,
    int? PublicNoticeDays,
    string CadenceJson)
{
    public required TimeZoneInfo Zone { get; init; }

    public required WorkingDayCalendar Calendar { get; init; }
}

/// <summary>One unit's part in a task: its role and who verifies its work.</summary>
public readonly record struct TaskAssignee(long UnitId, string Role, long? VerifierUnitId);

/// <summary>A task with its units resolved and its deadline turned into instants.</summary>
public sealed record CompiledTask(
    string Number,
    string? Clause,
    string Title,
    string? Measures,
    string? Category,
    string? Target,
    long? LeadUnitId,
    long[] ResponsibleUnitIds,
    long[] CooperatingUnitIds,
    long? VerifierUnitId,
    string? LeadText,
    string? ResponsibleText,
    string? CooperatingText,
    string? VerifierText,
    string DeadlineText,
    DateTimeOffset? DueAt,
    bool LongTerm,
    string? RecurrenceJson,
    DateTimeOffset[] ObligationDueAts,
    string MilestonesJson,
    string[] EvidenceKinds,
    decimal Weight,
    IReadOnlyList<TaskAssignee> Assignees,
    Origin Origin)
{
    /// <summary>Obligations per assignee: one (number 0) for a one-off task, one per date for a recurring one.</summary>
    public int ObligationsPerAssignee => ObligationDueAts.Length == 0 ? 1 : ObligationDueAts.Length;

    public long ObligationCount => (long)Assignees.Count * ObligationsPerAssignee;
}

public sealed record CompiledLedgerItem(
    string Number,
    string Kind,
    string Name,
    long UnitId,
    string? TownText,
    string? ProblemType,
    string? DisposalClass,
    string? Measures,
    string? ResponsiblePerson,
    string DeadlineText,
    DateTimeOffset DueAt,
    string? Source,
    string? FoundLevel,
    long? VerifierUnitId,
    string? VerifierText,
    string Role,
    Origin Origin);

/// <summary>One row of the assignment table, before it is written.</summary>
public readonly record struct Obligation(long UnitId, string Role, int Number, long? VerifierUnitId, DateTimeOffset? DueAt);

/// <summary>A plan checked and compiled: what an import writes. Sections that are null were not in the file.</summary>
public sealed record CompiledPlan(
    CompiledCampaign Campaign,
    IReadOnlyList<CompiledTask>? Tasks,
    IReadOnlyList<CompiledLedgerItem>? Ledger,
    PlanCompilationDefinition Definition)
{
    public string CalendarVersion => Campaign.Calendar.Version;

    public long ObligationCount => (Tasks?.Sum(t => t.ObligationCount) ?? 0) + (Ledger?.Count ?? 0);

    /// <summary>Generated on demand, never materialised: a thousand tasks over two thousand units are a million rows.</summary>
    public static IEnumerable<Obligation> Obligations(CompiledTask task)
    {
        foreach (var assignee in task.Assignees)
        {
            if (task.ObligationDueAts.Length == 0)
            {
                yield return new Obligation(assignee.UnitId, assignee.Role, 0, assignee.VerifierUnitId, task.DueAt);
                continue;
            }

            for (var i = 0; i < task.ObligationDueAts.Length; i++)
            {
                yield return new Obligation(assignee.UnitId, assignee.Role, i + 1, assignee.VerifierUnitId, task.ObligationDueAts[i]);
            }
        }
    }

    public static Obligation Obligation(CompiledLedgerItem item) => new(item.UnitId, item.Role, 0, item.VerifierUnitId, item.DueAt);
}
