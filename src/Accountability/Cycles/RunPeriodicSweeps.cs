using Microsoft.Extensions.Logging;

namespace Accountability.Cycles;

public sealed record SweepResult(string Name, int Handled, string? Error);

/// <summary>
/// Runs every registered <see cref="IPeriodicSweep"/> once (the assignment timers, the outbox relay ...): what the
/// scheduler's minute job calls, and what <c>accountability sweep run</c> calls. A sweep that fails is logged and
/// reported; the others still run, so a broken relay never stops timers from firing.
/// </summary>
public sealed partial class RunPeriodicSweeps(IEnumerable<IPeriodicSweep> sweeps, ILogger<RunPeriodicSweeps> logger) : IUseCase
{
    public async Task<IReadOnlyList<SweepResult>> RunAsync(CancellationToken cancellationToken = default)
    {
        var results = new List<SweepResult>();
        foreach (var sweep in sweeps.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            try
            {
                results.Add(new SweepResult(sweep.Name, await sweep.RunOnceAsync(cancellationToken), null));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(e, sweep.Name);
                results.Add(new SweepResult(sweep.Name, 0, e.Message));
            }
        }

        return results;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Periodic sweep {Sweep} failed; the other sweeps ran")]
    private partial void LogSweepFailed(Exception exception, string sweep);
}
