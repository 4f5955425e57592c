using System.Globalization;
using Accountability.Cycles;
using Accountability.Notices;
using Microsoft.Extensions.Options;
using Quartz;

namespace Accountability.Web.Cycles;

// The jobs are thin on purpose: each calls one engine use case that the CLI can run too, holds no state, and is
// safe to run twice (the use cases are idempotent). RequestRecovery: when the node running one dies, another node
// runs it again once the cluster declares the first dead.

/// <summary>Every minute: the periodic sweeps (assignment timers, consequence responses ...) but the outbox relay,
/// which has its own job (<see cref="OutboxRelayJob"/>) so that a slow destination never makes a timer late.</summary>
[DisallowConcurrentExecution]
public sealed partial class SweepJob(RunPeriodicSweeps sweeps, ILogger<SweepJob> logger) : IJob
{
    public static readonly JobKey Key = new("sweeps.run", "accountability");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        foreach (var result in await sweeps.RunAsync(RunPeriodicSweeps.AllBut(OutboxRelay.SweepName), cancellationToken))
        {
            if (result.Handled > 0)
            {
                LogSwept(result.Name, result.Handled);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {Sweep} handled {Count}")]
    private partial void LogSwept(string sweep, int count);
}

/// <summary>Every minute: the outbox relay alone. A pass may wait on slow destinations (a batch of webhooks, each up to
/// its timeout); only the next relay pass waits for it (one at a time across the cluster).</summary>
[DisallowConcurrentExecution]
public sealed partial class OutboxRelayJob(RunPeriodicSweeps sweeps, ILogger<OutboxRelayJob> logger) : IJob
{
    public static readonly JobKey Key = new("outbox.relay", "accountability");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        foreach (var result in await sweeps.RunAsync(RunPeriodicSweeps.Only(OutboxRelay.SweepName), cancellationToken))
        {
            if (result.Handled > 0)
            {
                LogRelayed(result.Handled);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox relay delivered {Count}")]
    private partial void LogRelayed(int count);
}

/// <summary>At each close of one campaign cycle (the trigger's data names both): every due period not yet
/// published, in order.</summary>
[DisallowConcurrentExecution]
public sealed partial class CycleJob(CatchUpCycles catchUp, ILogger<CycleJob> logger) : IJob
{
    public static readonly JobKey Key = new("cycles.run", "accountability");

    public const string CampaignIdKey = "campaignId";
    public const string CycleKey = "cycle";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var data = context.MergedJobDataMap;
        var campaignId = long.Parse(data.GetString(CampaignIdKey)!, CultureInfo.InvariantCulture);
        var cycle = data.GetString(CycleKey)!;
        var results = await catchUp.RunAsync(campaignId, cycle, cancellationToken);
        foreach (var result in results)
        {
            LogRun(result.Campaign, result.Cycle, result.Period, result.Outcome, result.Attempt, context.Recovering);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cycle {Campaign} {Cycle} {Period}: {Outcome} (attempt {Attempt}, recovering {Recovering})")]
    private partial void LogRun(string campaign, string cycle, string period, CycleRunOutcome outcome, int attempt, bool recovering);
}

/// <summary>Now and then: sample closed items for look-back (回头看).</summary>
[DisallowConcurrentExecution]
public sealed partial class LookBackJob(SampleLookBacks sample, ILogger<LookBackJob> logger) : IJob
{
    public static readonly JobKey Key = new("look-back.sample", "accountability");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var result = await sample.RunAsync(cancellationToken);
        if (result.Selected > 0)
        {
            LogSampled(result.Considered, result.Selected, result.ByRisk, result.ByRandom);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Look-back sampling: {Considered} closed items considered, {Selected} picked ({Risk} by risk, {Random} at random)")]
    private partial void LogSampled(int considered, int selected, int risk, int random);
}

/// <summary>
/// Keeps one cron trigger per (campaign, cycle), at the cycle's close time in the campaign's zone, in line with the
/// campaigns' cadences as plan import writes them: adds triggers for new cycles, replaces those whose close time or
/// zone changed, removes those of cycles that no longer exist or whose campaign is over. It also fires a cycle at once
/// when a due period is still unpublished well after its close (a run that failed), so nothing waits a month to be
/// retried.
/// </summary>
[DisallowConcurrentExecution]
public sealed partial class ReconcileCyclesJob(CycleRunStore store, TimeProvider time, IOptions<SchedulerOptions> options,
    ILogger<ReconcileCyclesJob> logger) : IJob
{
    public static readonly JobKey Key = new("cycles.reconcile", "accountability");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var scheduler = context.Scheduler;
        var now = time.GetUtcNow();
        var schedules = await store.ListSchedulesAsync(now, cancellationToken);
        var existing = await CycleTriggersAsync(scheduler, cancellationToken);
        var wanted = new HashSet<TriggerKey>();
        foreach (var schedule in schedules)
        {
            var key = new TriggerKey($"campaign-{schedule.CampaignId}.{schedule.Cycle}", SchedulerSetup.CycleTriggerGroup);
            // A campaign that is over keeps its trigger a while, so a close that falls in an outage still fires on return.
            if (schedule.LastClose < now - TimeSpan.FromDays(7))
            {
                continue;
            }

            wanted.Add(key);
            var signature = $"{schedule.CronExpression} {schedule.TimeZone}";
            if (!existing.TryGetValue(key, out var current) || current != signature)
            {
                var trigger = TriggerBuilder.Create(time)
                    .WithIdentity(key)
                    .ForJob(CycleJob.Key)
                    .WithDescription(signature)
                    .UsingJobData(CycleJob.CampaignIdKey, schedule.CampaignId.ToString(CultureInfo.InvariantCulture))
                    .UsingJobData(CycleJob.CycleKey, schedule.Cycle)
                    .WithSchedule(CronScheduleBuilder.Create(schedule.CronExpression)
                        .InTimeZone(TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone))
                        .WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
                    .Build();
                await scheduler.ScheduleTrigger(trigger, TriggerConflict.Replace, cancellationToken);
                LogScheduled(schedule.CampaignCode, schedule.Cycle, signature);
            }

            if (schedule.OldestUnpublishedDue is { } due && due < now - options.Value.RetryUnpublishedAfter)
            {
                var data = new JobDataMap
                {
                    [CycleJob.CampaignIdKey] = schedule.CampaignId.ToString(CultureInfo.InvariantCulture),
                    [CycleJob.CycleKey] = schedule.Cycle,
                };
                await scheduler.TriggerJob(CycleJob.Key, data, cancellationToken);
                LogRetried(schedule.CampaignCode, schedule.Cycle, due);
            }
        }

        var stale = existing.Keys.Where(k => !wanted.Contains(k)).ToList();
        if (stale.Count > 0)
        {
            await scheduler.UnscheduleJobs(stale, cancellationToken);
        }
    }

    /// <summary>The cycle triggers there are, with the signature (cron and zone) each was scheduled with.</summary>
    private static async Task<Dictionary<TriggerKey, string?>> CycleTriggersAsync(IScheduler scheduler, CancellationToken cancellationToken)
    {
        var triggers = new Dictionary<TriggerKey, string?>();
        const int page = 500;
        for (var skip = 0; ; skip += page)
        {
            var result = await scheduler.QueryTriggers(new TriggerQuery
            {
                Group = GroupMatcher<TriggerKey>.GroupEquals(SchedulerSetup.CycleTriggerGroup), Skip = skip, Take = page,
            }, cancellationToken);
            foreach (var header in result.Items)
            {
                triggers[header.Key] = header.Description;
            }

            if (!result.HasMore)
            {
                return triggers;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled {Campaign} {Cycle} at {Schedule}")]
    private partial void LogScheduled(string campaign, string cycle, string schedule);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Campaign} {Cycle}: the period due at {Due} is still unpublished; firing it again")]
    private partial void LogRetried(string campaign, string cycle, DateTimeOffset due);
}
