using Dapper;
using Npgsql;

namespace Accountability.Notices;

/// <summary>An outbox message as an operator sees it: where it goes, how often it was tried and why it last failed.
/// <see cref="AbandonedAt"/> set: the relay gave up on it and it waits to be re-queued.</summary>
public sealed record OutboxMessageView(long Id, string Channel, string Destination, string DedupeKey, DateTimeOffset CreatedAt,
    int Attempts, DateTimeOffset NextAttemptAt, string? LastError, DateTimeOffset? AbandonedAt);

/// <summary>The first <c>limit</c> messages by id, and how many there are in all.</summary>
public sealed record OutboxListing(IReadOnlyList<OutboxMessageView> Messages, long Total);

/// <summary>Reads the outbox for operators: the messages not delivered yet (still being retried, or abandoned).</summary>
public sealed class OutboxStore(NpgsqlDataSource dataSource) : IStore
{
    private const string Columns = """
        id, channel, destination, dedupe_key AS DedupeKey, created_at AS CreatedAt, attempts, next_attempt_at AS NextAttemptAt,
        last_error AS LastError, abandoned_at AS AbandonedAt
        """;

    private const string SelectUndelivered = $"""
        SELECT {Columns} FROM outbox_message WHERE delivered_at IS NULL ORDER BY id LIMIT @limit;
        SELECT count(*) FROM outbox_message WHERE delivered_at IS NULL;
        """;

    private const string SelectAbandoned = $"""
        SELECT {Columns} FROM outbox_message WHERE delivered_at IS NULL AND abandoned_at IS NOT NULL ORDER BY id LIMIT @limit;
        SELECT count(*) FROM outbox_message WHERE delivered_at IS NULL AND abandoned_at IS NOT NULL;
        """;

    public async Task<OutboxListing> ListAsync(bool abandonedOnly, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(abandonedOnly ? SelectAbandoned : SelectUndelivered,
            new { limit }, cancellationToken: cancellationToken));
        var messages = (await results.ReadAsync<OutboxMessageView>()).AsList();
        return new OutboxListing(messages, await results.ReadSingleAsync<long>());
    }
}
