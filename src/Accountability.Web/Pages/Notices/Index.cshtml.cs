using Accountability.Access;
using Accountability.Notices;
using Accountability.Web.Resources;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Accountability.Web.Pages.Notices;

/// <summary>
/// Notices addressed to the reader or their unit, newest first. Opening one, or marking it read, records the read
/// receipt (已阅) — the proof of notice a referral's dossier cites — with the first reader and time.
/// </summary>
public sealed class IndexModel(AccessPolicy access, ListNotifications list, MarkNotificationRead read, IStringLocalizer<Text> text)
    : SignedInPageModel(access)
{
    [BindProperty(SupportsGet = true, Name = "unread")] public bool UnreadOnly { get; set; }

    public IReadOnlyList<NotificationView> Notices { get; private set; } = [];

    public async Task OnGetAsync() => Notices = await list.RunAsync(Actor, UnreadOnly, 200, HttpContext.RequestAborted);

    /// <summary>Records the receipt, then goes where the notice points (an item, a document, an appeal).</summary>
    public async Task<IActionResult> OnPostOpenAsync(long id)
    {
        await read.RunAsync(Actor, id, HttpContext.RequestAborted);
        var notice = (await list.RunAsync(Actor, false, 1000, HttpContext.RequestAborted)).FirstOrDefault(n => n.Id == id);
        return notice?.Link is { } link && Url.IsLocalUrl(link) ? LocalRedirect(link) : RedirectToPage();
    }

    public async Task<IActionResult> OnPostReadAsync(long id)
    {
        await read.RunAsync(Actor, id, HttpContext.RequestAborted);
        return RedirectToPage(new { unread = UnreadOnly ? "true" : null });
    }

    public async Task<IActionResult> OnPostReadAllAsync()
    {
        var unread = await list.RunAsync(Actor, true, 500, HttpContext.RequestAborted);
        foreach (var notice in unread)
        {
            await read.RunAsync(Actor, notice.Id, HttpContext.RequestAborted);
        }

        TempData["Message"] = text["MarkedRead", unread.Count].Value;
        return RedirectToPage();
    }
}
