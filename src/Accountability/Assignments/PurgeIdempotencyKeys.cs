using Accountability.Cycles;
using Accountability.Database;
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

    public Task<int> RunOnceAsync(CancellationToken cancellationToken) =>
        BatchedDelete.UntilDoneAsync(dataSource, Purge, new { before = time.GetUtcNow() - Retention }, 10_000, cancellationToken);
}
