using Accountability.Cycles;
using Dapper;
using Npgsql;

namespace Accountability.Assignments;

/// <summary>Forgets idempotency keys after a week: long after any client would retry, and the table stays small.</summary>
public sealed class PurgeIdempotencyKeys(NpgsqlDataSource dataSource, TimeProvider time) : IPeriodicSweep
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    private const string Purge = """
        DELETE FROM idempotency_key WHERE ctid IN (
            SELECT ctid FROM idempotency_key WHERE created_at < @before LIMIT 10000 FOR UPDATE SKIP LOCKED)
        """;

    public string Name => "idempotency-keys";

    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var before = time.GetUtcNow() - Retention;
        var total = 0;
        int deleted;
        do
        {
            deleted = await connection.ExecuteAsync(new CommandDefinition(Purge, new { before }, cancellationToken: cancellationToken));
            total += deleted;
        }
        while (deleted == 10000 && !cancellationToken.IsCancellationRequested);

        return total;
    }
}
