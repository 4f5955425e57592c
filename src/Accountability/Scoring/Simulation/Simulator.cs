using Accountability.Database;
using Accountability.Workflows;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Accountability.Scoring.Simulation;

/// <summary>
/// Composes the engine for one simulation on a database of its own (empty, or freshly migrated) and plays the
/// scenario: a <see cref="SimulatedClock"/>, one timer-sweep worker (so that every run writes its rows, events and
/// ids in the same order and the report comes out byte for byte the same), and the scenario's draft rulebook, when it
/// names one, in place of the shipped versions of its code.
/// </summary>
public static class Simulator
{
    public static async Task<SimulationReport> RunAsync(Scenario scenario, string connectionString, ILoggerFactory loggerFactory,
        CancellationToken cancellationToken = default)
    {
        Rulebook? draft = null;
        if (scenario.RulebookFile is { } file)
        {
            var problems = new List<InputProblem>();
            draft = RulebookReader.Read(Path.GetFileName(file), await File.ReadAllBytesAsync(file, cancellationToken), problems)
                    ?? throw new InputRejectedException(problems);
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Accountability"] = connectionString,
            ["AssignmentTimers:Workers"] = "1",
        }).Build();
        // The timeline moves the clock forward from the scenario's start; it starts in the distant past so the first step can.
        var clock = new SimulatedClock(DateTimeOffset.UnixEpoch);
        var database = await AccountabilityDatabase.OpenAsync(configuration, loggerFactory, cancellationToken: cancellationToken);
        var services = new ServiceCollection()
            .AddSingleton(loggerFactory)
            .AddLogging()
            .AddSingleton<TimeProvider>(clock)
            .AddAccountability(configuration, database);
        if (draft is not null)
        {
            services.AddSingleton(sp => RulebookCatalog.Trying(new RulebookCatalog(sp.GetRequiredService<IOptions<WorkflowsOptions>>()), draft));
        }

        await using var provider = services.BuildServiceProvider();
        return await ScenarioRunner.RunAsync(provider, clock.MoveTo, scenario, scenario.Rulebook ?? draft?.Code, cancellationToken);
    }
}
