using Accountability.Access;
using Accountability.Plans;
using Accountability.Web.Access;

namespace Accountability.Web.Plans;

public static class PlansApi
{
    public static IEndpointRouteBuilder MapPlansApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/plans").RequireAuthorization(AccessSetup.ApiPolicy).DisableAntiforgery().WithTags("Plans");

        // The plan file is the request body (Content-Type is ignored); its name says which format it is. The use cases
        // check Operation.ManagePlans (headquarters planners) themselves.
        api.MapPost("/validate", async (HttpRequest request, string fileName, string? campaign, CurrentActor me,
                ValidatePlan validate, CancellationToken ct) =>
                await validate.RunAsync(me.Actor, await ReadAsync(request, fileName, campaign, ct), ct))
            .WithSummary("Check a plan (.yaml, .xlsx, .csv sent as the body) against the organisation, the calendar and the compilation rules; writes nothing");

        api.MapPost("/diff", async (HttpRequest request, string fileName, string? campaign, CurrentActor me, DiffPlan diff,
                CancellationToken ct) =>
                await diff.RunAsync(me.Actor, await ReadAsync(request, fileName, campaign, ct), cancellationToken: ct))
            .WithSummary("What importing the plan would add, change and cancel; writes nothing");

        // expectedVersion: the version the diff said the import becomes. With it a retried or repeated import (or one
        // after another planner's) is refused with 409 naming the version the campaign is at, and writes nothing.
        api.MapPost("/import", async (HttpRequest request, string fileName, string? campaign, int? expectedVersion, CurrentActor me,
                ImportPlan import, CancellationToken ct) =>
                await import.RunAsync(me.Actor, await ReadAsync(request, fileName, campaign, ct) with { ExpectedVersion = expectedVersion },
                    cancellationToken: ct))
            .WithSummary("Import the plan as a new version of its campaign and issue the assignments; with expectedVersion (the diff's version) a repeated import is refused with 409 and writes nothing");

        api.MapGet("/campaigns", async (CurrentActor me, AccessPolicy access, PlanStore store, CancellationToken ct) =>
            {
                await access.RequireAsync(me.Actor, Operation.ViewCampaign, cancellationToken: ct);
                return await store.ListCampaignsAsync(ct);
            })
            .WithSummary("Campaigns with their settings, cadence, current plan version and assignment counts");

        api.MapGet("/campaigns/{code}", async (string code, CurrentActor me, AccessPolicy access, PlanStore store, CancellationToken ct) =>
            {
                await access.RequireAsync(me.Actor, Operation.ViewCampaign, cancellationToken: ct);
                return await store.GetCampaignAsync(code, ct);
            })
            .WithSummary("One campaign");

        api.MapGet("/campaigns/{code}/versions", async (string code, CurrentActor me, AccessPolicy access, PlanStore store,
                CancellationToken ct) =>
            {
                await access.RequireAsync(me.Actor, Operation.ViewCampaign, cancellationToken: ct);
                return await store.ListVersionsAsync(code, ct);
            })
            .WithSummary("The campaign's plan versions: file, SHA-256, who imported it and what it changed");

        api.MapGet("/campaigns/{code}/tasks", async (string code, bool? includeCancelled, CurrentActor me, AccessPolicy access,
                PlanStore store, CancellationToken ct) =>
            {
                await access.RequireAsync(me.Actor, Operation.ViewCampaign, cancellationToken: ct);
                return await store.ListTasksAsync(code, includeCancelled ?? false, ct);
            })
            .WithSummary("The campaign's tasks with their units, deadline, milestones and assignment counts");

        api.MapGet("/campaigns/{code}/ledger", async (string code, bool? includeCancelled, CurrentActor me, AccessPolicy access,
                PlanStore store, CancellationToken ct) =>
            {
                await access.RequireAsync(me.Actor, Operation.ViewCampaign, cancellationToken: ct);
                return await store.ListLedgerAsync(code, includeCancelled ?? false, ct);
            })
            .WithSummary("The campaign's ledger items (enterprises, problems) with their town, verifier and state");
        return app;
    }

    private static async Task<PlanRequest> ReadAsync(HttpRequest request, string fileName, string? campaign, CancellationToken ct)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, ct);
        return new PlanRequest(fileName, body.ToArray(), string.IsNullOrWhiteSpace(campaign) ? null : campaign);
    }
}
