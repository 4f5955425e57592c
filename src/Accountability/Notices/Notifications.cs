using Accountability.Access;
using Accountability.Audit;
using Dapper;
using Npgsql;

namespace Accountability.Notices;

public sealed record NotificationView(long Id, long? UnitId, string? UnitName, long? CampaignId, string Kind, string Title, string Body,
    string? Link, DateTimeOffset CreatedAt, DateTimeOffset? ReadAt, long? ReadBy);

/// <summary>When and by whom a notification was first read; <see cref="FirstRead"/> says whether this call recorded it.</summary>
public sealed record NotificationReceipt(long Id, DateTimeOffset ReadAt, long ReadBy, bool FirstRead);

/// <summary>The in-app notifications addressed to the actor: to them in person, or to a unit where their role is to act
/// on it (<see cref="NoticeAudience"/>).</summary>
public sealed class ListNotifications(NpgsqlDataSource dataSource) : IUseCase
{
    // The plain unit_id = ANY(@units) is what lets the unread count (on every page) use notification_unit_unread; the
    // pairing with the audience alone would not, and would read the whole table.
    private const string Select = """
        SELECT n.id AS Id, n.unit_id AS UnitId, u.name AS UnitName, n.campaign_id AS CampaignId, n.kind AS Kind, n.title AS Title,
               n.body AS Body, n.link AS Link, n.created_at AS CreatedAt, n.read_at AS ReadAt, n.read_by AS ReadBy
        FROM notification n LEFT JOIN unit u ON u.id = n.unit_id
        WHERE (n.person_id = @personId
               OR (n.unit_id = ANY(@units)
                   AND (n.unit_id, n.audience) IN (SELECT r.unit_id, r.audience FROM unnest(@units, @audiences) AS r(unit_id, audience))))
          AND (NOT @unreadOnly OR n.read_at IS NULL)
        ORDER BY n.created_at DESC, n.id DESC
        LIMIT @limit
        """;

    public async Task<IReadOnlyList<NotificationView>> RunAsync(Actor actor, bool unreadOnly = false, int limit = 100,
        CancellationToken cancellationToken = default)
    {
        var (units, audiences) = NoticeAudiences.ReadBy(actor);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<NotificationView>(new CommandDefinition(Select, new
        {
            personId = actor.PersonId, units, audiences, unreadOnly, limit = Math.Clamp(limit, 1, 1000),
        }, cancellationToken: cancellationToken))).ToList();
    }
}

/// <summary>
/// Records the read receipt (proof of notice, 已阅): the first reader's time and name stay; reading again changes
/// nothing. Only the addressee, or someone whose role is to act on the notice in the addressed unit
/// (<see cref="NoticeAudience"/>), may acknowledge; the receipt is audited in the same transaction, which is what a
/// referral's timeline cites.
/// </summary>
public sealed class MarkNotificationRead(NpgsqlDataSource dataSource, TimeProvider time) : IUseCase
{
    private const string Lock = """
        SELECT id AS Id, unit_id AS UnitId, person_id AS PersonId, campaign_id AS CampaignId, assignment_id AS AssignmentId,
               kind AS Kind, audience AS Audience, read_at AS ReadAt, read_by AS ReadBy
        FROM notification WHERE id = @id FOR UPDATE
        """;

    private const string MarkRead = "UPDATE notification SET read_at = @now, read_by = @personId WHERE id = @id";

    public async Task<NotificationReceipt> RunAsync(Actor actor, long notificationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(Lock, new { id = notificationId });
        var addressed = row is not null && (row.PersonId == actor.PersonId || (row.UnitId is { } unit && actor.Reads(unit, row.Audience)));
        if (row is null || !addressed)
        {
            // Someone else's notification is as good as absent: its existence is not disclosed.
            throw new AccessDeniedException($"Notification {notificationId} is not addressed to {actor.Login}.", hideExistence: true);
        }

        var receipt = new NotificationReceipt(row.Id, row.ReadAt ?? default, row.ReadBy ?? actor.PersonId, FirstRead: row.ReadAt is null);
        if (row.ReadAt is null)
        {
            var now = time.GetUtcNow();
            receipt = receipt with { ReadAt = now };
            await connection.ExecuteAsync(MarkRead, new { id = row.Id, now, personId = actor.PersonId });
            await AuditLog.AppendAsync(connection, AuditEntry.Create("notification.read", AuditActor.Person(actor.PersonId), now,
                new { notification = row.Id, kind = row.Kind }, row.UnitId, row.CampaignId, row.AssignmentId), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return receipt;
    }

    private sealed record Row(long Id, long? UnitId, long? PersonId, long? CampaignId, long? AssignmentId, string Kind, string Audience, DateTimeOffset? ReadAt, long? ReadBy);
}
