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
        COPY scoring_event (campaign_id, unit_id, assignment_id, kind, level, occurred_at, audit_seq, detail)
        FROM STDIN (FORMAT BINARY)
        """;

    private const string InsertChasers = """
        INSERT INTO assignment_chaser (assignment_id, unit_id, colour, message, issued_at, issued_by, audit_seq)
        SELECT c.assignment_id, c.unit_id, c.colour, c.message, c.issued_at, c.issued_by, c.audit_seq
        FROM unnest(@assignmentIds, @unitIds, @colours, @messages, @issuedAts, @issuedBys, @seqs)
             AS c(assignment_id, unit_id, colour, message, issued_at, issued_by, audit_seq)
        RETURNING id
        """;

    public static async Task WriteScoresAsync(NpgsqlConnection connection, IEnumerable<(ScoreRow Score, long AuditSeq)> scores,
        CancellationToken cancellationToken = default)
    {
        await using var copy = await connection.BeginBinaryImportAsync(CopyScores, cancellationToken);
        foreach (var (score, seq) in scores)
        {
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(score.CampaignId, NpgsqlDbType.Bigint, cancellationToken);
            await copy.WriteAsync(score.UnitId, NpgsqlDbType.Bigint, cancellationToken);
            await copy.WriteAsync(score.AssignmentId, NpgsqlDbType.Bigint, cancellationToken);
            await copy.WriteAsync(score.Kind, NpgsqlDbType.Text, cancellationToken);
            if (score.Level is null)
            {
                await copy.WriteNullAsync(cancellationToken);
            }
            else
            {
                await copy.WriteAsync(score.Level, NpgsqlDbType.Text, cancellationToken);
            }

            await copy.WriteAsync(score.At.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
            await copy.WriteAsync(seq, NpgsqlDbType.Bigint, cancellationToken);
            await copy.WriteAsync(score.DetailJson, NpgsqlDbType.Jsonb, cancellationToken);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    public static Task WriteNoticesAsync(NpgsqlConnection connection, IReadOnlyCollection<NoticeRow> notices, DateTimeOffset now) =>
        NoticeWriter.WriteAsync(connection, notices.Select(n => new Notice(n.UnitId, n.CampaignId, n.Kind, n.Title, n.Body, n.Link, n.DedupeKey,
            n.AssignmentId)).ToList(), now);

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
