using System.Text.Json;
using Accountability.Access;
using Dapper;
using MiniExcelLibs;
using Npgsql;

namespace Accountability.Documents;

public sealed record DocumentSummary(
    long Id,
    string Kind,
    string? Period,
    string NaturalKey,
    int Version,
    long? SupersedesId,
    string? Number,
    string Title,
    long? RecipientUnitId,
    string Sha256,
    DateTimeOffset IssuedAt,
    bool Latest);

public sealed record DocumentContent(DocumentSummary Summary, string Html, string Data);

/// <summary>
/// Reads issued documents for viewing, printing (the stored HTML, byte for byte as issued) and the ranking table as a
/// workbook. Public bulletins may be read by anyone signed in; a notice addressed to a unit by those who may see the
/// unit's score; a referral by the discipline inspection staff and headquarters only.
/// </summary>
public sealed class ReadDocuments(NpgsqlDataSource dataSource, AccessPolicy access) : IUseCase
{
    private const string Columns = """
        SELECT d.id, d.kind, d.period, d.natural_key AS naturalkey, d.version, d.supersedes_id AS supersedesid, d.number, d.title,
               d.recipient_unit_id AS recipientunitid, d.sha256, d.issued_at AS issuedat,
               NOT EXISTS (SELECT 1 FROM document n WHERE n.supersedes_id = d.id) AS latest
        FROM document d
        """;

    private const string SelectContent = "SELECT html, data::text FROM document WHERE id = @id";

    private const string SelectForPeriod = Columns + """
         JOIN campaign c ON c.id = d.campaign_id
        WHERE c.code = @campaign AND d.period = @period
        ORDER BY d.kind, d.natural_key, d.version
        """;

    public async Task<DocumentContent> GetAsync(Actor actor, long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var summary = await connection.QuerySingleOrDefaultAsync<DocumentSummary>(new CommandDefinition(Columns + "\nWHERE d.id = @id", new { id },
            cancellationToken: cancellationToken)) ?? throw AccessPolicy.Absent($"No document {id}.");
        await RequireAsync(actor, summary, cancellationToken);
        var (html, data) = await connection.QuerySingleAsync<(string, string)>(new CommandDefinition(SelectContent, new { id }, cancellationToken: cancellationToken));
        return new DocumentContent(summary, html, data);
    }

    public async Task<IReadOnlyList<DocumentSummary>> ListAsync(Actor actor, string campaign, string period, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var all = await connection.QueryAsync<DocumentSummary>(new CommandDefinition(SelectForPeriod, new { campaign, period }, cancellationToken: cancellationToken));
        var visible = new List<DocumentSummary>();
        foreach (var document in all)
        {
            if ((await DecideAsync(actor, document, cancellationToken)).Allowed)
            {
                visible.Add(document);
            }
        }

        return visible;
    }

    /// <summary>The ranking tables of a bulletin (one sheet per category) and its scoring table, as an xlsx workbook.</summary>
    public async Task WriteRankingWorkbookAsync(Actor actor, long id, Stream output, CancellationToken cancellationToken = default)
    {
        var document = await GetAsync(actor, id, cancellationToken);
        BusinessRule.Check(new OnlyARankingBulletinHasARankingTableRule(document.Summary.Kind));
        using var data = JsonDocument.Parse(document.Data);
        var sheets = new Dictionary<string, object>();
        foreach (var table in data.RootElement.GetProperty("tables").EnumerateArray())
        {
            sheets[SheetName(table.GetProperty("caption").GetString() ?? "排名")] = Rows(table);
        }

        sheets["扣分明细"] = Rows(data.RootElement.GetProperty("ledger"));
        await output.SaveAsAsync(sheets, cancellationToken: cancellationToken);
    }

    private static List<Dictionary<string, object>> Rows(JsonElement table)
    {
        var headers = table.GetProperty("headers").EnumerateArray().Select(h => h.GetString() ?? "").ToList();
        return table.GetProperty("rows").EnumerateArray().Select(row =>
        {
            var cells = row.EnumerateArray().Select(c => c.GetString() ?? "").ToList();
            var values = new Dictionary<string, object>();
            for (var i = 0; i < headers.Count; i++)
            {
                // Numbers go to Excel as numbers so the table can be sorted and summed there.
                var cell = i < cells.Count ? cells[i] : "";
                values[headers[i]] = decimal.TryParse(cell, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : cell;
            }

            return values;
        }).ToList();
    }

    private static string SheetName(string caption) => caption.Length > 31 ? caption[..31] : caption;

    private async Task RequireAsync(Actor actor, DocumentSummary document, CancellationToken ct)
    {
        var decision = await DecideAsync(actor, document, ct);
        if (!decision.Allowed)
        {
            throw new AccessDeniedException(decision.Reason, hideExistence: true);
        }
    }

    private async Task<AccessDecision> DecideAsync(Actor actor, DocumentSummary document, CancellationToken ct)
    {
        if (document.Kind == "referral")
        {
            var discipline = await access.DecideAsync(actor, Operation.HandleReferrals, cancellationToken: ct);
            return discipline.Allowed ? discipline : await access.DecideAsync(actor, Operation.RunCycles, cancellationToken: ct);
        }

        if (document.RecipientUnitId is null)
        {
            return actor.Memberships.Count > 0 ? AccessDecision.Allow("a public bulletin") : AccessDecision.Deny($"{actor.Login} holds no role");
        }

        return await access.DecideAsync(actor, Operation.ViewScore, document.RecipientUnitId, cancellationToken: ct);
    }
}

public sealed class OnlyARankingBulletinHasARankingTableRule(string kind) : IBusinessRule
{
    public bool IsBroken() => kind != "ranking_bulletin";

    public string Message => "Only a ranking bulletin has a ranking table to export.";
}
