using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Accountability.Audit;

/// <summary>Who did something: a person, or the engine itself (a timer, a cycle, the CLI).</summary>
public readonly record struct AuditActor(string Name, long? PersonId)
{
    public static AuditActor Person(long personId) => new($"person:{personId}", personId);
    public static readonly AuditActor Timer = new("timer", null);
    public static readonly AuditActor Cycle = new("cycle", null);
    public static readonly AuditActor System = new("system", null);
    public static readonly AuditActor Cli = new("cli", null);
}

/// <summary>One event to append. <see cref="PayloadJson"/> is stored exactly as given: it is part of the hash.</summary>
public sealed record AuditEntry(
    string Kind,
    AuditActor Actor,
    DateTimeOffset At,
    string PayloadJson,
    long? UnitId = null,
    long? CampaignId = null,
    long? AssignmentId = null)
{
    public static readonly JsonSerializerOptions PayloadJsonOptions = new(JsonSerializerDefaults.Web)
    {
        // Chinese stays readable in the stored payload; the text is hashed as stored either way.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    public static AuditEntry Create(string kind, AuditActor actor, DateTimeOffset at, object payload,
        long? unitId = null, long? campaignId = null, long? assignmentId = null) =>
        new(kind, actor, at, JsonSerializer.Serialize(payload, PayloadJsonOptions), unitId, campaignId, assignmentId);
}

/// <summary>
/// Appends to the hash-chained audit log inside the caller's transaction, so the event commits or rolls back with
/// the change it records. Appenders queue on the audit_head row; the lock is held until the caller commits, which
/// keeps sequence numbers contiguous and the chain in commit order.
/// </summary>
public static class AuditLog
{
    private const string LockHead = "SELECT last_seq, last_hash FROM audit_head WHERE id = 1 FOR UPDATE";
    private const string UpdateHead = "UPDATE audit_head SET last_seq = @seq, last_hash = @hash WHERE id = 1";

    private const string CopyEvents = """
        COPY audit_event (seq, at, actor, actor_person_id, unit_id, campaign_id, assignment_id, kind, payload, prev_hash, hash)
        FROM STDIN (FORMAT BINARY)
        """;

    /// <summary>Appends the entries in order and returns the sequence number of the last one (0 if none).
    /// Streams: a sweep can pass hundreds of thousands of entries without holding them in memory.</summary>
    public static async Task<long> AppendAsync(NpgsqlConnection connection, IEnumerable<AuditEntry> entries,
        CancellationToken cancellationToken = default)
    {
        long seq;
        byte[] hash;
        await using (var head = new NpgsqlCommand(LockHead, connection))
        await using (var reader = await head.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            seq = reader.GetInt64(0);
            hash = (byte[])reader[1];
        }

        var first = seq;
        await using (var copy = await connection.BeginBinaryImportAsync(CopyEvents, cancellationToken))
        {
            foreach (var entry in entries)
            {
                seq++;
                var at = TruncateToMicroseconds(entry.At);
                var prev = hash;
                hash = ComputeHash(prev, seq, at, entry);
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(seq, NpgsqlDbType.Bigint, cancellationToken);
                await copy.WriteAsync(at, NpgsqlDbType.TimestampTz, cancellationToken);
                await copy.WriteAsync(entry.Actor.Name, NpgsqlDbType.Text, cancellationToken);
                await WriteNullableAsync(copy, entry.Actor.PersonId, cancellationToken);
                await WriteNullableAsync(copy, entry.UnitId, cancellationToken);
                await WriteNullableAsync(copy, entry.CampaignId, cancellationToken);
                await WriteNullableAsync(copy, entry.AssignmentId, cancellationToken);
                await copy.WriteAsync(entry.Kind, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(entry.PayloadJson, NpgsqlDbType.Json, cancellationToken);
                await copy.WriteAsync(prev, NpgsqlDbType.Bytea, cancellationToken);
                await copy.WriteAsync(hash, NpgsqlDbType.Bytea, cancellationToken);
            }

            await copy.CompleteAsync(cancellationToken);
        }

        if (seq != first)
        {
            await using var update = new NpgsqlCommand(UpdateHead, connection);
            update.Parameters.AddWithValue("seq", seq);
            update.Parameters.AddWithValue("hash", hash);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        return seq;
    }

    public static Task<long> AppendAsync(NpgsqlConnection connection, AuditEntry entry,
        CancellationToken cancellationToken = default) => AppendAsync(connection, [entry], cancellationToken);

    /// <summary>SHA-256 over the previous hash and a canonical line of the event's fields. Timestamps are hashed at
    /// microsecond precision because that is what PostgreSQL stores.</summary>
    internal static byte[] ComputeHash(byte[] previousHash, long seq, DateTimeOffset at, AuditEntry entry) =>
        ComputeHash(previousHash, seq, at, entry.Actor.Name, entry.Actor.PersonId, entry.UnitId, entry.CampaignId,
            entry.AssignmentId, entry.Kind, entry.PayloadJson);

    internal static byte[] ComputeHash(byte[] previousHash, long seq, DateTimeOffset at, string actor,
        long? actorPersonId, long? unitId, long? campaignId, long? assignmentId, string kind, string payloadJson)
    {
        var line = string.Join('\n',
            seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
            at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            actor, actorPersonId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            unitId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            campaignId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            assignmentId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            kind, payloadJson);
        var bytes = new byte[previousHash.Length + Encoding.UTF8.GetByteCount(line)];
        previousHash.CopyTo(bytes, 0);
        Encoding.UTF8.GetBytes(line, 0, line.Length, bytes, previousHash.Length);
        return SHA256.HashData(bytes);
    }

    internal static DateTimeOffset TruncateToMicroseconds(DateTimeOffset at) =>
        new(at.UtcTicks - at.UtcTicks % 10, TimeSpan.Zero);

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter copy, long? value, CancellationToken ct)
    {
        if (value is { } v)
        {
            await copy.WriteAsync(v, NpgsqlDbType.Bigint, ct);
        }
        else
        {
            await copy.WriteNullAsync(ct);
        }
    }
}
