using Accountability.Access;
using Dapper;
using Npgsql;

namespace Accountability.Scoring;

/// <summary>A scoring event behind a point: what happened, at what level, when, and on which item.</summary>
public sealed record ScoringEventView(long Id, string Kind, string? Level, DateTimeOffset OccurredAt, long? AssignmentId, string? Number,
    string? Title, string? Detail);

/// <summary>An evidence file on one of the unit's items, which an appeal may cite by name and SHA-256.</summary>
public sealed record CitableEvidence(long AssignmentId, string Number, long FileId, string Kind, string FileName, string Sha256);

/// <summary>The events behind a unit's ledger lines, so that every point can be traced to what happened (read only;
/// those who may see the unit's score).</summary>
public sealed class ReadScoringEvents(NpgsqlDataSource dataSource, AccessPolicy access) : IUseCase
{
    public const int MaxEvents = 2000;

    private const string Select = """
        SELECT e.id, e.kind, e.level, e.occurred_at AS OccurredAt, e.assignment_id AS AssignmentId, coalesce(t.number, l.number) AS Number,
               coalesce(t.title, l.name) AS Title, e.detail::text AS Detail
        FROM scoring_event e
        LEFT JOIN assignment a ON a.id = e.assignment_id
        LEFT JOIN task t ON t.id = a.task_id
        LEFT JOIN ledger_item l ON l.id = a.ledger_item_id
        WHERE e.id = ANY(@ids) AND e.unit_id = @unitId
        ORDER BY e.occurred_at, e.id
        LIMIT @limit
        """;

    private const string SelectEvidence = """
        SELECT f.assignment_id AS AssignmentId, coalesce(t.number, l.number) AS Number, f.id AS FileId, f.kind, f.file_name AS FileName,
               encode(f.sha256, 'hex') AS Sha256
        FROM evidence_file f
        JOIN assignment a ON a.id = f.assignment_id
        LEFT JOIN task t ON t.id = a.task_id
        LEFT JOIN ledger_item l ON l.id = a.ledger_item_id
        WHERE f.assignment_id = ANY(@ids) AND a.unit_id = @unitId
        ORDER BY f.assignment_id, f.id
        """;

    /// <summary>The evidence files on the unit's items among <paramref name="assignmentIds"/>.</summary>
    public async Task<IReadOnlyList<CitableEvidence>> EvidenceAsync(Actor actor, long unitId, IReadOnlyCollection<long> assignmentIds,
        CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(actor, Operation.ViewScore, unitId, hideExistence: true, cancellationToken: cancellationToken);
        if (assignmentIds.Count == 0)
        {
            return [];
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<CitableEvidence>(new CommandDefinition(SelectEvidence,
            new { ids = assignmentIds.Distinct().ToArray(), unitId }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<IReadOnlyList<ScoringEventView>> RunAsync(Actor actor, long unitId, IReadOnlyCollection<long> eventIds,
        CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(actor, Operation.ViewScore, unitId, hideExistence: true, cancellationToken: cancellationToken);
        if (eventIds.Count == 0)
        {
            return [];
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<ScoringEventView>(new CommandDefinition(Select,
            new { ids = eventIds.Distinct().ToArray(), unitId, limit = MaxEvents }, cancellationToken: cancellationToken))).ToList();
    }
}
