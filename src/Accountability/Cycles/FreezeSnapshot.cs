using Dapper;
using Npgsql;

namespace Accountability.Cycles;

/// <summary>
/// Copies the campaign's live assignments (cancelled ones excluded) into an immutable snapshot for a period's
/// cut-off, in one set-based INSERT ... SELECT inside the caller's transaction. Later changes to assignments never
/// change a snapshot, so a period can be scored again and give the same answer.
/// </summary>
public static class FreezeSnapshot
{
    private const string InsertSnapshot = """
        INSERT INTO period_snapshot (campaign_id, cycle, period, cutoff_at, taken_at, rows)
        VALUES (@campaignId, @cycle, @period, @cutoff, @now, 0)
        RETURNING id
        """;

    private const string CopyAssignments = """
        INSERT INTO assignment_snapshot (snapshot_id, assignment_id, unit_id, task_id, ledger_item_id, role, state, issued_at,
                                         due_at, acknowledged_at, progress_percent, progress_reported_at, submitted_at,
                                         closed_at, relapse_count, light)
        SELECT @snapshotId, a.id, a.unit_id, a.task_id, a.ledger_item_id, a.role, a.state, a.issued_at,
               coalesce(a.extended_due_at, a.due_at), a.acknowledged_at, a.progress_percent, a.progress_reported_at,
               a.submitted_at, a.closed_at, a.relapse_count, a.light
        FROM assignment a
        WHERE a.campaign_id = @campaignId AND a.state <> 'cancelled' AND a.issued_at <= @cutoff
        """;

    private const string CountRows = "UPDATE period_snapshot SET rows = @rows WHERE id = @snapshotId";

    /// <summary>Freezes and returns the snapshot's id. The caller's connection must have its transaction open.</summary>
    public static async Task<long> RunAsync(NpgsqlConnection connection, long campaignId, string cycle, string period,
        DateTimeOffset cutoff, DateTimeOffset now)
    {
        var snapshotId = await connection.ExecuteScalarAsync<long>(InsertSnapshot, new { campaignId, cycle, period, cutoff, now });
        var rows = await connection.ExecuteAsync(new CommandDefinition(CopyAssignments, new { snapshotId, campaignId, cutoff }, commandTimeout: 600));
        await connection.ExecuteAsync(CountRows, new { rows, snapshotId });
        return snapshotId;
    }
}
