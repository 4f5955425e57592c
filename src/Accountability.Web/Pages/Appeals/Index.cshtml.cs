using Accountability.Access;
using Accountability.Rankings;
using Microsoft.AspNetCore.Mvc;

namespace Accountability.Web.Pages.Appeals;

/// <summary>Appeals (申诉): headquarters sees every unit's and decides them; a unit sees its own.</summary>
public sealed class IndexModel(AccessPolicy access, ReadScores scores) : SignedInPageModel(access)
{
    [BindProperty(SupportsGet = true, Name = "state")] public string? State { get; set; }

    public IReadOnlyList<AppealRow> Appeals { get; private set; } = [];

    public bool MayDecide { get; private set; }

    public async Task OnGetAsync()
    {
        RequireRole(Role.Planner, Role.UnitOperator, Role.UnitLeader);
        MayDecide = await MayAsync(Operation.DecideAppeal);
        Appeals = (await scores.AppealsAsync(Actor, null, string.IsNullOrEmpty(State) ? null : State, HttpContext.RequestAborted))
            .OrderBy(a => a.State == "pending" ? 0 : 1).ThenByDescending(a => a.FiledAt).ToList();
    }
}
