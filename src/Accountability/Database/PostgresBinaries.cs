namespace Accountability.Database;

/// <summary>The PostgreSQL server programs the embedded cluster is run with.</summary>
public sealed record PostgresBinaries(string Directory)
{
    public string InitDb => Path.Combine(Directory, "initdb");
    public string PgCtl => Path.Combine(Directory, "pg_ctl");

    public const string NotFoundMessage =
        "No PostgreSQL server binaries were found (looked for initdb and pg_ctl in EmbeddedDatabase:BinDirectory, " +
        "on PATH and in /usr/lib/postgresql/*/bin). Install the server (Debian/Ubuntu: apt-get install -y postgresql) " +
        "or point the engine at an existing database with ConnectionStrings:Accountability " +
        "(environment variable ConnectionStrings__Accountability).";

    /// <summary>
    /// Finds the binaries: an explicit folder wins; then PATH; then the Debian layout, newest major version first.
    /// The search folders are parameters so a test can prove the refusal without uninstalling anything.
    /// </summary>
    public static PostgresBinaries Locate(string? explicitDirectory, IEnumerable<string> pathDirectories,
        IEnumerable<string> versionedRoots)
    {
        if (!string.IsNullOrWhiteSpace(explicitDirectory))
        {
            return HasServer(explicitDirectory)
                ? new PostgresBinaries(explicitDirectory)
                : throw new EmbeddedDatabaseException(
                    $"EmbeddedDatabase:BinDirectory is '{explicitDirectory}' but it holds no initdb and pg_ctl. " + NotFoundMessage);
        }

        foreach (var directory in pathDirectories)
        {
            if (HasServer(directory))
            {
                return new PostgresBinaries(directory);
            }
        }

        foreach (var root in versionedRoots)
        {
            if (!System.IO.Directory.Exists(root))
            {
                continue;
            }

            var newestFirst = System.IO.Directory.GetDirectories(root)
                .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
                .OrderByDescending(d => d.Version);
            foreach (var (dir, _) in newestFirst)
            {
                var bin = Path.Combine(dir, "bin");
                if (HasServer(bin))
                {
                    return new PostgresBinaries(bin);
                }
            }
        }

        throw new EmbeddedDatabaseException(NotFoundMessage);
    }

    public static PostgresBinaries LocateOnThisMachine(string? explicitDirectory) =>
        Locate(explicitDirectory,
            (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries),
            ["/usr/lib/postgresql"]);

    private static bool HasServer(string directory) =>
        File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl"));
}

public sealed class EmbeddedDatabaseException(string message) : Exception(message);
