using Accountability.Access;
using Accountability.Audit;
using Accountability.Organization;
using Accountability.Web.Resources;
using Accountability.Web.Uploads;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Accountability.Web.Pages.Admin;

/// <summary>Upload, check (every problem listed by row and field, nothing written), then confirm the same bytes.</summary>
[RequestSizeLimit(StagedUploads.MaxBytes)]
public sealed class ImportOrganizationModel(AccessPolicy access, ImportOrganization import, StagedUploads uploads,
    IStringLocalizer<Text> text) : SignedInPageModel(access)
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

    public async Task<IActionResult> OnPostApplyAsync(Guid upload)
    {
        await RequireAsync(Operation.ManageOrganization);
        var staged = await uploads.GetAsync(Actor.PersonId, Purpose, upload, HttpContext.RequestAborted);
        var result = await import.RunAsync(staged.FileName, staged.Content, AuditActor.Person(Actor.PersonId), dryRun: false,
            HttpContext.RequestAborted);
        TempData["Message"] = text["OrganizationImported", staged.FileName, result.UnitsAdded, result.UnitsUpdated,
            result.PeopleAdded, result.PeopleUpdated].Value;
        return RedirectToPage("/Admin/Organization");
    }
}
