using System.Security.Cryptography;
using System.Text;
using Accountability.Database;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Accountability.Tests;

/// <summary>
/// The real PostgreSQL every storage test runs against: one embedded cluster per test run (started by the same
/// launcher the server uses, fsync off), a template database migrated once per set of migration scripts, and a fresh
/// database cloned from it for each test class or test (CREATE DATABASE ... TEMPLATE takes a few milliseconds).
/// </summary>
public static class TestCluster
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static EmbeddedPostgres? _cluster;
    private static string? _template;

    /// <summary>Where the test cluster lives: inside the checkout, apart from the server's own data.</summary>
    public static string DataDirectory => EmbeddedPostgres.ResolveDataDirectory(
        Path.Combine(".data", "test-postgres-" + typeof(TestCluster).Assembly.GetName().Name));

    public static async Task<EmbeddedPostgres> ClusterAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_cluster is null)
            {
                _cluster = await EmbeddedPostgres.StartAsync(
                    new EmbeddedDatabaseOptions { DataDirectory = DataDirectory, Durable = false, DatabaseName = "postgres" },
                    NullLogger.Instance);
                var cluster = _cluster;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
            }

            return _cluster;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A new, fully migrated database of its own.</summary>
    public static async Task<TestDatabase> CreateDatabaseAsync()
    {
        var cluster = await ClusterAsync();
        var template = await TemplateAsync(cluster);
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(cluster.ConnectionStringFor("postgres")))
        {
            await admin.ExecuteAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
        }

        return new TestDatabase(cluster, name);
    }

    /// <summary>A new, empty database (no migrations): for the migration tests themselves.</summary>
    public static async Task<TestDatabase> CreateEmptyDatabaseAsync()
    {
        var cluster = await ClusterAsync();
        var name = "e_" + Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(cluster.ConnectionStringFor("postgres")))
        {
            await admin.ExecuteAsync($"CREATE DATABASE \"{name}\"");
        }

        return new TestDatabase(cluster, name);
    }

    private static async Task<string> TemplateAsync(EmbeddedPostgres cluster)
    {
        await Gate.WaitAsync();
        try
        {
            if (_template is not null)
            {
                return _template;
            }

            // Named after the scripts: a changed or added migration gets a fresh template, an unchanged set reuses it.
            var digest = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', MigrationRunner.Shipped.Select(m => m.Sha256))));
            var name = "tpl_" + Convert.ToHexString(digest)[..16].ToLowerInvariant();
            await using var admin = new NpgsqlConnection(cluster.ConnectionStringFor("postgres"));
            var exists = await admin.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @name)", new { name });
            if (!exists)
            {
                var building = name + "_building";
                await admin.ExecuteAsync($"DROP DATABASE IF EXISTS \"{building}\"");
                await admin.ExecuteAsync($"CREATE DATABASE \"{building}\"");
                await using (var dataSource = NpgsqlDataSource.Create(cluster.ConnectionStringFor(building)))
                {
                    await new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync();
                }

                NpgsqlConnection.ClearAllPools();
                // Renamed only when complete: an interrupted build never becomes a template.
                await admin.ExecuteAsync($"ALTER DATABASE \"{building}\" RENAME TO \"{name}\"");
            }

            _template = name;
            return name;
        }
        finally
        {
            Gate.Release();
        }
    }
}

public sealed class TestDatabase(EmbeddedPostgres cluster, string name) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = cluster.ConnectionStringFor(name);

    /// <summary>A superuser connection string for the same database: tests use it to tamper as an attacker would.</summary>
    public NpgsqlDataSource DataSource { get; } = AccountabilityDatabase.CreateDataSource(cluster.ConnectionStringFor(name));

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await using var admin = new NpgsqlConnection(cluster.ConnectionStringFor("postgres"));
        await admin.ExecuteAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
    }
}
