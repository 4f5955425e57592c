using Dapper;
using Npgsql;

namespace Accountability.Access;

/// <summary>People and their memberships: the SQL the sign-in and administration use cases share.</summary>
public sealed class PersonStore(NpgsqlDataSource dataSource) : IStore
{
    private const string SelectPersonByLogin = """
        SELECT id, login, display_name AS DisplayName, password_hash AS PasswordHash, active, security_stamp AS SecurityStamp
        FROM person WHERE lower(login) = lower(@login)
        """;

    private const string SelectPersonById = """
        SELECT id, login, display_name AS DisplayName, password_hash AS PasswordHash, active, security_stamp AS SecurityStamp
        FROM person WHERE id = @id
        """;

    private const string SelectMemberships = "SELECT unit_id AS UnitId, role FROM membership WHERE person_id = @id ORDER BY role, unit_id";

    /// <param name="SecurityStamp">Changes whenever the password is set: a session started before carries the old one.</param>
    public sealed record PersonRow(long Id, string Login, string DisplayName, string? PasswordHash, bool Active, Guid SecurityStamp);

    public async Task<PersonRow?> FindByLoginAsync(string login, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<PersonRow>(SelectPersonByLogin, new { login });
    }

    /// <summary>The actor for an active person, with memberships as they are now; null when the person is gone or
    /// deactivated (which ends their cookie and token sessions at the next request).</summary>
    public Task<Actor?> LoadActorAsync(long personId, CancellationToken cancellationToken = default) =>
        LoadActorAsync(personId, null, cancellationToken);

    /// <summary>As <see cref="LoadActorAsync(long, CancellationToken)"/>, and null as well when
    /// <paramref name="securityStamp"/> is given and is no longer the person's: the session it came with began before
    /// the password was last set.</summary>
    public async Task<Actor?> LoadActorAsync(long personId, Guid? securityStamp, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var person = await connection.QuerySingleOrDefaultAsync<PersonRow>(SelectPersonById, new { id = personId });
        if (person is not { Active: true } || (securityStamp is { } stamp && stamp != person.SecurityStamp))
        {
            return null;
        }

        var memberships = (await connection.QueryAsync<(long? UnitId, string Role)>(SelectMemberships, new { id = personId }))
            .Select(m => new Membership(m.UnitId, RoleNames.Parse(m.Role)))
            .ToList();
        return new Actor(person.Id, person.Login, person.DisplayName, memberships);
    }
}
