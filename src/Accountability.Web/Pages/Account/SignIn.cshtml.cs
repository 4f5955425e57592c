using System.Globalization;
using Accountability.Access;
using Accountability.Web.Access;
using Accountability.Web.Resources;
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

        await SessionCookie.SignInAsync(HttpContext, result.Actor!, result.SecurityStamp!.Value);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
