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

    /// <summary>CPU seconds used so far by this process (the engine) and by the whole machine (the engine, PostgreSQL and
    /// anything else running), from /proc: with both cores busy, the split says which side a speed-up has to come from.</summary>
    public static (double Engine, double Machine) CpuSeconds()
    {
        var engine = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        // cpu  user nice system idle iowait irq softirq steal …, in clock ticks (USER_HZ, 100 on Linux).
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7];
        return (engine, busy / 100.0);
    }

    /// <summary>Peak resident memory of this process so far (VmHWM), in MiB.</summary>
    public static double PeakRssMib()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }
}
