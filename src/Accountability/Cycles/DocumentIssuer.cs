using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace Accountability.Cycles;

/// <summary>A document about to be issued. <see cref="NaturalKey"/> names what it is about, stable across versions
/// (<c>campaign:7:ranking_bulletin:2017-10</c>); <see cref="DataJson"/> is the structured content it was rendered from.</summary>
public sealed record DocumentDraft(
    long CampaignId,
    string Kind,
    string? Period,
    string NaturalKey,
    string Title,
    string Html,
    string DataJson,
    long? IssuerUnitId = null,
    long? RecipientUnitId = null,
    string? Number = null);

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<DocumentIssue>))]
public enum DocumentIssue
{
    /// <summary>First version of the natural key.</summary>
    Issued,

    /// <summary>A new version superseding the previous one (更正): the content differed.</summary>
    Corrected,

    /// <summary>The latest version already says exactly this; nothing was written.</summary>
    Unchanged,
}

public sealed record IssuedDocument(long Id, string NaturalKey, int Version, DocumentIssue Issue, string Kind, string Title,
    long? RecipientUnitId);

/// <summary>
/// Issues documents under the rule that what was published is never edited: a natural key gets version 1, and a
/// later issue with different content becomes version n+1 superseding version n; the same content again is no
/// issue at all. The unique (natural_key, version) index is the last line of defence against a duplicate from a
/// retried or concurrent run. Runs inside the caller's transaction.
/// </summary>
public static class DocumentIssuer
{
    private const string SelectLatest = """
        SELECT id, version, sha256 FROM document WHERE natural_key = @naturalKey ORDER BY version DESC LIMIT 1 FOR UPDATE
        """;

    private const string Insert = """
        INSERT INTO document (campaign_id, kind, period, natural_key, version, supersedes_id, number, title, issuer_unit_id,
                              recipient_unit_id, html, data, sha256, issued_at)
        VALUES (@CampaignId, @Kind, @Period, @NaturalKey, @version, @supersedes, @Number, @Title, @IssuerUnitId,
                @RecipientUnitId, @Html, @DataJson::json, @sha256, @now)
        RETURNING id
        """;

    public static async Task<IssuedDocument> IssueAsync(NpgsqlConnection connection, DocumentDraft draft, DateTimeOffset now)
    {
        var sha256 = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(draft.Html))).ToLowerInvariant();
        var latest = await connection.QuerySingleOrDefaultAsync<(long Id, int Version, string Sha256)?>(SelectLatest, new { draft.NaturalKey });
        if (latest is { } previous && previous.Sha256 == sha256)
        {
            return new IssuedDocument(previous.Id, draft.NaturalKey, previous.Version, DocumentIssue.Unchanged, draft.Kind, draft.Title, draft.RecipientUnitId);
        }

        var version = (latest?.Version ?? 0) + 1;
        var id = await connection.ExecuteScalarAsync<long>(Insert, new
        {
            draft.CampaignId, draft.Kind, draft.Period, draft.NaturalKey, version, supersedes = latest?.Id, draft.Number,
            Title = version > 1 ? $"{draft.Title}（更正）" : draft.Title,
            draft.IssuerUnitId, draft.RecipientUnitId, draft.Html, draft.DataJson, sha256, now,
        });
        return new IssuedDocument(id, draft.NaturalKey, version, version == 1 ? DocumentIssue.Issued : DocumentIssue.Corrected,
            draft.Kind, draft.Title, draft.RecipientUnitId);
    }
}
