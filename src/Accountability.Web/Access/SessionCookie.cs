using System.Globalization;
using System.Security.Claims;
using Accountability.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Accountability.Web.Access;

/// <summary>The session cookie of a signed-in person: their id and the security stamp they had when their password was
/// checked (AccessSetup refuses the cookie once the stamp has changed).</summary>
public static class SessionCookie
{
    public static Task SignInAsync(HttpContext context, Actor actor, Guid securityStamp)
    {
        var identity = new ClaimsIdentity(
            [new Claim(CurrentActor.PersonIdClaim, actor.PersonId.ToString(CultureInfo.InvariantCulture)),
             new Claim(ClaimTypes.Name, actor.DisplayName),
             new Claim(CurrentActor.SecurityStampClaim, securityStamp.ToString("D"))],
            CookieAuthenticationDefaults.AuthenticationScheme);
        return context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
    }
}
