using Accountability.Access;
using Accountability.Audit;
using Accountability.Organization;
using Accountability.Web.Access;

namespace Accountability.Web.Organization;

public static class OrganizationApi
{
    public static IEndpointRouteBuilder MapOrganizationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/organization").RequireAuthorization(AccessSetup.ApiPolicy).DisableAntiforgery()
            .WithTags("Organization");

        api.MapGet("/units", async (OrganizationStore store, CancellationToken ct) => await store.ListUnitsAsync(ct))
            .WithSummary("Every unit with its kind, parent, ranking category and leadership posts");

        // The file is the request body (Content-Type is ignored); its name says which format it is.
        api.MapPost("/import", async (HttpRequest request, string fileName, bool? dryRun, CurrentActor me,
                AccessPolicy access, ImportOrganization import, CancellationToken ct) =>
            {
                await access.RequireAsync(me.Actor, Operation.ManageOrganization, cancellationToken: ct);
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body, ct);
                return await import.RunAsync(fileName, body.ToArray(), AuditActor.Person(me.Actor.PersonId), dryRun ?? false, ct);
            })
            .WithSummary("Validate (dryRun=true) or import an organisation file (.yaml, .xlsx, .csv) sent as the body");
        return app;
    }
}
