using Accountability.Audit;
using Dapper;
using Npgsql;

namespace Accountability.Access;

public sealed class PasswordMustBeLongEnoughRule(string password) : IBusinessRule
{
    public bool IsBroken() => password.Length < PasswordHasher.MinimumLength;

    public string Message => $"A password needs at least {PasswordHasher.MinimumLength} characters.";
}

/// <summary>What setting a password did: the person's new security stamp (a session cookie carries it) and how many of
/// their API tokens it revoked.</summary>
public sealed record PasswordSet(long PersonId, string Login, Guid SecurityStamp, int TokensRevoked);

/// <summary>Sets (or resets) a person's password. Used by administrators and by the CLI; people imported from an
/// organisation file have none until this is done. Whoever sets a password can then sign in as that person, so it
/// is theirs to do only with <see cref="Operation.ManageOrganization"/>, and the audit log records who did it (never
/// the password). A password is reset because the old one may be known to someone else, so every session begun with
/// it ends here: the person's API tokens are revoked and their security stamp changes, which ends the session cookies
/// carrying the old one at their next request.</summary>
public sealed class SetPassword(NpgsqlDataSource dataSource, AccessPolicy access, TimeProvider time) : IUseCase
{
    private const string Update = """
        UPDATE person SET password_hash = @hash, security_stamp = gen_random_uuid(), updated_at = @now
        WHERE lower(login) = lower(@login)
        RETURNING id, login, security_stamp
        """;

    private const string RevokeTokens = """
        UPDATE api_token SET revoked_at = @now WHERE person_id = @personId AND revoked_at IS NULL AND expires_at > @now
        """;

    /// <param name="actor">The administrator doing it, or null for an operator at the server's console (audited as cli).</param>
    public async Task<PasswordSet> RunAsync(Actor? actor, string login, string password, CancellationToken cancellationToken = default)
    {
        if (actor is not null)
        {
            await access.RequireAsync(actor, Operation.ManageOrganization, cancellationToken: cancellationToken);
        }

        BusinessRule.Check(new PasswordMustBeLongEnoughRule(password));
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var person = await connection.QuerySingleOrDefaultAsync<(long PersonId, string Login, Guid SecurityStamp)?>(Update,
                         new { login, hash = PasswordHasher.Hash(password), now }, transaction)
                     ?? throw new NotFoundException($"No person has the login '{login}'.");
        var revoked = await connection.ExecuteAsync(RevokeTokens, new { personId = person.PersonId, now }, transaction);
        await AuditLog.AppendAsync(connection, AuditEntry.Create("person.password_set",
            actor is null ? AuditActor.Cli : AuditActor.Person(actor.PersonId), now,
            new { personId = person.PersonId, login = person.Login, tokensRevoked = revoked }),
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new PasswordSet(person.PersonId, person.Login, person.SecurityStamp, revoked);
    }
}
