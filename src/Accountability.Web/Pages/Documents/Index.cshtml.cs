using Accountability.Access;
using Accountability.Cycles;
using Accountability.Documents;
using Accountability.Plans;
using Microsoft.AspNetCore.Mvc;

namespace Accountability.Web.Pages.Documents;

public sealed record PeriodDocuments(string Period, IReadOnlyList<DocumentSummary> Documents);

/// <summary>
/// Bulletins and documents (通报 · 督办单 · 约谈通知书 · 移送函) period by period, newest first, every version: the
/// reader sees the public bulletins and whatever was addressed to units they may read about.
/// </summary>
public sealed class IndexModel(AccessPolicy access, PlanStore plans, CycleRunStore runs, ReadDocuments documents) : SignedInPageModel(access)
{
    [BindProperty(SupportsGet = true, Name = "campaign")] public string? Campaign { get; set; }

    public IReadOnlyList<CampaignView> Campaigns { get; private set; } = [];

    public IReadOnlyList<PeriodDocuments> Periods { get; private set; } = [];

    public async Task OnGetAsync()
    {
        if (Actor.Memberships.Count == 0)
        {
            throw new AccessDeniedException($"{Actor.Login} holds no role.");
        }

        var ct = HttpContext.RequestAborted;
        Campaigns = await plans.ListCampaignsAsync(ct);
        Campaign = Campaigns.FirstOrDefault(c => c.Code == Campaign)?.Code ?? (Campaigns.Count > 0 ? Campaigns[0].Code : null);
        if (Campaign is null)
        {
            return;
        }

        var periods = (await runs.ListRunsAsync(Campaign, ct)).Where(r => r.PublishedRevision > 0).Select(r => r.Period).Distinct()
            .OrderDescending(StringComparer.Ordinal).ToList();
        var list = new List<PeriodDocuments>();
        foreach (var period in periods)
        {
            var issued = await documents.ListAsync(Actor, Campaign, period, ct);
            if (issued.Count > 0)
            {
                list.Add(new PeriodDocuments(period, issued.OrderBy(d => KindOrder(d.Kind)).ThenBy(d => d.NaturalKey, StringComparer.Ordinal)
                    .ThenByDescending(d => d.Version).ToList()));
            }
        }

        Periods = list;
    }

    /// <summary>The bulletin first, then the notices in rising severity, referrals last.</summary>
    public static int KindOrder(string kind) => kind switch
    {
        "ranking_bulletin" => 0,
        "commendation" => 1,
        "supervision_order" => 2,
        "rectification_notice" => 3,
        "criticism" => 4,
        "admonishment_notice" => 5,
        "referral" => 6,
        _ => 9,
    };
}
