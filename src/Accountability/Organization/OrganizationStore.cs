using Dapper;
using Npgsql;

namespace Accountability.Organization;

public sealed record PostView(string Post, string HolderName, string? HolderTitle);

public sealed record UnitView(long Id, string Code, string Name, string Kind, long? ParentId, string? ParentCode,
    string? RankingCategory, string[] Aliases, int SortOrder, IReadOnlyList<PostView> Posts);

public sealed record PersonMembershipView(string Role, string? UnitCode, string? UnitName);

public sealed record PersonView(long Id, string Login, string DisplayName, bool HasPassword, bool Active,
    IReadOnlyList<PersonMembershipView> Memberships);

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

    private const string SelectPeople = """
        SELECT id, login, display_name AS DisplayName, password_hash IS NOT NULL AS HasPassword, active
        FROM person ORDER BY login
        """;

    private const string SelectMemberships = """
        SELECT m.person_id AS PersonId, m.role, u.code AS UnitCode, u.name AS UnitName
        FROM membership m LEFT JOIN unit u ON u.id = m.unit_id
        ORDER BY m.person_id, m.role, u.sort_order, u.code
        """;

    private sealed record PersonRow(long Id, string Login, string DisplayName, bool HasPassword, bool Active);

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

    public async Task<IReadOnlyList<PersonView>> ListPeopleAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var people = await connection.QueryAsync<PersonRow>(SelectPeople);
        var memberships = (await connection.QueryAsync<(long PersonId, string Role, string? UnitCode, string? UnitName)>(SelectMemberships))
            .ToLookup(m => m.PersonId, m => new PersonMembershipView(m.Role, m.UnitCode, m.UnitName));
        return people.Select(p => new PersonView(p.Id, p.Login, p.DisplayName, p.HasPassword, p.Active, memberships[p.Id].ToList())).ToList();
    }
}
