using Accountability.Assignments;
using Accountability.Web.Access;
using Accountability.Web.Hosting;

namespace Accountability.Web.Assignments;

/// <summary>
/// The assignment workflow over HTTP: one POST per action under /api/assignments/{id}/..., each taking JSON or
/// multipart (see <see cref="ActionForm"/>), If-Match for the version seen and Idempotency-Key for safe retries; reads
/// for an inbox and an item with its timeline. Refusals flow to ProblemMapping: 404 for another unit's item, 403 for
/// an action the role may not take, 409 for a broken rule or a stale version (with the current item), 422 for input.
/// </summary>
public static class AssignmentsApi
{
    public static IEndpointRouteBuilder MapAssignmentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/assignments").RequireAuthorization(AccessSetup.ApiPolicy).DisableAntiforgery()
            .WithTags("Assignments");

        api.MapGet("/", async (long? campaignId, long? unitId, string? state, bool? open, string? light, bool? dueSoon, int? page,
                int? pageSize, CurrentActor me, ListAssignments list, TimeProvider time, CancellationToken ct) =>
                await list.RunAsync(me.Actor, new AssignmentFilter(campaignId, unitId, state, open, light, dueSoon, page ?? 1, pageSize ?? 50),
                    time.GetUtcNow(), ct))
            .WithSummary("The items the caller may see (a unit's inbox, a verifier's queue, headquarters' ledger), filtered");

        api.MapGet("/{id:long}", async (long id, HttpContext http, CurrentActor me, ViewAssignment view, CancellationToken ct) =>
            {
                var details = await view.RunAsync(me.Actor, id, ct);
                http.Response.Headers.ETag = $"\"{details.Item.Version}\"";
                return details;
            })
            .WithSummary("An item with its timeline, evidence, chasers, extension requests and the actions the caller may take");

        api.MapGet("/{id:long}/evidence/{fileId:long}", async (long id, long fileId, CurrentActor me, DownloadEvidence download,
                HttpResponse response, CancellationToken ct) =>
            {
                var file = await download.RunAsync(me.Actor, id, fileId, ct);
                response.Headers.XContentTypeOptions = "nosniff";
                response.Headers.ContentSecurityPolicy = ResponseHeaders.UploadedFilePolicy;
                return Results.File(file.Content, file.ContentType, file.FileName);
            })
            .WithSummary("Download an evidence file");

        Action(api, "/{id:long}/acknowledge", "签收: acknowledge receipt (note)",
            (f, id, me, sp, ct) => sp.GetRequiredService<AcknowledgeAssignment>().RunAsync(me, f.Request(id), f.Text("note"), ct));
        Action(api, "/{id:long}/progress", "Report progress (percent, note, files)",
            (f, id, me, sp, ct) =>
            {
                var percent = f.Int("percent");
                var request = f.Request(id);
                return sp.GetRequiredService<ReportProgress>().RunAsync(me, request, percent ?? Required<int>("percent"), f.Text("note") ?? "",
                    f.Files, ct);
            });
        Action(api, "/{id:long}/extension-request", "延期申请: request an extension (reason, proposedDate), only before the due date",
            (f, id, me, sp, ct) =>
            {
                var reason = f.RequiredText("reason");
                var date = f.Date("proposedDate");
                var request = f.Request(id);
                return sp.GetRequiredService<RequestExtension>().RunAsync(me, request, reason, date ?? Required<DateOnly>("proposedDate"), ct);
            });
        Action(api, "/{id:long}/extension-decision", "Approve (newDueDate, leader) or refuse (note) the pending extension request",
            (f, id, me, sp, ct) =>
            {
                var approve = f.Bool("approve");
                var date = f.Date("newDueDate");
                var request = f.Request(id);
                return sp.GetRequiredService<DecideExtension>().RunAsync(me, request, approve ?? Required<bool>("approve"), date,
                    f.Text("leader"), f.Text("note"), ct);
            });
        Action(api, "/{id:long}/submission", "申请销号: submit for closure with evidence files (note, files)",
            (f, id, me, sp, ct) => sp.GetRequiredService<SubmitForClosure>().RunAsync(me, f.Request(id), f.Files, f.Text("note"), ct));
        Action(api, "/{id:long}/verification", "Take a submission up for verification (note)",
            (f, id, me, sp, ct) => sp.GetRequiredService<StartVerification>().RunAsync(me, f.Request(id), f.Text("note"), ct));
        Action(api, "/{id:long}/accept", "验收通过: accept the submission; the verifier is recorded (note)",
            (f, id, me, sp, ct) => sp.GetRequiredService<AcceptSubmission>().RunAsync(me, f.Request(id), f.Text("note"), ct));
        Action(api, "/{id:long}/return", "退回: return the submission with requirements (requirements, falseReply, files)",
            (f, id, me, sp, ct) =>
            {
                var falseReply = f.Bool("falseReply") ?? false;
                var request = f.Request(id);
                return sp.GetRequiredService<ReturnSubmission>().RunAsync(me, request, f.Text("requirements") ?? "", falseReply, f.Files, ct);
            });
        Action(api, "/{id:long}/objection", "An objection received during public notice (objection)",
            (f, id, me, sp, ct) => sp.GetRequiredService<ObjectDuringPublicNotice>().RunAsync(me, f.Request(id), f.Text("objection") ?? "", ct));
        Action(api, "/{id:long}/close", "销号: close after the public notice (note)",
            (f, id, me, sp, ct) => sp.GetRequiredService<CloseAssignment>().RunAsync(me, f.Request(id), f.Text("note"), ct));
        Action(api, "/{id:long}/close-unfounded", "Close a complaint as unfounded with the investigation record (investigation, files)",
            (f, id, me, sp, ct) => sp.GetRequiredService<CloseComplaintAsUnfounded>().RunAsync(me, f.Request(id), f.Text("investigation") ?? "", f.Files, ct));
        Action(api, "/{id:long}/look-back", "回头看: record a look-back (result pass|relapse, note, newDueDate for a relapse, files)",
            (f, id, me, sp, ct) =>
            {
                var result = f.Enum<LookBackResult>("result");
                var date = f.Date("newDueDate");
                var request = f.Request(id);
                return sp.GetRequiredService<RecordLookBack>().RunAsync(me, request, result ?? Required<LookBackResult>("result"),
                    f.Text("note"), date, f.Files, ct);
            });
        Action(api, "/{id:long}/chaser", "催办: chase the unit (message, colour)",
            (f, id, me, sp, ct) => sp.GetRequiredService<IssueChaser>().RunAsync(me, f.Request(id), f.Text("message") ?? "", f.Text("colour"), ct));
        Action(api, "/{id:long}/chasers/{chaserId:long}/acknowledge", "The unit's receipt for a chaser (note)",
            (f, id, me, sp, ct) =>
            {
                var chaserId = long.Parse((string)f.RouteValues["chaserId"]!, System.Globalization.CultureInfo.InvariantCulture);
                return sp.GetRequiredService<AcknowledgeChaser>().RunAsync(me, f.Request(id), chaserId, f.Text("note"), ct);
            });

        app.MapPost("/api/problems", async (HttpRequest http, CurrentActor me, RecordProblem record, CancellationToken ct) =>
            {
                var f = await ActionForm.ReadAsync(http, ct);
                var report = new ProblemReport(
                    f.Long("campaignId") ?? 0, f.Enum<ProblemSource>("source") ?? ProblemSource.Inspection, f.Text("level"),
                    f.Long("townUnitId") ?? 0, f.Long("verifierUnitId") ?? 0, f.RequiredText("name"), f.Text("problemType"),
                    f.Text("requirements"), f.Date("dueDate") ?? Required<DateOnly>("dueDate"), f.Text("repeatOf"), f.Files, f.IdempotencyKey);
                f.ThrowIfInvalid();
                var item = await record.RunAsync(me.Actor, report, ct);
                return Results.Created($"/api/assignments/{item.Id}", item);
            })
            .RequireAuthorization(AccessSetup.ApiPolicy).DisableAntiforgery().WithTags("Assignments")
            .WithSummary("Record a problem found by inspection, a complaint, a media exposure or an upper-level hand-over; assigns it to the town. A retry with the same Idempotency-Key returns the first answer and records nothing more");
        return app;
    }

    private delegate Task<ActionResult> ActionBody(ActionForm form, long id, Accountability.Access.Actor me, IServiceProvider services,
        CancellationToken cancellationToken);

    private static void Action(RouteGroupBuilder api, string pattern, string summary, ActionBody body) =>
        api.MapPost(pattern, async (long id, HttpContext http, CurrentActor me, CancellationToken ct) =>
            {
                var form = await ActionForm.ReadAsync(http.Request, ct);
                var result = await body(form, id, me.Actor, http.RequestServices, ct);
                return ActionForm.Reply(http, result);
            })
            .WithSummary(summary);

    private static T Required<T>(string field) =>
        throw new InputRejectedException([new InputProblem("request", null, null, field, "is required")]);
}
