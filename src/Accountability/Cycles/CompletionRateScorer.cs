using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Accountability.Notices;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accountability.Cycles;

/// <summary>
/// The plain ranking for campaigns without a rulebook (一月一排名 before any 量化问责办法 applies): each ranked unit's
/// completion rate (closed / assigned, from the period's frozen snapshot), ranked within its category (towns apart
/// from parks), ties published as 并列. Issues one public ranking bulletin per period, published to every ranked unit, and no consequences.
/// Reproducible: the same snapshot gives the same bulletin byte for byte.
/// </summary>
public sealed class CompletionRateScorer(IOptions<NoticesOptions> notices) : IPeriodScorer
{
    private static readonly string[] ClosedStates = ["closed", "closed_long_term", "closed_unfounded"];

    private const string SelectCampaign = "SELECT code, name, headquarters_unit_id, time_zone FROM campaign WHERE id = @CampaignId";

    private const string SelectSnapshot = """
        SELECT id FROM period_snapshot WHERE campaign_id = @CampaignId AND cycle = @Cycle AND period = @Period
        ORDER BY id DESC LIMIT 1
        """;

    private const string SelectUnitFigures = """
        SELECT u.id AS UnitId, u.code AS UnitCode, u.name AS UnitName, u.ranking_category AS Category, u.sort_order AS SortOrder,
               count(*)::int AS Assigned,
               count(*) FILTER (WHERE s.state = ANY(@closedStates))::int AS Closed,
               count(*) FILTER (WHERE NOT s.state = ANY(@closedStates) AND s.due_at < @cutoff)::int AS Overdue
        FROM assignment_snapshot s
        JOIN unit u ON u.id = s.unit_id
        WHERE s.snapshot_id = @snapshotId AND u.ranking_category IS NOT NULL
        GROUP BY u.id, u.code, u.name, u.ranking_category, u.sort_order
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public bool Handles(string? rulebookCode) => string.IsNullOrEmpty(rulebookCode);

    public async Task<PeriodScoringResult> ScoreAsync(NpgsqlConnection connection, PeriodContext context, CancellationToken cancellationToken)
    {
        var campaign = await connection.QuerySingleAsync<(string Code, string Name, long? HeadquartersUnitId, string TimeZone)>(SelectCampaign, new { context.CampaignId });
        var snapshotId = await connection.ExecuteScalarAsync<long?>(SelectSnapshot, new { context.CampaignId, context.Cycle, context.Period })
                         ?? throw new InvalidOperationException($"No snapshot was frozen for {context.Cycle} {context.Period}.");
        var figures = (await connection.QueryAsync<UnitFigures>(new CommandDefinition(SelectUnitFigures,
            new { snapshotId, closedStates = ClosedStates, cutoff = context.Cutoff }, cancellationToken: cancellationToken))).ToList();

        var categories = figures
            .GroupBy(f => f.Category)
            .OrderBy(g => CategoryOrder(g.Key)).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new RankedCategory(g.Key, CategoryName(g.Key), Rank(g)))
            .ToList();

        var label = CycleDefinition.Label(context.Period);
        var title = $"关于{label}{campaign.Name}各单位任务完成情况排名的通报";
        var zone = CadenceReader.FindZone(campaign.TimeZone) ?? TimeZoneInfo.Utc;
        var cutoffLocal = TimeZoneInfo.ConvertTime(context.Cutoff, zone).ToString("yyyy年M月d日 HH:mm", CultureInfo.InvariantCulture);
        var data = new BulletinData(campaign.Code, campaign.Name, context.Cycle, context.Period, label, context.Cutoff, cutoffLocal, "completion_rate", categories);
        var draft = new DocumentDraft(context.CampaignId, "ranking_bulletin", context.Period,
            $"campaign:{context.CampaignId}:ranking_bulletin:{context.Cycle}:{context.Period}", title,
            Render(title, data), JsonSerializer.Serialize(data, Json), campaign.HeadquartersUnitId);
        var issued = await DocumentIssuer.IssueAsync(connection, draft, context.Now);

        // A public bulletin: every ranked unit is told (an unchanged bulletin was told already; its keys dedupe).
        var published = await NoticePublisher.PublishAsync(connection, context.CampaignId, [issued.Id], figures.Select(f => f.UnitId).ToList(),
            notices.Value.Destinations, context.Now);
        var ranked = categories.Sum(c => c.Rows.Count);
        return new PeriodScoringResult([issued.Id], 0,
            $"{ranked} units ranked by completion rate in {categories.Count} categories; bulletin {issued.Issue.ToString().ToLowerInvariant()} (v{issued.Version})",
            published);
    }

    /// <summary>Standard competition ranking on the published (rounded) rate: equal rates share a rank (并列) and the
    /// next rank skips, so readers see ties exactly where the table shows equal figures.</summary>
    private static List<RankedRow> Rank(IEnumerable<UnitFigures> units)
    {
        var ordered = units
            .Select(u => (Unit: u, Rate: u.Assigned == 0 ? 0m : Math.Round(100m * u.Closed / u.Assigned, 1, MidpointRounding.AwayFromZero)))
            .OrderByDescending(x => x.Rate).ThenBy(x => x.Unit.Overdue).ThenBy(x => x.Unit.SortOrder).ThenBy(x => x.Unit.UnitCode, StringComparer.Ordinal)
            .ToList();
        var rows = new List<RankedRow>(ordered.Count);
        for (var i = 0; i < ordered.Count; i++)
        {
            var (unit, rate) = ordered[i];
            var rank = i > 0 && ordered[i - 1].Rate == rate ? rows[i - 1].Rank : i + 1;
            var tied = ordered.Count(x => x.Rate == rate) > 1;
            rows.Add(new RankedRow(rank, tied, unit.UnitId, unit.UnitCode, unit.UnitName, unit.Assigned, unit.Closed, unit.Overdue, rate));
        }

        return rows;
    }

    private static int CategoryOrder(string category) => category switch
    {
        "towns" => 0,
        "parks" => 1,
        _ => 2,
    };

    private static string CategoryName(string category) => category switch
    {
        "towns" => "镇（街道）",
        "parks" => "园区",
        "departments" => "县直部门",
        _ => category,
    };

    private static string Render(string title, BulletinData data)
    {
        var html = new StringBuilder();
        html.Append("<article class=\"bulletin ranking-bulletin\">\n<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>\n");
        html.Append("<p>根据").Append(WebUtility.HtmlEncode(data.CampaignName)).Append("工作安排，现将")
            .Append(WebUtility.HtmlEncode(data.PeriodLabel)).Append("各单位任务完成情况排名通报如下（数据截至")
            .Append(data.CutoffLocal).Append("，按完成率排名；完成率相同者并列）。</p>\n");
        foreach (var category in data.Categories)
        {
            html.Append("<h2>").Append(WebUtility.HtmlEncode(category.Name)).Append("</h2>\n<table>\n")
                .Append("<thead><tr><th>名次</th><th>单位</th><th>任务数</th><th>已销号</th><th>完成率</th><th>逾期</th></tr></thead>\n<tbody>\n");
            foreach (var row in category.Rows)
            {
                html.Append("<tr><td>").Append(row.Rank.ToString(CultureInfo.InvariantCulture)).Append(row.Tied ? "（并列）" : "")
                    .Append("</td><td>").Append(WebUtility.HtmlEncode(row.UnitName))
                    .Append("</td><td>").Append(row.Assigned.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td>").Append(row.Closed.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td>").Append(row.CompletionPercent.ToString("0.0", CultureInfo.InvariantCulture)).Append('%')
                    .Append("</td><td>").Append(row.Overdue.ToString(CultureInfo.InvariantCulture)).Append("</td></tr>\n");
            }

            html.Append("</tbody>\n</table>\n");
        }

        if (data.Categories.Count == 0)
        {
            html.Append("<p>本期无参与排名的单位。</p>\n");
        }

        return html.Append("</article>\n").ToString();
    }

    private sealed record UnitFigures(long UnitId, string UnitCode, string UnitName, string Category, int SortOrder, int Assigned, int Closed, int Overdue);

    public sealed record RankedRow(int Rank, bool Tied, long UnitId, string UnitCode, string UnitName, int Assigned, int Closed, int Overdue, decimal CompletionPercent);

    public sealed record RankedCategory(string Category, string Name, IReadOnlyList<RankedRow> Rows);

    public sealed record BulletinData(string Campaign, string CampaignName, string Cycle, string Period, string PeriodLabel,
        DateTimeOffset Cutoff, string CutoffLocal, string Method, IReadOnlyList<RankedCategory> Categories);
}
