using Accountability.Access;
using Accountability.Escalations;
using Accountability.Organization;
using Accountability.Plans;
using Microsoft.AspNetCore.Mvc;

namespace Accountability.Web.Pages.Referrals;

/// <summary>
/// The discipline inspection commission's inbox (纪委监委): referrals for accountability, filtered by campaign, unit,
/// level and period and state. Only the discipline role opens it, and every listing is audited.
/// </summary>
public sealed class IndexModel(AccessPolicy access, ReferralInbox inbox, PlanStore plans, OrganizationStore organization) : SignedInPageModel(access)
{
    [BindProperty(SupportsGet = true, Name = "campaign")] public string? Campaign { get; set; }
    [BindProperty(SupportsGet = true, Name = "unit")] public string? Unit { get; set; }
    [BindProperty(SupportsGet = true, Name = "level")] public string? Level { get; set; }
    [BindProperty(SupportsGet = true, Name = "period")] public string? Period { get; set; }
    [BindProperty(SupportsGet = true, Name = "state")] public string? State { get; set; }

    public IReadOnlyList<ReferralSummary> Referrals { get; private set; } = [];

    public IReadOnlyList<CampaignView> Campaigns { get; private set; } = [];

    /// <summary>The units a referral can name: the county's towns, streets, parks and departments (not their villages).</summary>
    public IReadOnlyList<UnitView> Units { get; private set; } = [];

    public static readonly string[] Levels = ["deputy_in_charge", "government_head", "party_secretary"];

    public static readonly string[] States = ["received", "acknowledged", "disposed", "withdrawn"];

    public async Task OnGetAsync()
    {
        await RequireAsync(Operation.HandleReferrals);
        Campaigns = await plans.ListCampaignsAsync(HttpContext.RequestAborted);
        var units = await organization.ListUnitsAsync(HttpContext.RequestAborted);
        var roots = units.Where(u => u.ParentId is null).Select(u => u.Id).ToHashSet();
        Units = units.Where(u => u.ParentId is { } parent && roots.Contains(parent)).ToList();
        Referrals = await inbox.ListAsync(Actor, new ReferralFilter(Empty(Campaign), Empty(Unit), Empty(Level), Empty(Period), Empty(State)),
            HttpContext.RequestAborted);
    }

    private static string? Empty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
