using System.Text.Encodings.Web;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Accountability.Notices;

public sealed record PublishedNotices(int Notifications, int OutboxMessages)
{
    public static readonly PublishedNotices None = new(0, 0);

    public PublishedNotices Plus(PublishedNotices other) => new(Notifications + other.Notifications, OutboxMessages + other.OutboxMessages);
}

/// <summary>A document version to announce and the units to tell: its addressee, or the units a public bulletin goes to.</summary>
public sealed record DocumentRecipients(long DocumentId, IReadOnlyCollection<long> Units);

/// <summary>
/// The one way documents are published, whoever issued them (a cycle's scorer, a direct scoring, an appeal's
/// recomputation), inside the issuer's transaction: an in-app notification for each recipient unit, linked to the
/// document, and an outbox message for each configured e-mail or webhook destination. Dedupe keys are derived from
/// (natural key, version, recipient), so a retried or repeated publication of the same version adds nothing, while a
/// correction (new version) notifies again.
/// </summary>
public static class NoticePublisher
{
    private const string SelectDocuments = """
        SELECT id AS Id, campaign_id AS CampaignId, kind AS Kind, period AS Period, natural_key AS NaturalKey, version AS Version,
               supersedes_id AS SupersedesId, number AS Number, title AS Title, recipient_unit_id AS RecipientUnitId,
               sha256 AS Sha256, issued_at AS IssuedAt
        FROM document WHERE id = ANY(@ids) ORDER BY id
        """;

    // The HTML is read only for documents an outbox message will carry: a county's ranking bulletin is megabytes of it,
    // which in-app notifications never need.
    private const string SelectHtml = "SELECT id, html FROM document WHERE id = ANY(@ids)";

    private const string InsertOutbox = """
        INSERT INTO outbox_message (channel, destination, payload, dedupe_key, created_at, next_attempt_at)
        SELECT o.channel, o.destination, o.payload::jsonb, o.dedupe_key, @now, @now
        FROM unnest(@channels, @destinations, @payloads, @keys) AS o(channel, destination, payload, dedupe_key)
        ON CONFLICT (dedupe_key) DO NOTHING
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>Publishes <paramref name="documentIds"/>: each to its addressee, a public one (no addressee) to
    /// <paramref name="publicRecipients"/>.</summary>
    public static Task<PublishedNotices> PublishAsync(NpgsqlConnection connection, long campaignId,
        IReadOnlyCollection<long> documentIds, IReadOnlyCollection<long> publicRecipients,
        IReadOnlyList<NoticeDestination> destinations, DateTimeOffset now) =>
        PublishAsync(connection, campaignId, documentIds.Select(id => new DocumentRecipients(id, publicRecipients)).ToList(), destinations, now,
            addresseeFirst: true);

    /// <summary>Publishes each document to the units given with it (a document with an addressee also reaches the
    /// addressee).</summary>
    public static Task<PublishedNotices> PublishAsync(NpgsqlConnection connection, long campaignId,
        IReadOnlyList<DocumentRecipients> documents, IReadOnlyList<NoticeDestination> destinations, DateTimeOffset now) =>
        PublishAsync(connection, campaignId, documents, destinations, now, addresseeFirst: false);

    private static async Task<PublishedNotices> PublishAsync(NpgsqlConnection connection, long campaignId,
        IReadOnlyList<DocumentRecipients> requests, IReadOnlyList<NoticeDestination> destinations, DateTimeOffset now, bool addresseeFirst)
    {
        if (requests.Count == 0)
        {
            return PublishedNotices.None;
        }

        var units = requests.GroupBy(r => r.DocumentId).ToDictionary(g => g.Key, g => g.SelectMany(r => r.Units).ToHashSet());
        var documents = (await connection.QueryAsync<DocumentRow>(SelectDocuments, new { ids = units.Keys.ToArray() })).ToList();
        var sent = documents.Where(d => destinations.Any(destination => destination.Wants(d.Kind))).Select(d => d.Id).ToArray();
        var html = sent.Length == 0
            ? new Dictionary<long, string>()
            : (await connection.QueryAsync<(long Id, string Html)>(SelectHtml, new { ids = sent })).ToDictionary(d => d.Id, d => d.Html);
        var notifications = new List<Notice>();
        var outbox = new List<(string Channel, string Destination, string Payload, string Key)>();
        foreach (var document in documents)
        {
            var recipients = units[document.Id];
            if (document.RecipientUnitId is { } addressee)
            {
                // Addressed to one unit: with the plain (public recipients) overload it goes to the addressee alone.
                recipients = addresseeFirst ? [addressee] : [.. recipients, addressee];
            }

            var corrected = document.Version > 1;
            var body = corrected
                ? $"{document.Title}（第{document.Version}版，更正此前发布的版本，请以本版为准）"
                : document.Number is null ? document.Title : $"{document.Number} {document.Title}";
            var cause = NoticeKeys.Document(document.NaturalKey, document.Version);
            // A referral (and its revocation) is the discipline inspection commission's to act on, read by its staff; every
            // other document is addressed to a unit about its own work.
            var audience = document.Kind == "referral" ? NoticeAudience.Discipline : NoticeAudience.Unit;
            foreach (var recipient in recipients.Order())
            {
                notifications.Add(new Notice(recipient, campaignId, $"document.{document.Kind}", document.Title, body, $"/documents/{document.Id}",
                    NoticeKeys.For(cause, recipient), DocumentId: document.Id, Audience: audience));
            }

            foreach (var destination in destinations.Where(d => d.Wants(document.Kind)))
            {
                var payload = JsonSerializer.Serialize(new
                {
                    document.Id, document.CampaignId, document.Kind, document.Period, document.NaturalKey, document.Version,
                    document.SupersedesId, document.Number, document.Title, document.IssuedAt, document.Sha256, Html = html[document.Id],
                }, Json);
                outbox.Add((destination.Channel, destination.Address, payload, $"{cause}:{destination.Channel}:{destination.Address}"));
            }
        }

        var notified = await NoticeWriter.WriteAsync(connection, notifications, now);
        var queued = outbox.Count == 0 ? 0 : await connection.ExecuteAsync(InsertOutbox, new
        {
            now,
            channels = outbox.Select(o => o.Channel).ToArray(),
            destinations = outbox.Select(o => o.Destination).ToArray(),
            payloads = outbox.Select(o => o.Payload).ToArray(),
            keys = outbox.Select(o => o.Key).ToArray(),
        });
        return new PublishedNotices(notified, queued);
    }

    private sealed record DocumentRow(long Id, long CampaignId, string Kind, string? Period, string NaturalKey, int Version,
        long? SupersedesId, string? Number, string Title, long? RecipientUnitId, string Sha256, DateTimeOffset IssuedAt);
}
