using System.Globalization;
using Accountability.Access;
using Accountability.Audit;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Accountability.Notices;

/// <summary>The messages put back in the relay's queue, by id.</summary>
public sealed record OutboxRequeued(IReadOnlyList<long> Ids);

/// <summary>
/// Puts outbox messages the relay gave up on back in its queue once the cause is fixed (the SMTP server configured, the
/// receiving system back): due at once, their attempts counted afresh, their last error kept until the next attempt
/// replaces it. Only abandoned messages: one still being retried is queued already, and a delivered one must not be
/// sent again. The change and its audit event commit together; chosen messages are all re-queued or none is.
/// <c>actor</c> null is the command line on the server itself (audited as <c>cli</c>); anyone else needs
/// <see cref="Operation.RunCycles"/>, under which documents are published and sent.
/// </summary>
public sealed partial class RequeueOutboxMessages(NpgsqlDataSource dataSource, TimeProvider time, AccessPolicy access,
    ILogger<RequeueOutboxMessages> logger) : IUseCase
{
    private const string LockChosen = """
        SELECT id, delivered_at AS DeliveredAt, abandoned_at AS AbandonedAt, attempts, next_attempt_at AS NextAttemptAt
        FROM outbox_message WHERE id = ANY(@ids) ORDER BY id FOR UPDATE
        """;

    private const string RequeueChosen = """
        UPDATE outbox_message SET abandoned_at = NULL, attempts = 0, next_attempt_at = @now WHERE id = ANY(@ids)
        """;

    private const string RequeueAbandoned = """
        UPDATE outbox_message SET abandoned_at = NULL, attempts = 0, next_attempt_at = @now
        WHERE delivered_at IS NULL AND abandoned_at IS NOT NULL
        RETURNING id
        """;

    /// <summary>Re-queues the messages <paramref name="ids"/> (refused, writing nothing, when one does not exist or is
    /// not abandoned), or with <paramref name="ids"/> null every abandoned message.</summary>
    public async Task<OutboxRequeued> RunAsync(Actor? actor, IReadOnlyCollection<long>? ids, CancellationToken cancellationToken = default)
    {
        if (actor is not null)
        {
            await access.RequireAsync(actor, Operation.RunCycles, cancellationToken: cancellationToken);
        }

        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        List<long> requeued;
        if (ids is null)
        {
            requeued = (await connection.QueryAsync<long>(new CommandDefinition(RequeueAbandoned, new { now }, transaction,
                cancellationToken: cancellationToken))).Order().ToList();
        }
        else
        {
            var chosen = ids.Distinct().Order().ToArray();
            var rows = (await connection.QueryAsync<OutboxState>(new CommandDefinition(LockChosen, new { ids = chosen }, transaction,
                cancellationToken: cancellationToken))).AsList();
            var missing = chosen.Except(rows.Select(r => r.Id)).ToList();
            if (missing.Count > 0)
            {
                throw new NotFoundException($"No outbox message {string.Join(", ", missing)}; nothing was re-queued.");
            }

            BusinessRule.Check(new OnlyAnAbandonedMessageIsRequeuedRule(rows));
            await connection.ExecuteAsync(new CommandDefinition(RequeueChosen, new { ids = chosen, now }, transaction,
                cancellationToken: cancellationToken));
            requeued = [.. chosen];
        }

        if (requeued.Count == 0)
        {
            return new OutboxRequeued([]);
        }

        var auditActor = actor is null ? AuditActor.Cli : AuditActor.Person(actor.PersonId);
        await AuditLog.AppendAsync(connection, AuditEntry.Create("outbox.requeued", auditActor, now,
            new { ids = requeued, count = requeued.Count, allAbandoned = ids is null }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogRequeued(logger, requeued.Count, auditActor.Name);
        return new OutboxRequeued(requeued);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} abandoned outbox message(s) re-queued by {Actor}")]
    private static partial void LogRequeued(ILogger logger, int count, string actor);
}

/// <summary>A chosen message's delivery state, read under its row lock.</summary>
public sealed record OutboxState(long Id, DateTimeOffset? DeliveredAt, DateTimeOffset? AbandonedAt, int Attempts, DateTimeOffset NextAttemptAt);

/// <summary>Only a message the relay gave up on is re-queued: a delivered one would be sent twice, and one still being
/// retried is in the queue already.</summary>
public sealed class OnlyAnAbandonedMessageIsRequeuedRule(IReadOnlyList<OutboxState> chosen) : IBusinessRule
{
    public bool IsBroken() => chosen.Any(NotAbandoned);

    public string Message => "Only abandoned outbox messages can be re-queued, and nothing was re-queued: " + string.Join("; ",
        chosen.Where(NotAbandoned).Select(m => m.DeliveredAt is { } delivered
            ? $"message {m.Id} was delivered at {Utc(delivered)}"
            : $"message {m.Id} is still queued (attempt {m.Attempts + 1} due at {Utc(m.NextAttemptAt)})")) + ".";

    private static bool NotAbandoned(OutboxState message) => message.AbandonedAt is null || message.DeliveredAt is not null;

    private static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
