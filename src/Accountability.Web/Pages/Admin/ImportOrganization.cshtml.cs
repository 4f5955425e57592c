using Accountability.Access;
using Accountability.Audit;
using Accountability.Organization;
using Accountability.Web.Hosting;
using Accountability.Web.Resources;
using Accountability.Web.Uploads;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Accountability.Web.Pages.Admin;

/// <summary>What an organisation import started from the page did, for its operation page.</summary>
public sealed record ImportedOrganization(string FileName, OrganizationImportResult Result);

/// <summary>Upload, check (every problem listed by row and field, nothing written), then confirm the same bytes.</summary>
[RequestSizeLimit(StagedUploads.MaxBytes)]
public sealed class ImportOrganizationModel(AccessPolicy access, ImportOrganization import, StagedUploads uploads,
    BackgroundOperations operations, IStringLocalizer<Text> text) : SignedInPageModel(access)
{
    private const string Purpose = "organization";

    public OrganizationImportResult? Result { get; private set; }

    public Guid? UploadId { get; private set; }

    public string? FileName { get; private set; }

    public Task OnGetAsync() => RequireAsync(Operation.ManageOrganization);

    public async Task OnPostCheckAsync(IFormFile file)
    {
        await RequireAsync(Operation.ManageOrganization);
        var staged = await uploads.StageAsync(Actor.PersonId, Purpose, file, HttpContext.RequestAborted);
        (UploadId, FileName) = (staged.Id, staged.FileName);
        Result = await import.RunAsync(staged.FileName, staged.Content, AuditActor.Person(Actor.PersonId), dryRun: true,
            HttpContext.RequestAborted);
    }

    /// <summary>Imports the checked upload once: a second confirmation of the same upload (a double click, a retried
    /// post, even one racing the first) shows the first one's import instead of importing again.</summary>
    public async Task<IActionResult> OnPostApplyAsync(Guid upload)
    {
        await RequireAsync(Operation.ManageOrganization);
        var staged = await uploads.GetAsync(Actor.PersonId, Purpose, upload, HttpContext.RequestAborted);
        var actor = AuditActor.Person(Actor.PersonId);
        var id = await operations.StartOnceAsync(Actor.PersonId, $"{Purpose}:{staged.Id}", "organization-import",
            text["ImportingOrganization", staged.FileName],
            async (_, ct) => new ImportedOrganization(staged.FileName,
                await import.RunAsync(staged.FileName, staged.Content, actor, dryRun: false, ct)),
            HttpContext.RequestAborted);
        return Redirect($"/operations/{id}");
    }
}
