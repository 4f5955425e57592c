using Accountability.Access;
using Accountability.Assignments;
using Accountability.Plans;
using Accountability.Rankings;
using Accountability.Web.Hosting;
using Microsoft.AspNetCore.Mvc;

namespace Accountability.Web.Pages.Campaigns;

/// <summary>
/// The planner's dashboard for one campaign: the figures that matter today (open, overdue, awaiting verification, red
/// lights, not yet acknowledged), progress by unit, the green/yellow/red map by unit and task category (each cell links
/// to those items in the ledger), and the ranking over the scored periods as a chart with its table.
/// </summary>
public sealed class DashboardModel(AccessPolicy access, PlanStore plans, ReadCampaignProgress progress, ReadRankingHistory history)
    : SignedInPageModel(access)
{
    [BindProperty(SupportsGet = true, Name = "category")] public string? RankingCategory { get; set; }

    public CampaignView Campaign { get; private set; } = null!;

    public CampaignProgress Progress { get; private set; } = null!;

    public RankingHistory? Ranking { get; private set; }

    public IReadOnlyList<string> RankingCategories { get; private set; } = [];

    public IReadOnlyList<ChartSeries> Series { get; private set; } = [];

    public IReadOnlyList<ChartSeries> Scores { get; private set; } = [];

    public int Total => Progress.Units.Sum(u => u.Assigned);

    public async Task OnGetAsync(string code)
    {
        await RequireAsync(Operation.ViewCampaign);
        var ct = HttpContext.RequestAborted;
        Campaign = await plans.GetCampaignAsync(code, ct);
        Progress = await progress.RunAsync(Actor, Campaign.Id, ct);
        var cycles = await history.CyclesAsync(code, ct);
        if (cycles.Count == 0)
        {
            return;
        }

        Ranking = await history.RunAsync(Actor, code, cycles.Contains("monthly") ? "monthly" : cycles[0], ct);
        RankingCategories = Ranking.Points.Select(p => p.Category).OfType<string>().Distinct()
            .OrderBy(c => c switch { "towns" => 0, "parks" => 1, _ => 2 }).ToList();
        RankingCategory = RankingCategories.Contains(RankingCategory ?? "") ? RankingCategory : (RankingCategories.Count > 0 ? RankingCategories[0] : null);
        var units = Ranking.Points.Where(p => p.Category == RankingCategory).GroupBy(p => p.UnitId)
            .OrderBy(g => g.Last().Rank ?? int.MaxValue).ToList();
        Series = units.Select(g => new ChartSeries(g.First().UnitName,
            Ranking.Periods.Select(period => g.FirstOrDefault(p => p.Period == period)?.Rank is { } r ? (decimal?)r : null).ToList())).ToList();
        Scores = units.Select(g => new ChartSeries(g.First().UnitName,
            Ranking.Periods.Select(period => g.FirstOrDefault(p => p.Period == period)?.Score).ToList())).ToList();
    }

    public ProgressCell? Cell(long unitId, string category) => Progress.Cells.FirstOrDefault(c => c.UnitId == unitId && c.Category == category);
}
