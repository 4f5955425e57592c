using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.HttpOverrides;
using Npgsql;

namespace Accountability.Web.Access;

public static class AccessSetup
{
    public const string ApiPolicy = "api";
    public const string SignInRateLimit = "sign-in";
    private const string Smart = "cookie-or-bearer";

    /// <summary>
    /// Pages sign in with a cookie (protected by anti-forgery on every form); the API takes bearer tokens only, so a
    /// browser's ambient cookie can never drive it (no CSRF surface there). Data Protection keys live in PostgreSQL,
    /// encrypted to a certificate when <c>DataProtection:CertificatePath</c> names one.
    /// </summary>
    public static IServiceCollection AddAccountabilityAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAuthentication(Smart)
            .AddPolicyScheme(Smart, Smart, o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? BearerTokenHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.LoginPath = "/signin";
                o.LogoutPath = "/signout";
                o.AccessDeniedPath = "/denied";
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.Cookie.Name = "accountability.session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Events.OnRedirectToLogin = ApiAnswers401(o.Events.OnRedirectToLogin);
                // A deactivated person's cookie stops working at the next request, and so does one signed in before the
                // person's password was last set (its security stamp is no longer theirs; one without a stamp predates them)
                // and one whose session has ended (signed out: a copy of the cookie is refused too).
                o.Events.OnValidatePrincipal = async context =>
                {
                    if (context.Principal?.HasClaim(c => c.Type == CurrentActor.SecurityStampClaim) is not true
                        || await CurrentActor.GetAsync(context.HttpContext, context.Principal) is null
                        || !await SessionCookie.IsOpenAsync(context.HttpContext, context.Principal))
                    {
                        context.RejectPrincipal();
                        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                    }
                };
            })
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null);

        services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicy, p => p.AddAuthenticationSchemes(BearerTokenHandler.SchemeName).RequireAuthenticatedUser());

        var dataProtection = services.AddDataProtection().SetApplicationName("accountability");
        if (KeyCertificate(configuration) is { } certificate)
        {
            // Whoever reads the key table (a dump, a backup, a reporting account) could otherwise mint anyone's session
            // cookie. Encrypted to a certificate kept outside the database, the rows are useless without it; every node
            // is given the same certificate.
            dataProtection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }

        services.AddOptions<KeyManagementOptions>()
            .Configure<NpgsqlDataSource>((o, dataSource) => o.XmlRepository = new PostgresXmlRepository(dataSource));

        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "accountability.antiforgery";
            o.HeaderName = "X-CSRF-TOKEN";
        });

        // Behind a load balancer (README, "Running several nodes") the peer is the balancer: the client's address and
        // scheme come in X-Forwarded-For / -Proto. They are believed only from the balancers named in
        // ForwardedHeaders:KnownProxies (addresses) or :KnownNetworks (CIDR), and from the node itself; anyone else
        // could write any address there and so escape the per-address limit below.
        services.AddOptions<ForwardedHeadersOptions>().Configure<IConfiguration>((o, configuration) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var proxy in configuration.GetSection("ForwardedHeaders:KnownProxies").Get<string[]>() ?? [])
            {
                o.KnownProxies.Add(IPAddress.TryParse(proxy, out var address) ? address
                    : throw new InvalidOperationException($"ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address."));
            }

            foreach (var network in configuration.GetSection("ForwardedHeaders:KnownNetworks").Get<string[]>() ?? [])
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var range) ? range
                    : throw new InvalidOperationException($"ForwardedHeaders:KnownNetworks: '{network}' is not a network (CIDR, e.g. 10.0.0.0/24)."));
            }
        }).ValidateOnStart();

        // Per client address: slows guessing across many logins (per-login throttling is in the engine).
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(SignInRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 30, Window = TimeSpan.FromMinutes(1) }));
        });
        return services;
    }

    private static Func<RedirectContext<CookieAuthenticationOptions>, Task> ApiAnswers401(
        Func<RedirectContext<CookieAuthenticationOptions>, Task> pages) => context =>
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        }

        return pages(context);
    };

    /// <summary>The PKCS#12 file named by <c>DataProtection:CertificatePath</c> (password in
    /// <c>DataProtection:CertificatePassword</c>), or null when none is configured. A file that is missing, unreadable or
    /// without its private key stops the server with the setting's name.</summary>
    public static X509Certificate2? KeyCertificate(IConfiguration configuration)
    {
        if (configuration["DataProtection:CertificatePath"] is not { Length: > 0 } path)
        {
            return null;
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, configuration["DataProtection:CertificatePassword"]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new InvalidOperationException($"DataProtection:CertificatePath: cannot load the certificate at {path}: {e.Message}", e);
        }

        if (!certificate.HasPrivateKey)
        {
            throw new InvalidOperationException($"DataProtection:CertificatePath: the certificate at {path} has no private key, so keys encrypted to it could never be read back");
        }

        return certificate;
    }
}
