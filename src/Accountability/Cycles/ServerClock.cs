using Microsoft.Extensions.Configuration;

namespace Accountability.Cycles;

/// <summary>
/// The server's clock, from the <c>Clock</c> section. Unset (production): the real clock. For rehearsals and the
/// multi-process tests a server can run shifted (<c>Clock:Start</c>, the instant it reads at <c>Clock:Anchor</c>) and
/// accelerated (<c>Clock:Speed</c> simulated seconds per real second). Nodes given the same three values read the
/// same time, so a cluster on a simulated clock stays in agreement.
/// </summary>
public sealed class ClockOptions
{
    public const string Section = "Clock";

    /// <summary>The simulated instant at <see cref="Anchor"/>. Null: the real time.</summary>
    public DateTimeOffset? Start { get; set; }

    /// <summary>The real instant <see cref="Start"/> corresponds to. Null: when the process reads its configuration.</summary>
    public DateTimeOffset? Anchor { get; set; }

    /// <summary>Simulated seconds per real second; 1 is real speed.</summary>
    public double Speed { get; set; } = 1;

    /// <summary>The clock this configuration asks for: <see cref="TimeProvider.System"/> unless shifted or accelerated.</summary>
    public static TimeProvider Create(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<ClockOptions>() ?? new ClockOptions();
        if (options.Speed <= 0 || double.IsNaN(options.Speed) || double.IsInfinity(options.Speed))
        {
            throw new InvalidOperationException($"Clock:Speed must be a positive number, not {options.Speed}.");
        }

        if (options.Start is null && options.Speed == 1)
        {
            return TimeProvider.System;
        }

        var anchor = options.Anchor ?? TimeProvider.System.GetUtcNow();
        return new ShiftedClock(options.Start ?? anchor, anchor, options.Speed);
    }
}

/// <summary>
/// A clock that reads <c>start + (real now − anchor) × speed</c>. Timers are real timers with their due times divided
/// by the speed, so anything waiting on this clock (the scheduler's loop, <c>Task.Delay(…, clock)</c>) wakes when the
/// simulated time comes, and Quartz's triggers, misfire checks and cluster check-ins all read the same time.
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private readonly DateTimeOffset _start;
    private readonly DateTimeOffset _anchor;
    private readonly double _speed;
    private readonly long _baseTimestamp = System.GetTimestamp();

    public ShiftedClock(DateTimeOffset start, DateTimeOffset anchor, double speed)
    {
        _start = start;
        _anchor = anchor;
        _speed = speed;
    }

    public double Speed => _speed;

    public override DateTimeOffset GetUtcNow()
    {
        var realElapsed = System.GetUtcNow() - _anchor;
        return _start + TimeSpan.FromTicks((long)(realElapsed.Ticks * _speed));
    }

    // Relative to a base so that the product cannot overflow however long the machine has been up.
    public override long GetTimestamp() =>
        _baseTimestamp + (long)((System.GetTimestamp() - _baseTimestamp) * _speed);

    public override long TimestampFrequency => System.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new ScaledTimer(System.CreateTimer(callback, state, Scale(dueTime), Scale(period)), this);

    private TimeSpan Scale(TimeSpan simulated) =>
        simulated == Timeout.InfiniteTimeSpan || simulated <= TimeSpan.Zero
            ? simulated
            : TimeSpan.FromTicks(Math.Max(1, (long)(simulated.Ticks / _speed)));

    private sealed class ScaledTimer(ITimer inner, ShiftedClock clock) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(clock.Scale(dueTime), clock.Scale(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
