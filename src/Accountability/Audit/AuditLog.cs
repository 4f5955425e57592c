using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Accountability.Database;
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
    /// Everything but the chain itself — timestamps, the canonical text of each event — is prepared before the head is
    /// locked, because the lock is held until the caller commits and every other appender waits for it.</summary>
    public static async Task<long> AppendAsync(NpgsqlConnection connection, IEnumerable<AuditEntry> entries,
        CancellationToken cancellationToken = default)
    {
        var prepared = entries.Select(e => new PreparedEntry(e, TruncateToMicroseconds(e.At), CanonicalTail(e, TruncateToMicroseconds(e.At)))).ToList();
        long seq;
        byte[] hash;
        await using (var head = new NpgsqlCommand(LockHead, connection))
        await using (var reader = await head.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            seq = reader.GetInt64(0);
            hash = (byte[])reader[1];
        }

        if (prepared.Count == 0)
        {
            return seq;
        }

        var buffer = new byte[256];
        await using (var copy = await connection.BeginBinaryImportAsync(CopyEvents, cancellationToken))
        {
            foreach (var (entry, at, tail) in prepared)
            {
                seq++;
                var prev = hash;
                hash = ChainHash(prev, seq, tail, ref buffer);
                // Synchronous writes within a row: they only fill the buffer, and a sweep writes thousands of rows.
                await copy.StartRowAsync(cancellationToken);
                copy.Write(seq, NpgsqlDbType.Bigint);
                copy.Write(at, NpgsqlDbType.TimestampTz);
                copy.Write(entry.Actor.Name, NpgsqlDbType.Text);
                copy.WriteNullable(entry.Actor.PersonId, NpgsqlDbType.Bigint);
                copy.WriteNullable(entry.UnitId, NpgsqlDbType.Bigint);
                copy.WriteNullable(entry.CampaignId, NpgsqlDbType.Bigint);
                copy.WriteNullable(entry.AssignmentId, NpgsqlDbType.Bigint);
                copy.Write(entry.Kind, NpgsqlDbType.Text);
                copy.Write(entry.PayloadJson, NpgsqlDbType.Json);
                copy.Write(prev, NpgsqlDbType.Bytea);
                copy.Write(hash, NpgsqlDbType.Bytea);
            }

            await copy.CompleteAsync(cancellationToken);
        }

        await using (var update = new NpgsqlCommand(UpdateHead, connection))
        {
            update.Parameters.AddWithValue("seq", seq);
            update.Parameters.AddWithValue("hash", hash);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        return seq;
    }

    private readonly record struct PreparedEntry(AuditEntry Entry, DateTimeOffset At, byte[] Tail);

    // Whether the caller's own transaction has locked or updated the head (xids compared modulo 2^32, as stored).
    private const string HoldsHead = """
        SELECT coalesce(h.xmax::text = c.x OR h.xmin::text = c.x, false)
        FROM audit_head h, (SELECT (pg_current_xact_id_if_assigned()::text::numeric % 4294967296)::text AS x) c
        WHERE h.id = 1
        """;

    private const string BriefLockTimeout = "SET LOCAL lock_timeout = '5s'";

    /// <summary>
    /// Returns once every transaction appending to the log when it was called has committed or rolled back, without
    /// keeping the head: a second connection locks it and lets go at once. Every writer of scoring events appends (its
    /// events name their audit event), so afterwards no scoring event with an id below the highest committed one can
    /// still commit — what a ledger line's reference to its events relies on — while the head stays free for the
    /// minutes a period close can take (docs/decisions/0401-ledger-lines-refer-to-their-events.md). If the caller's
    /// transaction holds the head already, nobody else is appending. Should the second connection not get the head
    /// within seconds (a lock taken in a savepoint of the caller's, which the check above cannot see), the caller's own
    /// transaction takes it instead: slower for everyone else, never wrong.
    /// </summary>
    public static async Task WaitForAppendersAsync(NpgsqlConnection connection, NpgsqlDataSource dataSource,
        CancellationToken cancellationToken = default)
    {
        await using (var check = new NpgsqlCommand(HoldsHead, connection))
        {
            if ((bool)(await check.ExecuteScalarAsync(cancellationToken))!)
            {
                return;
            }
        }

        try
        {
            await using var other = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await other.BeginTransactionAsync(cancellationToken);
            await using (var timeout = new NpgsqlCommand(BriefLockTimeout, other))
            {
                await timeout.ExecuteNonQueryAsync(cancellationToken);
            }

            await LockHeadAsync(other, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            await LockHeadAsync(connection, cancellationToken);
        }
    }

    private static async Task LockHeadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var head = new NpgsqlCommand(LockHead, connection);
        await using var reader = await head.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
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
        var buffer = new byte[256];
        return ChainHash(previousHash, seq, CanonicalTail(at, actor, actorPersonId, unitId, campaignId, assignmentId, kind, payloadJson), ref buffer);
    }

    /// <summary>The canonical line of an event after its sequence number, as UTF-8: everything but the sequence number
    /// is known before the head is locked.</summary>
    private static byte[] CanonicalTail(AuditEntry entry, DateTimeOffset at) =>
        CanonicalTail(at, entry.Actor.Name, entry.Actor.PersonId, entry.UnitId, entry.CampaignId, entry.AssignmentId, entry.Kind, entry.PayloadJson);

    private static byte[] CanonicalTail(DateTimeOffset at, string actor, long? actorPersonId, long? unitId, long? campaignId,
        long? assignmentId, string kind, string payloadJson)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var line = string.Join('\n',
            at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", inv),
            actor, actorPersonId?.ToString(inv) ?? "", unitId?.ToString(inv) ?? "", campaignId?.ToString(inv) ?? "",
            assignmentId?.ToString(inv) ?? "", kind, payloadJson);
        return Encoding.UTF8.GetBytes(line);
    }

    /// <summary>SHA-256(previous hash ‖ seq ‖ '\n' ‖ tail): the line hashed is the sequence number, then the tail.</summary>
    private static byte[] ChainHash(byte[] previousHash, long seq, byte[] tail, ref byte[] buffer)
    {
        var length = previousHash.Length + 21 + tail.Length;
        if (buffer.Length < length)
        {
            buffer = new byte[Math.Max(length, buffer.Length * 2)];
        }

        previousHash.CopyTo(buffer, 0);
        var position = previousHash.Length;
        seq.TryFormat(buffer.AsSpan(position), out var written, default, System.Globalization.CultureInfo.InvariantCulture);
        position += written;
        buffer[position++] = (byte)'\n';
        tail.CopyTo(buffer, position);
        position += tail.Length;
        return SHA256.HashData(buffer.AsSpan(0, position));
    }

    internal static DateTimeOffset TruncateToMicroseconds(DateTimeOffset at) =>
        new(at.UtcTicks - at.UtcTicks % 10, TimeSpan.Zero);

}
