using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Accountability.Audit;
using Accountability.Scoring;
using Dapper;
using Npgsql;

namespace Accountability.Escalations;

/// <summary>
/// Seals a referral's dossier (案卷): what was assigned to the unit and when it was acknowledged, every chaser and
/// notice with its read receipt, the documents sent to the unit and whether they were read, the points lost and the rules
/// behind them, the scoring events, and the evidence files of the items (name, type, size, SHA-256, who uploaded them
/// and when, from the workflow's <c>evidence_file</c>). The package is stored
/// byte for byte with its SHA-256, and a new version is sealed only when the content changed. Item lists are bounded
/// (the first <see cref="MaxItems"/> items, <see cref="MaxEvents"/> events) and say how many were left out.
/// </summary>
public sealed class BuildReferralDossier(LedgerEvents ledgerEvents) : IUseCase
{
    public const int MaxItems = 200;
    public const int MaxEvents = 2000;

    private const string SelectReferral = """
        SELECT r.id, r.campaign_id, r.cycle, r.period, r.unit_id, r.run_id, r.consequence_ids, r.level, r.document_id,
               u.code, u.name, s.period_start, s.period_end, s.cutoff_at, s.rulebook_code, s.rulebook_version, s.rulebook_sha256, c.code
        FROM referral r JOIN unit u ON u.id = r.unit_id JOIN score_run s ON s.id = r.run_id JOIN campaign c ON c.id = r.campaign_id
        WHERE r.id = @referralId
        """;

    private const string SelectConsequences = """
        SELECT id, kind, post, holder_name, holder_title, facts::text FROM consequence WHERE id = ANY(@ids) ORDER BY id
        """;

    private const string SelectLedger = """
        SELECT id, rule_id, rule_name, component, quantity, points, basis, event_kind, event_count
        FROM score_ledger_entry WHERE run_id = @runId AND unit_id = @unitId ORDER BY rule_id
        """;

    private const string SelectEvents = """
        SELECT id, kind, level, occurred_at, assignment_id, audit_seq, detail::text
        FROM scoring_event
        WHERE id = ANY(@ids)
           OR (unit_id = @unitId AND campaign_id = @campaignId AND kind = ANY(@kinds) AND occurred_at < @periodEnd AND occurred_at <= @cutoff)
        ORDER BY id
        LIMIT @limit
        """;

    private const string SelectItems = """
        SELECT a.id, a.state, a.role, a.issued_at, a.due_at, a.extended_due_at, a.acknowledged_at, a.submitted_at, a.closed_at,
               a.relapse_count, coalesce(t.number, l.number) AS number, coalesce(t.title, l.name) AS title
        FROM assignment a LEFT JOIN task t ON t.id = a.task_id LEFT JOIN ledger_item l ON l.id = a.ledger_item_id
        WHERE a.id = ANY(@ids) ORDER BY a.id
        """;

    private const string SelectTimeline = """
        SELECT assignment_id, seq, at, actor, kind, payload::text FROM audit_event WHERE assignment_id = ANY(@ids) ORDER BY assignment_id, seq
        """;

    private const string SelectItemNotices = """
        SELECT assignment_id, kind, title, created_at, read_at, read_by FROM notification WHERE assignment_id = ANY(@ids) ORDER BY id
        """;

    private const string SelectDocuments = """
        SELECT d.id, d.kind, d.version, d.number, d.title, d.issued_at, d.sha256, n.created_at, n.read_at, n.read_by
        FROM document d
        LEFT JOIN notification n ON n.document_id = d.id AND n.unit_id = @unitId
        WHERE d.campaign_id = @campaignId AND (d.recipient_unit_id = @unitId OR n.id IS NOT NULL OR d.id = @referralDocumentId)
        ORDER BY d.id
        """;

    private const string SelectChasers = """
        SELECT c.assignment_id AS AssignmentId, c.colour AS Colour, c.message AS Message, c.issued_at AS IssuedAt, c.issued_by AS IssuedBy,
               c.acknowledged_at AS AcknowledgedAt, c.acknowledged_by AS AcknowledgedBy, p.display_name AS DisplayName
        FROM assignment_chaser c LEFT JOIN person p ON p.id = c.acknowledged_by
        WHERE c.assignment_id = ANY(@ids) ORDER BY c.assignment_id, c.id
        """;

    // The workflow's evidence files (证明材料): what was offered, by whom, when, and the SHA-256 that proves it unchanged.
    // The content stays in the evidence store; the dossier seals the hashes.
    private const string SelectEvidence = """
        SELECT e.assignment_id AS AssignmentId, e.action AS Action, e.kind AS Kind, e.file_name AS FileName, e.content_type AS ContentType,
               e.size_bytes AS SizeBytes, encode(e.sha256, 'hex') AS Sha256, e.uploaded_at AS UploadedAt, e.uploaded_by AS UploadedBy,
               p.login AS Login, p.display_name AS DisplayName, e.audit_seq AS AuditSeq
        FROM evidence_file e LEFT JOIN person p ON p.id = e.uploaded_by
        WHERE e.assignment_id = ANY(@ids) ORDER BY e.assignment_id, e.id
        """;

    private const string SelectLatestDossier = "SELECT version, sha256 FROM referral_dossier WHERE referral_id = @referralId ORDER BY version DESC LIMIT 1";

    private const string InsertDossier = """
        INSERT INTO referral_dossier (referral_id, version, content, sha256, sealed_at) VALUES (@referralId, @version, @content::json, @sha256, @now)
        """;

    /// <summary>Builds the dossier and seals a new version if its content changed; returns the audit payload of the
    /// sealing, or null when the latest version already says the same.</summary>
    public async Task<object?> SealAsync(NpgsqlConnection connection, long referralId, Rulebook rulebook, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var content = await BuildAsync(connection, referralId, rulebook, cancellationToken);
        var sha256 = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content))).ToLowerInvariant();
        var latest = await connection.QuerySingleOrDefaultAsync<(int Version, string Sha256)?>(new CommandDefinition(SelectLatestDossier,
            new { referralId }, cancellationToken: cancellationToken));
        if (latest is { } l && l.Sha256 == sha256)
        {
            return null;
        }

        var version = (latest?.Version ?? 0) + 1;
        await connection.ExecuteAsync(new CommandDefinition(InsertDossier, new { referralId, version, content, sha256, now }, cancellationToken: cancellationToken));
        return new { referralId, dossierVersion = version, sha256 };
    }

    /// <summary>The dossier's canonical JSON text (the bytes that are hashed).</summary>
    public async Task<string> BuildAsync(NpgsqlConnection connection, long referralId, Rulebook rulebook, CancellationToken cancellationToken)
    {
        var r = await connection.QuerySingleAsync<(long Id, long CampaignId, string Cycle, string Period, long UnitId, long RunId, long[] ConsequenceIds,
            string Level, long? DocumentId, string UnitCode, string UnitName, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, DateTimeOffset Cutoff,
            string RulebookCode, int RulebookVersion, string RulebookSha256, string CampaignCode)>(new CommandDefinition(SelectReferral, new { referralId }, cancellationToken: cancellationToken));

        var consequences = (await connection.QueryAsync<(long Id, string Kind, string Post, string? HolderName, string? HolderTitle, string Facts)>(
            new CommandDefinition(SelectConsequences, new { ids = r.ConsequenceIds }, cancellationToken: cancellationToken))).ToList();
        var facts = consequences.SelectMany(c => JsonSerializer.Deserialize<List<ConsequenceFact>>(c.Facts, AuditEntry.PayloadJsonOptions) ?? []).Distinct().ToList();
        var lines = (await connection.QueryAsync<(long Id, string RuleId, string RuleName, string Component, decimal Quantity, decimal Points, string Basis,
            string? EventKind, int EventCount)>(new CommandDefinition(SelectLedger, new { runId = r.RunId, unitId = r.UnitId },
            cancellationToken: cancellationToken))).ToList();
        var lineEvents = await ledgerEvents.ForEntriesAsync(connection, lines.Select(l => l.Id).ToList(), cancellationToken);
        var ledger = lines.Select(l => (l.RuleId, l.RuleName, l.Component, l.Quantity, l.Points, l.Basis, l.EventKind, l.EventCount,
            EventIds: lineEvents[l.Id])).ToList();

        // The events behind the points lost, and those the referral's count thresholds counted (over the campaign).
        var kinds = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var fact in facts)
        {
            kinds.UnionWith(rulebook.Thresholds.FirstOrDefault(t => t.Id == fact.RuleId)?.EventKinds ?? []);
            if (fact.RuleId == "veto" && rulebook.Veto is { } veto)
            {
                kinds.UnionWith(veto.EventKinds);
            }
        }

        var pointEvents = ledger.Where(l => l.Points < 0).SelectMany(l => l.EventIds).Distinct().Order().Take(MaxEvents).ToArray();
        var events = (await connection.QueryAsync<(long Id, string Kind, string? Level, DateTimeOffset OccurredAt, long? AssignmentId, long? AuditSeq, string? Detail)>(
            new CommandDefinition(SelectEvents, new
            {
                ids = pointEvents, unitId = r.UnitId, campaignId = r.CampaignId, kinds = kinds.ToArray(), periodEnd = r.PeriodEnd,
                cutoff = r.Cutoff, limit = MaxEvents + 1,
            }, cancellationToken: cancellationToken))).ToList();
        var eventsLeftOut = Math.Max(0, events.Count - MaxEvents);
        events = events.Take(MaxEvents).ToList();

        var allItems = events.Select(e => e.AssignmentId).OfType<long>().Distinct().Order().ToList();
        var itemIds = allItems.Take(MaxItems).ToArray();
        var items = (await connection.QueryAsync<(long Id, string State, string Role, DateTimeOffset IssuedAt, DateTimeOffset? DueAt, DateTimeOffset? ExtendedDueAt,
            DateTimeOffset? AcknowledgedAt, DateTimeOffset? SubmittedAt, DateTimeOffset? ClosedAt, int RelapseCount, string? Number, string? Title)>(
            new CommandDefinition(SelectItems, new { ids = itemIds }, cancellationToken: cancellationToken))).ToList();
        var timeline = (await connection.QueryAsync<(long AssignmentId, long Seq, DateTimeOffset At, string Actor, string Kind, string Payload)>(
            new CommandDefinition(SelectTimeline, new { ids = itemIds }, cancellationToken: cancellationToken))).ToLookup(t => t.AssignmentId);
        var notices = (await connection.QueryAsync<(long AssignmentId, string Kind, string Title, DateTimeOffset CreatedAt, DateTimeOffset? ReadAt, long? ReadBy)>(
            new CommandDefinition(SelectItemNotices, new { ids = itemIds }, cancellationToken: cancellationToken))).ToLookup(n => n.AssignmentId);
        var documents = await connection.QueryAsync<(long Id, string Kind, int Version, string? Number, string Title, DateTimeOffset IssuedAt, string Sha256,
            DateTimeOffset? NotifiedAt, DateTimeOffset? ReadAt, long? ReadBy)>(new CommandDefinition(SelectDocuments,
            new { unitId = r.UnitId, campaignId = r.CampaignId, referralDocumentId = r.DocumentId }, cancellationToken: cancellationToken));
        var evidence = (await connection.QueryAsync<EvidenceRow>(new CommandDefinition(SelectEvidence, new { ids = itemIds }, cancellationToken: cancellationToken)))
            .ToList();
        var chasers = (await connection.QueryAsync<ChaserRow>(new CommandDefinition(SelectChasers, new { ids = itemIds }, cancellationToken: cancellationToken)))
            .ToLookup(c => c.AssignmentId);

        var dossier = new
        {
            referral = new
            {
                id = r.Id, campaign = r.CampaignCode, cycle = r.Cycle, period = r.Period, periodStart = r.PeriodStart, periodEnd = r.PeriodEnd,
                cutoff = r.Cutoff, unit = new { id = r.UnitId, code = r.UnitCode, name = r.UnitName }, level = r.Level, documentId = r.DocumentId,
                rulebook = new { code = r.RulebookCode, version = r.RulebookVersion, sha256 = r.RulebookSha256 }, runId = r.RunId,
            },
            consequences = consequences.Select(c => new
            {
                id = c.Id, kind = c.Kind, name = ScoringVocabulary.Consequence(c.Kind).Name, post = c.Post, holder = c.HolderName, title = c.HolderTitle,
                facts = JsonDocument.Parse(c.Facts).RootElement,
            }),
            points = ledger.Select(l => new
            {
                rule = l.RuleId, name = l.RuleName, component = l.Component, quantity = l.Quantity, points = l.Points, basis = l.Basis,
                eventKind = l.EventKind, eventCount = l.EventCount, eventIds = l.EventIds.Take(MaxEvents),
            }),
            events = events.Select(e => new
            {
                id = e.Id, kind = e.Kind, level = e.Level, occurredAt = e.OccurredAt, assignmentId = e.AssignmentId, auditSeq = e.AuditSeq,
                detail = e.Detail is null ? (JsonElement?)null : JsonDocument.Parse(e.Detail).RootElement,
            }),
            eventsLeftOut,
            items = items.Select(i => new
            {
                assignmentId = i.Id, number = i.Number, title = i.Title, role = i.Role, state = i.State, issuedAt = i.IssuedAt, dueAt = i.DueAt,
                extendedDueAt = i.ExtendedDueAt, acknowledgedAt = i.AcknowledgedAt, submittedAt = i.SubmittedAt, closedAt = i.ClosedAt,
                relapses = i.RelapseCount,
                timeline = timeline[i.Id].Select(t => new { seq = t.Seq, at = t.At, actor = t.Actor, kind = t.Kind, payload = JsonDocument.Parse(t.Payload).RootElement }),
                notices = notices[i.Id].Select(n => new { kind = n.Kind, title = n.Title, sentAt = n.CreatedAt, readAt = n.ReadAt, readBy = n.ReadBy }),
                chasers = chasers[i.Id].Select(c => new
                {
                    colour = c.Colour, message = c.Message, issuedAt = c.IssuedAt, issuedBy = c.IssuedBy, acknowledgedAt = c.AcknowledgedAt,
                    acknowledgedBy = c.AcknowledgedBy, acknowledgedByName = c.DisplayName,
                }),
            }),
            itemsLeftOut = Math.Max(0, allItems.Count - MaxItems),
            documents = documents.Select(d => new
            {
                id = d.Id, kind = d.Kind, version = d.Version, number = d.Number, title = d.Title, issuedAt = d.IssuedAt, sha256 = d.Sha256,
                notifiedAt = d.NotifiedAt, readAt = d.ReadAt, readBy = d.ReadBy,
            }),
            evidence = evidence.Select(e => new
            {
                assignmentId = e.AssignmentId, action = e.Action, kind = e.Kind, fileName = e.FileName, contentType = e.ContentType, sizeBytes = e.SizeBytes,
                sha256 = e.Sha256, uploadedAt = e.UploadedAt, uploadedBy = e.UploadedBy, uploadedByLogin = e.Login, uploadedByName = e.DisplayName,
                auditSeq = e.AuditSeq,
            }),
        };
        return JsonSerializer.Serialize(dossier, AuditEntry.PayloadJsonOptions);
    }

    private sealed record EvidenceRow(long AssignmentId, string Action, string Kind, string FileName, string ContentType, int SizeBytes, string Sha256,
        DateTimeOffset UploadedAt, long? UploadedBy, string? Login, string? DisplayName, long AuditSeq);

    private sealed record ChaserRow(long AssignmentId, string Colour, string Message, DateTimeOffset IssuedAt, long? IssuedBy, DateTimeOffset? AcknowledgedAt,
        long? AcknowledgedBy, string? DisplayName);
}
