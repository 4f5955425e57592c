using Accountability.Calendar;
using Dapper;
using Npgsql;

namespace Accountability.Assignments;

/// <summary>The SQL the assignment use cases share: an item's facts (optionally locked for an action), its campaign,
/// and the one UPDATE an action makes to the row.</summary>
public sealed class AssignmentStore(NpgsqlDataSource dataSource, CalendarCatalog calendars) : IStore
{
    /// <summary>The columns of <see cref="AssignmentFacts"/>; the sweep and the reads use the same list.</summary>
    public const string FactsColumns = """
        a.id AS "Id", a.campaign_id AS "CampaignId", a.unit_id AS "UnitId", u.name AS "UnitName",
        a.verifier_unit_id AS "VerifierUnitId", a.task_id AS "TaskId", a.ledger_item_id AS "LedgerItemId",
        coalesce(t.number, l.number) AS "Number", coalesce(t.title, l.name) AS "Title", a.role AS "Role",
        a.state AS "State", a.row_version AS "RowVersion", a.workflow_code AS "WorkflowCode",
        a.workflow_version AS "WorkflowVersion", a.issued_at AS "IssuedAt", a.due_at AS "DueAt",
        a.extended_due_at AS "ExtendedDueAt", a.acknowledged_at AS "AcknowledgedAt", a.acknowledged_by AS "AcknowledgedBy",
        a.submitted_at AS "SubmittedAt", a.verified_at AS "VerifiedAt", a.verified_by AS "VerifiedBy",
        a.closed_at AS "ClosedAt", a.last_chased_at AS "LastChasedAt", a.chaser_level::int AS "ChaserLevel",
        a.last_look_back_at AS "LastLookBackAt", a.look_back_sampled_at AS "LookBackSampledAt", a.timers_fired AS "TimersFired",
        coalesce(t.long_term, false) AS "LongTerm", l.kind AS "LedgerKind", l.found_level AS "FoundLevel",
        coalesce(t.evidence_kinds, '{}') AS "EvidenceKinds",
        EXISTS (SELECT 1 FROM extension_request e WHERE e.assignment_id = a.id AND e.status = 'pending') AS "HasPendingExtension",
        a.progress_percent::int AS "ProgressPercent", a.progress_reported_at AS "ProgressReportedAt", a.light AS "Light",
        t.milestones::text AS "Milestones", a.next_timer_at AS "NextTimerAt", a.next_timer_kind AS "NextTimerKind",
        a.recheck_at AS "RecheckAt", a.recheck_kind AS "RecheckKind", a.relapse_count AS "RelapseCount",
        a.verifier_flagged AS "VerifierFlagged"
        """;

    public const string FactsFrom = """
        FROM assignment a
        JOIN unit u ON u.id = a.unit_id
        LEFT JOIN task t ON t.id = a.task_id
        LEFT JOIN ledger_item l ON l.id = a.ledger_item_id
        """;

    private const string SelectFacts = "SELECT " + FactsColumns + "\n" + FactsFrom + "\nWHERE a.id = @id";

    private const string SelectFactsForUpdate = SelectFacts + "\nFOR UPDATE OF a";

    private const string SelectCampaign = """
        SELECT id, code, time_zone AS TimeZone, calendar_code AS CalendarCode, public_notice_days AS PublicNoticeDays,
               headquarters_unit_id AS HeadquartersUnitId
        FROM campaign WHERE id = ANY(@ids)
        """;

    private const string UpdateRow = """
        UPDATE assignment SET
            state = @State, row_version = row_version + 1,
            acknowledged_at = @AcknowledgedAt, acknowledged_by = @AcknowledgedBy,
            progress_percent = @ProgressPercent, progress_reported_at = @ProgressReportedAt,
            submitted_at = @SubmittedAt, verified_at = @VerifiedAt, verified_by = @VerifiedBy, closed_at = @ClosedAt,
            extended_due_at = @ExtendedDueAt, last_chased_at = @LastChasedAt, chaser_level = @ChaserLevel,
            last_look_back_at = @LastLookBackAt, look_back_sampled_at = @LookBackSampledAt, relapse_count = @RelapseCount,
            verifier_flagged = @VerifierFlagged,
            light = @Light, next_timer_at = @NextTimerAt, next_timer_kind = @NextTimerKind,
            recheck_at = @RecheckAt, recheck_kind = @RecheckKind, timers_fired = @TimersFired, updated_at = @UpdatedAt
        WHERE id = @Id
        RETURNING row_version
        """;

    private sealed record CampaignRow(long Id, string Code, string TimeZone, string CalendarCode, int? PublicNoticeDays,
        long? HeadquartersUnitId);

    public async Task<AssignmentFacts?> FindAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, id, lockRow: false);
    }

    public static async Task<AssignmentFacts?> FindAsync(NpgsqlConnection connection, long id, bool lockRow) =>
        await connection.QuerySingleOrDefaultAsync<AssignmentFacts>(lockRow ? SelectFactsForUpdate : SelectFacts, new { id });

    public async Task<CampaignFacts> CampaignAsync(NpgsqlConnection connection, long campaignId) =>
        (await CampaignsAsync(connection, [campaignId]))[campaignId];

    public async Task<Dictionary<long, CampaignFacts>> CampaignsAsync(NpgsqlConnection connection, long[] ids)
    {
        var rows = await connection.QueryAsync<CampaignRow>(SelectCampaign, new { ids });
        return rows.ToDictionary(r => r.Id, r => new CampaignFacts(r.Id, r.Code, TimeZoneInfo.FindSystemTimeZoneById(r.TimeZone),
            calendars.Get(r.CalendarCode), r.PublicNoticeDays, r.HeadquartersUnitId));
    }

    /// <summary>Writes every mutable column of <paramref name="item"/> and bumps the row version; returns the new
    /// version. The caller holds the row lock.</summary>
    public static async Task<int> UpdateAsync(NpgsqlConnection connection, AssignmentFacts item, DateTimeOffset now) =>
        await connection.ExecuteScalarAsync<int>(UpdateRow, new
        {
            item.Id, item.State, item.AcknowledgedAt, item.AcknowledgedBy, item.ProgressPercent, item.ProgressReportedAt,
            item.SubmittedAt, item.VerifiedAt, item.VerifiedBy, item.ClosedAt, item.ExtendedDueAt, item.LastChasedAt,
            item.ChaserLevel, item.LastLookBackAt, item.LookBackSampledAt, item.RelapseCount, item.VerifierFlagged, item.Light, item.NextTimerAt,
            item.NextTimerKind, item.RecheckAt, item.RecheckKind, item.TimersFired, UpdatedAt = now,
        });
}
