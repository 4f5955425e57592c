using Accountability.Access;
using Accountability.Audit;
using Accountability.Notices;
using Dapper;
using Npgsql;

namespace Accountability.Scoring;

public sealed record AppealDecided(long AppealId, bool Accepted, long? RecomputedRunId, string? OutputSha256, IReadOnlyList<long> ReissuedDocumentIds);

/// <summary>
/// Headquarters accepts or rejects an appeal. Accepting takes the appealed events out of scoring (everywhere they
/// counted — a fact found wrong is wrong for every rule), or the whole entry when it rests on no events (a light, a
/// missing report); then recomputes the period and the periods after it, and re-issues as new versions the documents
/// whose content changed. The decision, the recomputation and the notices commit together.
/// </summary>
public sealed class DecideAppeal(NpgsqlDataSource dataSource, AccessPolicy access, RecomputePeriod recompute, LedgerEvents ledgerEvents,
    TimeProvider time) : IUseCase
{
    private const string Lock = """
        SELECT a.id, a.campaign_id, a.cycle, a.period, a.unit_id, a.rule_id, a.event_ids, a.state, a.ledger_entry_id
        FROM appeal a
        WHERE a.id = @appealId FOR UPDATE OF a
        """;

    private const string Decide = """
        UPDATE appeal SET state = @state, decided_by = @personId, decided_at = @now, decision_reason = @reason, recompute_run_id = @runId
        WHERE id = @appealId
        """;

    private const string ExcludeEvents = """
        INSERT INTO score_exclusion (campaign_id, appeal_id, event_id, unit_id, rule_id, cycle, period)
        SELECT @campaignId, @appealId, e, @unitId, @ruleId, @cycle, @period FROM unnest(@events) AS e
        """;

    private const string ExcludeEntry = """
        INSERT INTO score_exclusion (campaign_id, appeal_id, event_id, unit_id, rule_id, cycle, period)
        VALUES (@campaignId, @appealId, NULL, @unitId, @ruleId, @cycle, @period)
        """;

    public async Task<AppealDecided> RunAsync(Actor actor, long appealId, bool accept, string reason, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(actor, Operation.DecideAppeal, cancellationToken: cancellationToken);
        BusinessRule.Check(new AppealMustGiveReasonsRule(reason));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var appeal = await connection.QuerySingleOrDefaultAsync<(long Id, long CampaignId, string Cycle, string Period, long UnitId, string RuleId, long[]? EventIds,
            string State, long LedgerEntryId)?>(new CommandDefinition(Lock, new { appealId }, cancellationToken: cancellationToken))
            ?? throw new NotFoundException($"No appeal {appealId}.");
        BusinessRule.Check(new AppealMustBePendingRule(appeal.State));
        var now = time.GetUtcNow();
        var who = AuditActor.Person(actor.PersonId);
        ScoreRunResult? recomputed = null;
        var reissued = new List<long>();
        if (accept)
        {
            var events = appeal.EventIds ?? await ledgerEvents.ForEntryAsync(connection, appeal.LedgerEntryId, cancellationToken);
            var values = new
            {
                campaignId = appeal.CampaignId, appealId, unitId = appeal.UnitId, ruleId = appeal.RuleId, cycle = appeal.Cycle, period = appeal.Period, events,
            };
            await connection.ExecuteAsync(new CommandDefinition(events.Length > 0 ? ExcludeEvents : ExcludeEntry, values, cancellationToken: cancellationToken));
            var runs = await recompute.RunAsync(connection, appeal.CampaignId, appeal.Cycle, appeal.Period, appealId, now, who, cancellationToken);
            recomputed = runs[0];
            reissued.AddRange(runs.SelectMany(r => r.ReissuedDocumentIds));
        }

        await connection.ExecuteAsync(new CommandDefinition(Decide, new
        {
            appealId, state = accept ? "accepted" : "rejected", personId = actor.PersonId, now, reason = reason.Trim(), runId = recomputed?.RunId,
        }, cancellationToken: cancellationToken));
        await NoticeWriter.WriteAsync(connection, [new Notice(appeal.UnitId, appeal.CampaignId, "appeal",
            accept ? "申诉已采纳，本期结果已重新计算" : "申诉未予采纳", reason.Trim(), $"/appeals/{appealId}",
            NoticeKeys.For(NoticeKeys.Appeal(appealId, "decided"), appeal.UnitId))], now, cancellationToken);
        await AuditLog.AppendAsync(connection, AuditEntry.Create(accept ? "appeal.accepted" : "appeal.rejected", who, now, new
        {
            appealId, reason = reason.Trim(), recomputedRunId = recomputed?.RunId, outputSha256 = recomputed?.OutputSha256, reissuedDocuments = reissued,
        }, unitId: appeal.UnitId, campaignId: appeal.CampaignId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new AppealDecided(appealId, accept, recomputed?.RunId, recomputed?.OutputSha256, reissued);
    }
}

public sealed class AppealMustBePendingRule(string state) : IBusinessRule
{
    public bool IsBroken() => state != "pending";

    public string Message => $"The appeal has already been decided ({state}).";
}
