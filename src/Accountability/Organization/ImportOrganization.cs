using System.Security.Cryptography;
using Accountability.Access;
using Accountability.Audit;
using Dapper;
using Npgsql;

namespace Accountability.Organization;

public sealed record OrganizationImportResult(
    int UnitsAdded,
    int UnitsUpdated,
    int PeopleAdded,
    int PeopleUpdated,
    int Memberships,
    bool DryRun,
    IReadOnlyList<InputProblem> Warnings);

/// <summary>
/// Imports an organisation file: units are added or updated by code, posts replaced for the units in the file,
/// people added or updated by login with exactly the memberships the file gives them (a system-wide administrator
/// membership is kept). Nothing is ever deleted. One transaction: any error and nothing is written.
/// </summary>
public sealed class ImportOrganization(NpgsqlDataSource dataSource, TimeProvider time) : IUseCase
{
    private const string LockUnits = "LOCK TABLE unit IN SHARE ROW EXCLUSIVE MODE";

    private const string SelectExisting = """
        SELECT u.code, p.code AS ParentCode, u.kind FROM unit u LEFT JOIN unit p ON p.id = u.parent_id
        """;

    private const string UpsertUnits = """
        INSERT INTO unit (code, name, kind, ranking_category, aliases, sort_order, created_at, updated_at)
        SELECT u.code, u.name, u.kind, u.category, string_to_array(u.aliases, E'\x1f'), u.sort, @now, @now
        FROM unnest(@codes, @names, @kinds, @categories, @aliases, @sorts) AS u(code, name, kind, category, aliases, sort)
        ON CONFLICT (code) DO UPDATE SET
            name = excluded.name, kind = excluded.kind, ranking_category = excluded.ranking_category,
            aliases = excluded.aliases, sort_order = excluded.sort_order, updated_at = excluded.updated_at
        RETURNING (xmax = 0) AS inserted
        """;

    private const string SetParents = """
        UPDATE unit AS child SET parent_id = parent.id
        FROM unnest(@codes, @parents) AS f(code, parent_code)
        LEFT JOIN unit AS parent ON parent.code = f.parent_code
        WHERE child.code = f.code AND child.parent_id IS DISTINCT FROM parent.id
        """;

    private const string DeletePosts = "DELETE FROM unit_post WHERE unit_id IN (SELECT id FROM unit WHERE code = ANY(@codes))";

    private const string InsertPosts = """
        INSERT INTO unit_post (unit_id, post, holder_name, holder_title)
        SELECT u.id, p.post, p.name, p.title
        FROM unnest(@codes, @posts, @names, @titles) AS p(code, post, name, title)
        JOIN unit u ON u.code = p.code
        """;

    private const string UpsertPeople = """
        INSERT INTO person (login, display_name, phone, email, created_at, updated_at)
        SELECT p.login, p.name, p.phone, p.email, @now, @now
        FROM unnest(@logins, @names, @phones, @emails) AS p(login, name, phone, email)
        ON CONFLICT ((lower(login))) DO UPDATE SET
            display_name = excluded.display_name, phone = excluded.phone, email = excluded.email, updated_at = excluded.updated_at
        RETURNING (xmax = 0) AS inserted
        """;

    private const string DeleteMemberships = """
        DELETE FROM membership m USING person p
        WHERE p.id = m.person_id AND lower(p.login) = ANY(@logins) AND m.unit_id IS NOT NULL
        """;

    private const string InsertMemberships = """
        INSERT INTO membership (person_id, unit_id, role)
        SELECT DISTINCT p.id, u.id, m.role
        FROM unnest(@logins, @units, @roles) AS m(login, unit_code, role)
        JOIN person p ON lower(p.login) = lower(m.login)
        JOIN unit u ON u.code = m.unit_code
        """;

    /// <summary>Validates and (unless <paramref name="dryRun"/>) imports. Throws <see cref="InputRejectedException"/>
    /// listing every error when the file has any.</summary>
    public async Task<OrganizationImportResult> RunAsync(string fileName, byte[] bytes, AuditActor actor, bool dryRun = false,
        CancellationToken cancellationToken = default)
    {
        var problems = new List<InputProblem>();
        var file = OrganizationFileReader.Read(Path.GetFileName(fileName), bytes, problems);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Two imports at once would each validate against a hierarchy the other is changing.
        await connection.ExecuteAsync(LockUnits, transaction: transaction);
        var existing = (await connection.QueryAsync<ExistingUnit>(SelectExisting, transaction: transaction)).ToList();

        if (file is not null)
        {
            OrganizationValidator.Validate(file, existing, problems);
        }

        if (file is null || problems.Any(p => !p.IsWarning))
        {
            throw new InputRejectedException(problems);
        }

        var warnings = problems.Where(p => p.IsWarning).ToList();
        var existingCodes = existing.Select(e => e.Code).ToHashSet(StringComparer.Ordinal);
        var unitsAdded = file.Units.Count(u => !existingCodes.Contains(u.Code));
        if (dryRun)
        {
            return new OrganizationImportResult(unitsAdded, file.Units.Count - unitsAdded, 0, 0,
                file.People.Sum(p => p.Memberships.Count), DryRun: true, warnings);
        }

        var now = time.GetUtcNow();
        var units = file.Units;
        await connection.ExecuteAsync(UpsertUnits, new
        {
            now,
            codes = units.Select(u => u.Code).ToArray(),
            names = units.Select(u => u.Name).ToArray(),
            kinds = units.Select(u => u.Kind.ToDatabase()).ToArray(),
            categories = units.Select(u => u.RankingCategory).ToArray(),
            aliases = units.Select(u => string.Join('\x1f', u.Aliases)).ToArray(),
            sorts = units.Select(u => u.SortOrder).ToArray(),
        }, transaction);
        await connection.ExecuteAsync(SetParents, new
        {
            codes = units.Select(u => u.Code).ToArray(),
            parents = units.Select(u => u.ParentCode).ToArray(),
        }, transaction);

        var posts = units.SelectMany(u => u.Posts.Select(p => (u.Code, Post: p.Key.ToDatabase(), p.Value.Name, p.Value.Title))).ToList();
        await connection.ExecuteAsync(DeletePosts, new { codes = units.Select(u => u.Code).ToArray() }, transaction);
        await connection.ExecuteAsync(InsertPosts, new
        {
            codes = posts.Select(p => p.Code).ToArray(),
            posts = posts.Select(p => p.Post).ToArray(),
            names = posts.Select(p => p.Name).ToArray(),
            titles = posts.Select(p => p.Title).ToArray(),
        }, transaction);

        var people = file.People;
        var inserted = (await connection.QueryAsync<bool>(UpsertPeople, new
        {
            now,
            logins = people.Select(p => p.Login.Trim()).ToArray(),
            names = people.Select(p => p.Name).ToArray(),
            phones = people.Select(p => p.Phone).ToArray(),
            emails = people.Select(p => p.Email).ToArray(),
        }, transaction)).Count(i => i);

        var memberships = people.SelectMany(p => p.Memberships.Select(m => (p.Login, m.UnitCode, Role: m.Role.ToDatabase()))).ToList();
        await connection.ExecuteAsync(DeleteMemberships, new { logins = people.Select(p => p.Login.Trim().ToLowerInvariant()).ToArray() }, transaction);
        await connection.ExecuteAsync(InsertMemberships, new
        {
            logins = memberships.Select(m => m.Login).ToArray(),
            units = memberships.Select(m => m.UnitCode).ToArray(),
            roles = memberships.Select(m => m.Role).ToArray(),
        }, transaction);

        var result = new OrganizationImportResult(unitsAdded, units.Count - unitsAdded, inserted, people.Count - inserted,
            memberships.Count, DryRun: false, warnings);
        await AuditLog.AppendAsync(connection, AuditEntry.Create("organization.imported", actor, now, new
        {
            file = Path.GetFileName(fileName),
            sha256 = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(),
            result.UnitsAdded, result.UnitsUpdated, result.PeopleAdded, result.PeopleUpdated, result.Memberships,
        }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }
}
