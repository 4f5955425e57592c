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

        app.MapGet("/api/me", (CurrentActor me) =>
                new MeResponse(me.Actor.PersonId, me.Actor.Login, me.Actor.DisplayName, me.Actor.Memberships))
            .RequireAuthorization(AccessSetup.ApiPolicy)
            .WithTags("Access")
            .WithSummary("Who the token belongs to, with every role held");
        return app;
    }
}
