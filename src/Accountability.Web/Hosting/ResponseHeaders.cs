namespace Accountability.Web.Hosting;

/// <summary>
/// What every response tells the browser and any cache in between. Nothing a signed-in person was shown, and nothing the
/// API answers, is kept (<c>Cache-Control: no-store</c>): county offices share computers, and the back button or a
/// proxy must not show the next person an item, a file or a dossier. Static files and the sign-in page stay cacheable.
/// No response is content-sniffed (<c>nosniff</c>). Uploaded files and issued documents add their own policy (below).
/// </summary>
public static class ResponseHeaders
{
    /// <summary>An uploaded evidence file is never a page of this site: no scripts, no forms, even if a browser were
    /// talked into rendering it.</summary>
    public const string UploadedFilePolicy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

    /// <summary>A document as issued: its own inline styles and images, nothing else, no scripts; framed only by this site's
    /// document page.</summary>
    public const string IssuedDocumentPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'";

    /// <summary>First in the pipeline, so that error pages and static files get the headers too. Whether the request is
    /// signed in is known only once authentication has run, so the headers are decided when the response starts.</summary>
    public static IApplicationBuilder UseAccountabilityResponseHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            if (context.User.Identity?.IsAuthenticated == true || context.Request.Path.StartsWithSegments("/api"))
            {
                headers.CacheControl = "no-store";
                headers.Pragma = "no-cache";
            }

            return Task.CompletedTask;
        });
        return next(context);
    });
}
