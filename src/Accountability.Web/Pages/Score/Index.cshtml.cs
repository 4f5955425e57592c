using Accountability.Access;
using Accountability.Escalations;
using Accountability.Organization;
using Accountability.Plans;
using Accountability.Rankings;
using Accountability.Scoring;
using Accountability.Web.Resources;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Accountability.Web.Pages.Score;

/// <summary>
/// A unit's score for a period with every point explained: the rule (id, name, rulebook and version), how it was
/// counted, and the events behind it, each linked to its item. A deduction can be appealed (申诉) from its line, naming
/// the events that are wrong and citing evidence already on the unit's items. Below: the unit's place over the periods,
/// the consequences that fell on it and the responses they demand, and its appeals. Unit users see their own unit;
/// headquarters and leaders choose any ranked unit.
/// </summary>
public sealed class IndexModel(AccessPolicy access, PlanStore plans, ReadRankingHistory history, ReadScores scores, ReadScoringEvents events,
    ReadConsequenceResponses consequences, OrganizationStore organization, FileAppeal appeal, RecordConsequenceResponse respond,
    IStringLocalizer<Text> text) : SignedInPageModel(access)
{
    [BindProperty(SupportsGet = true, Name = "campaign")] public string? Campaign { get; set; }
    [BindProperty(SupportsGet = true, Name = "period")] public string? Period { get; set; }
    [BindProperty(SupportsGet = true, Name = "unit")] public string? Unit { get; set; }

    public IReadOnlyList<CampaignView> Campaigns { get; private set; } = [];
    public string Cycle { get; private set; } = "monthly";
    public RankingHistory? History { get; private set; }
    public RankingRow? Row { get; private set; }
    public RankingView? Ranking { get; private set; }
    public IReadOnlyList<LedgerRow> Ledger { get; private set; } = [];
    public IReadOnlyDictionary<long, ScoringEventView> Events { get; private set; } = new Dictionary<long, ScoringEventView>();
    public IReadOnlyList<CitableEvidence> Evidence { get; private set; } = [];
    public IReadOnlyList<UnitConsequenceView> Consequences { get; private set; } = [];
    public IReadOnlyList<AppealRow> Appeals { get; private set; } = [];
    public IReadOnlyList<(string Code, string Name)> UnitChoices { get; private set; } = [];
    public string? UnitName { get; private set; }
    public long? UnitId { get; private set; }
    public bool MayAppeal { get; private set; }
    public bool MayRespond { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAppealAsync(long entryId, string? reasons, long[] eventIds, long[] evidence, string? evidenceNote)
    {
        await LoadAsync();
        var cited = Evidence.Where(e => evidence.Contains(e.FileId))
            .Select(e => new AppealEvidence($"{e.Number} {e.Kind} {e.FileName}", e.Sha256, string.IsNullOrWhiteSpace(evidenceNote) ? null : evidenceNote.Trim()))
            .ToList();
        var filed = await appeal.RunAsync(Actor, entryId, reasons ?? "", cited, eventIds.Length > 0 ? eventIds : null, HttpContext.RequestAborted);
        TempData["Message"] = text["AppealFiled", filed.AppealId].Value;
        return Redirect(Link());
    }

    public async Task<IActionResult> OnPostRespondAsync(long consequenceId, string kind, string? note)
    {
        await LoadAsync();
        await respond.RunAsync(Actor, consequenceId, kind, note ?? "", HttpContext.RequestAborted);
        TempData["Message"] = text["ResponseRecorded"].Value;
        return Redirect(Link());
    }

    public string Link(string? period = null, string? unit = null) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/score", new Dictionary<string, string?>
        {
            ["campaign"] = Campaign, ["period"] = period ?? Period, ["unit"] = unit ?? Unit,
        }.Where(p => p.Value is not null));

    private async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        if (Actor.Memberships.Count == 0)
        {
            throw new AccessDeniedException($"{Actor.Login} holds no role.");
        }

        Campaigns = await plans.ListCampaignsAsync(ct);
        // The campaign asked for, else the first one that has a scored period.
        foreach (var candidate in Campaigns.Where(c => Campaign is null || c.Code == Campaign))
        {
            var cycles = await history.CyclesAsync(candidate.Code, ct);
            if (cycles.Count > 0 || Campaign is not null)
            {
                Campaign = candidate.Code;
                Cycle = cycles.Contains("monthly") ? "monthly" : (cycles.Count > 0 ? cycles[0] : "monthly");
                break;
            }
        }

        if (Campaign is null)
        {
            return;
        }

        History = await history.RunAsync(Actor, Campaign, Cycle, ct);
        if (History.Periods.Count == 0)
        {
            return;
        }

        Period = History.Periods.Contains(Period ?? "") ? Period : History.Periods[^1];
        Ranking = await scores.RankingAsync(Actor, Campaign, Cycle, Period!, ct);

        // Whose score: the unit asked for if the reader may see it, else the reader's own unit.
        var all = (await organization.ListUnitsAsync(ct)).ToDictionary(u => u.Code);
        var own = Actor.Memberships.Where(m => m.Role is Role.UnitOperator or Role.UnitLeader && m.UnitId is not null).Select(m => m.UnitId!.Value).ToHashSet();
        var ranked = Ranking.Rows.Select(r => (r.UnitCode, r.UnitName)).ToList();
        var choices = new List<(string, string)>();
        foreach (var (code, name) in ranked)
        {
            if (await MayAsync(Operation.ViewScore, all[code].Id))
            {
                choices.Add((code, name));
            }
        }

        UnitChoices = choices;
        Unit ??= all.Values.FirstOrDefault(u => own.Contains(u.Id))?.Code ?? choices.FirstOrDefault().Item1;
        if (Unit is null || !all.TryGetValue(Unit, out var unit))
        {
            return;
        }

        (UnitId, UnitName) = (unit.Id, unit.Name);
        await RequireAsync(Operation.ViewScore, unit.Id, hideExistence: true);
        Row = Ranking.Rows.FirstOrDefault(r => r.UnitId == unit.Id);
        Ledger = Row is null ? [] : await scores.LedgerAsync(Actor, Campaign, Cycle, Period!, Unit, ct);
        var eventIds = Ledger.SelectMany(l => l.EventIds).Distinct().ToList();
        Events = (await events.RunAsync(Actor, unit.Id, eventIds, ct)).ToDictionary(e => e.Id);
        Evidence = await events.EvidenceAsync(Actor, unit.Id, Events.Values.Select(e => e.AssignmentId).OfType<long>().ToList(), ct);
        Consequences = await consequences.ForUnitAsync(Actor, Campaign, unit.Id, ct);
        Appeals = (await scores.AppealsAsync(Actor, Campaign, null, ct)).Where(a => a.UnitId == unit.Id).ToList();
        MayAppeal = await MayAsync(Operation.Appeal, unit.Id);
        MayRespond = await MayAsync(Operation.ActOnItem, unit.Id);
    }
}
