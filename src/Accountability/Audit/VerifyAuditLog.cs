using Npgsql;

namespace Accountability.Audit;

/// <summary>Outcome of walking the chain: how many events were checked and, if the chain is broken, the first
/// event that was altered, removed or reordered.</summary>
public sealed record AuditVerification(long EventsChecked, long? FirstBadSeq, string? Problem)
{
    public bool IsIntact => FirstBadSeq is null;
}

/// <summary>Walks the audit log in sequence order recomputing every hash. Streams the table, so it runs in constant
/// memory however long the log is.</summary>
public sealed class VerifyAuditLog(NpgsqlDataSource dataSource) : IUseCase
{
    private const string SelectEvents = """
        SELECT seq, at, actor, actor_person_id, unit_id, campaign_id, assignment_id, kind, payload::text, prev_hash, hash
        FROM audit_event ORDER BY seq
        """;

    private const string SelectHead = "SELECT last_seq, last_hash FROM audit_head WHERE id = 1";
    private const string FindByHash = "SELECT seq FROM audit_event WHERE hash = @hash LIMIT 1";

    public async Task<AuditVerification> RunAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var expectedPrev = new byte[32];
        long expectedSeq = 1, checkedCount = 0;
        (long Seq, string Problem)? failure = null;

        await using (var command = new NpgsqlCommand(SelectEvents, connection))
        await using (var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var seq = reader.GetInt64(0);
                var at = reader.GetFieldValue<DateTimeOffset>(1);
                var actor = reader.GetString(2);
                long? person = reader.IsDBNull(3) ? null : reader.GetInt64(3);
                long? unit = reader.IsDBNull(4) ? null : reader.GetInt64(4);
                long? campaign = reader.IsDBNull(5) ? null : reader.GetInt64(5);
                long? assignment = reader.IsDBNull(6) ? null : reader.GetInt64(6);
                var kind = reader.GetString(7);
                var payload = reader.GetString(8);
                var prev = reader.GetFieldValue<byte[]>(9);
                var hash = reader.GetFieldValue<byte[]>(10);

                if (seq != expectedSeq)
                {
                    failure = seq > expectedSeq
                        ? (expectedSeq, $"event {expectedSeq} is missing: it was removed (the log jumps from {expectedSeq - 1} to {seq})")
                        : (seq, $"event {seq} appears out of order");
                    break;
                }

                var recomputed = AuditLog.ComputeHash(prev, seq, at, actor, person, unit, campaign, assignment, kind, payload);
                if (!prev.AsSpan().SequenceEqual(expectedPrev))
                {
                    failure = (seq, "");
                    break;
                }

                if (!recomputed.AsSpan().SequenceEqual(hash))
                {
                    failure = (seq, $"event {seq} was altered: its content no longer matches its hash");
                    break;
                }

                expectedPrev = hash;
                expectedSeq++;
                checkedCount++;
            }
        }

        if (failure is { Problem: "" } broken)
        {
            // The link to the previous event is broken. If the event it points to sits elsewhere in the log, events
            // were moved; otherwise an event before it was removed or rewritten.
            failure = (broken.Seq, await ClassifyBrokenLinkAsync(connection, broken.Seq, cancellationToken));
        }

        if (failure is { } f)
        {
            return new AuditVerification(checkedCount, f.Seq, f.Problem);
        }

        await using (var head = new NpgsqlCommand(SelectHead, connection))
        await using (var reader = await head.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            var lastSeq = reader.GetInt64(0);
            var lastHash = reader.GetFieldValue<byte[]>(1);
            if (lastSeq != expectedSeq - 1 || !lastHash.AsSpan().SequenceEqual(expectedPrev))
            {
                return new AuditVerification(checkedCount, expectedSeq,
                    $"the log ends at event {expectedSeq - 1} but its head records event {lastSeq}: events at the end were removed");
            }
        }

        return new AuditVerification(checkedCount, null, null);
    }

    private static async Task<string> ClassifyBrokenLinkAsync(NpgsqlConnection connection, long seq,
        CancellationToken cancellationToken)
    {
        await using var prevCommand = new NpgsqlCommand("SELECT prev_hash FROM audit_event WHERE seq = @seq", connection);
        prevCommand.Parameters.AddWithValue("seq", seq);
        var prev = (byte[])(await prevCommand.ExecuteScalarAsync(cancellationToken))!;
        await using var find = new NpgsqlCommand(FindByHash, connection);
        find.Parameters.AddWithValue("hash", prev);
        return await find.ExecuteScalarAsync(cancellationToken) is long elsewhere && elsewhere != seq - 1
            ? $"event {seq} was reordered: it follows event {elsewhere} in the chain but sits at position {seq}"
            : $"event {seq - 1} was altered or replaced: event {seq} no longer links to it";
    }
}
