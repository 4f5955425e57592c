using Dapper;
using Npgsql;

namespace Accountability.Access;

public sealed class PasswordMustBeLongEnoughRule(string password) : IBusinessRule
{
    public bool IsBroken() => password.Length < PasswordHasher.MinimumLength;

    public string Message => $"A password needs at least {PasswordHasher.MinimumLength} characters.";
}

/// <summary>Sets (or resets) a person's password. Used by administrators and by the CLI; people imported from an
/// organisation file have none until this is done.</summary>
public sealed class SetPassword(NpgsqlDataSource dataSource, TimeProvider time) : IUseCase
{
    private const string Update = "UPDATE person SET password_hash = @hash, updated_at = @now WHERE lower(login) = lower(@login)";

    public async Task RunAsync(string login, string password, CancellationToken cancellationToken = default)
    {
        BusinessRule.Check(new PasswordMustBeLongEnoughRule(password));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(Update, new { login, hash = PasswordHasher.Hash(password), now = time.GetUtcNow() });
        if (changed == 0)
        {
            throw new NotFoundException($"No person has the login '{login}'.");
        }
    }
}
