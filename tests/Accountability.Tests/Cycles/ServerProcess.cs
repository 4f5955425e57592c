using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Accountability.Tests.Cycles;

/// <summary>
/// A real server process (the built Accountability.Web, as an operator runs it) on a given database, with settings
/// passed as environment variables. Killing it is <c>kill -9</c>: no shutdown hook runs, its connections drop.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(string name, Process process, int port, string log)
    {
        Name = name;
        _process = process;
        Port = port;
        LogPath = log;
    }

    /// <summary>Also the node name it writes into run records (<c>Cycles:NodeName</c>).</summary>
    public string Name { get; }

    public int Port { get; }

    public string LogPath { get; }

    public bool HasExited => _process.HasExited;

    public static string WebAssembly { get; } = FindWebAssembly();

    public static ServerProcess Start(string name, string connectionString, IReadOnlyDictionary<string, string> settings)
    {
        var port = FreePort();
        var folder = Path.Combine(Path.GetTempPath(), "accountability-servers");
        Directory.CreateDirectory(folder);
        var log = Path.Combine(folder, $"{name}-{DateTime.UtcNow:HHmmss}-{port}.log");
        // exec keeps the pid: the process killed is the server itself, not a shell around it.
        var info = new ProcessStartInfo("/bin/sh", ["-c", $"exec dotnet \"{WebAssembly}\" > \"{log}\" 2>&1"])
        {
            WorkingDirectory = Path.GetDirectoryName(WebAssembly)!,
            UseShellExecute = false,
        };
        info.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        info.Environment.Remove("DOTNET_ENVIRONMENT");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["ConnectionStrings__Accountability"] = connectionString;
        info.Environment["Cycles__NodeName"] = name;
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Accountability"] = "Information";
        info.Environment["Logging__LogLevel__Quartz"] = "Warning";
        info.Environment["TZ"] = "UTC";
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return new ServerProcess(name, Process.Start(info)!, port, log);
    }

    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"server {Name} exited with {_process.ExitCode}; log: {await TailAsync()}");
            }

            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{Port}/health")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"server {Name} not healthy after {timeout}; log: {await TailAsync()}");
    }

    /// <summary>SIGKILL: the process gets no chance to finish anything.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public async Task<string> TailAsync()
    {
        var text = File.Exists(LogPath) ? await File.ReadAllTextAsync(LogPath) : "";
        return text.Length > 4000 ? text[^4000..] : text;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A duration on a server clock running <paramref name="speed"/> times real time, as configuration reads it.</summary>
    public static string Simulated(double realSeconds, double speed) =>
        TimeSpan.FromSeconds(realSeconds * speed).ToString("c", CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    /// <summary>The server as built with the tests (same configuration: Debug or Release).</summary>
    private static string FindWebAssembly()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var built = Path.Combine(RepositoryPaths.Root, "src", "Accountability.Web", "bin", configuration, framework, "Accountability.Web.dll");
        if (File.Exists(built))
        {
            return built;
        }

        var copied = Path.Combine(AppContext.BaseDirectory, "Accountability.Web.dll");
        if (File.Exists(Path.Combine(AppContext.BaseDirectory, "Accountability.Web.runtimeconfig.json")))
        {
            return copied;
        }

        throw new FileNotFoundException("The server is not built next to the tests", built);
    }
}
