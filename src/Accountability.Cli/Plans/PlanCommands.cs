using System.CommandLine;
using Accountability.Cli.Hosting;
using Accountability.Plans;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Accountability.Cli.Plans;

public static class PlanCommands
{
    /// <summary>Above this many assignments an import shows a progress bar.</summary>
    private const long ProgressBarFrom = 20_000;

    public static Command Create()
    {
        var plan = new Command("plan", "Action plans: validate, diff and import a plan (.yaml, .xlsx, .csv) into its campaign");
        plan.Subcommands.Add(Run("validate", "Check a plan against the organisation, the calendar and the compilation rules; write nothing", PlanMode.Validate));
        plan.Subcommands.Add(Run("diff", "Show what importing the plan would add, change and cancel; write nothing", PlanMode.Diff));
        plan.Subcommands.Add(Run("import", "Import the plan as a new version of its campaign and issue the assignments", PlanMode.Import));
        plan.Subcommands.Add(Convert());
        return plan;
    }

    private static Command Run(string name, string description, PlanMode mode)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The plan file (.yaml, .xlsx, or .csv in UTF-8 or GBK)" };
        var campaign = new Option<string?>("--campaign") { Description = "The campaign's code, for a file without a campaign section (a CSV)" };
        var command = new Command(name, description) { file, campaign };
        command.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{path.FullName} does not exist.[/]");
                return CliHost.Failed;
            }

            var request = new PlanRequest(path.Name, await File.ReadAllBytesAsync(path.FullName, token), parse.GetValue(campaign));
            var import = services.GetRequiredService<ImportPlan>();
            PlanOutcome outcome;
            if (mode == PlanMode.Validate)
            {
                outcome = await import.ExecuteAsync(null, request, mode, null, token);
            }
            else
            {
                outcome = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async context =>
                    {
                        ProgressTask? bar = null;
                        var progress = new Progress<PlanProgress>(p =>
                        {
                            if (p.Stage != "assignments" || p.Total < ProgressBarFrom)
                            {
                                return;
                            }

                            bar ??= context.AddTask($"Writing {p.Total:N0} assignments", maxValue: p.Total);
                            bar.Value = p.Done;
                        });
                        var result = await import.ExecuteAsync(null, request, mode, progress, token);
                        if (bar is not null)
                        {
                            bar.Value = bar.MaxValue;
                        }

                        return result;
                    });
            }

            Print(outcome);
            return 0;
        }, ct));
        return command;
    }

    private static Command Convert()
    {
        var source = new Argument<FileInfo>("FILE") { Description = "A plan file (.yaml, .xlsx or .csv)" };
        var target = new Argument<FileInfo>("OUTPUT") { Description = "The workbook to write (.xlsx)" };
        var command = new Command("convert", "Write a plan file as the workbook planners keep (行动方案, 调度周期, 重点任务分工表, 企业台账); needs no database")
        {
            source, target,
        };
        command.SetAction(async (parse, ct) =>
        {
            var input = parse.GetValue(source)!;
            var output = parse.GetValue(target)!;
            var problems = new List<InputProblem>();
            var plan = input.Exists ? PlanFileReader.Read(input.Name, await File.ReadAllBytesAsync(input.FullName, ct), problems) : null;
            if (plan is null || problems.Any(p => !p.IsWarning))
            {
                CliHost.PrintProblems(problems.Count > 0 ? problems : [new InputProblem(input.Name, null, null, null, "does not exist")]);
                return CliHost.InputRejected;
            }

            await ReplaceFile.WriteAsync(output.FullName, (stream, _) =>
            {
                PlanWorkbookWriter.Write(plan, stream);
                return Task.CompletedTask;
            }, ct);
            AnsiConsole.MarkupLineInterpolated($"[green]Wrote {output.FullName}[/]");
            return 0;
        });
        return command;
    }

    private static void Print(PlanOutcome outcome)
    {
        CliHost.PrintProblems(outcome.Warnings);
        var verb = outcome.Action switch { "validated" => "is valid", "diffed" => "compared", _ => "imported" };
        AnsiConsole.MarkupLineInterpolated(
            $"[green]{outcome.File} {verb}[/]: campaign {outcome.CampaignCode} ({outcome.CampaignName}), version {outcome.Version}; {outcome.Tasks} tasks, {outcome.LedgerItems} ledger items, {outcome.Assignments:N0} assignments compiled.");
        if (outcome.Diff is not { } diff)
        {
            return;
        }

        if (diff.NewCampaign)
        {
            AnsiConsole.MarkupLine("New campaign.");
        }

        foreach (var change in diff.CampaignChanges)
        {
            AnsiConsole.MarkupLineInterpolated($"  campaign  [yellow]~[/] {change}");
        }

        // A new campaign adds everything: the counts say it; item lists are for amendments.
        Section("task", diff.NewCampaign ? [] : diff.TasksAdded, diff.TasksChanged, diff.TasksCancelled, diff.TasksUnchanged, diff.TasksAdded.Count);
        Section("ledger item", diff.NewCampaign ? [] : diff.LedgerAdded, diff.LedgerChanged, diff.LedgerCancelled, diff.LedgerUnchanged, diff.LedgerAdded.Count);
        var a = diff.Assignments;
        AnsiConsole.MarkupLineInterpolated(
            $"Assignments: [green]+{a.Added:N0} issued[/], [yellow]~{a.Updated:N0} updated[/], [red]-{a.Cancelled:N0} cancelled[/], {a.KeptClosed:N0} closed kept with their history, {a.Unchanged:N0} unchanged.");
    }

    private static void Section(string what, IReadOnlyList<PlanItemChange> added, IReadOnlyList<PlanItemChange> changed,
        IReadOnlyList<PlanItemChange> cancelled, int unchanged, int addedCount)
    {
        const int shown = 30;
        foreach (var item in added.Take(shown))
        {
            AnsiConsole.MarkupLineInterpolated($"  {what} [green]+[/] {item.Number} {item.Title}");
        }

        foreach (var item in changed.Take(shown))
        {
            AnsiConsole.MarkupLineInterpolated($"  {what} [yellow]~[/] {item.Number} {item.Title}: {string.Join("; ", item.Changes)}");
        }

        foreach (var item in cancelled.Take(shown))
        {
            AnsiConsole.MarkupLineInterpolated($"  {what} [red]-[/] {item.Number} {item.Title}");
        }

        var hidden = Math.Max(0, added.Count - shown) + Math.Max(0, changed.Count - shown) + Math.Max(0, cancelled.Count - shown);
        if (hidden > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"  ... and {hidden} more");
        }

        if (addedCount + changed.Count + cancelled.Count + unchanged > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"  {what}s: {addedCount} added, {changed.Count} changed, {cancelled.Count} cancelled, {unchanged} unchanged");
        }
    }
}
