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
    private const string ItemKey = "accountability.actor";

    public static async ValueTask<CurrentActor?> BindAsync(HttpContext context) =>
        await GetAsync(context) is { } actor ? new CurrentActor(actor) : throw new UnauthorizedAccessException();

    /// <summary>The actor, or null when nobody is signed in or the person has been deactivated.</summary>
    public static async Task<Actor?> GetAsync(HttpContext context, ClaimsPrincipal? principal = null)
    {
        if (context.Items.TryGetValue(ItemKey, out var cached))
        {
            return cached as Actor;
        }

        Actor? actor = null;
        // While the cookie is being validated the principal is not yet the request's User.
        if ((principal ?? context.User).FindFirstValue(PersonIdClaim) is { } id && long.TryParse(id, out var personId))
        {
            actor = await context.RequestServices.GetRequiredService<PersonStore>().LoadActorAsync(personId, context.RequestAborted);
        }

        context.Items[ItemKey] = actor;
        return actor;
    }

    internal static void Remember(HttpContext context, Actor actor) => context.Items[ItemKey] = actor;
}
