using System.Text;
using Accountability.Access;
using Accountability.Plans;
using Accountability.Rankings;
using Accountability.Scoring;
using Microsoft.AspNetCore.Mvc;

namespace Accountability.Web.Pages.Rulebooks;

/// <summary>
/// The quantified accountability rulebooks (量化问责办法) loaded from workflows/rulebooks, rule by rule, and the
/// what-if (试算): score a published period under another rulebook, another version, or a draft pasted as YAML, and see
/// which scores, ranks and consequences would change. Nothing is issued. Headquarters only.
/// </summary>
public sealed class IndexModel(AccessPolicy access, RulebookCatalog catalog, PlanStore plans, ReadRankingHistory history, RunWhatIf whatIf)
    : SignedInPageModel(access)
{
    [BindProperty(SupportsGet = true, Name = "campaign")] public string? Campaign { get; set; }
    [BindProperty(SupportsGet = true, Name = "rulebook")] public string? Selected { get; set; }
    [BindProperty] public string? Period { get; set; }
    [BindProperty] public string? Candidate { get; set; }
    [BindProperty] public string? Yaml { get; set; }

    public IReadOnlyList<Rulebook> Rulebooks => catalog.All;
    public IReadOnlyList<CampaignView> Campaigns { get; private set; } = [];
    public CampaignView? CampaignInfo { get; private set; }
    public IReadOnlyList<string> Periods { get; private set; } = [];
    public string Cycle { get; private set; } = "monthly";
    public Rulebook? Shown { get; private set; }
    public WhatIfReport? Report { get; private set; }

    public async Task OnGetAsync()
    {
        await RequireAsync(Operation.RunCycles);
        await LoadAsync();
    }

    public async Task OnPostWhatIfAsync()
    {
        await RequireAsync(Operation.RunCycles);
        await LoadAsync();
        Rulebook candidate;
        if (!string.IsNullOrWhiteSpace(Yaml))
        {
            var problems = new List<InputProblem>();
            candidate = RulebookReader.Read("rulebook.yaml", Encoding.UTF8.GetBytes(Yaml), problems) ?? throw new InputRejectedException(problems);
        }
        else
        {
            candidate = Rulebooks.FirstOrDefault(r => r.Citation == Candidate)
                        ?? throw new InputRejectedException([new InputProblem("form", null, null, "candidate", "choose a rulebook or paste one")]);
        }

        if (Campaign is null || Period is null || !Periods.Contains(Period))
        {
            throw new InputRejectedException([new InputProblem("form", null, null, "period", "choose a scored period")]);
        }

        Report = await whatIf.RunAsync(Actor, Campaign, Cycle, Period, candidate, HttpContext.RequestAborted);
    }

    private async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        Campaigns = await plans.ListCampaignsAsync(ct);
        CampaignInfo = Campaigns.FirstOrDefault(c => c.Code == Campaign) ?? Campaigns.FirstOrDefault(c => catalog.Contains(c.RulebookCode)) ?? (Campaigns.Count > 0 ? Campaigns[0] : null);
        Campaign = CampaignInfo?.Code;
        if (Campaign is not null)
        {
            var cycles = await history.CyclesAsync(Campaign, ct);
            Cycle = cycles.Contains("monthly") ? "monthly" : (cycles.Count > 0 ? cycles[0] : "monthly");
            Periods = (await history.RunAsync(Actor, Campaign, Cycle, ct)).Periods;
        }

        Shown = Rulebooks.FirstOrDefault(r => r.Citation == Selected)
                ?? Rulebooks.Where(r => r.Code == CampaignInfo?.RulebookCode).MaxBy(r => r.Version)
                ?? (Rulebooks.Count > 0 ? Rulebooks[0] : null);
    }
}
