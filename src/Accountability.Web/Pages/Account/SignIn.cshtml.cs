using System.Globalization;
using System.Security.Claims;
using Accountability.Access;
using Accountability.Web.Access;
using Accountability.Web.Resources;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Localization;

namespace Accountability.Web.Pages.Account;

[EnableRateLimiting(AccessSetup.SignInRateLimit)]
public sealed class SignInModel(SignIn signIn, IStringLocalizer<Text> text) : PageModel
{
    [BindProperty] public string? Login { get; set; }

    [BindProperty] public string? Password { get; set; }

    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }

    public string? Message { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var result = await signIn.RunAsync(Login ?? "", Password ?? "", HttpContext.RequestAborted);
        if (!result.Succeeded)
        {
            Message = result.Failure == SignInFailure.Throttled
                ? text["SignInThrottled", result.RetryAfter!.Value.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture)]
                : text["SignInFailed"];
            return Page();
        }

        var actor = result.Actor!;
        var identity = new ClaimsIdentity(
            [new Claim(CurrentActor.PersonIdClaim, actor.PersonId.ToString(CultureInfo.InvariantCulture)),
             new Claim(ClaimTypes.Name, actor.DisplayName)],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
