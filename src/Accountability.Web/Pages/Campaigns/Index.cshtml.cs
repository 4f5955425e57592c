using Accountability.Access;
using Accountability.Plans;

namespace Accountability.Web.Pages.Campaigns;

/// <summary>The campaigns in the system, each with its figures and a way into its dashboard.</summary>
public sealed class IndexModel(AccessPolicy access, PlanStore plans) : SignedInPageModel(access)
{
    public IReadOnlyList<CampaignView> Campaigns { get; private set; } = [];

    public async Task OnGetAsync()
    {
        await RequireAsync(Operation.ViewCampaign);
        Campaigns = await plans.ListCampaignsAsync(HttpContext.RequestAborted);
    }
}
