using System.CommandLine;
using Accountability.Cli.Hosting;
using Accountability.Cycles;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Accountability.Cli.Assignments;

/// <summary><c>accountability sweep run [--name assignment-timers]</c>: what the scheduler runs every minute, once,
/// by hand (after an outage, or from cron where no server runs). Safe beside a running server: sweeps claim with
/// FOR UPDATE SKIP LOCKED.</summary>
public static class SweepCommands
{
    public static Command Create()
    {
        var name = new Option<string?>("--name") { Description = "Run only this sweep (see 'sweep list'); all of them when omitted" };
        var run = new Command("run", "Run the periodic sweeps once: fire due assignment timers, refresh progress lights, ...") { name };
        run.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            var sweeps = services.GetServices<IPeriodicSweep>().OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
            var wanted = parse.GetValue(name);
            if (wanted is not null)
            {
                sweeps = sweeps.Where(s => s.Name == wanted).ToList();
                if (sweeps.Count == 0)
                {
                    AnsiConsole.MarkupLineInterpolated($"[red]No sweep named {wanted}.[/] Known: {string.Join(", ", services.GetServices<IPeriodicSweep>().Select(s => s.Name))}");
                    return CliHost.Failed;
                }
            }

            foreach (var sweep in sweeps)
            {
                var started = System.Diagnostics.Stopwatch.StartNew();
                var handled = await sweep.RunOnceAsync(token);
                AnsiConsole.MarkupLineInterpolated($"{sweep.Name}: [green]{handled}[/] handled in {started.Elapsed.TotalSeconds:0.00} s");
            }

            return 0;
        }, ct));

        var list = new Command("list", "List the periodic sweeps");
        list.SetAction((_, ct) => CliHost.RunAsync((services, _) =>
        {
            foreach (var sweep in services.GetServices<IPeriodicSweep>().OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                AnsiConsole.WriteLine(sweep.Name);
            }

            return Task.FromResult(0);
        }, ct));
        return new Command("sweep", "Periodic work: assignment timers, progress lights, ...") { run, list };
    }
}
