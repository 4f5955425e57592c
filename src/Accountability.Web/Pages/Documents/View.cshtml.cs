using Accountability.Access;
using Accountability.Documents;
using Accountability.Web.Hosting;
using Microsoft.AspNetCore.Mvc;

namespace Accountability.Web.Pages.Documents;

/// <summary>
/// A document exactly as issued: the stored HTML (an A4 page in the layout of an official document) shown in a frame
/// and printed from it, never re-rendered; its number, version and SHA-256; the ranking table as Excel for a bulletin.
/// Referrals and notices addressed to a unit answer 404 to those who may not read them.
/// </summary>
public sealed class ViewModel(AccessPolicy access, ReadDocuments documents) : SignedInPageModel(access)
{
    public DocumentSummary Document { get; private set; } = null!;

    public async Task OnGetAsync(long id) => Document = (await documents.GetAsync(Actor, id, HttpContext.RequestAborted)).Summary;

    /// <summary>The issued bytes. Served as a page of its own with no scripts allowed: the frame and a new tab show it, the
    /// browser prints it.</summary>
    public async Task<IActionResult> OnGetHtmlAsync(long id)
    {
        var document = await documents.GetAsync(Actor, id, HttpContext.RequestAborted);
        Response.Headers.ContentSecurityPolicy = ResponseHeaders.IssuedDocumentPolicy;
        Response.Headers.XContentTypeOptions = "nosniff";
        return Content(document.Html, "text/html; charset=utf-8");
    }

    public async Task<IActionResult> OnGetXlsxAsync(long id)
    {
        var output = new MemoryStream();
        await documents.WriteRankingWorkbookAsync(Actor, id, output, HttpContext.RequestAborted);
        output.Position = 0;
        var summary = (await documents.GetAsync(Actor, id, HttpContext.RequestAborted)).Summary;
        return File(output, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"{summary.Number ?? summary.Title}.xlsx");
    }
}
