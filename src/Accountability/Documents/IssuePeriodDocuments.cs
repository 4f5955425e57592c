using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Accountability.Audit;
using Accountability.Scoring;
using Dapper;
using Npgsql;

namespace Accountability.Documents;

public sealed record PeriodDocumentsRequest(
    CampaignInfo Campaign,
    ScoringScope Scope,
    Rulebook Rulebook,
    long RunId,
    IReadOnlyDictionary<long, UnitInfo> Units,
    PeriodOutcome Outcome,
    IReadOnlyDictionary<(long, string, string?), long> ConsequenceIds,
    DateTimeOffset Now,
    bool DryRun);

/// <summary>The documents a run stands on: every one (new, re-issued or unchanged), those issued as a new version by
/// this run, and which document carries each consequence.</summary>
public sealed record IssuedDocuments(
    IReadOnlyList<long> All,
    IReadOnlyList<long> Reissued,
    IReadOnlyDictionary<long, long> ByConsequence,
    IReadOnlyDictionary<long, long> ReferralByUnit);

/// <summary>
/// Writes a scored period's documents. A document is identified by its natural key (<c>criticism:CAMPAIGN:monthly:2017-10</c>);
/// a key seen for the first time gets version 1 and the next number (文号) of the issuer's prefix and year; a key whose
/// content is unchanged keeps its document; a changed one gets a new version that supersedes the old and keeps its
/// number; a key no longer produced (an appeal removed the criticism) gets a revoking version. Units concerned are
/// notified in-app (with read receipts) of every new version unless the run is a dry run.
/// </summary>
public sealed class IssuePeriodDocuments : IUseCase
{
    private const string SelectDiscipline = """
        SELECT u.id, u.name FROM unit u
        WHERE EXISTS (SELECT 1 FROM membership m WHERE m.unit_id = u.id AND m.role = 'discipline')
        ORDER BY u.id LIMIT 1
        """;

    private const string SelectLatest = """
        SELECT DISTINCT ON (natural_key) id, natural_key, version, sha256, number, kind, title, recipient_unit_id,
               coalesce((data ->> 'revoked')::boolean, false) AS revoked
        FROM document
        WHERE campaign_id = @campaignId AND period = @period AND natural_key LIKE @keyPattern
        ORDER BY natural_key, version DESC
        """;

    private const string NextNumber = """
        INSERT INTO document_number_counter (campaign_id, prefix, year, last_number) VALUES (@campaignId, @prefix, @year, 1)
        ON CONFLICT (campaign_id, prefix, year) DO UPDATE SET last_number = document_number_counter.last_number + 1
        RETURNING last_number
        """;

    private const string Insert = """
        INSERT INTO document (campaign_id, kind, period, natural_key, version, supersedes_id, number, title, issuer_unit_id,
                              recipient_unit_id, html, data, sha256, issued_at)
        VALUES (@campaignId, @kind, @period, @naturalKey, @version, @supersedes, @number, @title, @issuer, @recipient, @html,
                @data::jsonb, @sha256, @now)
        RETURNING id
        """;

    private const string Notify = """
        INSERT INTO notification (unit_id, campaign_id, kind, title, body, link, dedupe_key, created_at)
        SELECT u, @campaignId, 'document', @title, @body, @link, 'document:' || @documentId || ':unit:' || u, @now
        FROM unnest(@units) AS u
        ON CONFLICT (dedupe_key) DO NOTHING
        """;

    public async Task<IssuedDocuments> IssueAsync(NpgsqlConnection connection, PeriodDocumentsRequest request, CancellationToken cancellationToken)
    {
        var (campaign, scope) = (request.Campaign, request.Scope);
        var discipline = await connection.QuerySingleOrDefaultAsync<(long Id, string Name)?>(new CommandDefinition(SelectDiscipline, cancellationToken: cancellationToken));
        var drafts = PeriodDocuments.Compose(request, discipline?.Id, discipline?.Name ?? "县纪委监委");
        var latest = (await connection.QueryAsync<(long Id, string NaturalKey, int Version, string Sha256, string? Number, string Kind, string Title, long? Recipient, bool Revoked)>(
                new CommandDefinition(SelectLatest, new { campaignId = campaign.Id, period = scope.Period, keyPattern = $"%:{campaign.Code}:{scope.Cycle}:{scope.Period}%" },
                    cancellationToken: cancellationToken)))
            .Where(d => PeriodDocuments.Kinds.Contains(d.Kind))
            .ToDictionary(d => d.NaturalKey);

        var all = new List<long>();
        var reissued = new List<long>();
        var byConsequence = new Dictionary<long, long>();
        var referralByUnit = new Dictionary<long, long>();
        var year = TimeZoneInfo.ConvertTime(request.Now, campaign.Zone).Year;
        var prefix = request.Rulebook.DocumentPrefix ?? campaign.Code;
        var issuerUnit = campaign.HeadquartersUnitId;
        foreach (var draft in drafts)
        {
            latest.TryGetValue(draft.NaturalKey, out var previous);
            var exists = previous.NaturalKey is not null && !previous.Revoked;
            var number = exists ? previous.Number : await NumberAsync(connection, campaign.Id, prefix, year, cancellationToken);
            var html = draft.Render(number).ToHtml();
            var sha256 = Sha256(html);
            long id;
            if (exists && previous.Sha256 == sha256)
            {
                id = previous.Id;
            }
            else
            {
                id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(Insert, new
                {
                    campaignId = campaign.Id, kind = draft.Kind, period = scope.Period, naturalKey = draft.NaturalKey,
                    version = previous.NaturalKey is null ? 1 : previous.Version + 1, supersedes = previous.NaturalKey is null ? (long?)null : previous.Id,
                    number, title = draft.Title, issuer = issuerUnit, recipient = draft.RecipientUnitId, html,
                    data = JsonSerializer.Serialize(draft.Data, AuditEntry.PayloadJsonOptions), sha256, now = request.Now,
                }, cancellationToken: cancellationToken));
                reissued.Add(id);
                if (!request.DryRun)
                {
                    var correction = previous.NaturalKey is null ? "" : "（更正）";
                    await NotifyAsync(connection, campaign.Id, id, draft.Title + correction, number, draft.NotifyUnits, request.Now, cancellationToken);
                }
            }

            all.Add(id);
            foreach (var consequenceId in draft.ConsequenceIds)
            {
                byConsequence[consequenceId] = id;
            }

            if (draft.Kind == "referral" && draft.SubjectUnitId is { } subject)
            {
                referralByUnit[subject] = id;
            }
        }

        // Documents this period had that the run no longer produces are revoked by a new version saying so.
        var produced = drafts.Select(d => d.NaturalKey).ToHashSet();
        foreach (var stale in latest.Values.Where(d => !d.Revoked && !produced.Contains(d.NaturalKey)).OrderBy(d => d.NaturalKey, StringComparer.Ordinal))
        {
            var issuer = request.Rulebook.Issuer ?? campaign.Name;
            var title = $"关于撤销《{stale.Title}》的通知";
            var date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(request.Now, campaign.Zone).DateTime);
            var html = new OfficialDocument(issuer, stale.Number, title, null,
                [new Paragraph($"经申诉复核重新计算，《{stale.Title}》（{stale.Number}）所依据的情形已不存在，现予撤销。")],
                issuer, date, [], "撤销").ToHtml();
            var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(Insert, new
            {
                campaignId = campaign.Id, kind = stale.Kind, period = scope.Period, naturalKey = stale.NaturalKey, version = stale.Version + 1,
                supersedes = stale.Id, number = stale.Number, title, issuer = issuerUnit, recipient = stale.Recipient, html,
                data = JsonSerializer.Serialize(new { revoked = true, revokes = stale.Id }), sha256 = Sha256(html), now = request.Now,
            }, cancellationToken: cancellationToken));
            reissued.Add(id);
            if (!request.DryRun && stale.Recipient is { } recipient)
            {
                await NotifyAsync(connection, campaign.Id, id, title, stale.Number, [recipient], request.Now, cancellationToken);
            }
        }

        return new IssuedDocuments(all, reissued, byConsequence, referralByUnit);
    }

    private static async Task<string> NumberAsync(NpgsqlConnection connection, long campaignId, string prefix, int year, CancellationToken ct)
    {
        var n = await connection.ExecuteScalarAsync<int>(new CommandDefinition(NextNumber, new { campaignId, prefix, year }, cancellationToken: ct));
        return string.Create(CultureInfo.InvariantCulture, $"{prefix}〔{year}〕{n}号");
    }

    private static Task NotifyAsync(NpgsqlConnection connection, long campaignId, long documentId, string title, string? number,
        IReadOnlyList<long> units, DateTimeOffset now, CancellationToken ct) =>
        units.Count == 0
            ? Task.CompletedTask
            : connection.ExecuteAsync(new CommandDefinition(Notify, new
            {
                campaignId, documentId = documentId.ToString(CultureInfo.InvariantCulture), title, body = number is null ? title : $"{number} {title}",
                link = $"/documents/{documentId}", units = units.ToArray(), now,
            }, cancellationToken: ct));

    public static string Sha256(string html) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(html))).ToLowerInvariant();
}
