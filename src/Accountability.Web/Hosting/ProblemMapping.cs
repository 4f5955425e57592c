using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Accountability.Web.Hosting;

/// <summary>
/// The one place engine refusals become API answers, so endpoints carry no try/catch:
/// a broken business rule or a stale write is 409, refused access 403 (404 where existence must not leak),
/// rejected input 422 with every problem listed.
/// </summary>
public sealed class ProblemMapping(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // Pages fall through to the /Error page, which explains the refusal in the reader's language. The request's
        // path already points at /Error here; the original is on the feature.
        var path = httpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? httpContext.Request.Path.Value;
        if (path is null || !path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var details = exception switch
        {
            BusinessRuleBrokenException e => Problem(StatusCodes.Status409Conflict, "A rule refused the action", e.Message,
                ("rule", e.Rule), ("current", e.Current)),
            ConcurrencyConflictException e => Problem(StatusCodes.Status409Conflict, "Changed by someone else", e.Message,
                ("current", e.Current)),
            AccessDeniedException { HideExistence: true } => Problem(StatusCodes.Status404NotFound, "Not found", null),
            AccessDeniedException e => Problem(StatusCodes.Status403Forbidden, "Not allowed", e.Message),
            NotFoundException e => Problem(StatusCodes.Status404NotFound, "Not found", e.Message),
            InputRejectedException e => Problem(StatusCodes.Status422UnprocessableEntity, "The input was refused; nothing was written",
                e.Message, ("problems", e.Problems.Select(p => new
                {
                    p.File, p.Sheet, p.Line, p.Field, p.Reason, severity = p.IsWarning ? "warning" : "error", text = p.ToString(), p.Code, p.Arguments,
                }).ToList())),
            UnauthorizedAccessException => Problem(StatusCodes.Status401Unauthorized, "Sign in first", null),
            BadHttpRequestException e => Problem(e.StatusCode, "Bad request", e.Message),
            _ => null,
        };
        if (details is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = details.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext, ProblemDetails = details, Exception = exception,
        });
    }

    /// <summary>Exceptions that answer the person (a refusal, a rule, their input) rather than report a fault.</summary>
    public static bool IsRefusal(Exception exception) => exception is BusinessRuleBrokenException or ConcurrencyConflictException
        or AccessDeniedException or NotFoundException or InputRejectedException or UnauthorizedAccessException;

    private static ProblemDetails Problem(int status, string title, string? detail, params (string Key, object? Value)[] extensions)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        foreach (var (key, value) in extensions.Where(e => e.Value is not null))
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }
}
