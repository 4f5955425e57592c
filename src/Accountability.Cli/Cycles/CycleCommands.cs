using System.CommandLine;
using Accountability.Audit;
using Accountability.Cli.Hosting;
using Accountability.Cycles;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Accountability.Cli.Cycles;

/// <summary>
/// Manual control of the cadence. The CLI never starts a scheduler: it runs the same use cases the server's jobs
/// run, once, against the same database, so a planner can close a period by hand (or see what closing it would
/// issue) whether or not a server is up.
/// </summary>
public static class CycleCommands
{
    public static Command Create()
    {
        var cycle = new Command("cycle", "Cycles: dispatch, ranking and bulletins per period (一月一调度、一月一排名、一月一通报)");
        cycle.Subcommands.Add(Run());
        cycle.Subcommands.Add(Runs());
        cycle.Subcommands.Add(Sweep());
        cycle.Subcommands.Add(LookBack());
        return cycle;
    }

    private static Command Run()
    {
        var campaign = new Option<string>("--campaign") { Description = "Campaign code", Required = true };
        var period = new Option<string>("--period") { Description = "Period to close: 2017-10 (month), 2017-W43 (week) or 2017-10-25 (day)", Required = true };
        var cycleName = new Option<string?>("--cycle") { Description = "Cycle name, when several cycles close periods of that shape" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be issued; write nothing" };
        var command = new Command("run", "Close a period now: dispatch, snapshot, ranking, documents, notices. A published period is re-closed with corrections as new document versions.")
        {
            campaign, period, cycleName, dryRun,
        };
        command.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            var result = await services.GetRequiredService<RunCycle>().RunAsync(
                new CycleRunRequest(parse.GetValue(campaign)!, parse.GetValue(period)!, parse.GetValue(cycleName), parse.GetValue(dryRun)),
                AuditActor.Cli, token);
            Print(result);
            return 0;
        }, ct));
        return command;
    }

    private static Command Runs()
    {
        var campaign = new Option<string>("--campaign") { Description = "Campaign code", Required = true };
        var command = new Command("runs", "List a campaign's cycle runs: period, status, attempts, node, revision") { campaign };
        command.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            var runs = await services.GetRequiredService<CycleRunStore>().ListRunsAsync(parse.GetValue(campaign)!, token);
            var table = new Table().AddColumns("cycle", "period", "close (UTC)", "status", "attempts", "revision", "published by", "published at (UTC)");
            foreach (var run in runs)
            {
                table.AddRow(Markup.Escape(run.Cycle), Markup.Escape(run.Period), run.CloseAt.ToString("yyyy-MM-dd HH:mm"), run.Status,
                    run.Attempt.ToString(), run.PublishedRevision.ToString(), Markup.Escape(run.PublishedBy ?? ""),
                    run.PublishedAt?.ToString("yyyy-MM-dd HH:mm:ss") ?? "");
            }

            AnsiConsole.Write(table);
            return 0;
        }, ct));
        return command;
    }

    private static Command Sweep()
    {
        var command = new Command("sweep", "Run every periodic sweep once (assignment timers, outbox relay), as the server does every minute");
        command.SetAction((_, ct) => CliHost.RunAsync(async (services, token) =>
        {
            var failed = false;
            foreach (var result in await services.GetRequiredService<RunPeriodicSweeps>().RunAsync(token))
            {
                failed |= result.Error is not null;
                if (result.Error is null)
                {
                    AnsiConsole.MarkupLineInterpolated($"[green]{result.Name}[/]: {result.Handled} handled");
                }
                else
                {
                    AnsiConsole.MarkupLineInterpolated($"[red]{result.Name}[/]: failed: {result.Error}");
                }
            }

            return failed ? CliHost.Failed : 0;
        }, ct));
        return command;
    }

    private static Command LookBack()
    {
        var command = new Command("look-back", "Sample closed items for look-back (回头看) now: risk classes always, the rest at the configured random share");
        command.SetAction((_, ct) => CliHost.RunAsync(async (services, token) =>
        {
            var result = await services.GetRequiredService<SampleLookBacks>().RunAsync(token);
            AnsiConsole.MarkupLineInterpolated($"[green]{result.Selected}[/] of {result.Considered} closed items picked for look-back ({result.ByRisk} by risk, {result.ByRelapseHistory} after an earlier relapse, {result.ByRandom} at random).");
            return 0;
        }, ct));
        return command;
    }

    private static void Print(CycleRunResult result)
    {
        var colour = result.Outcome switch
        {
            CycleRunOutcome.Published or CycleRunOutcome.Corrected => "green",
            CycleRunOutcome.DryRun => "yellow",
            _ => "grey",
        };
        AnsiConsole.MarkupLineInterpolated($"[{colour}]{result.Outcome}[/] {result.Campaign} {result.Cycle} {result.Period} (cut-off {result.CloseAt:yyyy-MM-dd HH:mm} UTC, attempt {result.Attempt}, revision {result.Revision})");
        if (result.Outcome == CycleRunOutcome.DryRun)
        {
            AnsiConsole.MarkupLine("[yellow]Dry run: nothing below was written.[/]");
        }

        foreach (var document in result.Documents)
        {
            AnsiConsole.MarkupLineInterpolated($"  {document.Issue.ToString().ToLowerInvariant()}: {document.Title} [grey]({document.NaturalKey} v{document.Version})[/]");
        }

        AnsiConsole.MarkupLineInterpolated($"  units chased for progress: {result.UnitsChased}; notifications: {result.Notifications}; outbox messages: {result.OutboxMessages}; consequences: {result.Consequences}");
        AnsiConsole.MarkupLineInterpolated($"  {result.Summary}");
    }
}
