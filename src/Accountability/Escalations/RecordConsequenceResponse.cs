using Accountability.Access;
using Accountability.Audit;
using Dapper;
using Npgsql;

namespace Accountability.Escalations;

/// <summary>The unit answers a response a consequence demanded (its rectification plan after a talk): recorded with
/// who and when, late or not. The answer goes to the consequence as the period's current run has it: a unit answering
/// from a notice about the consequence as first issued, since recomputed, answers the same demand.</summary>
public sealed class RecordConsequenceResponse(NpgsqlDataSource dataSource, AccessPolicy access, TimeProvider time) : IUseCase
{
    // The consequence named, or its namesake (same period, unit, kind and post) in the period's current run.
    private const string Lock = """
        SELECT r.consequence_id, r.unit_id, r.due_at, r.responded_at, c.campaign_id
        FROM consequence named
        JOIN consequence c ON c.campaign_id = named.campaign_id AND c.cycle = named.cycle AND c.period = named.period
                          AND c.unit_id = named.unit_id AND c.kind = named.kind AND c.post = named.post
        JOIN score_run s ON s.id = c.run_id AND s.current
        JOIN consequence_response r ON r.consequence_id = c.id AND r.kind = @kind
        WHERE named.id = @consequenceId
        FOR UPDATE OF r
        """;

    private const string Record = """
        UPDATE consequence_response SET responded_at = @now, responded_by = @personId, note = @note WHERE consequence_id = @consequenceId AND kind = @kind
        """;

    public async Task<DateTimeOffset> RunAsync(Actor actor, long consequenceId, string kind, string note, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(long ConsequenceId, long UnitId, DateTimeOffset DueAt, DateTimeOffset? RespondedAt, long CampaignId)?>(
            new CommandDefinition(Lock, new { consequenceId, kind }, cancellationToken: cancellationToken))
            ?? throw AccessPolicy.Absent($"Consequence {consequenceId} demands no response '{kind}'.");
        await access.RequireAsync(actor, Operation.ActOnItem, row.UnitId, hideExistence: true, cancellationToken: cancellationToken);
        BusinessRule.Check(new ResponseIsGivenOnceRule(row.RespondedAt));
        var now = time.GetUtcNow();
        await connection.ExecuteAsync(new CommandDefinition(Record, new { now, personId = actor.PersonId, note, consequenceId = row.ConsequenceId, kind }, cancellationToken: cancellationToken));
        await AuditLog.AppendAsync(connection, AuditEntry.Create("consequence.responded", AuditActor.Person(actor.PersonId), now,
            new { consequenceId = row.ConsequenceId, kind, note, dueAt = row.DueAt, late = now > row.DueAt }, unitId: row.UnitId, campaignId: row.CampaignId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return now;
    }
}

public sealed class ResponseIsGivenOnceRule(DateTimeOffset? respondedAt) : IBusinessRule
{
    public bool IsBroken() => respondedAt is not null;

    public string Message => $"This response was already given at {respondedAt:u}.";
}
