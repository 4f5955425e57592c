using Accountability.Database;
using Accountability.Notices;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Accountability.Assignments;

/// <summary>Writes what effects produce, set-based, inside the caller's transaction: the same code serves one action
/// (a row or two) and a sweep batch (thousands).</summary>
public static class WorkflowWrites
{
    private const string CopyScores = """
        COPY scoring_event (campaign_id, unit_id, assignment_id, task_id, kind, level, occurred_at, audit_seq, detail)
        FROM STDIN (FORMAT BINARY)
        """;

    private const string InsertChasers = """
        INSERT INTO assignment_chaser (assignment_id, unit_id, colour, message, issued_at, issued_by, audit_seq)
        SELECT c.assignment_id, c.unit_id, c.colour, c.message, c.issued_at, c.issued_by, c.audit_seq
        FROM unnest(@assignmentIds, @unitIds, @colours, @messages, @issuedAts, @issuedBys, @seqs)
             AS c(assignment_id, unit_id, colour, message, issued_at, issued_by, audit_seq)
        RETURNING id
        """;

    /// <summary>Writes scoring events by binary COPY. The caller holds the audit log's head (the events name their audit
    /// event): scoring waits for the head's holders before it reads the highest event id, which is what keeps a ledger
    /// line's reference to its events exact (docs/decisions/0401-ledger-lines-refer-to-their-events.md).</summary>
    public static async Task WriteScoresAsync(NpgsqlConnection connection, IEnumerable<(ScoreRow Score, long AuditSeq)> scores,
        CancellationToken cancellationToken = default)
    {
        await using var copy = await connection.BeginBinaryImportAsync(CopyScores, cancellationToken);
        foreach (var (score, seq) in scores)
        {
            // Synchronous writes within a row: they only fill the buffer (a sweep batch writes thousands of rows).
            await copy.StartRowAsync(cancellationToken);
            copy.Write(score.CampaignId, NpgsqlDbType.Bigint);
            copy.Write(score.UnitId, NpgsqlDbType.Bigint);
            copy.Write(score.AssignmentId, NpgsqlDbType.Bigint);
            copy.WriteNullable(score.TaskId, NpgsqlDbType.Bigint);
            copy.Write(score.Kind, NpgsqlDbType.Text);
            if (score.Level is null)
            {
                copy.WriteNull();
            }
            else
            {
                copy.Write(score.Level, NpgsqlDbType.Text);
            }

            copy.Write(score.At.ToUniversalTime(), NpgsqlDbType.TimestampTz);
            copy.Write(seq, NpgsqlDbType.Bigint);
            copy.Write(score.DetailJson, NpgsqlDbType.Jsonb);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    public static Task WriteNoticesAsync(NpgsqlConnection connection, IReadOnlyCollection<NoticeRow> notices, DateTimeOffset now) =>
        NoticeWriter.WriteAsync(connection, notices.Select(n => new Notice(n.UnitId, n.CampaignId, n.Kind, n.Title, n.Body, n.Link, n.DedupeKey,
            n.AssignmentId, Audience: n.Audience)).ToList(), now);

    public static async Task<long[]> WriteChasersAsync(NpgsqlConnection connection, IReadOnlyCollection<(ChaserRow Chaser, long AuditSeq)> chasers)
    {
        if (chasers.Count == 0)
        {
            return [];
        }

        return (await connection.QueryAsync<long>(InsertChasers, new
        {
            assignmentIds = chasers.Select(c => c.Chaser.AssignmentId).ToArray(),
            unitIds = chasers.Select(c => c.Chaser.UnitId).ToArray(),
            colours = chasers.Select(c => c.Chaser.Colour).ToArray(),
            messages = chasers.Select(c => c.Chaser.Message).ToArray(),
            issuedAts = chasers.Select(c => c.Chaser.At.ToUniversalTime()).ToArray(),
            issuedBys = chasers.Select(c => c.Chaser.IssuedBy).ToArray(),
            seqs = chasers.Select(c => c.AuditSeq).ToArray(),
        })).ToArray();
    }
}
