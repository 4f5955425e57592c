using Accountability.Access;
using Dapper;
using Npgsql;

namespace Accountability.Assignments;

/// <summary>What an assignment is about, as the plan says it: the task's clause, target, measures, deadline as written
/// and required evidence, or the ledger item's problem, disposal class and responsible person.</summary>
public sealed record AssignmentSubject(
    long AssignmentId,
    string CampaignCode,
    string CampaignName,
    string? Clause,
    string? Category,
    string? Target,
    string? Measures,
    string? DeadlineText,
    bool LongTerm,
    string[] EvidenceKinds,
    decimal? Weight,
    string? LedgerKind,
    string? ProblemType,
    string? DisposalClass,
    string? ResponsiblePerson,
    string? Source,
    string? FoundLevel,
    string? VerifierName,
    string? CancelReason);

/// <summary>The plan's words for an item, for its page (read only; whoever may see the item).</summary>
public sealed class ReadAssignmentSubject(NpgsqlDataSource dataSource, AccessPolicy access, AssignmentStore store) : IUseCase
{
    private const string Select = """
        SELECT a.id AS AssignmentId, c.code AS CampaignCode, c.name AS CampaignName, t.clause, t.category, t.target,
               coalesce(t.measures, l.measures) AS Measures, coalesce(t.deadline_text, l.deadline_text) AS DeadlineText,
               coalesce(t.long_term, false) AS LongTerm, coalesce(t.evidence_kinds, '{}') AS EvidenceKinds, t.weight,
               l.kind AS LedgerKind, l.problem_type AS ProblemType, l.disposal_class AS DisposalClass,
               l.responsible_person AS ResponsiblePerson, l.source, l.found_level AS FoundLevel, v.name AS VerifierName,
               a.cancel_reason AS CancelReason
        FROM assignment a
        JOIN campaign c ON c.id = a.campaign_id
        LEFT JOIN task t ON t.id = a.task_id
        LEFT JOIN ledger_item l ON l.id = a.ledger_item_id
        LEFT JOIN unit v ON v.id = a.verifier_unit_id
        WHERE a.id = @id
        """;

    public async Task<AssignmentSubject> RunAsync(Actor actor, long id, CancellationToken cancellationToken = default)
    {
        var item = await store.FindAsync(id, cancellationToken) ?? throw AccessPolicy.Absent($"Assignment {id} does not exist.");
        await access.RequireAsync(actor, Operation.ViewItem, item.UnitId, item.VerifierUnitId, hideExistence: true, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<AssignmentSubject>(new CommandDefinition(Select, new { id }, cancellationToken: cancellationToken));
    }
}
