using Accountability;
using Accountability.Web.Resources;
using Microsoft.Extensions.Localization;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Accountability.Web.Hosting;

/// <summary>
/// For pages, the counterpart of <see cref="ProblemMapping"/>: when a form's handler is refused by a business rule or
/// rejected input, the same page is shown again with the reason above the form and the user's entries kept. Pages
/// therefore carry no try/catch.
/// </summary>
public sealed class RefusalPageFilter : IAsyncPageFilter
{
    public const string ProblemsKey = "accountability.problems";

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var executed = await next();
        var text = context.HttpContext.RequestServices.GetRequiredService<IStringLocalizer<Text>>();
        var messages = executed.Exception switch
        {
            BusinessRuleBrokenException e => [text.Refusal(e.Rule, e.Message)],
            ConcurrencyConflictException e => [e.Message],
            InputRejectedException e => e.Problems.Select(p => p.ToString()).ToArray(),
            _ => (string[]?)null,
        };
        if (messages is null || context.HandlerInstance is not PageModel page)
        {
            return;
        }

        if (executed.Exception is InputRejectedException rejected)
        {
            // The _Problems partial shows them as a table: file, sheet, row or line, field, reason.
            context.HttpContext.Items[ProblemsKey] = rejected.Problems;
        }
        else
        {
            foreach (var message in messages)
            {
                page.ModelState.AddModelError("", message);
            }
        }

        executed.ExceptionHandled = true;
        executed.Result = page.Page();
    }
}
