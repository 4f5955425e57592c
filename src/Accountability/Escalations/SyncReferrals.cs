using Accountability.Audit;
using Accountability.Documents;
using Accountability.Scoring;
using Dapper;
using Npgsql;

namespace Accountability.Escalations;

public sealed record ReferralSyncRequest(
    CampaignInfo Campaign,
    ScoringScope Scope,
    Rulebook Rulebook,
    long RunId,
    IReadOnlyDictionary<long, UnitInfo> Units,
    PeriodOutcome Outcome,
    IReadOnlyDictionary<(long, string, string?), long> ConsequenceIds,
    IssuedDocuments Documents,
    DateTimeOffset Now,
    AuditActor Actor,
    long? AppealId);

/// <summary>
/// Keeps the discipline inspection inbox in step with a run: one referral per unit and period whose consequences call
/// for one (formal caution, accountability); a recomputation updates it, revives it, or withdraws it when the grounds
/// are gone. Every new or changed referral gets a freshly sealed dossier. Returns the audit entries to append with the
/// run.
/// </summary>
public sealed class SyncReferrals(BuildReferralDossier dossiers) : IUseCase
{
    private const string SelectExisting = """
        SELECT id, natural_key, state FROM referral WHERE campaign_id = @campaignId AND cycle = @cycle AND period = @period
        """;

    private const string Insert = """
        INSERT INTO referral (campaign_id, cycle, period, unit_id, natural_key, run_id, consequence_ids, kinds, posts, level,
                              document_id, state, created_at, updated_at)
        VALUES (@campaignId, @cycle, @period, @unitId, @naturalKey, @runId, @consequenceIds, @kinds, @posts, @level, @documentId,
                'received', @now, @now)
        RETURNING id
        """;

    private const string Update = """
        UPDATE referral SET run_id = @runId, consequence_ids = @consequenceIds, kinds = @kinds, posts = @posts, level = @level,
                            document_id = @documentId, updated_at = @now,
                            state = CASE WHEN state = 'withdrawn' THEN 'received' ELSE state END, withdrawn_reason = NULL
        WHERE id = @id
        """;

    private const string Withdraw = """
        UPDATE referral SET state = 'withdrawn', withdrawn_reason = @reason, run_id = @runId, updated_at = @now WHERE id = @id
        """;

    public async Task<IReadOnlyList<AuditEntry>> SyncAsync(NpgsqlConnection connection, ReferralSyncRequest request, CancellationToken cancellationToken)
    {
        var (campaign, scope) = (request.Campaign, request.Scope);
        var existing = (await connection.QueryAsync<(long Id, string NaturalKey, string State)>(new CommandDefinition(SelectExisting,
                new { campaignId = campaign.Id, cycle = scope.Cycle, period = scope.Period }, cancellationToken: cancellationToken)))
            .ToDictionary(r => r.NaturalKey);
        var audit = new List<AuditEntry>();
        var produced = new HashSet<string>();
        foreach (var group in request.Outcome.Consequences.Where(c => ScoringVocabulary.IsReferral(c.Kind)).GroupBy(c => c.UnitId).OrderBy(g => g.Key))
        {
            var unitId = group.Key;
            var naturalKey = $"referral:{campaign.Id}:{scope.Cycle}:{scope.Period}:{unitId}";
            produced.Add(naturalKey);
            var posts = group.Select(c => c.Post ?? ScoringVocabulary.UnitPost).Distinct().ToArray();
            var values = new
            {
                campaignId = campaign.Id, cycle = scope.Cycle, period = scope.Period, unitId, naturalKey, runId = request.RunId,
                consequenceIds = group.Select(c => request.ConsequenceIds[(c.UnitId, c.Kind, c.Post)]).Order().ToArray(),
                kinds = group.Select(c => c.Kind).Distinct().ToArray(), posts,
                level = PeriodDocuments.ReferralLevel(posts),
                documentId = request.Documents.ReferralByUnit.TryGetValue(unitId, out var d) ? d : (long?)null, now = request.Now,
            };
            long referralId;
            string kind;
            if (existing.TryGetValue(naturalKey, out var row))
            {
                referralId = row.Id;
                await connection.ExecuteAsync(new CommandDefinition(Update, new
                {
                    id = row.Id, values.runId, values.consequenceIds, values.kinds, values.posts, values.level, values.documentId, values.now,
                }, cancellationToken: cancellationToken));
                kind = row.State == "withdrawn" ? "referral.revived" : "referral.updated";
            }
            else
            {
                referralId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(Insert, values, cancellationToken: cancellationToken));
                kind = "referral.created";
            }

            audit.Add(AuditEntry.Create(kind, request.Actor, request.Now, new
            {
                referralId, runId = request.RunId, period = scope.Period, level = values.level, posts, kinds = values.kinds,
                documentId = values.documentId, appealId = request.AppealId,
            }, unitId: unitId, campaignId: campaign.Id));
            if (await dossiers.SealAsync(connection, referralId, request.Rulebook, request.Now, cancellationToken) is { } sealedEntry)
            {
                audit.Add(AuditEntry.Create("referral.dossier_sealed", request.Actor, request.Now, sealedEntry, unitId: unitId, campaignId: campaign.Id));
            }
        }

        foreach (var stale in existing.Values.Where(r => !produced.Contains(r.NaturalKey) && r.State != "withdrawn").OrderBy(r => r.Id))
        {
            var reason = request.AppealId is { } appeal ? $"申诉（第{appeal}号）复核后不再符合移送情形" : "重新计算后不再符合移送情形";
            await connection.ExecuteAsync(new CommandDefinition(Withdraw, new { id = stale.Id, reason, runId = request.RunId, now = request.Now },
                cancellationToken: cancellationToken));
            audit.Add(AuditEntry.Create("referral.withdrawn", request.Actor, request.Now, new { referralId = stale.Id, reason, runId = request.RunId },
                campaignId: campaign.Id));
        }

        return audit;
    }
}
