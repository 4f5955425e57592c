using Accountability.Audit;
using Dapper;
using Npgsql;

namespace Accountability.Access;

public sealed class PasswordMustBeLongEnoughRule(string password) : IBusinessRule
{
    public bool IsBroken() => password.Length < PasswordHasher.MinimumLength;

    public string Message => $"A password needs at least {PasswordHasher.MinimumLength} characters.";
}

/// <summary>Sets (or resets) a person's password. Used by administrators and by the CLI; people imported from an
/// organisation file have none until this is done. Whoever sets a password can then sign in as that person, so it
/// is theirs to do only with <see cref="Operation.ManageOrganization"/>, and the audit log records who did it (never
/// the password).</summary>
public sealed class SetPassword(NpgsqlDataSource dataSource, AccessPolicy access, TimeProvider time) : IUseCase
{
    private const string Update = """
        UPDATE person SET password_hash = @hash, updated_at = @now WHERE lower(login) = lower(@login) RETURNING id, login
        """;

    /// <param name="actor">The administrator doing it, or null for an operator at the server's console (audited as cli).</param>
    public async Task RunAsync(Actor? actor, string login, string password, CancellationToken cancellationToken = default)
    {
        if (actor is not null)
        {
            await access.RequireAsync(actor, Operation.ManageOrganization, cancellationToken: cancellationToken);
        }

        BusinessRule.Check(new PasswordMustBeLongEnoughRule(password));
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var person = await connection.QuerySingleOrDefaultAsync<(long Id, string Login)?>(Update,
                         new { login, hash = PasswordHasher.Hash(password), now }, transaction)
                     ?? throw new NotFoundException($"No person has the login '{login}'.");
        await AuditLog.AppendAsync(connection, AuditEntry.Create("person.password_set",
            actor is null ? AuditActor.Cli : AuditActor.Person(actor.PersonId), now, new { personId = person.Id, login = person.Login }),
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
