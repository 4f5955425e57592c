using System.Diagnostics;
using Accountability.Tests.Cycles;

namespace Accountability.Tests;

/// <summary>The built <c>accountability</c> command in a process of its own, as an operator types it, on a test's
/// database (its configuration is read from the environment once per process, so it cannot run in the test's).</summary>
public static class CliProcess
{
    public static async Task<(int Exit, string Output)> RunAsync(string connectionString, params string[] args)
    {
        var cli = Path.Combine(Path.GetDirectoryName(ServerProcess.WebAssembly)!.Replace("Accountability.Web", "Accountability.Cli", StringComparison.Ordinal),
            "Accountability.Cli.dll");
        var info = new ProcessStartInfo("dotnet", [cli, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["ConnectionStrings__Accountability"] = connectionString;
        info.Environment["COLUMNS"] = "200";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
