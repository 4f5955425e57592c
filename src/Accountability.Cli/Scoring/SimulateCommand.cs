using System.CommandLine;
using System.Globalization;
using Accountability.Cli.Hosting;
using Accountability.Database;
using Accountability.Scoring.Simulation;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;
using Spectre.Console;

namespace Accountability.Cli.Scoring;

/// <summary>
/// <c>accountability simulate SCENARIO</c>: plays a scripted campaign on a simulated clock against a fresh database
/// created for the run on the configured (or embedded) cluster and dropped afterwards, printing every closed period's
/// ranking, points and consequences as JSON. Planners use it to try a rulebook before adopting it.
/// </summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var scenario = new Argument<FileInfo>("SCENARIO") { Description = "A scenario file (docs/formats/scenario.md)" };
        var output = new Option<FileInfo?>("--output") { Description = "Write the JSON report here instead of standard output" };
        var keep = new Option<bool>("--keep") { Description = "Keep the simulation's database (its name is printed) to look at afterwards" };
        var command = new Command("simulate", "Run a scripted campaign on a simulated clock against a fresh database and print each period's results as JSON")
        {
            scenario, output, keep,
        };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(scenario)!;
            if (!path.Exists)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{path.FullName} does not exist.[/]");
                return CliHost.Failed;
            }

            var problems = new List<InputProblem>();
            var script = ScenarioReader.Read(path.FullName, problems);
            if (script is null)
            {
                CliHost.PrintProblems(problems);
                return CliHost.InputRejected;
            }

            try
            {
                var report = await RunAsync(script, parse.GetValue(keep), ct);
                var json = report.ToJson();
                if (parse.GetValue(output) is { } file)
                {
                    await File.WriteAllTextAsync(file.FullName, json, ct);
                    AnsiConsole.MarkupLineInterpolated($"[green]Wrote {file.FullName}[/]: {report.Periods.Count} period(s).");
                }
                else
                {
                    Console.Write(json);
                }

                return 0;
            }
            catch (InputRejectedException e)
            {
                CliHost.PrintProblems(e.Problems);
                return CliHost.InputRejected;
            }
            catch (Exception e) when (e is BusinessRuleBrokenException or NotFoundException or EmbeddedDatabaseException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{e.Message}[/]");
                return CliHost.Failed;
            }
        });
        return command;
    }

    private static async Task<SimulationReport> RunAsync(Scenario scenario, bool keep, CancellationToken cancellationToken)
    {
        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        EmbeddedPostgres? embedded = null;
        var configured = CliHost.Configuration.GetConnectionString(ConnectionStringNames.Accountability);
        if (string.IsNullOrWhiteSpace(configured))
        {
            var options = CliHost.Configuration.GetSection(EmbeddedDatabaseOptions.Section).Get<EmbeddedDatabaseOptions>() ?? new();
            embedded = await EmbeddedPostgres.StartAsync(options, loggerFactory.CreateLogger<EmbeddedPostgres>(), cancellationToken);
            configured = embedded.ConnectionString;
        }

        var name = string.Create(CultureInfo.InvariantCulture, $"simulation_{DateTime.UtcNow:yyyyMMddHHmmss}_{Random.Shared.Next(1000, 9999)}");
        var admin = new NpgsqlConnectionStringBuilder(configured) { Database = "postgres" }.ConnectionString;
        try
        {
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.ExecuteAsync($"CREATE DATABASE \"{name}\"");
            }

            try
            {
                return await Simulator.RunAsync(scenario, new NpgsqlConnectionStringBuilder(configured) { Database = name }.ConnectionString,
                    loggerFactory, cancellationToken);
            }
            finally
            {
                NpgsqlConnection.ClearAllPools();
                if (keep)
                {
                    AnsiConsole.MarkupLineInterpolated($"[yellow]Kept the simulation's database {name}.[/]");
                }
                else
                {
                    await using var connection = new NpgsqlConnection(admin);
                    await connection.ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                }
            }
        }
        finally
        {
            if (embedded is not null)
            {
                await embedded.DisposeAsync();
            }
        }
    }
}
