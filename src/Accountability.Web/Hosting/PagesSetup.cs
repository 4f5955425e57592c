using System.Globalization;
using Microsoft.AspNetCore.Localization;

namespace Accountability.Web.Hosting;

public static class PagesSetup
{
    public static readonly CultureInfo[] Cultures = [new("zh-CN"), new("en")];

    /// <summary>Razor Pages, signed-in by default; Chinese first, English on request (cookie, or ?culture=en).</summary>
    public static IServiceCollection AddAccountabilityPages(this IServiceCollection services)
    {
        services.AddLocalization();
        services.AddSingleton<Uploads.StagedUploads>();
        services.AddSingleton<BackgroundOperations>();
        services.AddRazorPages(o =>
            {
                o.Conventions.ConfigureFilter(new RefusalPageFilter());
                o.Conventions.AuthorizeFolder("/");
                o.Conventions.AllowAnonymousToPage("/Account/SignIn");
                o.Conventions.AllowAnonymousToPage("/Account/Setup");
                o.Conventions.AllowAnonymousToPage("/Account/Culture");
                o.Conventions.AllowAnonymousToPage("/Error");
                o.Conventions.AddPageRoute("/Account/SignIn", "/signin");
                o.Conventions.AddPageRoute("/Account/SignOut", "/signout");
                o.Conventions.AddPageRoute("/Account/Setup", "/setup");
                o.Conventions.AddPageRoute("/Account/Denied", "/denied");
            })
            .AddViewLocalization()
            .AddDataAnnotationsLocalization();
        services.Configure<RequestLocalizationOptions>(o =>
        {
            o.DefaultRequestCulture = new RequestCulture("zh-CN");
            o.SupportedCultures = Cultures;
            o.SupportedUICultures = Cultures;
            o.RequestCultureProviders =
            [
                new QueryStringRequestCultureProvider(),
                new CookieRequestCultureProvider(),
            ];
        });
        return services;
    }
}
