using Dapper;
using Npgsql;

namespace Accountability.Organization;

public sealed record PostView(string Post, string HolderName, string? HolderTitle);

public sealed record UnitView(long Id, string Code, string Name, string Kind, long? ParentId, string? ParentCode,
    string? RankingCategory, string[] Aliases, int SortOrder, IReadOnlyList<PostView> Posts);

/// <summary>Reads of the organisation for lists, pickers and name resolution.</summary>
public sealed class OrganizationStore(NpgsqlDataSource dataSource) : IStore
{
    private const string SelectUnits = """
        SELECT u.id, u.code, u.name, u.kind, u.parent_id AS ParentId, p.code AS ParentCode,
               u.ranking_category AS RankingCategory, u.aliases, u.sort_order AS SortOrder
        FROM unit u LEFT JOIN unit p ON p.id = u.parent_id
        WHERE u.active
        ORDER BY u.sort_order, u.code
        """;

    private const string SelectPosts = """
        SELECT unit_id, post, holder_name AS HolderName, holder_title AS HolderTitle FROM unit_post ORDER BY unit_id, post
        """;

    private sealed record UnitRow(long Id, string Code, string Name, string Kind, long? ParentId, string? ParentCode,
        string? RankingCategory, string[] Aliases, int SortOrder);

    public async Task<IReadOnlyList<UnitView>> ListUnitsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var units = await connection.QueryAsync<UnitRow>(SelectUnits);
        var posts = (await connection.QueryAsync<(long UnitId, string Post, string HolderName, string? HolderTitle)>(SelectPosts))
            .ToLookup(p => p.UnitId, p => new PostView(p.Post, p.HolderName, p.HolderTitle));
        return units.Select(u => new UnitView(u.Id, u.Code, u.Name, u.Kind, u.ParentId, u.ParentCode, u.RankingCategory,
            u.Aliases, u.SortOrder, posts[u.Id].ToList())).ToList();
    }
}
