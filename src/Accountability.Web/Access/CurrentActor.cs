using System.Security.Claims;
using Accountability.Access;

namespace Accountability.Web.Access;

/// <summary>
/// The signed-in actor, loaded once per request from the person id in the cookie or token (memberships as they are
/// now, so a revoked role stops working at once). Endpoints take it as a parameter; pages call <see cref="GetAsync"/>.
/// </summary>
public sealed record CurrentActor(Actor Actor)
{
    public const string PersonIdClaim = ClaimTypes.NameIdentifier;

    /// <summary>In a session cookie: the person's security stamp at sign-in. Setting the password changes the stamp,
    /// which ends every cookie signed in before.</summary>
    public const string SecurityStampClaim = "accountability:security_stamp";

    /// <summary>In a bearer-token request: the token's id, so that the token in use can be revoked.</summary>
    public const string TokenIdClaim = "accountability:token_id";
    private const string ItemKey = "accountability.actor";

    public static async ValueTask<CurrentActor?> BindAsync(HttpContext context) =>
        await GetAsync(context) is { } actor ? new CurrentActor(actor) : throw new UnauthorizedAccessException();

    /// <summary>The actor, or null when nobody is signed in, the person has been deactivated, or the principal carries a
    /// security stamp that is no longer the person's (their password was set since).</summary>
    public static async Task<Actor?> GetAsync(HttpContext context, ClaimsPrincipal? principal = null)
    {
        if (context.Items.TryGetValue(ItemKey, out var cached))
        {
            return cached as Actor;
        }

        Actor? actor = null;
        // While the cookie is being validated the principal is not yet the request's User.
        var user = principal ?? context.User;
        if (user.FindFirstValue(PersonIdClaim) is { } id && long.TryParse(id, out var personId))
        {
            Guid? stamp = Guid.TryParse(user.FindFirstValue(SecurityStampClaim), out var s) ? s : null;
            actor = await context.RequestServices.GetRequiredService<PersonStore>().LoadActorAsync(personId, stamp, context.RequestAborted);
        }

        context.Items[ItemKey] = actor;
        return actor;
    }

    internal static void Remember(HttpContext context, Actor actor) => context.Items[ItemKey] = actor;
}
