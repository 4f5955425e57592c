using Accountability.Audit;
using Microsoft.Extensions.Logging;

namespace Accountability.Cycles;

/// <summary>A planner's request to close (or re-close, or dry-run) one period by hand.</summary>
public sealed record CycleRunRequest(string Campaign, string Period, string? Cycle = null, bool DryRun = false);

/// <summary>
/// Manual control (CLI <c>accountability cycle run</c>, <c>POST /api/cycles/run</c>): closes a period that has ended,
/// whether or not the scheduler has; re-running a published period issues corrections as new document versions, never
/// edits what was published; a dry run shows what would be issued and writes nothing. The caller checks the actor
/// (<see cref="Access.Operation.RunCycles"/>) as every host does before a use case.
/// </summary>
public sealed class RunCycle(CycleRunStore store, ClosePeriod close, TimeProvider time) : IUseCase
{
    public async Task<CycleRunResult> RunAsync(CycleRunRequest request, AuditActor actor, CancellationToken cancellationToken = default)
    {
        var campaign = await store.FindAsync(request.Campaign, cancellationToken)
                       ?? throw new NotFoundException($"No campaign with code '{request.Campaign}'.");
        var (cycle, period) = Resolve(campaign, request);
        BusinessRule.Check(new PeriodMustHaveEndedRule(period, time.GetUtcNow()));
        BusinessRule.Check(new PeriodMustFallWithinCampaignRule(campaign, period, cycle.Zone));
        return await close.RunAsync(campaign, cycle, period, request.DryRun ? CloseMode.DryRun : CloseMode.Manual, actor, cancellationToken);
    }

    private static (CycleDefinition Cycle, Period Period) Resolve(CampaignCycles campaign, CycleRunRequest request)
    {
        const string source = "request";
        if (campaign.Cycles.Count == 0)
        {
            throw new InputRejectedException([new InputProblem(source, null, null, "campaign", $"Campaign {campaign.Code} has no cycles in its cadence.")]);
        }

        if (request.Cycle is not null)
        {
            var named = campaign.Cycle(request.Cycle)
                        ?? throw new InputRejectedException([new InputProblem(source, null, null, "cycle",
                            $"Campaign {campaign.Code} has no cycle '{request.Cycle}' (it has {string.Join(", ", campaign.Cycles.Select(c => c.Cycle))}).")]);
            var parsed = named.ParsePeriod(request.Period)
                         ?? throw new InputRejectedException([new InputProblem(source, null, null, "period",
                             $"'{request.Period}' is not a period of the {named.Cycle} cycle ({Example(named.Every)}).")]);
            return (named, parsed);
        }

        var matches = campaign.Cycles.Select(c => (Cycle: c, Period: c.ParsePeriod(request.Period))).Where(m => m.Period is not null).ToList();
        return matches.Count switch
        {
            1 => (matches[0].Cycle, matches[0].Period!),
            0 => throw new InputRejectedException([new InputProblem(source, null, null, "period",
                $"'{request.Period}' is not a period of any cycle of {campaign.Code} ({string.Join("; ", campaign.Cycles.Select(c => $"{c.Cycle}: {Example(c.Every)}"))}).")]),
            _ => throw new InputRejectedException([new InputProblem(source, null, null, "cycle",
                $"Several cycles close periods like '{request.Period}' ({string.Join(", ", matches.Select(m => m.Cycle.Cycle))}); name one.")]),
        };
    }

    private static string Example(CycleEvery every) => every switch
    {
        CycleEvery.Month => "e.g. 2017-10",
        CycleEvery.Week => "e.g. 2017-W43",
        _ => "e.g. 2017-10-25",
    };
}

public sealed class PeriodMustHaveEndedRule(Period period, DateTimeOffset now) : IBusinessRule
{
    public bool IsBroken() => now < period.End;

    public string Message => $"Period {period.Key} has not ended yet (it ends at {period.End:yyyy-MM-dd HH:mm} UTC); it cannot be closed.";
}

public sealed class PeriodMustFallWithinCampaignRule(CampaignCycles campaign, Period period, TimeZoneInfo zone) : IBusinessRule
{
    public bool IsBroken()
    {
        var start = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(period.Start, zone).DateTime);
        var lastDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(period.End, zone).DateTime).AddDays(-1);
        return lastDay < campaign.StartsOn || start > campaign.EndsOn;
    }

    public string Message => $"Period {period.Key} lies outside campaign {campaign.Code} ({campaign.StartsOn:yyyy-MM-dd} to {campaign.EndsOn:yyyy-MM-dd}).";
}

/// <summary>
/// What the scheduler runs for one (campaign, cycle) when its trigger fires: every due period that has not been
/// published, oldest first — one after a normal close, several after downtime (each missed period in order), none
/// when another node already did the work. Safe to run any number of times, on any node, at once.
/// </summary>
public sealed partial class CatchUpCycles(CycleRunStore store, ClosePeriod close, TimeProvider time, ILogger<CatchUpCycles> logger) : IUseCase
{
    public async Task<IReadOnlyList<CycleRunResult>> RunAsync(long campaignId, string cycleName, CancellationToken cancellationToken = default)
    {
        var campaign = await store.FindAsync(campaignId, cancellationToken);
        var cycle = campaign?.Cycle(cycleName);
        if (campaign is null || cycle is null)
        {
            // The campaign or its cycle was removed after the trigger was scheduled; the reconciler drops the trigger.
            return [];
        }

        var published = await store.PublishedPeriodsAsync(campaign.Id, cycle.Cycle, cancellationToken);
        var due = campaign.DuePeriods(cycle, time.GetUtcNow()).Where(p => !published.Contains(p.Key)).ToList();
        var results = new List<CycleRunResult>();
        foreach (var period in due)
        {
            var result = await close.RunAsync(campaign, cycle, period, CloseMode.Scheduled, AuditActor.Cycle, cancellationToken);
            results.Add(result);
            if (result.Outcome is CycleRunOutcome.FencedOut or CycleRunOutcome.InProgressElsewhere)
            {
                // Another node holds this period; it will go on with the next ones in order.
                break;
            }
        }

        if (due.Count > 1)
        {
            LogCaughtUp(campaign.Code, cycle.Cycle, due.Count, string.Join(", ", due.Select(p => p.Key)));
        }

        return results;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Caught up {Campaign} {Cycle}: {Count} missed periods run in order ({Periods})")]
    private partial void LogCaughtUp(string campaign, string cycle, int count, string periods);
}
