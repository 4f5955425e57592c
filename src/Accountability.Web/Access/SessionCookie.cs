using System.Globalization;
using System.Security.Claims;
using Accountability.Access;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Npgsql;

namespace Accountability.Web.Access;

/// <summary>
/// The session cookie of a signed-in person: their id, the security stamp they had when their password was checked
/// (AccessSetup refuses the cookie once the stamp has changed) and the server-side session it belongs to (refused once
/// that session has ended: signing out ends it, so a copy of the cookie stops working too).
/// </summary>
public static class SessionCookie
{
    public const string SessionClaim = "accountability:session";

    private const string StartSession = "INSERT INTO web_session (id, person_id, started_at, seen_at) VALUES (@id, @personId, @now, @now)";

    private const string EndSession = "UPDATE web_session SET ended_at = @now WHERE id = @id AND ended_at IS NULL";

    /// <summary>Whether the session is open, noting that it was seen if it was last noted over an hour ago: one write per
    /// session per hour at most, enough for PurgeWebSessions to tell a session in use from one long dead.</summary>
    private const string SessionIsOpen = """
        WITH open AS (
            SELECT id, seen_at FROM web_session WHERE id = @id AND person_id = @personId AND ended_at IS NULL),
        seen AS (
            UPDATE web_session w SET seen_at = @now FROM open o WHERE w.id = o.id AND o.seen_at < @now - interval '1 hour')
        SELECT EXISTS (SELECT 1 FROM open)
        """;

    /// <summary>Signs the person in with a new session; the session the request came with, if any, ends.</summary>
    public static async Task SignInAsync(HttpContext context, Actor actor, Guid securityStamp)
    {
        var (dataSource, now) = Services(context);
        await using var connection = await dataSource.OpenConnectionAsync(context.RequestAborted);
        await using var transaction = await connection.BeginTransactionAsync(context.RequestAborted);
        if (SessionOf(context.User) is { } previous)
        {
            await connection.ExecuteAsync(EndSession, new { id = previous, now });
        }

        var session = Guid.NewGuid();
        await connection.ExecuteAsync(StartSession, new { id = session, personId = actor.PersonId, now });
        await transaction.CommitAsync(context.RequestAborted);
        var identity = new ClaimsIdentity(
            [new Claim(CurrentActor.PersonIdClaim, actor.PersonId.ToString(CultureInfo.InvariantCulture)),
             new Claim(ClaimTypes.Name, actor.DisplayName),
             new Claim(CurrentActor.SecurityStampClaim, securityStamp.ToString("D")),
             new Claim(SessionClaim, session.ToString("D"))],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
    }

    /// <summary>Ends the request's session on the server and removes the cookie.</summary>
    public static async Task SignOutAsync(HttpContext context)
    {
        if (SessionOf(context.User) is { } session)
        {
            var (dataSource, now) = Services(context);
            await using var connection = await dataSource.OpenConnectionAsync(context.RequestAborted);
            await connection.ExecuteAsync(EndSession, new { id = session, now });
        }

        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    /// <summary>Whether the principal's session is one the server opened for that person and has not ended. A cookie
    /// from before sessions were kept names none and is refused: its holder signs in again.</summary>
    public static async Task<bool> IsOpenAsync(HttpContext context, ClaimsPrincipal principal)
    {
        if (SessionOf(principal) is not { } session || !long.TryParse(principal.FindFirstValue(CurrentActor.PersonIdClaim), out var personId))
        {
            return false;
        }

        var (dataSource, now) = Services(context);
        await using var connection = await dataSource.OpenConnectionAsync(context.RequestAborted);
        return await connection.ExecuteScalarAsync<bool>(SessionIsOpen, new { id = session, personId, now });
    }

    private static Guid? SessionOf(ClaimsPrincipal? principal) =>
        Guid.TryParse(principal?.FindFirstValue(SessionClaim), out var session) ? session : null;

    private static (NpgsqlDataSource DataSource, DateTimeOffset Now) Services(HttpContext context) =>
        (context.RequestServices.GetRequiredService<NpgsqlDataSource>(), context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow());
}
