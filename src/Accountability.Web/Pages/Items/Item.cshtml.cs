using System.Text.Json;
using Accountability.Access;
using Accountability.Assignments;
using Accountability.Web.Hosting;
using Accountability.Web.Resources;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Accountability.Web.Pages.Items;

/// <summary>
/// One assignment: what it is about, where it stands, its timeline, evidence, chasers and extension requests, and a
/// form for every action the reader may take on it now (the workflow says which). Each form carries the row version
/// the reader saw (a change by someone else in between is refused, not overwritten) and an idempotency key (a double
/// click acts once). Another unit's item answers 404: the reader learns nothing of it.
/// </summary>
[RequestSizeLimit(110L * 1024 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = 110L * 1024 * 1024)]
public sealed class ItemModel(AccessPolicy access, ViewAssignment view, ReadAssignmentSubject subject, DownloadEvidence download,
    IServiceProvider services, IStringLocalizer<Text> text) : SignedInPageModel(access)
{
    /// <summary>Shown inline in the evidence viewer; anything else is offered as a download.</summary>
    public static readonly HashSet<string> InlineImageTypes = ["image/jpeg", "image/png", "image/gif", "image/webp"];

    /// <summary>The actions this page has a form for; the "what you can do" card shows only when one of them is open.</summary>
    public static readonly HashSet<string> ActionsWithAForm =
    [
        "acknowledge", "submit", "report_progress", "request_extension", "approve_extension", "refuse_extension", "start_verification",
        "accept", "return", "close", "object", "close_unfounded", "chase", "look_back_pass", "look_back_relapse",
    ];

    public AssignmentDetails Details { get; private set; } = null!;

    public AssignmentSubject Subject { get; private set; } = null!;

    public AssignmentView Item => Details.Item;

    /// <summary>A fresh key per rendering: resubmitting the same form (a double click, a browser retry) acts once.</summary>
    public string FormKey { get; } = Guid.NewGuid().ToString("N");

    public bool Can(string trigger) => Details.Actions.Contains(trigger);

    public bool CanAny(params string[] triggers) => triggers.Any(Can);

    public IEnumerable<ChaserInfo> UnansweredChasers => Details.Chasers.Where(c => c.AcknowledgedAt is null);

    public ExtensionInfo? PendingExtension => Details.Extensions.FirstOrDefault(e => e.Status == "pending");

    public async Task OnGetAsync(long id) => await LoadAsync(id);

    public async Task<IActionResult> OnGetEvidenceAsync(long id, long fileId, bool download = false)
    {
        var file = await DownloadAsync(id, fileId);
        Response.Headers.XContentTypeOptions = "nosniff";
        Response.Headers.ContentSecurityPolicy = ResponseHeaders.UploadedFilePolicy;
        if (!download && InlineImageTypes.Contains(file.ContentType))
        {
            return File(file.Content, file.ContentType);
        }

        return File(file.Content, file.ContentType, file.FileName);
    }

    public Task<IActionResult> OnPostAcknowledgeAsync(long id, int version, string key, string? note) =>
        ActAsync(id, "Done_acknowledge", async _ => await Use<AcknowledgeAssignment>().RunAsync(Actor, ActionOf(id, version, key), note, Aborted));

    public Task<IActionResult> OnPostProgressAsync(long id, int version, string key, int percent, string? note) =>
        ActAsync(id, "Done_report_progress", async _ => await Use<ReportProgress>().RunAsync(Actor, ActionOf(id, version, key), percent, note ?? "", await FilesAsync(), Aborted));

    public Task<IActionResult> OnPostExtensionAsync(long id, int version, string key, string? reason, DateOnly? proposedDate) =>
        ActAsync(id, "Done_request_extension", async _ => await Use<RequestExtension>().RunAsync(Actor, ActionOf(id, version, key), reason ?? "",
            proposedDate ?? Missing<DateOnly>("proposedDate"), Aborted));

    public Task<IActionResult> OnPostDecideExtensionAsync(long id, int version, string key, bool approve, DateOnly? newDueDate, string? leader,
        string? note) =>
        ActAsync(id, approve ? "Done_approve_extension" : "Done_refuse_extension", async _ => await Use<DecideExtension>().RunAsync(Actor,
            ActionOf(id, version, key), approve, newDueDate, leader, note, Aborted));

    public Task<IActionResult> OnPostSubmitAsync(long id, int version, string key, string? note) =>
        ActAsync(id, "Done_submit", async _ => await Use<SubmitForClosure>().RunAsync(Actor, ActionOf(id, version, key), await FilesAsync(), note, Aborted));

    public Task<IActionResult> OnPostChaserReceiptAsync(long id, int version, string key, long chaserId, string? note) =>
        ActAsync(id, "Done_acknowledge_chaser", async _ => await Use<AcknowledgeChaser>().RunAsync(Actor, ActionOf(id, version, key), chaserId, note, Aborted));

    public Task<IActionResult> OnPostChaseAsync(long id, int version, string key, string? message, string? colour) =>
        ActAsync(id, "Done_chase", async _ => await Use<IssueChaser>().RunAsync(Actor, ActionOf(id, version, key), message ?? "",
            string.IsNullOrWhiteSpace(colour) ? null : colour, Aborted));

    public Task<IActionResult> OnPostStartVerificationAsync(long id, int version, string key, string? note) =>
        ActAsync(id, "Done_start_verification", async _ => await Use<StartVerification>().RunAsync(Actor, ActionOf(id, version, key), note, Aborted));

    public Task<IActionResult> OnPostAcceptAsync(long id, int version, string key, string? note) =>
        ActAsync(id, "Done_accept", async _ => await Use<AcceptSubmission>().RunAsync(Actor, ActionOf(id, version, key), note, Aborted));

    public Task<IActionResult> OnPostReturnAsync(long id, int version, string key, string? requirements, bool falseReply) =>
        ActAsync(id, "Done_return", async _ => await Use<ReturnSubmission>().RunAsync(Actor, ActionOf(id, version, key), requirements ?? "", falseReply, await FilesAsync(), Aborted));

    public Task<IActionResult> OnPostObjectAsync(long id, int version, string key, string? objection) =>
        ActAsync(id, "Done_object", async _ => await Use<ObjectDuringPublicNotice>().RunAsync(Actor, ActionOf(id, version, key), objection ?? "", Aborted));

    public Task<IActionResult> OnPostCloseAsync(long id, int version, string key, string? note) =>
        ActAsync(id, "Done_close", async _ => await Use<CloseAssignment>().RunAsync(Actor, ActionOf(id, version, key), note, Aborted));

    public Task<IActionResult> OnPostCloseUnfoundedAsync(long id, int version, string key, string? investigation) =>
        ActAsync(id, "Done_close_unfounded", async _ => await Use<CloseComplaintAsUnfounded>().RunAsync(Actor, ActionOf(id, version, key), investigation ?? "",
            await FilesAsync(), Aborted));

    public Task<IActionResult> OnPostLookBackAsync(long id, int version, string key, string? result, string? note, DateOnly? newDueDate) =>
        ActAsync(id, result == "relapse" ? "Done_look_back_relapse" : "Done_look_back_pass", async _ => await Use<RecordLookBack>().RunAsync(Actor,
            ActionOf(id, version, key), result == "relapse" ? LookBackResult.Relapse : LookBackResult.Pass, note, newDueDate, await FilesAsync(), Aborted));

    /// <summary>Loads the item first (so a refusal re-renders the page with what the reader saw and the reason), acts,
    /// then shows the item afresh with what was done.</summary>
    private async Task<IActionResult> ActAsync(long id, string doneKey, Func<long, Task<Accountability.Assignments.ActionResult>> act)
    {
        await LoadAsync(id);
        var result = await act(id);
        TempData["Message"] = result.Replayed ? text["ActionReplayed"].Value : text[doneKey].Value;
        return RedirectToPage(new { id });
    }

    private async Task LoadAsync(long id)
    {
        Details = await view.RunAsync(Actor, id, Aborted);
        Subject = await subject.RunAsync(Actor, id, Aborted);
    }

    private Task<EvidenceContent> DownloadAsync(long id, long fileId) => download.RunAsync(Actor, id, fileId, Aborted);

    private CancellationToken Aborted => HttpContext.RequestAborted;

    private T Use<T>() where T : notnull => services.GetRequiredService<T>();

    private static ActionRequest ActionOf(long id, int version, string key) =>
        new(id, version > 0 ? version : null, string.IsNullOrWhiteSpace(key) ? null : "page:" + key);

    /// <summary>The uploaded files, each offered as the evidence kind its field names: <c>files</c> with a <c>kind</c>
    /// field, or <c>files:KIND</c> per required kind.</summary>
    private async Task<List<EvidenceUpload>> FilesAsync()
    {
        var uploads = new List<EvidenceUpload>();
        if (!Request.HasFormContentType)
        {
            return uploads;
        }

        var general = Request.Form["kind"].FirstOrDefault(k => !string.IsNullOrWhiteSpace(k));
        foreach (var file in Request.Form.Files.Where(f => f.Length > 0))
        {
            var kind = file.Name.StartsWith("files:", StringComparison.Ordinal) ? file.Name["files:".Length..] : general ?? "general";
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, Aborted);
            uploads.Add(new EvidenceUpload(kind, file.FileName, buffer.ToArray()));
        }

        return uploads;
    }

    private static T Missing<T>(string field) =>
        throw new InputRejectedException([new InputProblem("form", null, null, field, "is required")]);

    /// <summary>What an event of the timeline says, as label and value pairs (inputs given, files attached, the move).</summary>
    public IEnumerable<(string Label, string Value)> Describe(TimelineEntry entry)
    {
        var payload = entry.Payload;
        if (payload.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        if (payload.TryGetProperty("from", out var from) && payload.TryGetProperty("to", out var to)
            && from.ValueKind == JsonValueKind.String && to.ValueKind == JsonValueKind.String && from.GetString() != to.GetString())
        {
            yield return (text["StateChange"], $"{text.Label("State", from.GetString())} → {text.Label("State", to.GetString())}");
        }

        if (payload.TryGetProperty("inputs", out var inputs) && inputs.ValueKind == JsonValueKind.Object)
        {
            foreach (var input in inputs.EnumerateObject())
            {
                var value = input.Value.ValueKind switch
                {
                    JsonValueKind.String => input.Value.GetString() ?? "",
                    JsonValueKind.True => text["Yes"].Value,
                    JsonValueKind.False => text["No"].Value,
                    _ => input.Value.ToString(),
                };
                yield return (text.Label("Input", input.Name), input.Name == "percent" ? value + "%" : value);
            }
        }

        if (payload.TryGetProperty("files", out var files) && files.ValueKind == JsonValueKind.Array)
        {
            foreach (var file in files.EnumerateArray())
            {
                var name = file.TryGetProperty("name", out var n) ? n.GetString() : "";
                var kind = file.TryGetProperty("Kind", out var k) ? k.GetString() : file.TryGetProperty("kind", out var k2) ? k2.GetString() : "";
                yield return (text["EvidenceFile"], $"{kind}：{name}");
            }
        }

        if (payload.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
        {
            var rule = payload.TryGetProperty("rule", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            yield return (text["Reason"], text.Refusal(rule, message.GetString() ?? ""));
        }

        if (payload.TryGetProperty("chaser", out var chaser) && chaser.ValueKind == JsonValueKind.Object)
        {
            var colour = chaser.TryGetProperty("Colour", out var c) ? c.GetString() : chaser.TryGetProperty("colour", out var c2) ? c2.GetString() : null;
            yield return (text["ChaserColour"], text.Label("Colour", colour));
        }
    }
}
