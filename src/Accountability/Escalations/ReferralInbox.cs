using Accountability.Access;
using Accountability.Audit;
using Dapper;
using Npgsql;

namespace Accountability.Escalations;

public sealed record ReferralSummary(
    long Id,
    string Campaign,
    string Cycle,
    string Period,
    long UnitId,
    string UnitCode,
    string UnitName,
    string Level,
    string[] Kinds,
    string[] Posts,
    string State,
    long? DocumentId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? AcknowledgedAt,
    string? Disposition,
    string? DispositionReasons,
    DateTimeOffset? DisposedAt,
    string? WithdrawnReason);

public sealed record ReferralDossier(long ReferralId, int Version, string Sha256, DateTimeOffset SealedAt, string Content);

public sealed record ReferralDetail(ReferralSummary Referral, ReferralDossier? Dossier);

/// <summary>Filters for the inbox; all optional.</summary>
public sealed record ReferralFilter(string? Campaign = null, string? Unit = null, string? Level = null, string? Period = null, string? State = null);

/// <summary>
/// The discipline inspection commission's inbox (纪委监委): referrals filtered by unit, level and period, each with its
/// sealed dossier; acknowledging receipt; recording the disposition (诫勉, 通报, 党纪处分, or no action with reasons).
/// Only the discipline role may do any of it, and every list, view and decision is written to the audit log.
/// </summary>
public sealed class ReferralInbox(NpgsqlDataSource dataSource, AccessPolicy access, TimeProvider time) : IUseCase
{
    public static readonly IReadOnlyDictionary<string, string> Dispositions = new Dictionary<string, string>
    {
        ["formal_caution"] = "诫勉",
        ["public_criticism"] = "通报",
        ["party_discipline"] = "党纪处分",
        ["no_action"] = "不予处理",
    };

    private const string Select = """
        SELECT r.id, c.code AS campaign, r.cycle, r.period, r.unit_id AS unitid, u.code AS unitcode, u.name AS unitname, r.level, r.kinds, r.posts,
               r.state, r.document_id AS documentid, r.created_at AS createdat, r.acknowledged_at AS acknowledgedat, r.disposition,
               r.disposition_reasons AS dispositionreasons, r.disposed_at AS disposedat, r.withdrawn_reason AS withdrawnreason
        FROM referral r JOIN unit u ON u.id = r.unit_id JOIN campaign c ON c.id = r.campaign_id
        """;

    private const string Where = """
        WHERE (@campaign::text IS NULL OR c.code = @campaign) AND (@unit::text IS NULL OR u.code = @unit)
          AND (@level::text IS NULL OR r.level = @level) AND (@period::text IS NULL OR r.period = @period)
          AND (@state::text IS NULL OR r.state = @state)
        ORDER BY r.period DESC, u.sort_order, u.code, r.id
        """;

    private const string SelectDossier = """
        SELECT referral_id AS referralid, version, sha256, sealed_at AS sealedat, content::text AS content FROM referral_dossier WHERE referral_id = @id ORDER BY version DESC LIMIT 1
        """;

    private const string LockReferral = "SELECT state FROM referral WHERE id = @id FOR UPDATE";

    private const string Acknowledge = """
        UPDATE referral SET state = 'acknowledged', acknowledged_at = @now, acknowledged_by = @personId, updated_at = @now WHERE id = @id
        """;

    private const string Dispose = """
        UPDATE referral SET state = 'disposed', disposition = @disposition, disposition_reasons = @reasons, disposed_at = @now,
                            disposed_by = @personId, updated_at = @now,
                            acknowledged_at = coalesce(acknowledged_at, @now), acknowledged_by = coalesce(acknowledged_by, @personId)
        WHERE id = @id
        """;

    public async Task<IReadOnlyList<ReferralSummary>> ListAsync(Actor actor, ReferralFilter filter, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(actor, Operation.HandleReferrals, cancellationToken: cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var list = (await connection.QueryAsync<ReferralSummary>(new CommandDefinition(Select + "\n" + Where, filter, cancellationToken: cancellationToken))).ToList();
        await AuditLog.AppendAsync(connection, AuditEntry.Create("referral.inbox_listed", AuditActor.Person(actor.PersonId), time.GetUtcNow(),
            new { filter, referrals = list.Select(r => r.Id) }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return list;
    }

    public async Task<ReferralDetail> GetAsync(Actor actor, long id, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(actor, Operation.HandleReferrals, hideExistence: true, cancellationToken: cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var referral = await LoadAsync(connection, id, cancellationToken);
        var dossier = await connection.QuerySingleOrDefaultAsync<ReferralDossier>(new CommandDefinition(SelectDossier, new { id }, cancellationToken: cancellationToken));
        await AuditLog.AppendAsync(connection, AuditEntry.Create("referral.viewed", AuditActor.Person(actor.PersonId), time.GetUtcNow(),
            new { referralId = id, dossierVersion = dossier?.Version, dossierSha256 = dossier?.Sha256 }, unitId: referral.UnitId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new ReferralDetail(referral, dossier);
    }

    public async Task<ReferralSummary> AcknowledgeAsync(Actor actor, long id, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(actor, Operation.HandleReferrals, hideExistence: true, cancellationToken: cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var state = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(LockReferral, new { id }, cancellationToken: cancellationToken))
                    ?? throw new NotFoundException($"No referral {id}.");
        BusinessRule.Check(new ReferralMustBeReceivedToAcknowledgeRule(state));
        var now = time.GetUtcNow();
        await connection.ExecuteAsync(new CommandDefinition(Acknowledge, new { id, now, personId = actor.PersonId }, cancellationToken: cancellationToken));
        var referral = await LoadAsync(connection, id, cancellationToken);
        await AuditLog.AppendAsync(connection, AuditEntry.Create("referral.acknowledged", AuditActor.Person(actor.PersonId), now,
            new { referralId = id }, unitId: referral.UnitId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return referral;
    }

    public async Task<ReferralSummary> DisposeAsync(Actor actor, long id, string disposition, string reasons, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(actor, Operation.HandleReferrals, hideExistence: true, cancellationToken: cancellationToken);
        if (!Dispositions.ContainsKey(disposition))
        {
            throw new InputRejectedException([new InputProblem("disposition", null, null, "disposition",
                $"'{disposition}' is not a disposition; expected one of: {string.Join(", ", Dispositions.Select(d => $"{d.Key} ({d.Value})"))}")]);
        }

        BusinessRule.Check(new DispositionMustGiveReasonsRule(reasons));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var state = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(LockReferral, new { id }, cancellationToken: cancellationToken))
                    ?? throw new NotFoundException($"No referral {id}.");
        BusinessRule.Check(new ReferralMustBeOpenToDisposeRule(state));
        var now = time.GetUtcNow();
        await connection.ExecuteAsync(new CommandDefinition(Dispose, new { id, disposition, reasons = reasons.Trim(), now, personId = actor.PersonId },
            cancellationToken: cancellationToken));
        var referral = await LoadAsync(connection, id, cancellationToken);
        await AuditLog.AppendAsync(connection, AuditEntry.Create("referral.disposed", AuditActor.Person(actor.PersonId), now,
            new { referralId = id, disposition, dispositionName = Dispositions[disposition], reasons = reasons.Trim() }, unitId: referral.UnitId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return referral;
    }

    private static async Task<ReferralSummary> LoadAsync(NpgsqlConnection connection, long id, CancellationToken ct) =>
        await connection.QuerySingleOrDefaultAsync<ReferralSummary>(new CommandDefinition(Select + "\nWHERE r.id = @id", new { id }, cancellationToken: ct))
        ?? throw new NotFoundException($"No referral {id}.");
}

public sealed class ReferralMustBeReceivedToAcknowledgeRule(string state) : IBusinessRule
{
    public bool IsBroken() => state != "received";

    public string Message => $"Only a newly received referral can be acknowledged (this one is {state}).";
}

public sealed class ReferralMustBeOpenToDisposeRule(string state) : IBusinessRule
{
    public bool IsBroken() => state is not ("received" or "acknowledged");

    public string Message => $"Only an open referral can be disposed of (this one is {state}).";
}

public sealed class DispositionMustGiveReasonsRule(string? reasons) : IBusinessRule
{
    public bool IsBroken() => string.IsNullOrWhiteSpace(reasons);

    public string Message => "A disposition must give its reasons.";
}
