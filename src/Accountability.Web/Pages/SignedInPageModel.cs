using Accountability.Access;
using Accountability.Web.Access;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Accountability.Web.Pages;

/// <summary>
/// A page for a signed-in person: loads the actor before any handler runs and offers <see cref="RequireAsync"/>,
/// the same AccessPolicy check every API endpoint makes. A refusal flows to the Error page (403, or 404 where the
/// item's existence must not leak).
/// </summary>
public abstract class SignedInPageModel(AccessPolicy access) : PageModel
{
    public Actor Actor { get; private set; } = null!;

    protected AccessPolicy Access { get; } = access;

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        if (await CurrentActor.GetAsync(HttpContext) is not { } actor)
        {
            context.Result = Challenge();
            return;
        }

        Actor = actor;
        await next();
    }

    protected Task RequireAsync(Operation operation, long? unitId = null, long? verifierUnitId = null, bool hideExistence = false) =>
        Access.RequireAsync(Actor, operation, unitId, verifierUnitId, hideExistence, HttpContext.RequestAborted);

    /// <summary>For pages that are one role's work (a unit's inbox, a verifier's queue): refused (403) to anyone who
    /// holds none of <paramref name="roles"/>. The data on them is still filtered by unit in the use cases.</summary>
    protected void RequireRole(params Role[] roles)
    {
        if (!roles.Any(Actor.Holds))
        {
            throw new AccessDeniedException($"{Actor.Login} holds none of {string.Join(", ", roles.Select(r => r.ToDatabase()))}");
        }
    }

    protected async Task<bool> MayAsync(Operation operation, long? unitId = null, long? verifierUnitId = null) =>
        (await Access.DecideAsync(Actor, operation, unitId, verifierUnitId, HttpContext.RequestAborted)).Allowed;
}
