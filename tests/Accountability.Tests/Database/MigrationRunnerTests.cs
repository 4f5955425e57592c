using Accountability.Database;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;

namespace Accountability.Tests.Database;

public sealed class MigrationRunnerTests
{
    [Fact]
    public async Task Migrate_OnAnEmptyDatabase_AppliesEveryScriptInOrderAndTheSecondRunChangesNothing()
    {
        await using var database = await TestCluster.CreateEmptyDatabaseAsync();
        var runner = new MigrationRunner(database.DataSource, NullLogger<MigrationRunner>.Instance);

        var first = await runner.MigrateAsync();
        Assert.Equal(MigrationRunner.Shipped.Select(m => m.Name), first);

        await using var connection = await database.DataSource.OpenConnectionAsync();
        var schemaBefore = await SchemaFingerprintAsync(connection);
        var second = await runner.MigrateAsync();

        Assert.Empty(second);
        Assert.Equal(schemaBefore, await SchemaFingerprintAsync(connection));
        Assert.Equal(MigrationRunner.Shipped.Select(m => m.Id),
            await connection.QueryAsync<int>("SELECT id FROM schema_migration ORDER BY id"));
    }

    [Fact]
    public async Task Migrate_WhenTwoNodesStartAtOnce_AppliesEachScriptOnce()
    {
        await using var database = await TestCluster.CreateEmptyDatabaseAsync();
        var runners = Enumerable.Range(0, 3).Select(_ => new MigrationRunner(database.DataSource, NullLogger<MigrationRunner>.Instance));

        var results = await Task.WhenAll(runners.Select(r => r.MigrateAsync()));

        Assert.Equal(MigrationRunner.Shipped.Count, results.Sum(r => r.Count));
    }

    [Fact]
    public async Task Migrate_WhenAnAppliedScriptWasEdited_IsRefusedAndNamesTheScript()
    {
        await using var database = await TestCluster.CreateDatabaseAsync();
        await using (var connection = await database.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE schema_migration SET sha256 = 'edited' WHERE id = 1");
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => new MigrationRunner(database.DataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync());
        Assert.Contains(MigrationRunner.Shipped[0].Name, error.Message);
    }

    [Fact]
    public void Shipped_MigrationsIncludeQuartzJobStoreTables()
    {
        var quartz = Assert.Single(MigrationRunner.Shipped, m => m.Name.Contains("quartz", StringComparison.Ordinal));
        foreach (var table in new[] { "qrtz_job_details", "qrtz_triggers", "qrtz_cron_triggers", "qrtz_fired_triggers", "qrtz_scheduler_state", "qrtz_locks" })
        {
            Assert.Contains($"CREATE TABLE {table} ", quartz.Sql);
        }
    }

    private static async Task<string> SchemaFingerprintAsync(Npgsql.NpgsqlConnection connection) =>
        string.Join('\n', await connection.QueryAsync<string>("""
            SELECT table_name || '.' || column_name || ':' || data_type
            FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1
            """));
}
