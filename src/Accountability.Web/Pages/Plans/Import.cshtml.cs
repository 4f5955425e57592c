using Accountability.Access;
using Accountability.Plans;
using Accountability.Web.Hosting;
using Accountability.Web.Resources;
using Accountability.Web.Uploads;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Accountability.Web.Pages.Plans;

/// <summary>
/// Plan upload (YAML, the Excel task table and ledger, CSV): check the file — every error listed by sheet, row and
/// column, nothing written — and see what importing it would add, change and cancel; then confirm the same bytes. The
/// import runs in the background and its page shows the progress (a large plan is a million assignments).
/// </summary>
[RequestSizeLimit(StagedUploads.MaxBytes)]
[RequestFormLimits(MultipartBodyLengthLimit = StagedUploads.MaxBytes)]
public sealed class ImportModel(AccessPolicy access, DiffPlan diff, ImportPlan import, StagedUploads uploads, BackgroundOperations operations,
    PlanStore plans, IStringLocalizer<Text> text) : SignedInPageModel(access)
{
    private const string Purpose = "plan";

    public PlanOutcome? Outcome { get; private set; }

    public Guid? UploadId { get; private set; }

    public string? FileName { get; private set; }

    [BindProperty]
    public string? Campaign { get; set; }

    public IReadOnlyList<CampaignView> Campaigns { get; private set; } = [];

    public async Task OnGetAsync()
    {
        await RequireAsync(Operation.ManagePlans);
        Campaigns = await plans.ListCampaignsAsync(HttpContext.RequestAborted);
    }

    public async Task OnPostCheckAsync(IFormFile? file)
    {
        await RequireAsync(Operation.ManagePlans);
        Campaigns = await plans.ListCampaignsAsync(HttpContext.RequestAborted);
        if (file is null || file.Length == 0)
        {
            throw new InputRejectedException([new InputProblem(text["ChooseFile"], null, null, null, text["NoFileChosen"])]);
        }

        var staged = await uploads.StageAsync(Actor.PersonId, Purpose, file, HttpContext.RequestAborted);
        (UploadId, FileName) = (staged.Id, staged.FileName);
        Outcome = await diff.RunAsync(Actor, new PlanRequest(staged.FileName, staged.Content, CampaignCode), cancellationToken: HttpContext.RequestAborted);
        // Warnings (a deadline on a holiday...) do not block; they are shown in the same table as errors would be.
        HttpContext.Items[RefusalPageFilter.ProblemsKey] = Outcome.Warnings;
    }

    /// <summary>Confirms the checked upload as the version the check showed (<paramref name="version"/>). A second
    /// confirmation of the same upload (a double click, a retried post) shows the first one's import instead of
    /// starting another; a confirmation after someone else's import is refused by the import, writing nothing.</summary>
    public async Task<IActionResult> OnPostApplyAsync(Guid upload, int? version)
    {
        await RequireAsync(Operation.ManagePlans);
        var staged = await uploads.GetAsync(Actor.PersonId, Purpose, upload, HttpContext.RequestAborted);
        var actor = Actor;
        var campaign = CampaignCode;
        var id = await operations.StartOnceAsync(Actor.PersonId, $"{Purpose}:{staged.Id}", "plan-import", text["ImportingPlan", staged.FileName],
            (progress, ct) => import.RunAsync(actor, new PlanRequest(staged.FileName, staged.Content, campaign, ExpectedVersion: version),
                new Progress(progress), ct), HttpContext.RequestAborted);
        return Redirect($"/operations/{id}");
    }

    private string? CampaignCode => string.IsNullOrWhiteSpace(Campaign) ? null : Campaign.Trim();

    /// <summary>The import's stages as the operation's progress, reported as they come (no thread hop).</summary>
    private sealed class Progress(IProgress<OperationProgress> target) : IProgress<PlanProgress>
    {
        public void Report(PlanProgress value) => target.Report(new OperationProgress(value.Stage, value.Done, value.Total));
    }
}
