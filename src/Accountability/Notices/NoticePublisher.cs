using System.Text.Encodings.Web;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Accountability.Notices;

public sealed record PublishedNotices(int Notifications, int OutboxMessages);

/// <summary>
/// Publishes issued documents inside the caller's transaction: an in-app notification for each recipient unit (the
/// addressee, or every ranked unit for a public bulletin), and an outbox message for each configured e-mail or
/// webhook destination. Dedupe keys are derived from (natural key, version, recipient), so a retried or repeated
/// publication of the same version adds nothing, while a correction (new version) notifies again.
/// </summary>
public static class NoticePublisher
{
    private const string SelectDocuments = """
        SELECT id AS Id, campaign_id AS CampaignId, kind AS Kind, period AS Period, natural_key AS NaturalKey, version AS Version,
               supersedes_id AS SupersedesId, number AS Number, title AS Title, recipient_unit_id AS RecipientUnitId, html AS Html,
               sha256 AS Sha256, issued_at AS IssuedAt
        FROM document WHERE id = ANY(@ids) ORDER BY id
        """;

    private const string InsertNotifications = """
        INSERT INTO notification (unit_id, campaign_id, kind, title, body, link, dedupe_key, created_at)
        SELECT n.unit_id, @campaignId, n.kind, n.title, n.body, n.link, n.dedupe_key, @now
        FROM unnest(@units, @kinds, @titles, @bodies, @links, @keys) AS n(unit_id, kind, title, body, link, dedupe_key)
        ON CONFLICT (dedupe_key) DO NOTHING
        """;

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

    public static async Task<PublishedNotices> PublishAsync(NpgsqlConnection connection, long campaignId,
        IReadOnlyCollection<long> documentIds, IReadOnlyCollection<long> publicRecipients,
        IReadOnlyList<NoticeDestination> destinations, DateTimeOffset now)
    {
        if (documentIds.Count == 0)
        {
            return new PublishedNotices(0, 0);
        }

        var documents = (await connection.QueryAsync<DocumentRow>(SelectDocuments, new { ids = documentIds.ToArray() })).ToList();
        var notifications = new List<(long Unit, string Kind, string Title, string Body, string Link, string Key)>();
        var outbox = new List<(string Channel, string Destination, string Payload, string Key)>();
        foreach (var document in documents)
        {
            var recipients = document.RecipientUnitId is { } unit ? [unit] : publicRecipients;
            var corrected = document.Version > 1;
            var body = corrected
                ? $"{document.Title}（第{document.Version}版，更正此前发布的版本，请以本版为准）"
                : document.Title;
            foreach (var recipient in recipients.Distinct().Order())
            {
                notifications.Add((recipient, $"document.{document.Kind}", document.Title, body, $"/documents/{document.Id}",
                    $"document:{document.NaturalKey}:v{document.Version}:unit:{recipient}"));
            }

            foreach (var destination in destinations.Where(d => d.Wants(document.Kind)))
            {
                var payload = JsonSerializer.Serialize(new
                {
                    document.Id, document.CampaignId, document.Kind, document.Period, document.NaturalKey, document.Version,
                    document.SupersedesId, document.Number, document.Title, document.IssuedAt, document.Sha256, document.Html,
                }, Json);
                outbox.Add((destination.Channel, destination.Address, payload,
                    $"document:{document.NaturalKey}:v{document.Version}:{destination.Channel}:{destination.Address}"));
            }
        }

        var notified = await connection.ExecuteAsync(InsertNotifications, new
        {
            campaignId, now,
            units = notifications.Select(n => n.Unit).ToArray(),
            kinds = notifications.Select(n => n.Kind).ToArray(),
            titles = notifications.Select(n => n.Title).ToArray(),
            bodies = notifications.Select(n => n.Body).ToArray(),
            links = notifications.Select(n => n.Link).ToArray(),
            keys = notifications.Select(n => n.Key).ToArray(),
        });
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
        long? SupersedesId, string? Number, string Title, long? RecipientUnitId, string Html, string Sha256, DateTimeOffset IssuedAt);
}
