using Accountability.Access;
using Accountability.Assignments;
using Accountability.Organization;
using Accountability.Plans;
using Accountability.Web.Hosting;
using Accountability.Web.Resources;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using MiniExcelLibs;

namespace Accountability.Web.Pages.Ledger;

/// <summary>
/// The ledger (台账) of assignments: search by number, title or unit; filter by campaign, unit, category, state, light,
/// due date and unanswered chasers; page through; export what the filters match to Excel; chase the units of the
/// selected items in one go (headquarters). Everyone sees only what the access policy lets them see.
/// </summary>
public sealed class IndexModel(AccessPolicy access, SearchAssignments search, PlanStore plans, OrganizationStore organization,
    IssueChaser chase, TimeProvider time, IStringLocalizer<Text> text) : SignedInPageModel(access)
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true, Name = "campaign")] public string? Campaign { get; set; }
    [BindProperty(SupportsGet = true, Name = "unit")] public long? UnitId { get; set; }
    [BindProperty(SupportsGet = true, Name = "q")] public string? Query { get; set; }
    [BindProperty(SupportsGet = true, Name = "state")] public string? State { get; set; }
    [BindProperty(SupportsGet = true, Name = "light")] public string? Light { get; set; }
    [BindProperty(SupportsGet = true, Name = "category")] public string? Category { get; set; }
    [BindProperty(SupportsGet = true, Name = "open")] public bool? Open { get; set; }
    [BindProperty(SupportsGet = true, Name = "due")] public int? DueWithinDays { get; set; }
    [BindProperty(SupportsGet = true, Name = "chasers")] public bool? Chasers { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;

    public IReadOnlyList<CampaignView> Campaigns { get; private set; } = [];
    public IReadOnlyList<UnitView> Units { get; private set; } = [];
    public IReadOnlyList<string> Categories { get; private set; } = [];
    public AssignmentListPage Items { get; private set; } = new([], 1, PageSize, 0);
    public bool MayChase { get; private set; }

    public static readonly string[] States =
    [
        "issued", "acknowledged", "in_progress", "extension_pending", "overdue", "returned", "submitted", "under_verification",
        "public_notice", "reopened", "closed", "closed_long_term", "closed_unfounded", "cancelled",
    ];

    public int PageCount => (int)Math.Max(1, (Items.Total + PageSize - 1) / PageSize);

    /// <summary>The query string of the current filters, with one value replaced (for paging links and the export).</summary>
    public string Link(string? handler = null, int? page = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["handler"] = handler, ["campaign"] = Campaign, ["unit"] = UnitId?.ToString(System.Globalization.CultureInfo.InvariantCulture), ["q"] = Query,
            ["state"] = State, ["light"] = Light, ["category"] = Category, ["open"] = Open?.ToString().ToLowerInvariant(),
            ["due"] = DueWithinDays?.ToString(System.Globalization.CultureInfo.InvariantCulture), ["chasers"] = Chasers?.ToString().ToLowerInvariant(),
            ["p"] = page is > 1 ? page.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
        };
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/ledger", values.Where(v => !string.IsNullOrEmpty(v.Value)));
    }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnGetExportAsync()
    {
        var filter = await FilterAsync();
        var rows = search.StreamAsync(Actor, AssignmentLens.Visible, filter, time.GetUtcNow(), HttpContext.RequestAborted);
        // The workbook is written to a temporary file first: a zip needs to go back to its start, a response cannot.
        var file = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        await Task.Run(() => file.SaveAs(rows.ToBlockingEnumerable().Select(Cells)), HttpContext.RequestAborted);
        file.Position = 0;
        var name = $"{text["Nav_Ledger"].Value}-{Display.Today(time):yyyyMMdd}.xlsx";
        return File(file, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name);
    }

    /// <summary>催办 for every selected item, one chaser each (each climbs its own colour ladder).</summary>
    public async Task<IActionResult> OnPostChaseAsync(long[] ids, string? message)
    {
        await LoadAsync();
        var chased = 0;
        foreach (var id in ids.Distinct())
        {
            await chase.RunAsync(Actor, new ActionRequest(id), message ?? "", cancellationToken: HttpContext.RequestAborted);
            chased++;
        }

        TempData["Message"] = text["ChasedItems", chased].Value;
        return Redirect(Link(page: PageNumber));
    }

    private async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        Campaigns = await plans.ListCampaignsAsync(ct);
        Units = (await organization.ListUnitsAsync(ct)).Where(u => u.Kind is not ("village" or "grid_cell" or "county")).OrderBy(u => u.SortOrder).ToList();
        var filter = await FilterAsync();
        Categories = filter.CampaignId is { } campaignId ? await search.CategoriesAsync(campaignId, ct) : [];
        Items = await search.RunAsync(Actor, AssignmentLens.Visible, filter, time.GetUtcNow(), ct);
        MayChase = await MayAsync(Operation.IssueChaser);
    }

    private async Task<AssignmentSearch> FilterAsync()
    {
        if (Campaigns.Count == 0)
        {
            Campaigns = await plans.ListCampaignsAsync(HttpContext.RequestAborted);
        }

        // One campaign is the usual case: chosen for the reader when nothing else is.
        var campaign = Campaigns.FirstOrDefault(c => c.Code == Campaign) ?? (Campaigns.Count == 1 ? Campaigns[0] : null);
        Campaign = campaign?.Code;
        var states = State switch
        {
            null or "" => null,
            "returned" => new[] { "returned", "reopened" },
            "submitted" => ["submitted", "under_verification", "public_notice"],
            _ => [State],
        };
        return new AssignmentSearch(campaign?.Id, UnitId, Query, states, Open, string.IsNullOrEmpty(Light) ? null : Light,
            string.IsNullOrEmpty(Category) ? null : Category, DueWithinDays, Chasers == true ? true : null, Math.Max(1, PageNumber), PageSize);
    }

    private Dictionary<string, object?> Cells(AssignmentListRow row) => new()
    {
        [text["Number"]] = row.Number,
        [text["Title"]] = row.Title,
        [text["Category"]] = row.Category ?? text.Label("Ledger", row.LedgerKind),
        [text["Unit"]] = row.UnitName,
        [text["AssignmentRoleHeader"]] = text.Label("AssignmentRole", row.Role),
        [text["Verifier"]] = row.VerifierName,
        [text["Status"]] = text.Label("State", row.State),
        [text["LightHeader"]] = text.Label("Light", row.Light),
        [text["Progress"]] = row.ProgressPercent,
        [text["IssuedAt"]] = Display.Time(row.IssuedAt),
        [text["DueDate"]] = Display.Due(row.DueAt),
        [text["ExtendedDue"]] = Display.Due(row.ExtendedDueAt),
        [text["AcknowledgedAt"]] = Display.Time(row.AcknowledgedAt),
        [text["SubmittedAt"]] = Display.Time(row.SubmittedAt),
        [text["ClosedAt"]] = Display.Time(row.ClosedAt),
        [text["ChaserLevel"]] = row.ChaserLevel,
        [text["UnreadChasersHeader"]] = row.UnreadChasers,
        [text["Relapses"]] = row.RelapseCount,
    };
}
