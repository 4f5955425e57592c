using Accountability.Web.Access;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Accountability.Web.Pages.Account;

/// <summary>POST only (with anti-forgery): a link or image elsewhere cannot sign someone out.</summary>
public sealed class SignOutModel : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Index");

    public async Task<IActionResult> OnPostAsync()
    {
        // Ended on the server, not only in this browser: a copy of the cookie stops working as well.
        await SessionCookie.SignOutAsync(HttpContext);
        return RedirectToPage("/Account/SignIn");
    }
}
