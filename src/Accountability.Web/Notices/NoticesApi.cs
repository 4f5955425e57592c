using Accountability.Notices;
using Accountability.Web.Access;

namespace Accountability.Web.Notices;

public static class NoticesApi
{
    public static IEndpointRouteBuilder MapNoticesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/notices").RequireAuthorization(AccessSetup.ApiPolicy).DisableAntiforgery()
            .WithTags("Notices");

        api.MapGet("/", async (bool? unread, int? limit, CurrentActor me, ListNotifications list, CancellationToken ct) =>
                await list.RunAsync(me.Actor, unread ?? false, limit ?? 100, ct))
            .WithSummary("Notifications addressed to me or to a unit I act for, newest first");

        api.MapPost("/{id:long}/read", async (long id, CurrentActor me, MarkNotificationRead read, CancellationToken ct) =>
                await read.RunAsync(me.Actor, id, ct))
            .WithSummary("Record the read receipt (proof of notice); the first reader and time are kept");
        return app;
    }
}
