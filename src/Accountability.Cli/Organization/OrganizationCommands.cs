using System.CommandLine;
using Accountability.Audit;
using Accountability.Cli.Hosting;
using Accountability.Organization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Accountability.Cli.Organization;

public static class OrganizationCommands
{
    public static Command Create()
    {
        var org = new Command("org", "The organisation: units, posts, people and their roles");
        org.Subcommands.Add(Import("validate", "Check an organisation file (.yaml, .xlsx, .csv) and write nothing", dryRun: true));
        org.Subcommands.Add(Import("import", "Import an organisation file: add or update units and people; nothing is deleted", dryRun: false));
        org.Subcommands.Add(Export());
        return org;
    }

    private static Command Export()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The workbook to write (.xlsx)" };
        var command = new Command("export", "Write the organisation as a workbook in the format 'org import' reads") { file };
        command.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            var path = parse.GetValue(file)!;
            var export = services.GetRequiredService<ExportOrganization>();
            await ReplaceFile.WriteAsync(path.FullName, export.WriteAsync, token);

            AnsiConsole.MarkupLineInterpolated($"[green]Wrote {path.FullName}[/]");
            return 0;
        }, ct));
        return command;
    }

    private static Command Import(string name, string description, bool dryRun)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The organisation file" };
        var command = new Command(name, description) { file };
        command.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{path.FullName} does not exist.[/]");
                return CliHost.Failed;
            }

            var result = await services.GetRequiredService<ImportOrganization>()
                .RunAsync(path.Name, await File.ReadAllBytesAsync(path.FullName, token), AuditActor.Cli, dryRun, token);
            CliHost.PrintProblems(result.Warnings);
            if (dryRun)
            {
                AnsiConsole.MarkupLineInterpolated($"[green]{path.Name} is valid[/]: {result.UnitsAdded} units to add, {result.UnitsUpdated} to update, {result.Memberships} memberships.");
            }
            else
            {
                AnsiConsole.MarkupLineInterpolated($"[green]Imported {path.Name}[/]: units {result.UnitsAdded} added, {result.UnitsUpdated} updated; people {result.PeopleAdded} added, {result.PeopleUpdated} updated; {result.Memberships} memberships.");
            }
            return 0;
        }, ct));
        return command;
    }
}
