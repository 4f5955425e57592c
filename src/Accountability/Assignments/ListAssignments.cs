using Accountability.Access;
using Accountability.Workflows;
using Dapper;
using Npgsql;

namespace Accountability.Assignments;

/// <summary>Filters for an inbox or ledger list; all optional.</summary>
public sealed record AssignmentFilter(long? CampaignId = null, long? UnitId = null, string? State = null, bool? Open = null,
    string? Light = null, bool? DueSoonOrOverdue = null, int Page = 1, int PageSize = 50);

public sealed record AssignmentPage(IReadOnlyList<AssignmentView> Items, int Page, int PageSize, long Total);

/// <summary>A unit's inbox (or a verifier's queue, or headquarters' ledger): the items the actor may see, filtered
/// through the access policy in SQL, newest due first.</summary>
public sealed class ListAssignments(NpgsqlDataSource dataSource, AccessPolicy access, WorkflowCatalog catalog) : IUseCase
{
    private const string Where = """
        WHERE (@all OR a.unit_id = ANY(@itemUnits) OR a.verifier_unit_id = ANY(@verifierUnits))
          AND (@campaignId::bigint IS NULL OR a.campaign_id = @campaignId)
          AND (@unitId::bigint IS NULL OR a.unit_id = @unitId)
          AND (@state::text IS NULL OR a.state = @state)
          AND (@open::boolean IS NULL OR (a.closed_at IS NULL AND a.state <> 'cancelled') = @open)
          AND (@light::text IS NULL OR a.light = @light)
          AND (@dueSoon::boolean IS NULL OR (coalesce(a.extended_due_at, a.due_at) <= @soon AND a.closed_at IS NULL) = @dueSoon)
        """;

    private const string SelectPage = "SELECT " + AssignmentStore.FactsColumns + "\n" + AssignmentStore.FactsFrom + "\n" + Where + """

        ORDER BY coalesce(a.extended_due_at, a.due_at) NULLS LAST, a.id
        LIMIT @limit OFFSET @offset
        """;

    private const string Count = "SELECT count(*) FROM assignment a\n" + Where;

    public async Task<AssignmentPage> RunAsync(Actor actor, AssignmentFilter filter, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var problems = new List<InputProblem>();
        if (filter.Page < 1)
        {
            problems.Add(new InputProblem("request", null, null, "page", "must be 1 or more"));
        }

        if (filter.PageSize is < 1 or > 500)
        {
            problems.Add(new InputProblem("request", null, null, "pageSize", "must be between 1 and 500"));
        }

        if (problems.Count > 0)
        {
            throw new InputRejectedException(problems);
        }

        var visible = await access.VisibleUnitsAsync(actor, Operation.ViewItem, cancellationToken);
        if (visible.None)
        {
            return new AssignmentPage([], filter.Page, filter.PageSize, 0);
        }

        var parameters = new
        {
            all = visible.All, itemUnits = visible.ItemUnits, verifierUnits = visible.VerifierUnits, filter.CampaignId, filter.UnitId,
            filter.State, filter.Open, filter.Light, dueSoon = filter.DueSoonOrOverdue, soon = now.AddDays(7),
            limit = filter.PageSize, offset = (filter.Page - 1) * filter.PageSize,
        };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<AssignmentFacts>(SelectPage, parameters);
        var total = await connection.ExecuteScalarAsync<long>(Count, parameters);
        return new AssignmentPage(rows.Select(r => AssignmentView.From(r, catalog.Get(r.WorkflowCode, r.WorkflowVersion))).ToList(),
            filter.Page, filter.PageSize, total);
    }
}
