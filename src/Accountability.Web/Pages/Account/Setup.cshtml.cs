using Accountability.Access;
using Accountability.Web.Access;
using Accountability.Web.Resources;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Localization;

namespace Accountability.Web.Pages.Account;

[EnableRateLimiting(AccessSetup.SignInRateLimit)]
public sealed class SetupModel(BootstrapAdministrator bootstrap, IStringLocalizer<Text> text) : PageModel
{
    [BindProperty] public string? Code { get; set; }

    [BindProperty] public string? Login { get; set; }

    [BindProperty] public string? DisplayName { get; set; }

    [BindProperty] public string? Password { get; set; }

    [BindProperty] public string? Confirm { get; set; }

    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync() =>
        await bootstrap.AdministratorExistsAsync(HttpContext.RequestAborted) ? RedirectToPage("/Account/SignIn") : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (Password != Confirm)
        {
            Message = text["PasswordsDiffer"];
            return Page();
        }

        await bootstrap.CompleteSetupAsync(Code ?? "", Login ?? "", DisplayName ?? Login ?? "", Password ?? "",
            HttpContext.RequestAborted);

        TempData["Message"] = text["SetupDone"].Value;
        return RedirectToPage("/Account/SignIn");
    }
}
