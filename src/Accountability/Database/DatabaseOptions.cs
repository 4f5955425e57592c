namespace Accountability.Database;

/// <summary>
/// Where the data lives. With <c>ConnectionStrings:Accountability</c> set the engine uses that database and starts
/// nothing; otherwise it runs a private PostgreSQL cluster described by <see cref="EmbeddedDatabaseOptions"/>.
/// </summary>
public sealed class EmbeddedDatabaseOptions
{
    public const string Section = "EmbeddedDatabase";

    /// <summary>Folder that holds the cluster (<c>data/</c>), its log and its generated password. Relative paths are
    /// resolved against the current directory, so <c>dotnet run</c> from the repository keeps data in
    /// <c>.data/postgres</c> there.</summary>
    public string DataDirectory { get; set; } = ".data/postgres";

    /// <summary>Folder holding <c>initdb</c>, <c>pg_ctl</c> and <c>postgres</c>. Empty: look on PATH, then in
    /// <c>/usr/lib/postgresql/*/bin</c> (newest version first).</summary>
    public string? BinDirectory { get; set; }

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one at each start.</summary>
    public int Port { get; set; }

    public string DatabaseName { get; set; } = "accountability";

    /// <summary>False trades crash safety for speed (fsync off): for test suites and benchmarks only.</summary>
    public bool Durable { get; set; } = true;

    /// <summary>Extra <c>postgres -c</c> settings, e.g. <c>shared_buffers</c> for a benchmark.</summary>
    public Dictionary<string, string> Settings { get; set; } = new();
}

public static class ConnectionStringNames
{
    public const string Accountability = "Accountability";
}
