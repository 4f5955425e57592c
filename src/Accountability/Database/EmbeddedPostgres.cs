using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Accountability.Database;

/// <summary>
/// A private PostgreSQL cluster run from the server binaries installed on the machine, so that a fresh checkout
/// works with no setup. Layout under <see cref="EmbeddedDatabaseOptions.DataDirectory"/>:
/// <c>data/</c> (the cluster), <c>postgres.log</c>, <c>password</c> (generated at initdb, mode 0600).
/// </summary>
/// <remarks>
/// Why not trust authentication: the cluster listens on loopback, which every local account can reach; a random
/// password kept in a 0600 file costs nothing and closes that door.
/// If a live postmaster already serves the folder (another node or a CLI started from the same checkout, or an orphan of
/// a killed process) we attach to it. Every process using the cluster holds a shared lock on <c>users.lock</c> while it
/// does; whoever leaves last — the one who can then lock it exclusively — stops the cluster, whoever started it. So the
/// first of two processes to exit never stops the cluster under the other, and nothing is left running after the last.
/// </remarks>
public sealed partial class EmbeddedPostgres : IAsyncDisposable
{
    private const string SuperUser = "accountability";
    private const string ServiceAccount = "postgres";

    private readonly EmbeddedDatabaseOptions _options;
    private readonly PostgresBinaries _binaries;
    private readonly ILogger _logger;
    private readonly string _root;
    private readonly bool _runAsServiceAccount;
    private FileStream? _lease;

    public string ConnectionString { get; private set; } = "";
    public int Port { get; private set; }
    public string DataDirectory => Path.Combine(_root, "data");
    public string LogFile => Path.Combine(_root, "postgres.log");

    private EmbeddedPostgres(EmbeddedDatabaseOptions options, PostgresBinaries binaries, ILogger logger)
    {
        _options = options;
        _binaries = binaries;
        _logger = logger;
        _root = ResolveDataDirectory(options.DataDirectory);
        // PostgreSQL refuses to run as root; the Debian package's service account runs it instead.
        _runAsServiceAccount = Environment.IsPrivilegedProcess;
    }

    /// <summary>Initialises the cluster on first use, starts it (or attaches to a running one) and makes sure the
    /// application database exists. Throws <see cref="EmbeddedDatabaseException"/> with a message a newcomer can act
    /// on when something on the machine is missing.</summary>
    public static async Task<EmbeddedPostgres> StartAsync(EmbeddedDatabaseOptions options, ILogger logger,
        CancellationToken cancellationToken = default)
    {
        var binaries = PostgresBinaries.LocateOnThisMachine(options.BinDirectory);
        var cluster = new EmbeddedPostgres(options, binaries, logger);
        await cluster.StartCoreAsync(cancellationToken);
        return cluster;
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_root);
        // Two processes started from one checkout at once must not both run initdb or pg_ctl start.
        await using var launchLock = await AcquireLaunchLockAsync(cancellationToken);

        if (_runAsServiceAccount)
        {
            CheckServiceAccountCanReach(_root);
        }

        var password = await EnsureInitialisedAsync(cancellationToken);

        var running = ReadRunningPostmaster();
        if (running is { } port)
        {
            Port = port;
            LogAttached(_logger, DataDirectory, port);
        }
        else
        {
            await StartPostmasterAsync(cancellationToken);
        }

        // Taken under the launch lock, so a process stopping the cluster cannot miss one that has just attached.
        _lease = OpenUsersLock(FileShare.ReadWrite)
                 ?? throw new EmbeddedDatabaseException($"Cannot take a shared lock on {Path.Combine(_root, "users.lock")}.");

        var admin = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = SuperUser,
            Password = password,
            Database = "postgres",
            Pooling = false,
        };
        await EnsureDatabaseAsync(admin.ConnectionString, _options.DatabaseName, cancellationToken);

        admin.Database = _options.DatabaseName;
        admin.Pooling = true;
        ConnectionString = admin.ConnectionString;
    }

    /// <summary>A relative folder is taken from the checkout's root (the folder holding Accountability.sln) when run from
    /// inside one, so the server and the CLI started from any project folder share one cluster; else from the current
    /// folder (a published or containerised server).</summary>
    public static string ResolveDataDirectory(string configured)
    {
        if (Path.IsPathRooted(configured))
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Accountability.sln")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, configured));
            }
        }

        return Path.GetFullPath(configured);
    }

    /// <summary>The connection string for another database in the same cluster (tests give each class its own).</summary>
    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Database = database }.ConnectionString;

    private async Task<string> EnsureInitialisedAsync(CancellationToken cancellationToken)
    {
        var passwordFile = Path.Combine(_root, "password");
        if (File.Exists(Path.Combine(DataDirectory, "PG_VERSION")) && File.Exists(passwordFile))
        {
            return (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim();
        }

        // A half-made cluster (initdb interrupted) is ours to throw away: it never held data.
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        await File.WriteAllTextAsync(passwordFile, password, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        if (_runAsServiceAccount)
        {
            await RunAsync("chown", ["-R", $"{ServiceAccount}:", _root], asServiceAccount: false, cancellationToken);
        }

        LogInitialising(_logger, DataDirectory);
        var args = new List<string>
        {
            "-D", DataDirectory, "-U", SuperUser, "--pwfile", passwordFile, "-A", "scram-sha-256",
            "-E", "UTF8", "--no-locale",
        };
        if (!_options.Durable)
        {
            args.Add("--no-sync");
        }

        await RunAsync(_binaries.InitDb, args, _runAsServiceAccount, cancellationToken);
        return password;
    }

    /// <summary>The port of a live postmaster serving our data folder, or null. A pid file whose process is gone, or
    /// now belongs to another program, is left over from an unclean stop: it is removed so postgres will start.</summary>
    private int? ReadRunningPostmaster()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return null;
        }

        var lines = File.ReadAllLines(pidFile);
        if (lines.Length >= 4 && int.TryParse(lines[0], out var pid) && int.TryParse(lines[3], out var port)
            && IsPostgresProcess(pid))
        {
            return port;
        }

        LogStalePidFile(_logger, pidFile);
        File.Delete(pidFile);
        return null;
    }

    private static bool IsPostgresProcess(int pid)
    {
        try
        {
            var comm = File.ReadAllText($"/proc/{pid}/comm").Trim();
            // A killed postmaster whose parent does not reap it (common in containers) lingers as a zombie.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return comm is "postgres" or "postmaster" && state is not ("Z" or "X");
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private async Task StartPostmasterAsync(CancellationToken cancellationToken)
    {
        // A port picked as free can be taken before postgres binds it; a few attempts make that harmless.
        for (var attempt = 1; ; attempt++)
        {
            Port = _options.Port != 0 ? _options.Port : FreeLoopbackPort();
            var settings = new List<string>
            {
                $"-p {Port}",
                "-c listen_addresses=127.0.0.1",
                // No unix socket: its path length is limited and tests live in deep temporary folders.
                "-c unix_socket_directories=''",
                "-c max_connections=300",
            };
            if (!_options.Durable)
            {
                settings.AddRange(["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]);
            }

            settings.AddRange(_options.Settings.Select(s => $"-c {s.Key}={s.Value}"));

            try
            {
                await RunAsync(_binaries.PgCtl,
                    ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "120", "-o", string.Join(' ', settings), "start"],
                    _runAsServiceAccount, cancellationToken);
                LogStarted(_logger, DataDirectory, Port);
                return;
            }
            catch (EmbeddedDatabaseException) when (attempt < 3 && _options.Port == 0)
            {
                LogPortRetry(_logger, Port);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_lease is null)
        {
            return;
        }

        await using var launchLock = await AcquireLaunchLockAsync(CancellationToken.None);
        await _lease.DisposeAsync();
        _lease = null;
        await using var last = OpenUsersLock(FileShare.None);
        if (last is null)
        {
            LogLeftRunning(_logger, DataDirectory);
            return;
        }

        if (ReadRunningPostmaster() is null)
        {
            return;
        }

        try
        {
            await RunAsync(_binaries.PgCtl, ["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"],
                _runAsServiceAccount, CancellationToken.None);
            LogStopped(_logger, DataDirectory);
        }
        catch (EmbeddedDatabaseException e)
        {
            // Shutting down must not throw; the next start copes with whatever was left behind.
            LogStopFailed(_logger, e.Message);
        }
    }

    /// <summary>Opens <c>users.lock</c> with an advisory lock: shared (<see cref="FileShare.ReadWrite"/>) while a process
    /// uses the cluster, exclusive (<see cref="FileShare.None"/>) to learn it is the last; null when another holds it in a
    /// conflicting way. The kernel drops the lock of a killed process, so a crash never leaves the cluster pinned.</summary>
    private FileStream? OpenUsersLock(FileShare share)
    {
        try
        {
            return new FileStream(Path.Combine(_root, "users.lock"), FileMode.OpenOrCreate,
                share == FileShare.None ? FileAccess.ReadWrite : FileAccess.Read, share);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Stops the cluster synchronously; for process-exit handlers, which cannot await.</summary>
    public void Stop() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static async Task EnsureDatabaseAsync(string adminConnectionString, string database,
        CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            // Identifiers cannot be parameters; the name comes from configuration and is quoted.
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"")}\"", connection);
            try
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
                // Another node created it between our check and our create.
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<FileStream> AcquireLaunchLockAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_root, "launch.lock");
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    /// <summary>The service account needs execute permission on every folder above the data folder.</summary>
    private static void CheckServiceAccountCanReach(string root)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        for (var dir = Directory.GetParent(root); dir is not null; dir = dir.Parent)
        {
            var mode = File.GetUnixFileMode(dir.FullName);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
            {
                throw new EmbeddedDatabaseException(
                    $"PostgreSQL runs as the '{ServiceAccount}' user (it refuses to run as root) and cannot enter '{dir.FullName}'. " +
                    $"Allow it (chmod o+x '{dir.FullName}') or set EmbeddedDatabase:DataDirectory to a folder it can reach.");
            }
        }
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> args, bool asServiceAccount,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            FileName = asServiceAccount ? "runuser" : program,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asServiceAccount)
        {
            foreach (var a in (string[])["-u", ServiceAccount, "--", program])
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new EmbeddedDatabaseException($"Could not start {program}.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new EmbeddedDatabaseException($"Could not start {start.FileName}: {e.Message}");
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new EmbeddedDatabaseException(
                    $"{Path.GetFileName(program)} failed (exit {process.ExitCode}): {(await stderr).Trim()} {(await stdout).Trim()}".Trim());
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Creating the embedded PostgreSQL cluster in {DataDirectory}")]
    private static partial void LogInitialising(ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded PostgreSQL started from {DataDirectory} on 127.0.0.1:{Port}")]
    private static partial void LogStarted(ILogger logger, string dataDirectory, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded PostgreSQL for {DataDirectory} is already running on 127.0.0.1:{Port}; using it")]
    private static partial void LogAttached(ILogger logger, string dataDirectory, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed {PidFile}: its process is gone (an unclean stop)")]
    private static partial void LogStalePidFile(ILogger logger, string pidFile);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Port {Port} was taken before PostgreSQL could bind it; trying another")]
    private static partial void LogPortRetry(ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded PostgreSQL in {DataDirectory} stopped")]
    private static partial void LogStopped(ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded PostgreSQL in {DataDirectory} left running: another process still uses it")]
    private static partial void LogLeftRunning(ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded PostgreSQL did not stop cleanly: {Reason}")]
    private static partial void LogStopFailed(ILogger logger, string reason);
}
