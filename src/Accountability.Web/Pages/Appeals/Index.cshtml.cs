using Accountability.Access;
using Accountability.Organization;
using Accountability.Rankings;
using Microsoft.AspNetCore.Mvc;

namespace Accountability.Web.Pages.Appeals;

/// <summary>Appeals (申诉): headquarters sees every unit's and decides them; a unit sees its own.</summary>
public sealed class IndexModel(AccessPolicy access, ReadScores scores, OrganizationStore organization) : SignedInPageModel(access)
{
    public IReadOnlyDictionary<string, string> UnitNames { get; private set; } = new Dictionary<string, string>();

    [BindProperty(SupportsGet = true, Name = "state")] public string? State { get; set; }

    public IReadOnlyList<AppealRow> Appeals { get; private set; } = [];

    public bool MayDecide { get; private set; }

    public async Task OnGetAsync()
    {
        RequireRole(Role.Planner, Role.UnitOperator, Role.UnitLeader);
        MayDecide = await MayAsync(Operation.DecideAppeal);
        UnitNames = (await organization.ListUnitsAsync(HttpContext.RequestAborted)).ToDictionary(u => u.Code, u => u.Name, StringComparer.Ordinal);
        Appeals = (await scores.AppealsAsync(Actor, null, string.IsNullOrEmpty(State) ? null : State, HttpContext.RequestAborted))
            .OrderBy(a => a.State == "pending" ? 0 : 1).ThenByDescending(a => a.FiledAt).ToList();
    }
}
