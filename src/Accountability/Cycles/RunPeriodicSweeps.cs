using Microsoft.Extensions.Logging;

namespace Accountability.Cycles;

public sealed record SweepResult(string Name, int Handled, string? Error);

/// <summary>
/// Runs every registered <see cref="IPeriodicSweep"/> once (the assignment timers, the outbox relay ...): what the
/// scheduler's minute job calls, and what <c>accountability sweep run</c> calls. A sweep that fails is logged and
/// reported; the others still run, so a broken relay never stops timers from firing. The scheduler runs the outbox
/// relay in a job of its own (<see cref="Only"/> / <see cref="AllBut"/>): a slow destination holds up only the relay.
/// </summary>
public sealed partial class RunPeriodicSweeps(IEnumerable<IPeriodicSweep> sweeps, ILogger<RunPeriodicSweeps> logger) : IUseCase
{
    public Task<IReadOnlyList<SweepResult>> RunAsync(CancellationToken cancellationToken = default) =>
        RunAsync(static _ => true, cancellationToken);

    /// <summary>The sweeps named <paramref name="names"/>.</summary>
    public static Func<IPeriodicSweep, bool> Only(params string[] names) => s => names.Contains(s.Name, StringComparer.Ordinal);

    /// <summary>Every sweep except those named <paramref name="names"/>.</summary>
    public static Func<IPeriodicSweep, bool> AllBut(params string[] names) => s => !names.Contains(s.Name, StringComparer.Ordinal);

    /// <summary>Runs the sweeps <paramref name="include"/> selects, in name order.</summary>
    public async Task<IReadOnlyList<SweepResult>> RunAsync(Func<IPeriodicSweep, bool> include, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(include);
        var results = new List<SweepResult>();
        foreach (var sweep in sweeps.Where(include).OrderBy(s => s.Name, StringComparer.Ordinal))
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
