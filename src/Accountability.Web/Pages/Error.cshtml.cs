using Accountability.Web.Resources;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace Accountability.Web.Pages;

/// <summary>
/// Where a page's refusal or failure ends up: the status is set from what went wrong (403 refused, 404 not found or
/// not the reader's to see, 409 a rule said no) and the message is the engine's, in the reader's language where the
/// engine's message is generic. Unexpected failures show nothing of their internals.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel(IStringLocalizer<Text> text) : PageModel
{
    public string Title { get; private set; } = "";

    public string Message { get; private set; } = "";

    public void OnGet(int? code) => Explain(code);

    public void OnPost(int? code) => Explain(code);

    private void Explain(int? code)
    {
        var error = HttpContext.Features.Get<IExceptionHandlerPathFeature>()?.Error;
        (var status, Title, Message) = error switch
        {
            AccessDeniedException { HideExistence: true } or NotFoundException => (404, text["NotFound"].Value, text["NotFoundText"].Value),
            AccessDeniedException => (403, text["Denied"].Value, text["DeniedText"].Value),
            BusinessRuleBrokenException e => (409, text["Refused"].Value, e.Message),
            ConcurrencyConflictException e => (409, text["Refused"].Value, e.Message),
            InputRejectedException e => (422, text["Refused"].Value, e.Message),
            null when code is 404 => (404, text["NotFound"].Value, text["NotFoundText"].Value),
            null when code is 403 => (403, text["Denied"].Value, text["DeniedText"].Value),
            null when code is >= 400 and < 500 => (code.Value, text["Error"].Value, text["ErrorText"].Value),
            _ => (500, text["Error"].Value, text["ErrorText"].Value),
        };
        Response.StatusCode = status;
    }
}
