using Dapper;
using Npgsql;

namespace Accountability.Tests.Cycles;

/// <summary>
/// Campaign rows as plan import will write them (that capability is built elsewhere): inserted with SQL, with a
/// cadence, and ledger items with one assignment each for the units asked for.
/// </summary>
public static class CycleScenario
{
    public const string Monthly = """
        [{"cycle": "monthly", "every": "month", "report_by": {"day": 25, "time": "17:00"}, "close": {"day": 1, "time": "09:00"}}]
        """;

    public const string Daily = """
        [{"cycle": "daily", "every": "day", "report_by": {"time": "17:00"}, "close": {"time": "08:00"}}]
        """;

    public static async Task<long> CreateCampaignAsync(NpgsqlDataSource dataSource, string code, string cadence, DateOnly startsOn,
        DateOnly endsOn, DateTimeOffset createdAt, string timeZone = "Asia/Shanghai")
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("""
            INSERT INTO campaign (code, name, headquarters_unit_id, starts_on, ends_on, time_zone, cadence, created_at)
            VALUES (@code, '大气污染防治攻坚行动', (SELECT id FROM unit WHERE code = 'jx-hq'), @startsOn, @endsOn, @timeZone,
                    @cadence::jsonb, @createdAt)
            RETURNING id
            """, new { code, startsOn = startsOn.ToDateTime(TimeOnly.MinValue), endsOn = endsOn.ToDateTime(TimeOnly.MinValue), timeZone, cadence, createdAt });
    }

    /// <summary>Gives each unit <paramref name="items"/> ledger items (one assignment each), the first
    /// <c>closed[unit]</c> of them closed; the others in progress with progress reported at
    /// <paramref name="progressAt"/> (null: never reported).</summary>
    public static async Task AddItemsAsync(NpgsqlDataSource dataSource, long campaignId, IReadOnlyDictionary<string, int> closed, int items,
        DateTimeOffset issuedAt, DateTimeOffset dueAt, DateTimeOffset? progressAt = null, string? disposalClass = null,
        DateTimeOffset? closedAt = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var (unitCode, closedCount) in closed)
        {
            await connection.ExecuteAsync("""
                WITH unit AS (SELECT id FROM unit WHERE code = @unitCode),
                items AS (
                    INSERT INTO ledger_item (campaign_id, number, kind, name, town_unit_id, disposal_class, first_version, changed_version)
                    SELECT @campaignId, @unitCode || '#' || n, 'enterprise', '企业' || n, unit.id, @disposalClass, 1, 1
                    FROM generate_series(1, @items) AS n, unit
                    RETURNING id, town_unit_id, number
                )
                INSERT INTO assignment (campaign_id, ledger_item_id, unit_id, role, issued_at, due_at, plan_version, workflow_code,
                                        workflow_version, state, progress_percent, progress_reported_at, closed_at, updated_at)
                SELECT @campaignId, i.id, i.town_unit_id, 'responsible', @issuedAt, @dueAt, 1, 'assignment', 1,
                       CASE WHEN split_part(i.number, '#', 2)::int <= @closedCount THEN 'closed' ELSE 'in_progress' END,
                       CASE WHEN split_part(i.number, '#', 2)::int <= @closedCount THEN 100 ELSE 50 END,
                       @progressAt,
                       CASE WHEN split_part(i.number, '#', 2)::int <= @closedCount THEN coalesce(@closedAt, @issuedAt) END,
                       @issuedAt
                FROM items i
                """, new { campaignId, unitCode, items, closedCount, issuedAt, dueAt, progressAt, disposalClass, closedAt });
        }
    }

    /// <summary>Row counts of every table of the schema: what "writes nothing" is checked against.</summary>
    public static async Task<Dictionary<string, long>> CountEveryTableAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var tables = (await connection.QueryAsync<string>(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).ToList();
        var counts = new Dictionary<string, long>();
        foreach (var table in tables)
        {
            counts[table] = await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM \"{table}\"");
        }

        counts["audit_head.last_seq"] = await connection.ExecuteScalarAsync<long>("SELECT last_seq FROM audit_head");
        return counts;
    }
}
