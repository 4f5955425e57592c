using Accountability.Access;
using Accountability.Assignments;

namespace Accountability.Web.Pages.Verification;

public sealed record QueueSection(string Key, string TitleKey, string HelpKey, AssignmentListPage Items);

/// <summary>
/// The verifier's queue (验收): submissions waiting for a decision, items in their public-notice window (公示) with
/// the day it ends, items sent back to the unit, and closed items due for a look-back (回头看). Only items whose
/// verifier is one of the reader's units appear ("谁验收谁负责").
/// </summary>
public sealed class IndexModel(AccessPolicy access, SearchAssignments search, TimeProvider time) : SignedInPageModel(access)
{
    public IReadOnlyList<QueueSection> Sections { get; private set; } = [];

    public async Task OnGetAsync()
    {
        RequireRole(Role.Verifier);
        var now = time.GetUtcNow();
        var ct = HttpContext.RequestAborted;
        Task<AssignmentListPage> Find(params string[] states) =>
            search.RunAsync(Actor, AssignmentLens.Verifier, new AssignmentSearch(States: states, PageSize: 100), now, ct);
        Sections =
        [
            new("waiting", "Queue_Waiting", "Queue_WaitingHelp", await Find("submitted", "under_verification")),
            new("notice", "Queue_PublicNotice", "Queue_PublicNoticeHelp", await Find("public_notice")),
            new("returned", "Queue_Returned", "Queue_ReturnedHelp", await Find("returned", "reopened")),
            new("closed", "Queue_Closed", "Queue_ClosedHelp", await Find("closed", "closed_long_term")),
        ];
    }
}
