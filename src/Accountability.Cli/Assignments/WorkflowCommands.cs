using System.CommandLine;
using Accountability.Cli.Hosting;
using Accountability.Workflows;
using Spectre.Console;

namespace Accountability.Cli.Assignments;

/// <summary><c>accountability workflow check [FOLDER]</c> validates definitions (before deploying a new version);
/// <c>accountability workflow show CODE [--version N]</c> prints states, timers and transitions.</summary>
public static class WorkflowCommands
{
    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo?>("FOLDER") { Description = "A definitions folder (default: the shipped workflows/definitions)", Arity = ArgumentArity.ZeroOrOne };
        var check = new Command("check", "Validate every workflow definition; errors name the file, line and field") { folder };
        check.SetAction(parse =>
        {
            var directory = parse.GetValue(folder)?.FullName ?? Path.Combine(AppContext.BaseDirectory, "workflows", "definitions");
            var problems = new List<InputProblem>();
            var definitions = WorkflowCatalog.Load(directory, problems);
            CliHost.PrintProblems(problems);
            foreach (var definition in definitions.Values.OrderBy(d => d.Code, StringComparer.Ordinal).ThenBy(d => d.Version))
            {
                AnsiConsole.MarkupLineInterpolated($"[green]{definition.File}[/]: {definition.States.Count} states, {definition.Timers.Count} timers, {definition.Transitions.Count} transitions");
            }

            return problems.Any(p => !p.IsWarning) ? CliHost.InputRejected : 0;
        });

        var code = new Argument<string>("CODE") { Description = "The workflow code, e.g. assignment" };
        var version = new Option<int?>("--version") { Description = "The version (default: the latest)" };
        var show = new Command("show", "Print a workflow's states, timers and transitions") { code, version };
        show.SetAction(parse =>
        {
            var catalog = new WorkflowCatalog(Path.Combine(AppContext.BaseDirectory, "workflows", "definitions"));
            try
            {
                var definition = parse.GetValue(version) is { } v ? catalog.Get(parse.GetValue(code)!, v) : catalog.Latest(parse.GetValue(code)!);
                var table = new Table().AddColumns("trigger", "by", "from", "to", "guards");
                foreach (var t in definition.Transitions)
                {
                    table.AddRow(t.Trigger, string.Join(", ", t.By).ToLowerInvariant(), string.Join(", ", t.From), t.To ?? "(stays)",
                        string.Join(", ", t.Guards));
                }

                AnsiConsole.MarkupLineInterpolated($"[bold]{definition.Name}[/] ({definition.Code} v{definition.Version}), starts {definition.Initial}");
                AnsiConsole.Write(table);
                return 0;
            }
            catch (InputRejectedException e)
            {
                CliHost.PrintProblems(e.Problems);
                return CliHost.InputRejected;
            }
            catch (NotFoundException e)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{e.Message}[/]");
                return CliHost.Failed;
            }
        });
        return new Command("workflow", "Workflow definitions (workflows/definitions)") { check, show };
    }
}
