using Accountability.Access;
using Microsoft.AspNetCore.Mvc;

namespace Accountability.Web.Pages.Items;

/// <summary>Where a digest notice ("3 items overdue", link /assignments?timer=overdue) leads: the reader's own list,
/// filtered to what the notice was about.</summary>
public sealed class IndexModel(AccessPolicy access) : SignedInPageModel(access)
{
    public IActionResult OnGet(string? timer)
    {
        if (Actor.Holds(Role.UnitOperator) || Actor.Holds(Role.UnitLeader))
        {
            return Redirect("/inbox");
        }

        if (Actor.Holds(Role.Verifier))
        {
            return Redirect("/verification");
        }

        var state = timer switch
        {
            "overdue" or "chaser" or "escalation" => "overdue",
            "acknowledgement_due" => "issued",
            "look_back_due" => "closed",
            "recheck_due" => "closed_long_term",
            _ => null,
        };
        return Redirect(state is null ? "/ledger" : "/ledger?state=" + state);
    }
}
