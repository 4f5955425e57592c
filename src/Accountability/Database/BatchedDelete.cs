using Dapper;
using Npgsql;

namespace Accountability.Database;

/// <summary>Runs a DELETE that takes at most <c>batch</c> rows (its own LIMIT … SKIP LOCKED) until it takes fewer: each
/// batch commits on its own, so a large backlog never holds locks or one huge transaction, and two nodes purging at
/// once take different rows.</summary>
public static class BatchedDelete
{
    public static async Task<int> UntilDoneAsync(NpgsqlDataSource dataSource, string deleteSql, object parameters, int batch,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var total = 0;
        int deleted;
        do
        {
            deleted = await connection.ExecuteAsync(new CommandDefinition(deleteSql, parameters, cancellationToken: cancellationToken));
            total += deleted;
        }
        while (deleted == batch && !cancellationToken.IsCancellationRequested);

        return total;
    }
}
