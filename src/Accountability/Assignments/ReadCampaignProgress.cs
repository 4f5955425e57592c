using Accountability.Access;
using Dapper;
using Npgsql;

namespace Accountability.Assignments;

/// <summary>A unit's figures in a campaign: items assigned (cancelled ones left out), acknowledged, closed, awaiting
/// verification, overdue now, and the lights of its open items.</summary>
public sealed record UnitProgress(
    long UnitId,
    string UnitCode,
    string UnitName,
    string? Category,
    int Assigned,
    int Acknowledged,
    int Closed,
    int AwaitingVerification,
    int Overdue,
    int Green,
    int Yellow,
    int Red)
{
    public decimal? Completion => Assigned == 0 ? null : Math.Round(100m * Closed / Assigned, 1);
}

/// <summary>One cell of the heat map: a unit's open items of a task category (or <c>ledger:kind</c>) by light, and how
/// many of that category it has closed.</summary>
public sealed record ProgressCell(long UnitId, string Category, int Assigned, int Closed, int Green, int Yellow, int Red, int Overdue)
{
    /// <summary>The worst light among the open items; null when nothing is open.</summary>
    public string? Worst => Red > 0 || Overdue > 0 ? ProgressLights.Red : Yellow > 0 ? ProgressLights.Yellow : Green > 0 ? ProgressLights.Green : null;
}

public sealed record CampaignProgress(IReadOnlyList<UnitProgress> Units, IReadOnlyList<ProgressCell> Cells, IReadOnlyList<string> Categories);

/// <summary>The planner's dashboard figures for one campaign, straight from the assignment rows (live, not the last
/// period's snapshot): progress by unit and the unit × category light map. Campaign-wide readers only.</summary>
public sealed class ReadCampaignProgress(NpgsqlDataSource dataSource, AccessPolicy access) : IUseCase
{
    private const string ClosedStates = "('closed', 'closed_long_term', 'closed_unfounded')";

    private const string SelectCells = $"""
        SELECT a.unit_id AS UnitId, coalesce(t.category, 'ledger:' || l.kind, '') AS Category,
               count(*)::int AS Assigned,
               count(*) FILTER (WHERE a.state IN {ClosedStates})::int AS Closed,
               count(*) FILTER (WHERE a.light = 'green' AND a.state NOT IN {ClosedStates})::int AS Green,
               count(*) FILTER (WHERE a.light = 'yellow' AND a.state NOT IN {ClosedStates})::int AS Yellow,
               count(*) FILTER (WHERE a.light = 'red' AND a.state NOT IN {ClosedStates})::int AS Red,
               count(*) FILTER (WHERE a.state = 'overdue')::int AS Overdue,
               count(*) FILTER (WHERE a.acknowledged_at IS NOT NULL)::int AS Acknowledged,
               count(*) FILTER (WHERE a.state IN ('submitted', 'under_verification', 'public_notice'))::int AS AwaitingVerification,
               coalesce(min(t.id), 0) AS FirstTask
        FROM assignment a
        LEFT JOIN task t ON t.id = a.task_id
        LEFT JOIN ledger_item l ON l.id = a.ledger_item_id
        WHERE a.campaign_id = @campaignId AND a.state <> 'cancelled'
        GROUP BY 1, 2
        """;

    private const string SelectUnits = "SELECT id, code, name, ranking_category, sort_order FROM unit WHERE id = ANY(@ids)";

    private sealed record CellRow(long UnitId, string Category, int Assigned, int Closed, int Green, int Yellow, int Red, int Overdue,
        int Acknowledged, int AwaitingVerification, long FirstTask);

    public async Task<CampaignProgress> RunAsync(Actor actor, long campaignId, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(actor, Operation.ViewCampaign, cancellationToken: cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var cells = (await connection.QueryAsync<CellRow>(new CommandDefinition(SelectCells, new { campaignId }, cancellationToken: cancellationToken))).ToList();
        var units = (await connection.QueryAsync<(long Id, string Code, string Name, string? Category, int SortOrder)>(new CommandDefinition(SelectUnits,
                new { ids = cells.Select(c => c.UnitId).Distinct().ToArray() }, cancellationToken: cancellationToken)))
            .ToDictionary(u => u.Id);
        var progress = cells.GroupBy(c => c.UnitId)
            .Select(g => new UnitProgress(g.Key, units[g.Key].Code, units[g.Key].Name, units[g.Key].Category, g.Sum(c => c.Assigned),
                g.Sum(c => c.Acknowledged), g.Sum(c => c.Closed), g.Sum(c => c.AwaitingVerification), g.Sum(c => c.Overdue),
                g.Sum(c => c.Green), g.Sum(c => c.Yellow), g.Sum(c => c.Red)))
            // Towns first, then parks, then departments and the rest, each in the organisation's order.
            .OrderBy(u => u.Category switch { "towns" => 0, "parks" => 1, "departments" => 2, null => 4, _ => 3 })
            .ThenBy(u => units[u.UnitId].SortOrder).ThenBy(u => u.UnitCode, StringComparer.Ordinal)
            .ToList();
        // Categories in the plan's order (their first task), ledger kinds after them.
        var categories = cells.GroupBy(c => c.Category)
            .OrderBy(g => g.Key.StartsWith("ledger:", StringComparison.Ordinal)).ThenBy(g => g.Min(c => c.FirstTask)).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key).ToList();
        return new CampaignProgress(progress,
            cells.Select(c => new ProgressCell(c.UnitId, c.Category, c.Assigned, c.Closed, c.Green, c.Yellow, c.Red, c.Overdue)).ToList(),
            categories);
    }
}
