using Accountability.Access;
using Accountability.Escalations;
using Microsoft.AspNetCore.Mvc;

namespace Accountability.Web.Pages.Score;

/// <summary>Where a notice about a consequence ("the rectification plan is overdue") leads: the unit's score page for
/// that period, at the consequence.</summary>
public sealed class ConsequenceModel(AccessPolicy access, ReadConsequenceResponses consequences) : SignedInPageModel(access)
{
    public async Task<IActionResult> OnGetAsync(long id)
    {
        var c = await consequences.LocateAsync(Actor, id, HttpContext.RequestAborted);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/score",
            new Dictionary<string, string?> { ["campaign"] = c.Campaign, ["period"] = c.Period, ["unit"] = c.UnitCode });
        return Redirect(query + "#consequence-" + id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
