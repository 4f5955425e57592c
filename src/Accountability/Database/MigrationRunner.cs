using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Accountability.Database;

/// <summary>
/// Applies the numbered, forward-only scripts in <c>Database/Migrations</c> (embedded in the assembly) in order.
/// Each script runs in its own transaction together with its journal row, under a session advisory lock so that
/// several nodes starting at once apply each script exactly once. A script that was applied and later edited is
/// refused: history is never rewritten, a new script is added instead.
/// </summary>
public sealed partial class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger)
{
    /// <summary>Arbitrary but fixed: the advisory lock key every node agrees on.</summary>
    private const long LockKey = 0x4143434F554E54; // "ACCOUNT"

    private const string CreateJournal = """
        CREATE TABLE IF NOT EXISTS schema_migration (
            id          integer PRIMARY KEY,
            name        text        NOT NULL,
            sha256      text        NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        )
        """;

    private const string SelectApplied = "SELECT id, name, sha256 FROM schema_migration ORDER BY id";

    private const string InsertJournal = "INSERT INTO schema_migration (id, name, sha256) VALUES (@Id, @Name, @Sha256)";

    public sealed record Migration(int Id, string Name, string Sql)
    {
        public string Sha256 => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Sql))).ToLowerInvariant();
    }

    private sealed record AppliedMigration(int Id, string Name, string Sha256);

    /// <summary>The scripts shipped in this build, ordered by number. Names are <c>NNNN_description.sql</c>.</summary>
    public static IReadOnlyList<Migration> Shipped { get; } = LoadShipped();

    /// <summary>Applies what is missing and returns the names of the scripts it ran (empty when up to date).</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("SELECT pg_advisory_lock(@LockKey)", new { LockKey });
        try
        {
            await connection.ExecuteAsync(CreateJournal);
            var applied = (await connection.QueryAsync<AppliedMigration>(SelectApplied)).ToDictionary(m => m.Id);
            var ran = new List<string>();
            foreach (var migration in Shipped)
            {
                if (applied.TryGetValue(migration.Id, out var done))
                {
                    if (done.Sha256 != migration.Sha256)
                    {
                        throw new InvalidOperationException(
                            $"Migration {migration.Name} was changed after it was applied to this database. " +
                            "Migrations are forward-only: restore the original script and add a new one.");
                    }

                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction,
                    commandTimeout: 600, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(InsertJournal, new { migration.Id, migration.Name, migration.Sha256 }, transaction);
                await transaction.CommitAsync(cancellationToken);
                LogApplied(logger, migration.Name);
                ran.Add(migration.Name);
            }

            return ran;
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@LockKey)", new { LockKey });
        }
    }

    private static List<Migration> LoadShipped()
    {
        var assembly = typeof(MigrationRunner).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Migrations/", StringComparison.Ordinal)))
        {
            var name = resource["Migrations/".Length..];
            var underscore = name.IndexOf('_');
            if (underscore <= 0 || !int.TryParse(name[..underscore], out var id))
            {
                throw new InvalidOperationException($"Migration '{name}' must be named NNNN_description.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new Migration(id, name, reader.ReadToEnd()));
        }

        var duplicate = migrations.GroupBy(m => m.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException(
                $"Two migrations share the number {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.Name))}.");
        }

        return migrations.OrderBy(m => m.Id).ToList();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Name}")]
    private static partial void LogApplied(ILogger logger, string name);
}
