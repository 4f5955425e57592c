using Accountability.Access;

namespace Accountability.Web.Hosting;

public sealed record NavigationItem(string Href, string TextKey, Role[] Roles);

/// <summary>The main menu: each entry shows only to the roles whose work it is. Pages still check access themselves;
/// a hidden link is a convenience, not a control.</summary>
public static class NavigationItems
{
    private static readonly Role[] Everyone =
        [Role.Planner, Role.UnitOperator, Role.UnitLeader, Role.Verifier, Role.Inspector, Role.Discipline, Role.Leader];

    private static readonly List<NavigationItem> Items =
    [
        // Each person's own work first: a unit's inbox, a verifier's queue, the discipline inspection inbox.
        new("/inbox", "Nav_Inbox", [Role.UnitOperator, Role.UnitLeader]),
        new("/verification", "Nav_Verification", [Role.Verifier]),
        new("/referrals", "Nav_Referrals", [Role.Discipline]),
        new("/campaigns", "Nav_Dashboard", [Role.Planner, Role.Leader, Role.Inspector]),
        new("/ledger", "Nav_Ledger", [Role.Planner, Role.Leader, Role.Inspector]),
        new("/plans/import", "Nav_PlanImport", [Role.Planner]),
        new("/cycles", "Nav_Cycles", [Role.Planner]),
        new("/documents", "Nav_Documents", Everyone),
        new("/score", "Nav_Score", [Role.UnitOperator, Role.UnitLeader]),
        new("/appeals", "Nav_Appeals", [Role.Planner, Role.UnitOperator, Role.UnitLeader]),
        new("/rulebooks", "Nav_Rulebooks", [Role.Planner]),
        new("/notices", "Nav_Notices", Everyone),
        new("/admin/organization", "Organization", [Role.Administrator]),
    ];

    /// <summary>Capabilities add their entries at start-up (one line each, next to their pages).</summary>
    public static void Add(NavigationItem item)
    {
        lock (Items)
        {
            if (Items.All(i => i.Href != item.Href))
            {
                Items.Add(item);
            }
        }
    }

    public static IEnumerable<NavigationItem> For(Actor actor) => Items.Where(i => i.Roles.Any(actor.Holds));
}
