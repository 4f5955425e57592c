using Accountability.Calendar;

namespace Accountability.Assignments;

/// <summary>What the workflow reads about one assignment: the row, plus what its task or ledger item says.</summary>
public sealed record AssignmentFacts
{
    public long Id { get; init; }
    public long CampaignId { get; init; }
    public long UnitId { get; init; }
    public string UnitName { get; init; } = "";
    public long? VerifierUnitId { get; init; }
    public long? TaskId { get; init; }
    public long? LedgerItemId { get; init; }
    public string Number { get; init; } = "";
    public string Title { get; init; } = "";
    public string Role { get; init; } = "lead";
    public string State { get; init; } = "";
    public int RowVersion { get; init; }
    public string WorkflowCode { get; init; } = "";
    public int WorkflowVersion { get; init; }
    public DateTimeOffset IssuedAt { get; init; }
    public DateTimeOffset? DueAt { get; init; }
    public DateTimeOffset? ExtendedDueAt { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; init; }
    public long? AcknowledgedBy { get; init; }
    public DateTimeOffset? SubmittedAt { get; init; }
    public DateTimeOffset? VerifiedAt { get; init; }
    public long? VerifiedBy { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    public DateTimeOffset? LastChasedAt { get; init; }
    public int ChaserLevel { get; init; }
    public DateTimeOffset? LastLookBackAt { get; init; }
    public DateTimeOffset? LookBackSampledAt { get; init; }
    public string[] TimersFired { get; init; } = [];
    public bool LongTerm { get; init; }
    public string? LedgerKind { get; init; }
    public string? FoundLevel { get; init; }
    public string[] EvidenceKinds { get; init; } = [];
    public bool HasPendingExtension { get; init; }
    public int ProgressPercent { get; init; }
    public DateTimeOffset? ProgressReportedAt { get; init; }
    public string? Light { get; init; }
    public string? Milestones { get; init; }
    public DateTimeOffset? NextTimerAt { get; init; }
    public string? NextTimerKind { get; init; }
    public DateTimeOffset? RecheckAt { get; init; }
    public string? RecheckKind { get; init; }
    public int RelapseCount { get; init; }
    public bool VerifierFlagged { get; init; }

    /// <summary>The due time that counts: the extended one if an extension was granted.</summary>
    public DateTimeOffset? EffectiveDue => ExtendedDueAt ?? DueAt;
}

/// <summary>What the workflow reads about the campaign an assignment belongs to.</summary>
public sealed record CampaignFacts(long Id, string Code, TimeZoneInfo Zone, WorkingDayCalendar Calendar,
    int? PublicNoticeDays, long? HeadquartersUnitId)
{
    /// <summary>The end of <paramref name="date"/> in the campaign's zone: midnight starting the next day.</summary>
    public DateTimeOffset EndOfDay(DateOnly date) => Local(date.AddDays(1), TimeOnly.MinValue);

    public DateTimeOffset Local(DateOnly date, TimeOnly time)
    {
        var local = date.ToDateTime(time);
        return new DateTimeOffset(local, Zone.GetUtcOffset(local)).ToUniversalTime();
    }

    public DateOnly Today(DateTimeOffset now) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, Zone).DateTime);
}
