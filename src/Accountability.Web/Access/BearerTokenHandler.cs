using System.Security.Claims;
using System.Text.Encodings.Web;
using Accountability.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Accountability.Web.Access;

/// <summary>Authenticates <c>Authorization: Bearer acct_...</c> against the stored token hashes.</summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiTokens tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        if (await tokens.AuthenticateSessionAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted) is not { } session)
        {
            return AuthenticateResult.Fail("The token is unknown, expired or revoked.");
        }

        var actor = session.Actor;
        CurrentActor.Remember(Context, actor);
        var identity = new ClaimsIdentity(
            [new Claim(CurrentActor.PersonIdClaim, actor.PersonId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
             new Claim(ClaimTypes.Name, actor.Login),
             new Claim(CurrentActor.TokenIdClaim, session.TokenId.ToString(System.Globalization.CultureInfo.InvariantCulture))], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
