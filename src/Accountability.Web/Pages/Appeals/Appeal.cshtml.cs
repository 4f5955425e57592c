using System.Text.Json;
using Accountability.Access;
using Accountability.Organization;
using Accountability.Rankings;
using Accountability.Scoring;
using Accountability.Web.Resources;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Accountability.Web.Pages.Appeals;

/// <summary>One appeal: what was appealed and why, with the evidence cited; headquarters accepts it (the period is
/// recomputed and the documents that change are re-issued as new versions) or rejects it, with reasons.</summary>
public sealed class AppealModel(AccessPolicy access, ReadScores scores, DecideAppeal decide, OrganizationStore organization, IStringLocalizer<Text> text)
    : SignedInPageModel(access)
{
    public string UnitName { get; private set; } = "";

    public AppealRow Appeal { get; private set; } = null!;

    public IReadOnlyList<AppealEvidence> Evidence { get; private set; } = [];

    public bool MayDecide { get; private set; }

    public async Task OnGetAsync(long id) => await LoadAsync(id);

    public async Task<IActionResult> OnPostDecideAsync(long id, bool accept, string? reason)
    {
        await LoadAsync(id);
        var decided = await decide.RunAsync(Actor, id, accept, reason ?? "", HttpContext.RequestAborted);
        TempData["Message"] = decided.Accepted ? text["AppealAcceptedDone", decided.ReissuedDocumentIds.Count].Value : text["AppealRejectedDone"].Value;
        return RedirectToPage(new { id });
    }

    private async Task LoadAsync(long id)
    {
        // The use case lists what the reader may see (everything for headquarters, a unit its own): anything else is absent.
        Appeal = (await scores.AppealsAsync(Actor, null, null, HttpContext.RequestAborted)).FirstOrDefault(a => a.Id == id)
                 ?? throw new NotFoundException($"No appeal {id} visible to {Actor.Login}.");
        Evidence = JsonSerializer.Deserialize<List<AppealEvidence>>(Appeal.Evidence, new JsonSerializerOptions(JsonSerializerDefaults.Web)) ?? [];
        MayDecide = await MayAsync(Operation.DecideAppeal);
        UnitName = (await organization.ListUnitsAsync(HttpContext.RequestAborted)).FirstOrDefault(u => u.Code == Appeal.UnitCode)?.Name ?? Appeal.UnitCode;
    }
}
