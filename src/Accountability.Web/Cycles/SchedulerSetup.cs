using Accountability.Cycles;
using Accountability.Database;
using Quartz;

namespace Accountability.Web.Cycles;

/// <summary>
/// Section <c>Scheduler</c>. Every interval is on the server's clock (the real one in production; the simulated one
/// when <c>Clock:Speed</c> accelerates it, so a test that runs a day in seconds scales these too).
/// </summary>
public sealed class SchedulerOptions
{
    public const string Section = "Scheduler";

    /// <summary>False: this process serves pages and the API but runs no jobs (the in-process web tests drive the
    /// engine by hand). Every node of a cluster normally runs the scheduler.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the periodic sweeps run (timers ...) and, in its own job, the outbox relay.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often campaign cycle triggers are brought in line with the campaigns' cadences.</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often closed items are sampled for look-back.</summary>
    public TimeSpan LookBackInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>A due period still unpublished this long after its close is fired again by the reconciler (a run
    /// that failed, e.g. a database outage mid-run, is retried without waiting for the next close).</summary>
    public TimeSpan RetryUnpublishedAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often each node records in the database that it is alive.</summary>
    public TimeSpan CheckinInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long past a missed check-in the other nodes wait before declaring a node dead and taking over the
    /// jobs it was running.</summary>
    public TimeSpan CheckinMisfireThreshold { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How late a trigger may fire before it counts as misfired (and then fires once, at once).</summary>
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A node waiting longer than this for one of Quartz's row locks logs a warning.</summary>
    public TimeSpan LockWaitWarning { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the scheduler loop sleeps when nothing is due (it wakes earlier for a trigger).</summary>
    public TimeSpan IdleWaitTime { get; set; } = TimeSpan.FromSeconds(30);
}

public static class SchedulerSetup
{
    /// <summary>The group of the per-campaign cycle triggers: one trigger per (campaign, cycle), never one per item.</summary>
    public const string CycleTriggerGroup = "campaign-cycles";

    /// <summary>
    /// The server's clock (<c>Clock</c> section; the real one unless configured) and, unless disabled, Quartz with the
    /// ADO job store on the application's PostgreSQL, clustered: every node pointed at the same database shares the
    /// jobs, with an instance id generated per process, so nothing beyond the connection string needs configuring.
    /// </summary>
    public static IServiceCollection AddAccountabilityScheduler(this IServiceCollection services, IConfiguration configuration,
        AccountabilityDatabase database)
    {
        // Registered after the engine's default: the last registration is the one resolved, by the engine and Quartz alike.
        services.AddSingleton(ClockOptions.Create(configuration));

        var options = configuration.GetSection(SchedulerOptions.Section).Get<SchedulerOptions>() ?? new SchedulerOptions();
        services.Configure<SchedulerOptions>(configuration.GetSection(SchedulerOptions.Section));
        if (!options.Enabled)
        {
            return services;
        }

        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = "accountability";
                s.IdleWaitTime = options.IdleWaitTime;
            });
            // One more than before the relay had its own job, which may hold its thread for minutes on slow destinations.
            q.UseDefaultThreadPool(5);
            q.UsePersistentStore(store =>
            {
                // The application's own data source (its connection string may hold a password Npgsql will not echo).
                store.UsePostgres(d => d.DataSourceFactory = sp => sp.GetRequiredService<Npgsql.NpgsqlDataSource>());
                store.UseClustering(c =>
                {
                    c.CheckinInterval = options.CheckinInterval;
                    c.CheckinMisfireThreshold = options.CheckinMisfireThreshold;
                });
                store.ConfigureStore(s =>
                {
                    s.MisfireThreshold = options.MisfireThreshold;
                    s.LockWaitWarningThreshold = options.LockWaitWarning;
                });
            });

            q.AddJob<SweepJob>(j => j.WithIdentity(SweepJob.Key).StoreDurably().RequestRecovery());
            q.AddTrigger(t => t.ForJob(SweepJob.Key).WithIdentity("sweeps.every-interval").StartNow()
                .WithSchedule(SimpleScheduleBuilder.Create().WithInterval(options.SweepInterval).RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));

            // Its own job: a relay pass waiting on a slow destination must not hold the timer sweep back.
            q.AddJob<OutboxRelayJob>(j => j.WithIdentity(OutboxRelayJob.Key).StoreDurably().RequestRecovery());
            q.AddTrigger(t => t.ForJob(OutboxRelayJob.Key).WithIdentity("outbox.relay.every-interval").StartNow()
                .WithSchedule(SimpleScheduleBuilder.Create().WithInterval(options.SweepInterval).RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));

            q.AddJob<ReconcileCyclesJob>(j => j.WithIdentity(ReconcileCyclesJob.Key).StoreDurably().RequestRecovery());
            q.AddTrigger(t => t.ForJob(ReconcileCyclesJob.Key).WithIdentity("cycles.reconcile").StartNow()
                .WithSchedule(SimpleScheduleBuilder.Create().WithInterval(options.ReconcileInterval).RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow)));

            // Cycle triggers are scheduled by the reconciler, one per campaign cycle, with the campaign and cycle as data.
            q.AddJob<CycleJob>(j => j.WithIdentity(CycleJob.Key).StoreDurably().RequestRecovery());

            q.AddJob<LookBackJob>(j => j.WithIdentity(LookBackJob.Key).StoreDurably().RequestRecovery());
            q.AddTrigger(t => t.ForJob(LookBackJob.Key).WithIdentity("look-back.sample").StartNow()
                .WithSchedule(SimpleScheduleBuilder.Create().WithInterval(options.LookBackInterval).RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return services;
    }
}
