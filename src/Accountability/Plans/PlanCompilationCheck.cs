using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Accountability.Plans;

/// <summary>Loads the plan compilation definition when a host starts, so a malformed one stops the server with its
/// file, line and field instead of failing the first planner who uploads a plan.</summary>
public sealed partial class PlanCompilationCheck(PlanCompilationCatalog catalog, ILogger<PlanCompilationCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var definition = catalog.Definition;
        LogLoaded(logger, definition.File, definition.Version, definition.TaskAssignments.Count);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3000, Level = LogLevel.Debug, Message = "Plan compilation {File} version {Version} loaded ({Rules} assignment rules)")]
    private static partial void LogLoaded(ILogger logger, string file, int version, int rules);
}
