using Dapper;
using Npgsql;

namespace Accountability.Notices;

/// <summary>An in-app notification to a unit, read (and its receipt signed) by those who act on it there: the unit's
/// operators and leaders, and for <see cref="Audience"/> other than <see cref="NoticeAudience.Unit"/> the unit's verifiers,
/// planners or discipline staff. <see cref="DedupeKey"/> is built with <see cref="NoticeKeys"/>; <see cref="DocumentId"/> is
/// set when it announces a document.</summary>
public sealed record Notice(
    long UnitId,
    long? CampaignId,
    string Kind,
    string Title,
    string Body,
    string? Link,
    string DedupeKey,
    long? AssignmentId = null,
    long? DocumentId = null,
    NoticeAudience Audience = NoticeAudience.Unit);

/// <summary>
/// Dedupe keys of notifications: <c>{cause}:unit:{recipient}</c>, where the cause names the one fact that made the
/// notice — an audited action (<c>audit:{seq}:{effect}</c>), a chaser, a document version, a period's dispatch, an
/// appeal's filing or decision, a consequence response gone overdue. A retried or repeated cause never notifies the
/// same unit twice; a new cause (a corrected document is a new version) always does. The timer sweep's digests (one
/// notice listing many items) keep their own <c>timer:…</c> keys, built where the digest is made.
/// </summary>
public static class NoticeKeys
{
    public static string For(string cause, long unitId) => $"{cause}:unit:{unitId}";

    /// <summary>The <paramref name="effect"/>-th notice of the action recorded as audit event <paramref name="seq"/>.</summary>
    public static string Audited(long seq, int effect) => $"audit:{seq}:{effect}";

    public static string Chaser(long chaserId) => $"chaser:{chaserId}";

    public static string Document(string naturalKey, int version) => $"document:{naturalKey}:v{version}";

    public static string Dispatch(long campaignId, string cycle, string period) => $"dispatch:{campaignId}:{cycle}:{period}";

    public static string Appeal(long appealId, string step) => $"appeal:{appealId}:{step}";

    public static string ResponseOverdue(long consequenceId, string kind) => $"consequence:{consequenceId}:{kind}:overdue";
}

/// <summary>
/// Writes notifications inside the caller's transaction, set-based (one statement for one notice or for a
/// thousand), skipping any whose dedupe key exists already. Every capability that tells a unit something goes through
/// here, so that every notification is deduplicated, linked and receipted the same way.
/// </summary>
public static class NoticeWriter
{
    private const string Insert = """
        INSERT INTO notification (unit_id, campaign_id, assignment_id, document_id, kind, title, body, link, dedupe_key, audience, created_at)
        SELECT n.unit_id, n.campaign_id, n.assignment_id, n.document_id, n.kind, n.title, n.body, n.link, n.dedupe_key, n.audience, @now
        FROM unnest(@units, @campaigns, @assignments, @documents, @kinds, @titles, @bodies, @links, @keys, @audiences)
             AS n(unit_id, campaign_id, assignment_id, document_id, kind, title, body, link, dedupe_key, audience)
        ON CONFLICT (dedupe_key) DO NOTHING
        """;

    /// <summary>Returns how many were new.</summary>
    public static async Task<int> WriteAsync(NpgsqlConnection connection, IReadOnlyCollection<Notice> notices, DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        if (notices.Count == 0)
        {
            return 0;
        }

        return await connection.ExecuteAsync(new CommandDefinition(Insert, new
        {
            now,
            units = notices.Select(n => n.UnitId).ToArray(),
            campaigns = notices.Select(n => n.CampaignId).ToArray(),
            assignments = notices.Select(n => n.AssignmentId).ToArray(),
            documents = notices.Select(n => n.DocumentId).ToArray(),
            kinds = notices.Select(n => n.Kind).ToArray(),
            titles = notices.Select(n => n.Title).ToArray(),
            bodies = notices.Select(n => n.Body).ToArray(),
            links = notices.Select(n => n.Link).ToArray(),
            keys = notices.Select(n => n.DedupeKey).ToArray(),
            audiences = notices.Select(n => n.Audience.ToDatabase()).ToArray(),
        }, commandTimeout: 600, cancellationToken: cancellationToken));
    }
}
