using Accountability.Access;
using Accountability.Assignments;
using Accountability.Notices;

namespace Accountability.Web.Pages.Inbox;

public sealed record InboxSection(string Key, string TitleKey, string HelpKey, AssignmentListPage Items, string MoreLink);

/// <summary>
/// A unit's desk: what to acknowledge (签收), what falls due within a week, what is overdue, what the verifier sent
/// back, which chasers (催办) still wait for a receipt, and the latest notices. Only the unit's own items (and those of
/// the units below it) appear.
/// </summary>
public sealed class IndexModel(AccessPolicy access, SearchAssignments search, ListNotifications notifications, TimeProvider time)
    : SignedInPageModel(access)
{
    private const int SectionSize = 20;

    public IReadOnlyList<InboxSection> Sections { get; private set; } = [];

    public IReadOnlyList<NotificationView> Notices { get; private set; } = [];

    public async Task OnGetAsync()
    {
        RequireRole(Role.UnitOperator, Role.UnitLeader);
        var now = time.GetUtcNow();
        var ct = HttpContext.RequestAborted;
        Task<AssignmentListPage> Find(AssignmentSearch filter) => search.RunAsync(Actor, AssignmentLens.Unit, filter with { PageSize = SectionSize }, now, ct);
        Sections =
        [
            new("acknowledge", "Inbox_ToAcknowledge", "Inbox_ToAcknowledgeHelp", await Find(new AssignmentSearch(States: ["issued"])), "/ledger?state=issued"),
            new("chasers", "Inbox_Chasers", "Inbox_ChasersHelp", await Find(new AssignmentSearch(UnreadChasers: true)), "/ledger?chasers=true"),
            new("overdue", "Inbox_Overdue", "Inbox_OverdueHelp", await Find(new AssignmentSearch(States: ["overdue"])), "/ledger?state=overdue"),
            new("returned", "Inbox_Returned", "Inbox_ReturnedHelp", await Find(new AssignmentSearch(States: ["returned", "reopened"])), "/ledger?state=returned"),
            new("due-soon", "Inbox_DueSoon", "Inbox_DueSoonHelp", await Find(new AssignmentSearch(DueWithinDays: 7)), "/ledger?due=7"),
            new("in-progress", "Inbox_InProgress", "Inbox_InProgressHelp",
                await Find(new AssignmentSearch(States: ["acknowledged", "in_progress", "extension_pending"])), "/ledger?open=true"),
            new("verification", "Inbox_AwaitingVerification", "Inbox_AwaitingVerificationHelp",
                await Find(new AssignmentSearch(States: ["submitted", "under_verification", "public_notice"])), "/ledger?state=submitted"),
        ];
        Notices = await notifications.RunAsync(Actor, unreadOnly: true, limit: 5, ct);
    }
}
