using Accountability.Access;
using Accountability.Audit;
using Accountability.Cycles;
using Accountability.Plans;
using Accountability.Web.Hosting;
using Accountability.Web.Resources;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Accountability.Web.Pages.Cycles;

/// <summary>A period of a campaign's cycle as the page lists it: when it closes, and what the runs did with it.</summary>
public sealed record PeriodRow(Accountability.Cycles.CycleDefinition Cycle, Period Period, DateTimeOffset CloseAt, bool Ended, CycleRunRow? Run);

/// <summary>
/// 调度 · 排名 · 通报: the campaign's cycles period by period — closed by the scheduler, waiting, or not yet ended — with
/// a dry run (what would be issued, nothing written) and a run by hand (a published period is re-closed with corrections
/// as new document versions). Runs go in the background with a progress page. Headquarters only.
/// </summary>
public sealed class IndexModel(AccessPolicy access, PlanStore plans, CycleRunStore runs, RunCycle run, BackgroundOperations operations,
    TimeProvider time, IStringLocalizer<Text> text) : SignedInPageModel(access)
{
    [BindProperty(SupportsGet = true, Name = "campaign")] public string? Campaign { get; set; }

    public IReadOnlyList<CampaignView> Campaigns { get; private set; } = [];

    public CampaignCycles? Selected { get; private set; }

    public IReadOnlyList<PeriodRow> Periods { get; private set; } = [];

    public IReadOnlyList<CycleRunRow> Runs { get; private set; } = [];

    public async Task OnGetAsync()
    {
        await RequireAsync(Operation.RunCycles);
        await LoadAsync();
    }

    public async Task<IActionResult> OnPostRunAsync(string campaign, string cycle, string period, bool dryRun)
    {
        await RequireAsync(Operation.RunCycles);
        var request = new CycleRunRequest(campaign, period, cycle, dryRun);
        var actor = AuditActor.Person(Actor.PersonId);
        var title = text[dryRun ? "DryRunningPeriod" : "RunningPeriod", Display.Period(period)].Value;
        var id = await operations.StartAsync(Actor.PersonId, "cycle-run", title, async (progress, ct) =>
        {
            progress.Report(new OperationProgress(dryRun ? "dry_run" : "close", 0, 0));
            return await run.RunAsync(request, actor, ct);
        }, HttpContext.RequestAborted);
        return Redirect($"/operations/{id}");
    }

    private async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        Campaigns = await plans.ListCampaignsAsync(ct);
        var code = Campaigns.FirstOrDefault(c => c.Code == Campaign)?.Code ?? (Campaigns.Count > 0 ? Campaigns[0].Code : null);
        Campaign = code;
        if (code is null)
        {
            return;
        }

        Selected = await runs.FindAsync(code, ct);
        Runs = await runs.ListRunsAsync(code, ct);
        var now = time.GetUtcNow();
        var byKey = Runs.GroupBy(r => (r.Cycle, r.Period)).ToDictionary(g => g.Key, g => g.Last());
        Periods = Selected is null
            ? []
            : Selected.Cycles.SelectMany(c => c.PeriodsOf(Selected.StartsOn, Selected.EndsOn)
                    .Select(p => new PeriodRow(c, p, c.CloseOf(p), p.End <= now, byKey.GetValueOrDefault((c.Cycle, p.Key)))))
                // Newest first, and only what has ended or ends next: a campaign of daily cycles has hundreds of periods.
                .Where(p => p.Ended || p.Period.Start <= now)
                .OrderByDescending(p => p.CloseAt)
                .ToList();
    }
}
