using Accountability.Access;
using Dapper;
using Npgsql;

namespace Accountability.Rankings;

/// <summary>A unit's published place in one period.</summary>
public sealed record RankingPoint(string Period, long UnitId, string UnitCode, string UnitName, string? Category, int? Rank, int CategorySize,
    decimal Score, string Grade, bool Bottom, bool Top);

/// <summary>The scored periods of a campaign's cycle, oldest first, and every unit's result in each (current results
/// only: an appeal's recomputation replaces the original).</summary>
public sealed record RankingHistory(string Campaign, string Cycle, IReadOnlyList<string> Periods, IReadOnlyList<RankingPoint> Points);

/// <summary>The ranking over periods, for the planner's chart and a unit's own trend. Rankings are published to every
/// unit, so anyone holding a role may read them, as <see cref="ReadScores.RankingAsync"/> does.</summary>
public sealed class ReadRankingHistory(NpgsqlDataSource dataSource) : IUseCase
{
    private const string Select = """
        SELECT r.period, s.unit_id AS UnitId, u.code AS UnitCode, u.name AS UnitName, s.category, s.rank, s.category_size AS CategorySize,
               s.score, s.grade, s.bottom, s.top
        FROM score_run r
        JOIN campaign c ON c.id = r.campaign_id
        JOIN score_unit_result s ON s.run_id = r.id
        JOIN unit u ON u.id = s.unit_id
        WHERE c.code = @campaign AND r.cycle = @cycle AND r.current
        ORDER BY r.period, s.category NULLS LAST, s.rank NULLS LAST, u.sort_order, u.code
        """;

    private const string SelectCycles = """
        SELECT DISTINCT r.cycle FROM score_run r JOIN campaign c ON c.id = r.campaign_id WHERE c.code = @campaign AND r.current ORDER BY 1
        """;

    public async Task<RankingHistory> RunAsync(Actor actor, string campaign, string cycle, CancellationToken cancellationToken = default)
    {
        if (actor.Memberships.Count == 0)
        {
            throw new AccessDeniedException($"{actor.Login} holds no role.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var points = (await connection.QueryAsync<RankingPoint>(new CommandDefinition(Select, new { campaign, cycle }, cancellationToken: cancellationToken))).ToList();
        return new RankingHistory(campaign, cycle, points.Select(p => p.Period).Distinct().Order(StringComparer.Ordinal).ToList(), points);
    }

    /// <summary>The cycles of the campaign that have scored periods (usually just "monthly").</summary>
    public async Task<IReadOnlyList<string>> CyclesAsync(string campaign, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(SelectCycles, new { campaign }, cancellationToken: cancellationToken))).ToList();
    }
}
