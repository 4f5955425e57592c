using Accountability.Access;
using Accountability.Audit;
using Accountability.Cycles;
using Accountability.Web.Access;

namespace Accountability.Web.Cycles;

public static class CyclesApi
{
    public static IEndpointRouteBuilder MapCyclesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/cycles").RequireAuthorization(AccessSetup.ApiPolicy).DisableAntiforgery()
            .WithTags("Cycles");

        api.MapPost("/run", async (CycleRunRequest request, CurrentActor me, AccessPolicy access, RunCycle run, CancellationToken ct) =>
            {
                await access.RequireAsync(me.Actor, Operation.RunCycles, cancellationToken: ct);
                return await run.RunAsync(request, AuditActor.Person(me.Actor.PersonId), ct);
            })
            .WithSummary("Close a period by hand (campaign, period, optional cycle); dryRun shows what would be issued and writes nothing; a published period is re-closed with corrections as new versions");

        api.MapGet("/runs", async (string campaign, CurrentActor me, AccessPolicy access, CycleRunStore store, CancellationToken ct) =>
            {
                await access.RequireAsync(me.Actor, Operation.ViewCampaign, cancellationToken: ct);
                return await store.ListRunsAsync(campaign, ct);
            })
            .WithSummary("The campaign's cycle runs: period, status, attempts, who claimed and published it, and what it issued");

        api.MapPost("/look-back/sample", async (CurrentActor me, AccessPolicy access, SampleLookBacks sample, CancellationToken ct) =>
            {
                await access.RequireAsync(me.Actor, Operation.RunCycles, cancellationToken: ct);
                return await sample.RunAsync(ct);
            })
            .WithSummary("Sample closed items for look-back now (the scheduler also does it periodically)");
        return app;
    }
}
