using Accountability.Cycles;
using Accountability.Database;
using Npgsql;

namespace Accountability.Access;

/// <summary>
/// Forgets browser sessions 30 days after they ended or were last seen. A session's cookie expires 8 hours after its
/// last use, so such a session can never be presented again; its row would only grow the table every request checks.
/// Most sessions end by a browser being closed, not by signing out, so without this the table grows for ever.
/// </summary>
public sealed class PurgeWebSessions(NpgsqlDataSource dataSource, TimeProvider time) : IPeriodicSweep
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    private const string Purge = """
        DELETE FROM web_session WHERE id IN (
            SELECT id FROM web_session WHERE coalesce(ended_at, seen_at) < @before LIMIT 10000 FOR UPDATE SKIP LOCKED)
        """;

    public string Name => "web-sessions";

    public Task<int> RunOnceAsync(CancellationToken cancellationToken) =>
        BatchedDelete.UntilDoneAsync(dataSource, Purge, new { before = time.GetUtcNow() - Retention }, 10_000, cancellationToken);
}
