namespace Accountability.Cycles;

/// <summary>
/// Work the scheduler runs every minute on one node of the cluster: the assignment timer sweep, the outbox relay...
/// Each run claims what is due in bounded batches (FOR UPDATE SKIP LOCKED) and returns how much it did, so two nodes
/// or an overlapping run never do the same piece twice. Registered by scanning; the CLI can run them too.
/// </summary>
public interface IPeriodicSweep
{
    /// <summary>Stable name for logs and the CLI (e.g. <c>assignment-timers</c>).</summary>
    string Name { get; }

    /// <summary>Does everything due at the injected clock's now; returns the number of items handled.</summary>
    Task<int> RunOnceAsync(CancellationToken cancellationToken);
}
