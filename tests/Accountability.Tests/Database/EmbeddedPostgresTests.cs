using System.Diagnostics;
using Accountability.Database;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Accountability.Tests.Database;

/// <summary>The launcher a newcomer's `dotnet run` depends on, exercised on real clusters in throwaway folders.</summary>
public sealed class EmbeddedPostgresTests : IDisposable
{
    private readonly string _folder = Path.Combine(TestCluster.DataDirectory + "-launcher", Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Start_OnAFreshFolder_InitialisesTheClusterWithAPasswordAndServesTheDatabase()
    {
        await using var cluster = await EmbeddedPostgres.StartAsync(Options(), NullLogger.Instance);

        Assert.True(File.Exists(Path.Combine(cluster.DataDirectory, "PG_VERSION")));
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        Assert.Equal("launcher_test", await connection.ExecuteScalarAsync<string>("SELECT current_database()"));
        Assert.Equal("127.0.0.1", new NpgsqlConnectionStringBuilder(cluster.ConnectionString).Host);
        // No trust authentication: a wrong password is refused even on loopback.
        var wrong = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Password = "wrong", Pooling = false };
        await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var c = new NpgsqlConnection(wrong.ConnectionString);
            await c.OpenAsync();
        });
    }

    [Fact]
    public async Task Start_AfterTheClusterWasKilled_RemovesTheStalePidFileAndStartsAgain()
    {
        var options = Options();
        var first = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance);
        var pidFile = Path.Combine(first.DataDirectory, "postmaster.pid");
        var pid = int.Parse(File.ReadLines(pidFile).First());
        Process.GetProcessById(pid).Kill();
        await WaitUntilGoneAsync(pid);
        Assert.True(File.Exists(pidFile), "a killed postmaster leaves its pid file behind");

        await using var second = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance);

        await using var connection = new NpgsqlConnection(second.ConnectionString);
        await connection.OpenAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT 1"));
    }

    [Fact]
    public async Task Start_WhenThePidFileNamesAnotherLiveProgram_TreatsItAsStale()
    {
        var options = Options();
        var first = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance);
        await first.DisposeAsync();
        // An unclean stop whose pid was since reused by an unrelated process (here: the test runner itself).
        var pidFile = Path.Combine(first.DataDirectory, "postmaster.pid");
        await File.WriteAllLinesAsync(pidFile, [Environment.ProcessId.ToString(), first.DataDirectory, "0", "1", ""]);

        await using var second = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance);

        await using var connection = new NpgsqlConnection(second.ConnectionString);
        await connection.OpenAsync();
        Assert.NotEqual(Environment.ProcessId, int.Parse(File.ReadLines(pidFile).First()));
    }

    [Fact]
    public async Task Start_WhenTheClusterIsAlreadyRunning_AttachesAndLeavesItRunningOnDispose()
    {
        var options = Options();
        await using var owner = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance);
        var guest = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance);

        Assert.Equal(owner.Port, guest.Port);
        await guest.DisposeAsync();

        await using var connection = new NpgsqlConnection(owner.ConnectionString);
        await connection.OpenAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT 1"));
    }

    [Fact]
    public async Task Dispose_OfTheStarterWhileAnotherStillUsesTheCluster_LeavesItRunningUntilTheLastOneLeaves()
    {
        // Two CLI commands (or a server and a CLI) from one checkout: the one that started the cluster may exit first.
        var options = Options();
        var starter = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance);
        var other = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance);
        var pidFile = Path.Combine(starter.DataDirectory, "postmaster.pid");
        var pid = int.Parse(File.ReadLines(pidFile).First());

        await starter.DisposeAsync();

        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(other.ConnectionString) { Pooling = false }.ConnectionString))
        {
            await connection.OpenAsync();
            Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT 1"));
        }

        await other.DisposeAsync();

        await WaitUntilGoneAsync(pid);
        Assert.False(File.Exists(pidFile), "the last process to leave stops the cluster, though another started it");
    }

    [Fact]
    public async Task Start_WithoutServerBinaries_FailsWithOneMessageNamingThePackageAndTheSetting()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_folder, "no-binaries")).FullName;

        var options = Options();
        options.BinDirectory = empty;

        var error = await Assert.ThrowsAsync<EmbeddedDatabaseException>(() => EmbeddedPostgres.StartAsync(options, NullLogger.Instance));

        Assert.Contains("apt-get install -y postgresql", error.Message);
        Assert.Contains("ConnectionStrings__Accountability", error.Message);
    }

    [Fact]
    public void Locate_WhenNothingIsOnPathOrInTheDebianLayout_Refuses()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_folder, "empty")).FullName;

        var error = Assert.Throws<EmbeddedDatabaseException>(() => PostgresBinaries.Locate(null, [empty], [empty]));

        Assert.Equal(PostgresBinaries.NotFoundMessage, error.Message);
    }

    [Fact]
    public void Locate_PrefersTheNewestVersionInTheDebianLayout()
    {
        var root = Path.Combine(_folder, "usr-lib-postgresql");
        foreach (var version in new[] { "9", "15", "13" })
        {
            var bin = Directory.CreateDirectory(Path.Combine(root, version, "bin")).FullName;
            File.WriteAllText(Path.Combine(bin, "initdb"), "");
            File.WriteAllText(Path.Combine(bin, "pg_ctl"), "");
        }

        var found = PostgresBinaries.Locate(null, [], [root]);

        Assert.Equal(Path.Combine(root, "15", "bin"), found.Directory);
    }

    private EmbeddedDatabaseOptions Options() =>
        new() { DataDirectory = _folder, Durable = false, DatabaseName = "launcher_test" };

    private static async Task WaitUntilGoneAsync(int pid)
    {
        for (var i = 0; i < 100 && File.Exists($"/proc/{pid}/comm") && File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] != "Z"; i++)
        {
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        // Stop anything a failed assertion left running, then remove the folder.
        var pidFile = Path.Combine(_folder, "data", "postmaster.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), out var pid))
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
            }
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
