using Accountability.Access;
using Accountability.Assignments;
using Accountability.Notices;
using Accountability.Organization;

namespace Accountability.Web.Pages;

/// <summary>A shortcut to the day's work for each role the person holds, with the counts that say whether it waits.</summary>
public sealed record WorkTile(string Href, string TitleKey, long? Count, string Tone);

public sealed class IndexModel(AccessPolicy access, OrganizationStore organization, SearchAssignments search, ListNotifications notifications,
    TimeProvider time) : SignedInPageModel(access)
{
    public IReadOnlyDictionary<long, string> UnitNames { get; private set; } = new Dictionary<long, string>();

    public IReadOnlyList<WorkTile> Tiles { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        UnitNames = (await organization.ListUnitsAsync(ct)).ToDictionary(u => u.Id, u => u.Name);
        var now = time.GetUtcNow();
        async Task<long> CountAsync(AssignmentLens lens, AssignmentSearch filter) =>
            (await search.RunAsync(Actor, lens, filter with { PageSize = 1 }, now, ct)).Total;

        var tiles = new List<WorkTile>();
        if (Actor.Holds(Role.UnitOperator) || Actor.Holds(Role.UnitLeader))
        {
            tiles.Add(new("/inbox#acknowledge", "Inbox_ToAcknowledge", await CountAsync(AssignmentLens.Unit, new(States: ["issued"])), "warn"));
            tiles.Add(new("/inbox#overdue", "Inbox_Overdue", await CountAsync(AssignmentLens.Unit, new(States: ["overdue"])), "bad"));
            tiles.Add(new("/inbox#chasers", "Inbox_Chasers", await CountAsync(AssignmentLens.Unit, new(UnreadChasers: true)), "bad"));
            tiles.Add(new("/inbox#due-soon", "Inbox_DueSoon", await CountAsync(AssignmentLens.Unit, new(DueWithinDays: 7)), "warn"));
            tiles.Add(new("/score", "Nav_Score", null, ""));
        }

        if (Actor.Holds(Role.Verifier))
        {
            tiles.Add(new("/verification#waiting", "Queue_Waiting", await CountAsync(AssignmentLens.Verifier, new(States: ["submitted", "under_verification"])), "warn"));
            tiles.Add(new("/verification#notice", "Queue_PublicNotice", await CountAsync(AssignmentLens.Verifier, new(States: ["public_notice"])), ""));
        }

        if (Actor.Holds(Role.Planner) || Actor.Holds(Role.Leader) || Actor.Holds(Role.Inspector))
        {
            tiles.Add(new("/campaigns", "Nav_Dashboard", null, ""));
            tiles.Add(new("/ledger?state=overdue", "State_overdue", await CountAsync(AssignmentLens.Visible, new(States: ["overdue"])), "bad"));
        }

        if (Actor.Holds(Role.Planner))
        {
            tiles.Add(new("/plans/import", "Nav_PlanImport", null, ""));
            tiles.Add(new("/cycles", "Nav_Cycles", null, ""));
        }

        if (Actor.Holds(Role.Discipline))
        {
            tiles.Add(new("/referrals?state=received", "Nav_Referrals", null, "bad"));
        }

        if (Actor.Memberships.Count > 0)
        {
            tiles.Add(new("/notices?unread=true", "UnreadNotices", (await notifications.RunAsync(Actor, unreadOnly: true, limit: 1000, ct)).Count, "warn"));
        }

        Tiles = tiles;
    }
}
