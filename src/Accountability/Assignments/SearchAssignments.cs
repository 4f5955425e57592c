using Accountability.Access;
using Accountability.Workflows;
using Dapper;
using Npgsql;

namespace Accountability.Assignments;

/// <summary>Whose list: everything the actor may see, the items they act on for their unit (an inbox), or the items
/// they verify (a verifier's queue).</summary>
public enum AssignmentLens
{
    Visible,
    Unit,
    Verifier,
}

/// <summary>Filters for the ledger, an inbox or a queue; all optional. <see cref="Text"/> matches the number, the title
/// or the unit's name; <see cref="DueWithinDays"/> keeps open items due in the next days (not yet overdue).</summary>
public sealed record AssignmentSearch(
    long? CampaignId = null,
    long? UnitId = null,
    string? Text = null,
    string[]? States = null,
    bool? Open = null,
    string? Light = null,
    string? Category = null,
    int? DueWithinDays = null,
    bool? UnreadChasers = null,
    int Page = 1,
    int PageSize = 50);

/// <summary>One line of a list: the item, its unit and verifier, where it stands, and its unanswered chasers.</summary>
public sealed record AssignmentListRow(
    long Id,
    long CampaignId,
    string CampaignCode,
    string Number,
    string Title,
    string? Category,
    string? LedgerKind,
    long UnitId,
    string UnitName,
    string Role,
    string? VerifierName,
    string State,
    int RowVersion,
    string WorkflowCode,
    int WorkflowVersion,
    string? Light,
    int ProgressPercent,
    DateTimeOffset IssuedAt,
    DateTimeOffset? DueAt,
    DateTimeOffset? ExtendedDueAt,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? SubmittedAt,
    DateTimeOffset? ClosedAt,
    int ChaserLevel,
    int UnreadChasers,
    int RelapseCount,
    string? NextTimerKind,
    DateTimeOffset? NextTimerAt,
    int EvidenceFiles)
{
    public DateTimeOffset? EffectiveDue => ExtendedDueAt ?? DueAt;
}

public sealed record AssignmentListPage(IReadOnlyList<AssignmentListRow> Items, int Page, int PageSize, long Total);

/// <summary>
/// The lists of the pages — headquarters' ledger, a unit's inbox, a verifier's queue — filtered in SQL through the
/// access policy, and the same rows streamed for an Excel export. Read only.
/// </summary>
public sealed class SearchAssignments(NpgsqlDataSource dataSource, AccessPolicy access, WorkflowCatalog catalog) : IUseCase
{
    public const int MaxPageSize = 500;

    private const string Columns = """
        SELECT a.id, a.campaign_id AS CampaignId, c.code AS CampaignCode, coalesce(t.number, l.number) AS Number,
               coalesce(t.title, l.name) AS Title, t.category AS Category, l.kind AS LedgerKind, a.unit_id AS UnitId,
               u.name AS UnitName, a.role, v.name AS VerifierName, a.state, a.row_version AS RowVersion,
               a.workflow_code AS WorkflowCode, a.workflow_version AS WorkflowVersion, a.light,
               a.progress_percent::int AS ProgressPercent, a.issued_at AS IssuedAt, a.due_at AS DueAt,
               a.extended_due_at AS ExtendedDueAt, a.acknowledged_at AS AcknowledgedAt, a.submitted_at AS SubmittedAt,
               a.closed_at AS ClosedAt, a.chaser_level::int AS ChaserLevel,
               (SELECT count(*) FROM assignment_chaser h WHERE h.assignment_id = a.id AND h.acknowledged_at IS NULL)::int AS UnreadChasers,
               a.relapse_count AS RelapseCount, coalesce(a.next_timer_kind, a.recheck_kind) AS NextTimerKind,
               coalesce(a.next_timer_at, a.recheck_at) AS NextTimerAt,
               (SELECT count(*) FROM evidence_file f WHERE f.assignment_id = a.id)::int AS EvidenceFiles
        """;

    private const string From = """
        FROM assignment a
        JOIN campaign c ON c.id = a.campaign_id
        JOIN unit u ON u.id = a.unit_id
        LEFT JOIN unit v ON v.id = a.verifier_unit_id
        LEFT JOIN task t ON t.id = a.task_id
        LEFT JOIN ledger_item l ON l.id = a.ledger_item_id
        """;

    // The category filter takes a task category, or "ledger:<kind>" for ledger items (enterprises, problems, complaints).
    private const string Where = """
        WHERE (@all OR a.unit_id = ANY(@itemUnits) OR a.verifier_unit_id = ANY(@verifierUnits))
          AND (@campaignId::bigint IS NULL OR a.campaign_id = @campaignId)
          AND (@unitId::bigint IS NULL OR a.unit_id = @unitId)
          AND (@states::text[] IS NULL OR a.state = ANY(@states))
          AND (@open::boolean IS NULL OR (a.closed_at IS NULL AND a.state NOT IN ('closed', 'closed_long_term', 'closed_unfounded', 'cancelled')) = @open)
          AND (@light::text IS NULL OR a.light = @light)
          AND (@category::text IS NULL OR t.category = @category OR 'ledger:' || l.kind = @category)
          AND (@dueBy::timestamptz IS NULL OR (coalesce(a.extended_due_at, a.due_at) BETWEEN @now AND @dueBy
               AND a.state IN ('issued', 'acknowledged', 'in_progress', 'extension_pending', 'returned', 'reopened')))
          AND (@unreadChasers::boolean IS NULL OR EXISTS (
               SELECT 1 FROM assignment_chaser h WHERE h.assignment_id = a.id AND h.acknowledged_at IS NULL) = @unreadChasers)
          AND (@text::text IS NULL OR coalesce(t.number, l.number) ILIKE @text OR coalesce(t.title, l.name) ILIKE @text OR u.name ILIKE @text)
        """;

    private const string Order = "\nORDER BY coalesce(a.extended_due_at, a.due_at) NULLS LAST, u.sort_order, a.id";

    private const string SelectPage = Columns + "\n" + From + "\n" + Where + Order + "\nLIMIT @limit OFFSET @offset";

    private const string SelectAll = Columns + "\n" + From + "\n" + Where + Order;

    private const string Count = "SELECT count(*)\n" + From + "\n" + Where;

    private const string SelectCategories = """
        SELECT DISTINCT t.category FROM task t WHERE t.campaign_id = @campaignId AND t.category IS NOT NULL AND t.cancelled_version IS NULL
        UNION
        SELECT DISTINCT 'ledger:' || l.kind FROM ledger_item l WHERE l.campaign_id = @campaignId AND l.cancelled_version IS NULL
        ORDER BY 1
        """;

    public async Task<AssignmentListPage> RunAsync(Actor actor, AssignmentLens lens, AssignmentSearch search, DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        var problems = new List<InputProblem>();
        if (search.Page < 1)
        {
            problems.Add(new InputProblem("request", null, null, "page", "must be 1 or more"));
        }

        if (search.PageSize is < 1 or > MaxPageSize)
        {
            problems.Add(new InputProblem("request", null, null, "pageSize", $"must be between 1 and {MaxPageSize}"));
        }

        if (problems.Count > 0)
        {
            throw new InputRejectedException(problems);
        }

        var visible = await VisibleAsync(actor, lens, cancellationToken);
        if (visible.None)
        {
            return new AssignmentListPage([], search.Page, search.PageSize, 0);
        }

        var parameters = Parameters(visible, search, now);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<AssignmentListRow>(new CommandDefinition(SelectPage, parameters, cancellationToken: cancellationToken));
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(Count, parameters, cancellationToken: cancellationToken));
        return new AssignmentListPage(rows.ToList(), search.Page, search.PageSize, total);
    }

    /// <summary>Every row the search matches (paging ignored), streamed from the database in order, for an export.</summary>
    public async IAsyncEnumerable<AssignmentListRow> StreamAsync(Actor actor, AssignmentLens lens, AssignmentSearch search, DateTimeOffset now,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var visible = await VisibleAsync(actor, lens, cancellationToken);
        if (visible.None)
        {
            yield break;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(SelectAll, Parameters(visible, search, now),
            cancellationToken: cancellationToken));
        var parse = reader.GetRowParser<AssignmentListRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return parse(reader);
        }
    }

    /// <summary>The task categories of a campaign and its ledger kinds (as <c>ledger:kind</c>), for a filter.</summary>
    public async Task<IReadOnlyList<string>> CategoriesAsync(long campaignId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(SelectCategories, new { campaignId }, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>The state's label in the item's workflow version.</summary>
    public string StateLabel(AssignmentListRow row)
    {
        var definition = catalog.Get(row.WorkflowCode, row.WorkflowVersion);
        return definition.HasState(row.State) ? definition.State(row.State).Label : row.State;
    }

    private async Task<Visibility> VisibleAsync(Actor actor, AssignmentLens lens, CancellationToken cancellationToken) => lens switch
    {
        AssignmentLens.Unit => await access.VisibleUnitsAsync(actor, Operation.ActOnItem, cancellationToken) is { All: false } unit
            ? unit with { VerifierUnits = [] }
            : new Visibility(false, [], []),
        AssignmentLens.Verifier => await access.VisibleUnitsAsync(actor, Operation.VerifyItem, cancellationToken) is { All: false } verifier
            ? verifier with { ItemUnits = [] }
            : new Visibility(false, [], []),
        _ => await access.VisibleUnitsAsync(actor, Operation.ViewItem, cancellationToken),
    };

    private static object Parameters(Visibility visible, AssignmentSearch search, DateTimeOffset now) => new
    {
        all = visible.All, itemUnits = visible.ItemUnits, verifierUnits = visible.VerifierUnits, search.CampaignId, search.UnitId,
        states = search.States is { Length: > 0 } s ? s : null, search.Open, search.Light, search.Category,
        dueBy = search.DueWithinDays is { } days ? now.AddDays(days) : (DateTimeOffset?)null, now,
        unreadChasers = search.UnreadChasers,
        text = string.IsNullOrWhiteSpace(search.Text) ? null : "%" + EscapeLike(search.Text.Trim()) + "%",
        limit = search.PageSize, offset = (search.Page - 1) * search.PageSize,
    };

    private static string EscapeLike(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);
}
