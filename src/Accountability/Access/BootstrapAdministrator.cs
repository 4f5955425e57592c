using System.Security.Cryptography;
using System.Text;
using Accountability.Audit;
using Dapper;
using Npgsql;

namespace Accountability.Access;

public sealed class SetupCodeMustMatchRule(bool matches) : IBusinessRule
{
    public bool IsBroken() => !matches;

    public string Message => "The setup code is wrong or has expired. Restart the server to get a new one from its log.";
}

public sealed class NoAdministratorMayExistYetRule(bool exists) : IBusinessRule
{
    public bool IsBroken() => exists;

    public string Message => "An administrator already exists; sign in as them to add others.";
}

/// <summary>
/// First run: there is no default password anywhere. While no administrator exists, the server writes a one-time
/// setup code to its log (kept here only as a hash, valid for a day) and the /setup page exchanges it for the first
/// administrator. The CLI can create the first administrator directly: whoever runs it already holds the database.
/// </summary>
public sealed class BootstrapAdministrator(NpgsqlDataSource dataSource, TimeProvider time) : IUseCase
{
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromDays(1);

    private const string AnyAdministrator = "SELECT EXISTS (SELECT 1 FROM membership m JOIN person p ON p.id = m.person_id WHERE m.role = 'administrator' AND p.active)";

    private const string UpsertCode = """
        INSERT INTO setup_code (id, code_sha256, expires_at) VALUES (1, @hash, @expires)
        ON CONFLICT (id) DO UPDATE SET code_sha256 = excluded.code_sha256, expires_at = excluded.expires_at
        """;

    private const string CheckCode = "SELECT EXISTS (SELECT 1 FROM setup_code WHERE id = 1 AND code_sha256 = @hash AND expires_at > @now)";
    private const string DeleteCode = "DELETE FROM setup_code";

    private const string InsertPerson = """
        INSERT INTO person (login, display_name, password_hash, created_at, updated_at)
        VALUES (@login, @displayName, @hash, @now, @now) RETURNING id
        """;

    private const string InsertAdministrator = "INSERT INTO membership (person_id, unit_id, role) VALUES (@id, NULL, 'administrator')";

    public async Task<bool> AdministratorExistsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(AnyAdministrator);
    }

    /// <summary>A fresh setup code when no administrator exists (replacing any earlier one), else null.</summary>
    public async Task<string?> IssueSetupCodeAsync(CancellationToken cancellationToken = default)
    {
        if (await AdministratorExistsAsync(cancellationToken))
        {
            return null;
        }

        // Ten digits in groups: easy to copy from a log line, 33 bits against a throttled form.
        var code = string.Join('-', Enumerable.Range(0, 3).Select(_ => RandomNumberGenerator.GetInt32(1000, 10000)));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(UpsertCode, new { hash = Hash(code), expires = time.GetUtcNow() + CodeLifetime });
        return code;
    }

    /// <summary>Exchanges the setup code for the first administrator (web /setup).</summary>
    public async Task<long> CompleteSetupAsync(string code, string login, string displayName, string password,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var matches = await connection.ExecuteScalarAsync<bool>(CheckCode, new { hash = Hash(code.Trim()), now = time.GetUtcNow() });
        BusinessRule.Check(new SetupCodeMustMatchRule(matches));
        return await CreateAsync(connection, login, displayName, password, AuditActor.System, cancellationToken);
    }

    /// <summary>Creates the first administrator without a code (CLI: the operator already controls the database).</summary>
    public async Task<long> CreateFirstAsync(string login, string displayName, string password,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await CreateAsync(connection, login, displayName, password, AuditActor.Cli, cancellationToken);
    }

    private async Task<long> CreateAsync(NpgsqlConnection connection, string login, string displayName, string password,
        AuditActor actor, CancellationToken cancellationToken)
    {
        BusinessRule.Check(new PasswordMustBeLongEnoughRule(password));
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Serialises two concurrent setups: the loser sees the winner's administrator and is refused.
        await connection.ExecuteAsync("LOCK TABLE setup_code IN EXCLUSIVE MODE", transaction: transaction);
        var exists = await connection.ExecuteScalarAsync<bool>(AnyAdministrator, transaction: transaction);
        BusinessRule.Check(new NoAdministratorMayExistYetRule(exists));

        var now = time.GetUtcNow();
        var id = await connection.ExecuteScalarAsync<long>(InsertPerson,
            new { login = login.Trim(), displayName, hash = PasswordHasher.Hash(password), now }, transaction);
        await connection.ExecuteAsync(InsertAdministrator, new { id }, transaction);
        await connection.ExecuteAsync(DeleteCode, transaction: transaction);
        await AuditLog.AppendAsync(connection,
            AuditEntry.Create("administrator.bootstrapped", actor, now, new { personId = id, login }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return id;
    }

    private static byte[] Hash(string code) => SHA256.HashData(Encoding.UTF8.GetBytes(code));
}
