using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Accountability.Audit;
using Accountability.Database;
using Accountability.Notices;
using Accountability.Scoring;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Accountability.Documents;

public sealed record PeriodDocumentsRequest(
    CampaignInfo Campaign,
    ScoringScope Scope,
    Rulebook Rulebook,
    long RunId,
    IReadOnlyDictionary<long, UnitInfo> Units,
    PeriodOutcome Outcome,
    IReadOnlyDictionary<(long, string, string?), long> ConsequenceIds,
    DateTimeOffset Now);

/// <summary>The documents a run stands on: every one (new, re-issued or unchanged), those issued as a new version by
/// this run, which document carries each consequence, and what publishing the new versions sent.</summary>
public sealed record IssuedDocuments(
    IReadOnlyList<long> All,
    IReadOnlyList<long> Reissued,
    IReadOnlyDictionary<long, long> ByConsequence,
    IReadOnlyDictionary<long, long> ReferralByUnit,
    PublishedNotices Published);

/// <summary>
/// Writes a scored period's documents. A document is identified by its natural key (<c>criticism:CAMPAIGN:monthly:2017-10</c>);
/// a key seen for the first time gets version 1 and the next number (文号) of the issuer's prefix and year; a key whose
/// content is unchanged keeps its document; a changed one gets a new version that supersedes the old and keeps its
/// number; a key no longer produced (an appeal removed the criticism) gets a revoking version. Every new version is
/// published at once through <see cref="NoticePublisher"/> to the units it concerns (in-app, with read receipts) and to
/// the configured destinations — whether the period is closed by a cycle, scored directly or recomputed after an appeal.
/// </summary>
public sealed partial class IssuePeriodDocuments(IOptions<NoticesOptions> notices, ILogger<IssuePeriodDocuments> logger) : IUseCase
{
    private const string SelectDiscipline = """
        SELECT u.id, u.name FROM unit u
        WHERE EXISTS (SELECT 1 FROM membership m WHERE m.unit_id = u.id AND m.role = 'discipline')
        ORDER BY u.id LIMIT 1
        """;

    private const string SelectLatest = """
        SELECT DISTINCT ON (natural_key) id, natural_key AS naturalkey, version, sha256, number, kind, title, recipient_unit_id AS recipient,
               coalesce((data ->> 'revoked')::boolean, false) AS revoked, issued_at AS issuedat
        FROM document
        WHERE campaign_id = @campaignId AND period = @period AND natural_key LIKE @keyPattern
        ORDER BY natural_key, version DESC
        """;

    private const string ReserveNumbers = """
        INSERT INTO document_number_counter (campaign_id, prefix, year, last_number) VALUES (@campaignId, @prefix, @year, @count)
        ON CONFLICT (campaign_id, prefix, year) DO UPDATE SET last_number = document_number_counter.last_number + @count
        RETURNING last_number
        """;

    // Binary COPY rather than an INSERT of unnest()ed arrays: the rows stream to the server while the next document is
    // still being rendered, so the server parses and compresses (a county's ranking bulletin is megabytes of HTML and
    // JSON) while the engine renders, instead of after it; and no parameter array holds every document at once.
    private const string CopyDocuments = """
        COPY document (campaign_id, kind, period, natural_key, version, supersedes_id, number, title, issuer_unit_id, recipient_unit_id,
                       html, data, sha256, issued_at) FROM STDIN (FORMAT BINARY)
        """;

    // COPY returns nothing: the new versions are found again by natural key and version (unique). Their ids were given in
    // the order the rows were written, as the INSERT gave them.
    private const string SelectIssued = """
        SELECT d.id, d.natural_key
        FROM unnest(@keys, @versions) AS k(natural_key, version)
        JOIN document d ON d.natural_key = k.natural_key AND d.version = k.version
        """;

    public async Task<IssuedDocuments> IssueAsync(NpgsqlConnection connection, PeriodDocumentsRequest request, CancellationToken cancellationToken)
    {
        var (campaign, scope) = (request.Campaign, request.Scope);
        var clock = Stopwatch.StartNew();
        void Step(string name)
        {
            LogStep(scope.Period, name, clock.Elapsed.TotalMilliseconds);
            clock.Restart();
        }

        var discipline = await connection.QuerySingleOrDefaultAsync<(long Id, string Name)?>(new CommandDefinition(SelectDiscipline, cancellationToken: cancellationToken));
        var drafts = PeriodDocuments.Compose(request, discipline?.Id, discipline?.Name ?? "县纪委监委");
        var latest = (await connection.QueryAsync<Latest>(
                new CommandDefinition(SelectLatest, new { campaignId = campaign.Id, period = scope.Period, keyPattern = $"%:{campaign.Code}:{scope.Cycle}:{scope.Period}%" },
                    cancellationToken: cancellationToken)))
            .Where(d => PeriodDocuments.Kinds.Contains(d.Kind))
            .ToDictionary(d => d.NaturalKey);

        // Numbers for every document seen for the first time, reserved in one statement, in the drafts' order.
        var year = TimeZoneInfo.ConvertTime(request.Now, campaign.Zone).Year;
        var prefix = request.Rulebook.DocumentPrefix ?? campaign.Code;
        var fresh = drafts.Where(d => !latest.TryGetValue(d.NaturalKey, out var l) || l.Revoked).ToList();
        var numbers = new Dictionary<string, string>();
        if (fresh.Count > 0)
        {
            var last = await connection.ExecuteScalarAsync<int>(new CommandDefinition(ReserveNumbers, new { campaignId = campaign.Id, prefix, year, count = fresh.Count },
                cancellationToken: cancellationToken));
            for (var i = 0; i < fresh.Count; i++)
            {
                numbers[fresh[i].NaturalKey] = string.Create(CultureInfo.InvariantCulture, $"{prefix}〔{year}〕{last - fresh.Count + 1 + i}号");
            }
        }

        var rows = new List<NewDocument>();
        var kept = new Dictionary<string, long>();
        await using (var copy = await connection.BeginBinaryImportAsync(CopyDocuments, cancellationToken))
        {
            copy.Timeout = TimeSpan.FromMinutes(10);
            foreach (var draft in drafts)
            {
                var previous = latest.GetValueOrDefault(draft.NaturalKey);
                var number = numbers.TryGetValue(draft.NaturalKey, out var n) ? n : previous!.Number;
                var document = draft.Render(number);
                var html = document.ToHtml();
                var sha256 = Sha256(html);
                // The issue date is not content: a period scored again on a later day with the same outcome says what the
                // version in force says, dated the day it was issued, and is no correction.
                if (previous is { Revoked: false }
                    && (previous.Sha256 == sha256
                        || previous.Sha256 == Sha256((document with { Date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(previous.IssuedAt, campaign.Zone).DateTime) }).ToHtml())))
                {
                    kept[draft.NaturalKey] = previous.Id;
                    continue;
                }

                var row = new NewDocument(draft.Kind, draft.NaturalKey, previous is null ? 1 : previous.Version + 1, previous?.Id, number, draft.Title,
                    draft.RecipientUnitId, html, JsonSerializer.Serialize(draft.Data, AuditEntry.PayloadJsonOptions), sha256, draft.NotifyUnits);
                rows.Add(row);
                await WriteAsync(copy, row, request, cancellationToken);
            }

            // Documents this period had that the run no longer produces are revoked by a new version saying so.
            var produced = drafts.Select(d => d.NaturalKey).ToHashSet();
            var issuerName = request.Rulebook.Issuer ?? campaign.Name;
            var date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(request.Now, campaign.Zone).DateTime);
            foreach (var stale in latest.Values.Where(d => !d.Revoked && !produced.Contains(d.NaturalKey)).OrderBy(d => d.NaturalKey, StringComparer.Ordinal))
            {
                var title = $"关于撤销《{stale.Title}》的通知";
                var html = new OfficialDocument(issuerName, stale.Number, title, null,
                    [new Paragraph($"经申诉复核重新计算，《{stale.Title}》（{stale.Number}）所依据的情形已不存在，现予撤销。")],
                    issuerName, date, [], "撤销").ToHtml();
                var row = new NewDocument(stale.Kind, stale.NaturalKey, stale.Version + 1, stale.Id, stale.Number, title, stale.Recipient, html,
                    JsonSerializer.Serialize(new { revoked = true, revokes = stale.Id }), Sha256(html), stale.Recipient is { } r ? [r] : []);
                rows.Add(row);
                await WriteAsync(copy, row, request, cancellationToken);
            }

            Step("compose, number, render and write");
            await copy.CompleteAsync(cancellationToken);
        }

        Step("the server's end of the copy");

        var inserted = rows.Count == 0
            ? new Dictionary<string, long>()
            : (await connection.QueryAsync<(long Id, string NaturalKey)>(new CommandDefinition(SelectIssued, new
            {
                keys = rows.Select(r => r.NaturalKey).ToArray(), versions = rows.Select(r => r.Version).ToArray(),
            }, cancellationToken: cancellationToken))).ToDictionary(r => r.NaturalKey, r => r.Id);

        var published = await NoticePublisher.PublishAsync(connection, campaign.Id,
            rows.Select(r => new DocumentRecipients(inserted[r.NaturalKey], r.Notify)).ToList(), notices.Value.Destinations, request.Now);

        Step("publish");
        var all = new List<long>();
        var byConsequence = new Dictionary<long, long>();
        var referralByUnit = new Dictionary<long, long>();
        foreach (var draft in drafts)
        {
            var id = kept.TryGetValue(draft.NaturalKey, out var k) ? k : inserted[draft.NaturalKey];
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

        return new IssuedDocuments(all, rows.Select(r => inserted[r.NaturalKey]).ToList(), byConsequence, referralByUnit, published);
    }

    private static async Task WriteAsync(NpgsqlBinaryImporter copy, NewDocument row, PeriodDocumentsRequest request, CancellationToken cancellationToken)
    {
        await copy.StartRowAsync(cancellationToken);
        copy.Write(request.Campaign.Id, NpgsqlDbType.Bigint);
        copy.Write(row.Kind, NpgsqlDbType.Text);
        copy.Write(request.Scope.Period, NpgsqlDbType.Text);
        copy.Write(row.NaturalKey, NpgsqlDbType.Text);
        copy.Write(row.Version, NpgsqlDbType.Integer);
        copy.WriteNullable(row.Supersedes, NpgsqlDbType.Bigint);
        copy.WriteNullable(row.Number, NpgsqlDbType.Text);
        copy.Write(row.Title, NpgsqlDbType.Text);
        copy.WriteNullable(request.Campaign.HeadquartersUnitId, NpgsqlDbType.Bigint);
        copy.WriteNullable(row.Recipient, NpgsqlDbType.Bigint);
        copy.Write(row.Html, NpgsqlDbType.Text);
        copy.Write(row.Data, NpgsqlDbType.Json);
        copy.Write(row.Sha256, NpgsqlDbType.Text);
        copy.Write(request.Now.ToUniversalTime(), NpgsqlDbType.TimestampTz);
    }

    private sealed record Latest(long Id, string NaturalKey, int Version, string Sha256, string? Number, string Kind, string Title, long? Recipient, bool Revoked,
        DateTimeOffset IssuedAt);

    private sealed record NewDocument(string Kind, string NaturalKey, int Version, long? Supersedes, string? Number, string Title, long? Recipient, string Html,
        string Data, string Sha256, IReadOnlyList<long> Notify);

    public static string Sha256(string html) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(html))).ToLowerInvariant();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Documents {Period}: {Step} took {Milliseconds} ms")]
    private partial void LogStep(string period, string step, double milliseconds);
}
