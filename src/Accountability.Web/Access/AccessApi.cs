using Accountability.Access;

namespace Accountability.Web.Access;

public static class AccessApi
{
    public sealed record TokenRequest(string Login, string Password, string? Name);

    public sealed record TokenResponse(string Token, DateTimeOffset ExpiresAt);

    public sealed record MeResponse(long PersonId, string Login, string DisplayName, IReadOnlyList<Membership> Memberships);

    public static IEndpointRouteBuilder MapAccessApi(this IEndpointRouteBuilder app)
    {
        // Anonymous by nature: this is where a client exchanges a login and password for a token.
        app.MapPost("/api/tokens", async (TokenRequest request, SignIn signIn, ApiTokens tokens, TimeProvider time,
                CancellationToken ct) =>
            {
                var result = await signIn.RunAsync(request.Login, request.Password, ct);
                if (result.Failure == SignInFailure.Throttled)
                {
                    return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests,
                        title: "Too many failed sign-ins", detail: $"Try again after {result.RetryAfter:O}.");
                }

                if (!result.Succeeded)
                {
                    return Results.Problem(statusCode: StatusCodes.Status401Unauthorized,
                        title: "Sign-in failed", detail: "The login or password is wrong.");
                }

                var token = await tokens.IssueAsync(result.Actor!.PersonId, request.Name ?? "api", cancellationToken: ct);
                return Results.Ok(new TokenResponse(token, time.GetUtcNow() + ApiTokens.DefaultLifetime));
            })
            .AllowAnonymous()
            .DisableAntiforgery()
            .RequireRateLimiting(AccessSetup.SignInRateLimit)
            .WithTags("Access")
            .WithSummary("Exchange a login and password for a bearer token (shown once)");

        // The caller's own tokens: a lost laptop's or a retired script's token ends here without waiting 30 days.
        var tokensApi = app.MapGroup("/api/tokens").RequireAuthorization(AccessSetup.ApiPolicy).DisableAntiforgery().WithTags("Access");

        tokensApi.MapGet("/", (CurrentActor me, ApiTokens tokens, CancellationToken ct) => tokens.ListAsync(me.Actor.PersonId, ct))
            .WithSummary("My tokens (names, when issued, last used, expiring, revoked), never the tokens themselves");

        tokensApi.MapDelete("/current", async (HttpContext http, CurrentActor me, ApiTokens tokens, CancellationToken ct) =>
            {
                var id = long.Parse(http.User.FindFirst(CurrentActor.TokenIdClaim)!.Value, System.Globalization.CultureInfo.InvariantCulture);
                await tokens.RevokeAsync(me.Actor.PersonId, id, ct);
                return Results.NoContent();
            })
            .WithSummary("Revoke the token this request carries (signing out of the API)");

        tokensApi.MapDelete("/{id:long}", async (long id, CurrentActor me, ApiTokens tokens, CancellationToken ct) =>
                await tokens.RevokeAsync(me.Actor.PersonId, id, ct)
                    ? Results.NoContent()
                    : throw new NotFoundException($"You have no API token {id}."))
            .WithSummary("Revoke one of my tokens");

        app.MapGet("/api/me", (CurrentActor me) =>
                new MeResponse(me.Actor.PersonId, me.Actor.Login, me.Actor.DisplayName, me.Actor.Memberships))
            .RequireAuthorization(AccessSetup.ApiPolicy)
            .WithTags("Access")
            .WithSummary("Who the token belongs to, with every role held");
        return app;
    }
}
