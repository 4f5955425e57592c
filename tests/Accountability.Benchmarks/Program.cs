using System.Diagnostics;
using Accountability.Benchmarks;
using Accountability.Database;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

var cases = typeof(IBenchmarkCase).Assembly.GetTypes()
    .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IBenchmarkCase).IsAssignableFrom(t))
    .Select(t => (IBenchmarkCase)Activator.CreateInstance(t)!)
    .OrderBy(c => c.Name, StringComparer.Ordinal)
    .ToList();

var requested = args.FirstOrDefault() ?? "all";
if (requested == "all")
{
    // One process per case: each case's peak memory is its own.
    var self = Environment.ProcessPath!;
    var exitCode = 0;
    foreach (var benchmark in cases)
    {
        var start = new ProcessStartInfo(self) { ArgumentList = { benchmark.Name } };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Insert(0, typeof(IBenchmarkCase).Assembly.Location);
        }

        using var child = Process.Start(start)!;
        await child.WaitForExitAsync();
        exitCode |= child.ExitCode;
    }

    return exitCode;
}

var selected = cases.FirstOrDefault(c => c.Name == requested);
if (selected is null)
{
    Console.Error.WriteLine($"Unknown case '{requested}'. Cases: {string.Join(", ", cases.Select(c => c.Name))}, all.");
    return 2;
}

// A cluster of its own with room to work; fsync is off for both the engine and its baseline alike.
var cluster = await EmbeddedPostgres.StartAsync(new EmbeddedDatabaseOptions
{
    DataDirectory = EmbeddedPostgres.ResolveDataDirectory(Path.Combine(".data", "bench-postgres")),
    Durable = false,
    DatabaseName = "postgres",
    Settings = new() { ["shared_buffers"] = "1GB", ["max_wal_size"] = "8GB", ["work_mem"] = "64MB", ["maintenance_work_mem"] = "512MB" },
}, NullLogger.Instance);
try
{
    var database = "bench_" + selected.Name.Replace('-', '_');
    await using (var admin = new NpgsqlConnection(cluster.ConnectionStringFor("postgres")))
    {
        await admin.ExecuteAsync($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
        await admin.ExecuteAsync($"CREATE DATABASE \"{database}\"");
    }

    var configuration = new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Accountability"] = cluster.ConnectionStringFor(database) })
        .Build();
    await using var engine = await AccountabilityDatabase.OpenAsync(configuration);
    await selected.RunAsync(new BenchmarkContext(cluster, database, engine));
    return 0;
}
finally
{
    await cluster.DisposeAsync();
}
