using Dapper;
using Npgsql;

namespace Accountability.Access;

public enum SignInFailure
{
    None,

    /// <summary>Login or password wrong; which one is never said.</summary>
    InvalidCredentials,

    /// <summary>Too many failures for this login: refused until <see cref="SignInResult.RetryAfter"/>.</summary>
    Throttled,
}

/// <param name="SecurityStamp">The person's stamp when the password was checked: a session cookie carries it, and it ends
/// when the password is next set.</param>
public sealed record SignInResult(Actor? Actor, SignInFailure Failure, DateTimeOffset? RetryAfter = null, Guid? SecurityStamp = null)
{
    public bool Succeeded => Actor is not null;
}

/// <summary>
/// Checks a login and password. A wrong login and a wrong password get the same answer in the same time (an unknown
/// login is verified against a decoy hash). Failures are counted per login text, whether or not such a person exists;
/// after <see cref="FreeFailures"/> each further failure doubles a waiting period (capped at <see cref="MaxBlock"/>)
/// during which even the right password is refused. Attempts at one login are taken one at a time (a transaction-scoped
/// lock on the login text), so a burst of guesses sent in parallel gets no more tries than the same guesses sent in turn.
/// </summary>
public sealed class SignIn(NpgsqlDataSource dataSource, PersonStore people, TimeProvider time) : IUseCase
{
    public const int FreeFailures = 5;
    public static readonly TimeSpan MaxBlock = TimeSpan.FromMinutes(15);

    // Held until the attempt's outcome is recorded: the next attempt at the same login sees it, blocked or not.
    private const string LockLogin = "SELECT pg_advisory_xact_lock(hashtextextended('sign-in:' || @login, 0))";

    private const string SelectThrottle = "SELECT failures, blocked_until AS BlockedUntil FROM sign_in_throttle WHERE login = @login";

    private const string RecordFailure = """
        INSERT INTO sign_in_throttle (login, failures, blocked_until) VALUES (@login, 1, NULL)
        ON CONFLICT (login) DO UPDATE SET failures = sign_in_throttle.failures + 1
        RETURNING failures
        """;

    private const string Block = "UPDATE sign_in_throttle SET blocked_until = @until WHERE login = @login";
    private const string ClearFailures = "DELETE FROM sign_in_throttle WHERE login = @login";
    private const string MarkSignedIn = "UPDATE person SET last_sign_in_at = @now WHERE id = @id";
    private const string Rehash = "UPDATE person SET password_hash = @hash, updated_at = @now WHERE id = @id";

    public async Task<SignInResult> RunAsync(string login, string password, CancellationToken cancellationToken = default)
    {
        var key = login.Trim().ToLowerInvariant();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(LockLogin, new { login = key }, transaction);
        var now = time.GetUtcNow();

        var throttle = await connection.QuerySingleOrDefaultAsync<(int Failures, DateTimeOffset? BlockedUntil)?>(
            SelectThrottle, new { login = key });
        if (throttle?.BlockedUntil is { } until && until > now)
        {
            return new SignInResult(null, SignInFailure.Throttled, until);
        }

        var person = await people.FindByLoginAsync(key, cancellationToken);
        var stored = person is { Active: true, PasswordHash: { } h } ? h : PasswordHasher.Decoy;
        var valid = PasswordHasher.Verify(password, stored, out var needsRehash) && person is { Active: true, PasswordHash: not null };

        if (!valid)
        {
            var failures = await connection.ExecuteScalarAsync<int>(RecordFailure, new { login = key });
            if (failures >= FreeFailures)
            {
                var delay = TimeSpan.FromSeconds(Math.Min(MaxBlock.TotalSeconds, Math.Pow(2, failures - FreeFailures)));
                await connection.ExecuteAsync(Block, new { login = key, until = now + delay });
            }

            await transaction.CommitAsync(cancellationToken);
            return new SignInResult(null, SignInFailure.InvalidCredentials);
        }

        await connection.ExecuteAsync(ClearFailures, new { login = key });
        await connection.ExecuteAsync(MarkSignedIn, new { id = person!.Id, now });
        if (needsRehash)
        {
            await connection.ExecuteAsync(Rehash, new { id = person.Id, hash = PasswordHasher.Hash(password), now });
        }

        await transaction.CommitAsync(cancellationToken);

        // With the stamp read alongside the hash that was checked: a password set meanwhile makes this attempt fail.
        var actor = await people.LoadActorAsync(person.Id, person.SecurityStamp, cancellationToken);
        return actor is null
            ? new SignInResult(null, SignInFailure.InvalidCredentials)
            : new SignInResult(actor, SignInFailure.None, SecurityStamp: person.SecurityStamp);
    }
}
