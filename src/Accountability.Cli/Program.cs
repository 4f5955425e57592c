using System.CommandLine;
using Accountability.Cli.Access;
using Accountability.Cli.Assignments;
using Accountability.Cli.Audit;
using Accountability.Cli.Cycles;
using Accountability.Cli.Database;
using Accountability.Cli.Notices;
using Accountability.Cli.Organization;
using Accountability.Cli.Plans;
using Accountability.Cli.Scoring;

namespace Accountability.Cli;

public static class Program
{
    public static Task<int> Main(string[] args) => BuildCommand().Parse(args).InvokeAsync();

    /// <summary>Every subcommand, by capability. Tests invoke it in process.</summary>
    public static RootCommand BuildCommand()
    {
        var root = new RootCommand("accountability: campaign action plans, assignments, cycles and quantified accountability");
        root.Subcommands.Add(DatabaseCommands.Create());
        root.Subcommands.Add(OrganizationCommands.Create());
        foreach (var command in AccessCommands.Create())
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(AuditCommands.Create());
        root.Subcommands.Add(CycleCommands.Create());
        root.Subcommands.Add(OutboxCommands.Create());
        root.Subcommands.Add(PlanCommands.Create());
        root.Subcommands.Add(ScoringCommands.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(SweepCommands.Create());
        root.Subcommands.Add(WorkflowCommands.Create());
        return root;
    }
}
