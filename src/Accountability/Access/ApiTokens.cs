using System.Security.Cryptography;
using System.Text;
using Accountability.Audit;
using Dapper;
using Npgsql;

namespace Accountability.Access;

/// <summary>A request's bearer token: whose it is and which one (so that it can be revoked).</summary>
public sealed record ApiTokenSession(long TokenId, Actor Actor);

public sealed record ApiTokenInfo(long Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt);

/// <summary>Bearer tokens for the API. The token is 32 random bytes shown once; only its SHA-256 is stored, so a
/// copy of the database does not let anyone call the API. Issuing and revoking are audited (whose, which token id and
/// name, never the token) in the same transaction: who could call the API when is part of the record.</summary>
public sealed class ApiTokens(NpgsqlDataSource dataSource, PersonStore people, TimeProvider time) : IUseCase
{
    public const string Prefix = "acct_";
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(30);

    private const string InsertToken = """
        INSERT INTO api_token (person_id, name, token_sha256, created_at, expires_at)
        VALUES (@personId, @name, @hash, @now, @expires)
        RETURNING id
        """;

    private const string SelectToken = """
        SELECT id, person_id AS PersonId, expires_at AS ExpiresAt, revoked_at AS RevokedAt, last_used_at AS LastUsedAt
        FROM api_token WHERE token_sha256 = @hash
        """;

    // Written at most once a minute per token: a busy client must not turn every read into a write.
    private const string TouchToken = """
        UPDATE api_token SET last_used_at = @now
        WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @now - interval '1 minute')
        """;

    // Revoking a token twice is not an error: the first time stays recorded (and is the one audited). The answer is
    // null when the person has no such token, else whether this call revoked it.
    private const string RevokeToken = """
        WITH t AS (SELECT id, name, revoked_at FROM api_token WHERE id = @id AND person_id = @personId FOR UPDATE)
        UPDATE api_token a SET revoked_at = coalesce(t.revoked_at, @now) FROM t WHERE a.id = t.id
        RETURNING t.revoked_at IS NULL AS Revoked, t.name AS Name
        """;

    private const string SelectTokens = """
        SELECT id, name, created_at AS CreatedAt, expires_at AS ExpiresAt, last_used_at AS LastUsedAt, revoked_at AS RevokedAt
        FROM api_token WHERE person_id = @personId AND expires_at > @now - interval '30 days'
        ORDER BY created_at DESC, id DESC
        """;

    private sealed record TokenRow(long Id, long PersonId, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

    public async Task<string> IssueAsync(long personId, string name, TimeSpan? lifetime = null,
        CancellationToken cancellationToken = default)
    {
        var token = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = time.GetUtcNow();
        var expires = now + (lifetime ?? DefaultLifetime);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var id = await connection.ExecuteScalarAsync<long>(InsertToken, new { personId, name, hash = Sha256(token), now, expires });
        await AuditLog.AppendAsync(connection, [AuditEntry.Create("api_token.issued", AuditActor.Person(personId), now,
            new { token_id = id, name, expires_at = expires })], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return token;
    }

    /// <summary>The actor the token belongs to, or null if it is unknown, expired, revoked, or its person inactive.</summary>
    public async Task<Actor?> AuthenticateAsync(string token, CancellationToken cancellationToken = default) =>
        (await AuthenticateSessionAsync(token, cancellationToken))?.Actor;

    /// <summary>As <see cref="AuthenticateAsync"/>, with the token's id (for revoking the token in use).</summary>
    public async Task<ApiTokenSession?> AuthenticateSessionAsync(string token, CancellationToken cancellationToken = default)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<TokenRow>(SelectToken, new { hash = Sha256(token) });
        if (row is null || row.RevokedAt is not null || row.ExpiresAt <= now)
        {
            return null;
        }

        await connection.ExecuteAsync(TouchToken, new { id = row.Id, now });
        return await people.LoadActorAsync(row.PersonId, cancellationToken) is { } actor ? new ApiTokenSession(row.Id, actor) : null;
    }

    /// <summary>Revokes one of <paramref name="personId"/>'s tokens; false when they have no token with that id.</summary>
    public async Task<bool> RevokeAsync(long personId, long tokenId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(bool Revoked, string Name)?>(RevokeToken, new { id = tokenId, personId, now });
        if (row is { Revoked: true } revoked)
        {
            await AuditLog.AppendAsync(connection, [AuditEntry.Create("api_token.revoked", AuditActor.Person(personId), now,
                new { token_id = tokenId, name = revoked.Name })], cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return row is not null;
    }

    /// <summary>The person's tokens, live ones and those expired or revoked within the last 30 days, newest first: what
    /// each is called and when it was last used, never the token itself (only its hash is kept).</summary>
    public async Task<IReadOnlyList<ApiTokenInfo>> ListAsync(long personId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<ApiTokenInfo>(new CommandDefinition(SelectTokens, new { personId, now = time.GetUtcNow() },
            cancellationToken: cancellationToken))).ToList();
    }

    private static byte[] Sha256(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
