using System.Text.Json;
using Dapper;
using Npgsql;

namespace Accountability.Plans;

public sealed record UnitRef(long Id, string Code, string Name);

public sealed record CampaignView(long Id, string Code, string Name, string? DocumentNumber, UnitRef? Headquarters,
    DateOnly StartsOn, DateOnly EndsOn, string TimeZone, string CalendarCode, string WorkflowCode, string? RulebookCode,
    int? PublicNoticeDays, IReadOnlyList<CycleDefinition> Cadence, int CurrentPlanVersion, int Tasks, int LedgerItems,
    long OpenAssignments, long ClosedAssignments, long CancelledAssignments);

public sealed record PlanVersionView(int Version, string SourceName, string SourceSha256, DateTimeOffset ImportedAt,
    string? ImportedBy, JsonElement Summary);

public sealed record TaskView(long Id, string Number, string? Clause, string Title, string? Measures, string? Category,
    string? Target, UnitRef? Lead, IReadOnlyList<UnitRef> Responsible, IReadOnlyList<UnitRef> Cooperating, UnitRef? Verifier,
    string? LeadText, string? ResponsibleText, string? CooperatingText, string? DeadlineText, DateTimeOffset? DueAt,
    bool LongTerm, JsonElement? Recurrence, JsonElement Milestones, string[] EvidenceKinds, decimal Weight,
    string? CalendarVersion, int FirstVersion, int ChangedVersion, int? CancelledVersion, string? CancelReason,
    string? SourceRef, long Assignments, long OpenAssignments);

public sealed record LedgerItemView(long Id, string Number, string Kind, string Name, UnitRef Town, string? TownText,
    string? ProblemType, string? DisposalClass, string? Measures, string? ResponsiblePerson, string? DeadlineText,
    DateTimeOffset? DueAt, string? Source, string? FoundLevel, UnitRef? Verifier, int FirstVersion, int ChangedVersion,
    int? CancelledVersion, string? CancelReason, string? SourceRef, string? AssignmentState);

/// <summary>Reads of campaigns, plan versions, tasks and ledger items for lists and pages.</summary>
public sealed class PlanStore(NpgsqlDataSource dataSource) : IStore
{
    private const string OpenStates = "a.state NOT IN ('closed', 'closed_long_term', 'closed_unfounded', 'cancelled')";

    private const string SelectCampaigns = $"""
        SELECT c.id, c.code, c.name, c.document_number AS DocumentNumber, h.id AS HqId, h.code AS HqCode, h.name AS HqName,
               c.starts_on AS StartsOn, c.ends_on AS EndsOn, c.time_zone AS TimeZone, c.calendar_code AS CalendarCode,
               c.workflow_code AS WorkflowCode, c.rulebook_code AS RulebookCode, c.public_notice_days AS PublicNoticeDays,
               c.cadence::text AS Cadence, c.current_plan_version AS CurrentPlanVersion,
               (SELECT count(*) FROM task t WHERE t.campaign_id = c.id AND t.cancelled_version IS NULL)::int AS Tasks,
               (SELECT count(*) FROM ledger_item l WHERE l.campaign_id = c.id AND l.cancelled_version IS NULL)::int AS LedgerItems,
               (SELECT count(*) FROM assignment a WHERE a.campaign_id = c.id AND {OpenStates}) AS OpenAssignments,
               (SELECT count(*) FROM assignment a WHERE a.campaign_id = c.id AND a.state IN ('closed', 'closed_long_term', 'closed_unfounded')) AS ClosedAssignments,
               (SELECT count(*) FROM assignment a WHERE a.campaign_id = c.id AND a.state = 'cancelled') AS CancelledAssignments
        FROM campaign c LEFT JOIN unit h ON h.id = c.headquarters_unit_id
        WHERE @code::text IS NULL OR c.code = @code
        ORDER BY c.starts_on DESC, c.code
        """;

    private const string SelectVersions = """
        SELECT v.version, v.source_name AS SourceName, v.source_sha256 AS SourceSha256, v.imported_at AS ImportedAt,
               p.login AS ImportedBy, v.summary::text AS Summary
        FROM plan_version v JOIN campaign c ON c.id = v.campaign_id LEFT JOIN person p ON p.id = v.imported_by
        WHERE c.code = @code ORDER BY v.version DESC
        """;

    private const string SelectTasks = $"""
        SELECT t.id, t.number, t.clause, t.title, t.measures, t.category, t.target, t.lead_unit_id AS LeadUnitId,
               t.responsible_unit_ids AS ResponsibleUnitIds, t.cooperating_unit_ids AS CooperatingUnitIds,
               t.verifier_unit_id AS VerifierUnitId, t.lead_text AS LeadText, t.responsible_text AS ResponsibleText,
               t.cooperating_text AS CooperatingText, t.deadline_text AS DeadlineText, t.due_at AS DueAt, t.long_term AS LongTerm,
               t.recurrence::text AS Recurrence, t.milestones::text AS Milestones, t.evidence_kinds AS EvidenceKinds, t.weight,
               t.calendar_version AS CalendarVersion, t.first_version AS FirstVersion, t.changed_version AS ChangedVersion,
               t.cancelled_version AS CancelledVersion, t.cancel_reason AS CancelReason, t.source_ref AS SourceRef,
               (SELECT count(*) FROM assignment a WHERE a.task_id = t.id AND a.state <> 'cancelled') AS Assignments,
               (SELECT count(*) FROM assignment a WHERE a.task_id = t.id AND {OpenStates}) AS OpenAssignments
        FROM task t JOIN campaign c ON c.id = t.campaign_id
        WHERE c.code = @code AND (@includeCancelled OR t.cancelled_version IS NULL)
        ORDER BY t.id
        """;

    private const string SelectLedger = """
        SELECT l.id, l.number, l.kind, l.name, l.town_unit_id AS TownUnitId, l.town_text AS TownText,
               l.problem_type AS ProblemType, l.disposal_class AS DisposalClass, l.measures,
               l.responsible_person AS ResponsiblePerson, l.deadline_text AS DeadlineText, l.due_at AS DueAt, l.source,
               l.found_level AS FoundLevel, l.verifier_unit_id AS VerifierUnitId, l.first_version AS FirstVersion,
               l.changed_version AS ChangedVersion, l.cancelled_version AS CancelledVersion, l.cancel_reason AS CancelReason,
               l.source_ref AS SourceRef,
               (SELECT a.state FROM assignment a WHERE a.ledger_item_id = l.id ORDER BY a.state = 'cancelled', a.id DESC LIMIT 1) AS AssignmentState
        FROM ledger_item l JOIN campaign c ON c.id = l.campaign_id
        WHERE c.code = @code AND (@includeCancelled OR l.cancelled_version IS NULL)
        ORDER BY l.id
        """;

    private const string SelectUnitRefs = "SELECT id, code, name FROM unit WHERE id = ANY(@ids)";

    private sealed record CampaignRow(long Id, string Code, string Name, string? DocumentNumber, long? HqId, string? HqCode,
        string? HqName, DateOnly StartsOn, DateOnly EndsOn, string TimeZone, string CalendarCode, string WorkflowCode,
        string? RulebookCode, int? PublicNoticeDays, string Cadence, int CurrentPlanVersion, int Tasks, int LedgerItems,
        long OpenAssignments, long ClosedAssignments, long CancelledAssignments);

    private sealed record VersionRow(int Version, string SourceName, string SourceSha256, DateTimeOffset ImportedAt,
        string? ImportedBy, string Summary);

    private sealed record TaskRow(long Id, string Number, string? Clause, string Title, string? Measures, string? Category,
        string? Target, long? LeadUnitId, long[] ResponsibleUnitIds, long[] CooperatingUnitIds, long? VerifierUnitId,
        string? LeadText, string? ResponsibleText, string? CooperatingText, string? DeadlineText, DateTimeOffset? DueAt,
        bool LongTerm, string? Recurrence, string Milestones, string[] EvidenceKinds, decimal Weight, string? CalendarVersion,
        int FirstVersion, int ChangedVersion, int? CancelledVersion, string? CancelReason, string? SourceRef, long Assignments,
        long OpenAssignments);

    private sealed record LedgerRow(long Id, string Number, string Kind, string Name, long TownUnitId, string? TownText,
        string? ProblemType, string? DisposalClass, string? Measures, string? ResponsiblePerson, string? DeadlineText,
        DateTimeOffset? DueAt, string? Source, string? FoundLevel, long? VerifierUnitId, int FirstVersion, int ChangedVersion,
        int? CancelledVersion, string? CancelReason, string? SourceRef, string? AssignmentState);

    public async Task<IReadOnlyList<CampaignView>> ListCampaignsAsync(CancellationToken cancellationToken = default) =>
        await CampaignsAsync(null, cancellationToken);

    public async Task<CampaignView> GetCampaignAsync(string code, CancellationToken cancellationToken = default) =>
        (await CampaignsAsync(code, cancellationToken)).SingleOrDefault()
        ?? throw new NotFoundException($"No campaign '{code}'.");

    public async Task<IReadOnlyList<PlanVersionView>> ListVersionsAsync(string code, CancellationToken cancellationToken = default)
    {
        await GetCampaignAsync(code, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<VersionRow>(SelectVersions, new { code });
        return rows.Select(r => new PlanVersionView(r.Version, r.SourceName, r.SourceSha256, r.ImportedAt, r.ImportedBy,
            JsonDocument.Parse(r.Summary).RootElement.Clone())).ToList();
    }

    public async Task<IReadOnlyList<TaskView>> ListTasksAsync(string code, bool includeCancelled = false,
        CancellationToken cancellationToken = default)
    {
        await GetCampaignAsync(code, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<TaskRow>(SelectTasks, new { code, includeCancelled })).ToList();
        var units = await UnitsAsync(connection, rows.SelectMany(r => r.ResponsibleUnitIds.Concat(r.CooperatingUnitIds)
            .Concat(new[] { r.LeadUnitId, r.VerifierUnitId }.OfType<long>())));
        return rows.Select(r => new TaskView(r.Id, r.Number, r.Clause, r.Title, r.Measures, r.Category, r.Target,
            Ref(units, r.LeadUnitId), r.ResponsibleUnitIds.Select(id => units[id]).ToList(),
            r.CooperatingUnitIds.Select(id => units[id]).ToList(), Ref(units, r.VerifierUnitId), r.LeadText, r.ResponsibleText,
            r.CooperatingText, r.DeadlineText, r.DueAt, r.LongTerm, Json(r.Recurrence), Json(r.Milestones)!.Value, r.EvidenceKinds,
            r.Weight, r.CalendarVersion, r.FirstVersion, r.ChangedVersion, r.CancelledVersion, r.CancelReason, r.SourceRef,
            r.Assignments, r.OpenAssignments)).ToList();
    }

    public async Task<IReadOnlyList<LedgerItemView>> ListLedgerAsync(string code, bool includeCancelled = false,
        CancellationToken cancellationToken = default)
    {
        await GetCampaignAsync(code, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<LedgerRow>(SelectLedger, new { code, includeCancelled })).ToList();
        var units = await UnitsAsync(connection, rows.SelectMany(r => new[] { r.TownUnitId, r.VerifierUnitId ?? r.TownUnitId }));
        return rows.Select(r => new LedgerItemView(r.Id, r.Number, r.Kind, r.Name, units[r.TownUnitId], r.TownText, r.ProblemType,
            r.DisposalClass, r.Measures, r.ResponsiblePerson, r.DeadlineText, r.DueAt, r.Source, r.FoundLevel,
            Ref(units, r.VerifierUnitId), r.FirstVersion, r.ChangedVersion, r.CancelledVersion, r.CancelReason, r.SourceRef,
            r.AssignmentState)).ToList();
    }

    private async Task<List<CampaignView>> CampaignsAsync(string? code, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<CampaignRow>(SelectCampaigns, new { code });
        return rows.Select(r => new CampaignView(r.Id, r.Code, r.Name, r.DocumentNumber,
            r.HqId is { } hq ? new UnitRef(hq, r.HqCode!, r.HqName!) : null, r.StartsOn, r.EndsOn, r.TimeZone, r.CalendarCode, r.WorkflowCode, r.RulebookCode, r.PublicNoticeDays,
            Cadence.FromJson(r.Cadence), r.CurrentPlanVersion, r.Tasks, r.LedgerItems, r.OpenAssignments, r.ClosedAssignments,
            r.CancelledAssignments)).ToList();
    }

    private static async Task<Dictionary<long, UnitRef>> UnitsAsync(NpgsqlConnection connection, IEnumerable<long> ids) =>
        (await connection.QueryAsync<UnitRef>(SelectUnitRefs, new { ids = ids.Distinct().ToArray() })).ToDictionary(u => u.Id);

    private static UnitRef? Ref(Dictionary<long, UnitRef> units, long? id) => id is { } i ? units[i] : null;

    private static JsonElement? Json(string? text) => text is null ? null : JsonDocument.Parse(text).RootElement.Clone();
}
