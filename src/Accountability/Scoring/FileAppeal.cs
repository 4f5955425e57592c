using Accountability.Access;
using Accountability.Audit;
using Accountability.Notices;
using Dapper;
using Npgsql;

namespace Accountability.Scoring;

/// <summary>A file offered in support of an appeal: its name and SHA-256 (the file itself travels by the evidence
/// store), and what it shows.</summary>
public sealed record AppealEvidence(string Name, string Sha256, string? Note);

public sealed record AppealFiled(long AppealId, long LedgerEntryId, string RuleId, string Period, long UnitId);

/// <summary>
/// 申诉: a unit appeals a line of its point ledger in the period's current result, giving reasons and evidence, and
/// optionally naming only some of the events behind the line. Headquarters is notified; the appeal waits for a decision.
/// </summary>
public sealed class FileAppeal(NpgsqlDataSource dataSource, AccessPolicy access, LedgerEvents ledgerEvents, TimeProvider time) : IUseCase
{
    private const string SelectEntry = """
        SELECT e.id, e.unit_id, e.rule_id, e.rule_name, e.points, r.current, r.campaign_id, r.cycle, r.period, c.headquarters_unit_id
        FROM score_ledger_entry e JOIN score_run r ON r.id = e.run_id JOIN campaign c ON c.id = r.campaign_id
        WHERE e.id = @ledgerEntryId
        """;

    private const string SelectPending = "SELECT count(*) FROM appeal WHERE ledger_entry_id = @ledgerEntryId AND state = 'pending'";

    // Two appeals of one entry filed at once both pass the check above; the unique index on pending appeals lets one in
    // and the other, waiting for it, inserts nothing (no id) and is refused by the same rule.
    private const string Insert = """
        INSERT INTO appeal (campaign_id, cycle, period, ledger_entry_id, unit_id, rule_id, event_ids, reasons, evidence, state, filed_by, filed_at)
        VALUES (@campaignId, @cycle, @period, @ledgerEntryId, @unitId, @ruleId, @eventIds, @reasons, @evidence::jsonb, 'pending', @personId, @now)
        ON CONFLICT (ledger_entry_id) WHERE state = 'pending' DO NOTHING
        RETURNING id
        """;

    public async Task<AppealFiled> RunAsync(Actor actor, long ledgerEntryId, string reasons, IReadOnlyList<AppealEvidence> evidence,
        IReadOnlyList<long>? eventIds = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var entry = await connection.QuerySingleOrDefaultAsync<(long Id, long UnitId, string RuleId, string RuleName, decimal Points, bool Current,
            long CampaignId, string Cycle, string Period, long? Headquarters)?>(new CommandDefinition(SelectEntry, new { ledgerEntryId }, cancellationToken: cancellationToken))
            ?? throw AccessPolicy.Absent($"No ledger entry {ledgerEntryId}.");
        await access.RequireAsync(actor, Operation.Appeal, entry.UnitId, hideExistence: true, cancellationToken: cancellationToken);
        BusinessRule.Check(new AppealMustConcernTheCurrentResultRule(entry.Current));
        BusinessRule.Check(new AppealMustGiveReasonsRule(reasons));
        BusinessRule.Check(new AppealMustConcernADeductionRule(entry.Points));
        if (eventIds is { Count: > 0 })
        {
            BusinessRule.Check(new AppealedEventsMustBelongToTheEntryRule(eventIds,
                await ledgerEvents.ForEntryAsync(connection, entry.Id, cancellationToken)));
        }
        foreach (var file in evidence)
        {
            if (file.Sha256.Length != 64 || !file.Sha256.All(char.IsAsciiHexDigit))
            {
                throw new InputRejectedException([new InputProblem("appeal", null, null, "evidence.sha256", $"'{file.Name}': the SHA-256 must be 64 hexadecimal digits")]);
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        BusinessRule.Check(new OneAppealPerEntryAtATimeRule(await connection.ExecuteScalarAsync<int>(new CommandDefinition(SelectPending, new { ledgerEntryId },
            cancellationToken: cancellationToken))));
        var now = time.GetUtcNow();
        var appealed = eventIds is { Count: > 0 } ? eventIds.Distinct().Order().ToArray() : null;
        var inserted = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(Insert, new
        {
            campaignId = entry.CampaignId, cycle = entry.Cycle, period = entry.Period, ledgerEntryId, unitId = entry.UnitId, ruleId = entry.RuleId,
            eventIds = appealed, reasons = reasons.Trim(), evidence = System.Text.Json.JsonSerializer.Serialize(evidence, AuditEntry.PayloadJsonOptions),
            personId = actor.PersonId, now,
        }, cancellationToken: cancellationToken));
        BusinessRule.Check(new OneAppealPerEntryAtATimeRule(inserted is null ? 1 : 0));
        var id = inserted.GetValueOrDefault();
        if (entry.Headquarters is { } hq)
        {
            await NoticeWriter.WriteAsync(connection, [new Notice(hq, entry.CampaignId, "appeal", $"申诉待处理：{entry.Period} {entry.RuleName}",
                reasons.Trim(), $"/appeals/{id}", NoticeKeys.For(NoticeKeys.Appeal(id, "filed"), hq), Audience: NoticeAudience.Headquarters)],
                now, cancellationToken);
        }

        await AuditLog.AppendAsync(connection, AuditEntry.Create("appeal.filed", AuditActor.Person(actor.PersonId), now, new
        {
            appealId = id, ledgerEntryId, rule = entry.RuleId, period = entry.Period, eventIds = appealed, reasons = reasons.Trim(), evidence,
        }, unitId: entry.UnitId, campaignId: entry.CampaignId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new AppealFiled(id, ledgerEntryId, entry.RuleId, entry.Period, entry.UnitId);
    }
}

public sealed class AppealMustConcernTheCurrentResultRule(bool current) : IBusinessRule
{
    public bool IsBroken() => !current;

    public string Message => "This ledger entry belongs to a result that has since been recomputed; appeal the entry of the current result.";
}

public sealed class AppealMustGiveReasonsRule(string? reasons) : IBusinessRule
{
    public bool IsBroken() => string.IsNullOrWhiteSpace(reasons);

    public string Message => "An appeal must say why the points are wrong.";
}

public sealed class AppealMustConcernADeductionRule(decimal points) : IBusinessRule
{
    public bool IsBroken() => points >= 0;

    public string Message => "Only deductions can be appealed.";
}

public sealed class AppealedEventsMustBelongToTheEntryRule(IReadOnlyList<long>? appealed, long[] entryEvents) : IBusinessRule
{
    public bool IsBroken() => appealed is { Count: > 0 } && appealed.Any(e => !entryEvents.Contains(e));

    public string Message => "Every appealed event must be one of the events behind the ledger entry.";
}

public sealed class OneAppealPerEntryAtATimeRule(int pending) : IBusinessRule
{
    public bool IsBroken() => pending > 0;

    public string Message => "This ledger entry already has an appeal waiting for a decision.";
}
