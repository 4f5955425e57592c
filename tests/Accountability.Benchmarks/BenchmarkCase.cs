using Accountability.Database;
using Npgsql;

namespace Accountability.Benchmarks;

/// <summary>One benchmark: builds its data, runs the engine operation and its raw-SQL baseline in the same run, and
/// prints its figures as <c>NAME FIGURE: VALUE</c> lines. Cases are found by reflection; each runs in its own process
/// so that peak memory figures are its own.</summary>
public interface IBenchmarkCase
{
    string Name { get; }

    Task RunAsync(BenchmarkContext context);
}

public sealed class BenchmarkContext(EmbeddedPostgres cluster, string database, AccountabilityDatabase engine)
{
    public EmbeddedPostgres Cluster { get; } = cluster;

    public string DatabaseName { get; } = database;

    /// <summary>A migrated database of its own, opened the way the server opens it.</summary>
    public AccountabilityDatabase Engine { get; } = engine;

    public NpgsqlDataSource DataSource => Engine.DataSource;

    public static void Report(string name, string figure, double value) =>
        Console.WriteLine($"{name} {figure}: {value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}");

    /// <summary>Peak resident memory of this process so far (VmHWM), in MiB.</summary>
    public static double PeakRssMib()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }
}
