using Accountability.Access;
using Dapper;
using Npgsql;

namespace Accountability.Escalations;

/// <summary>A response a consequence demands of the unit (its rectification plan after a talk), and whether it came.</summary>
public sealed record ResponseView(string Kind, string Name, DateTimeOffset DueAt, DateTimeOffset? RespondedAt, string? Note, DateTimeOffset? OverdueAt);

/// <summary>A consequence that fell on a unit in a current result, with the responses it demands.</summary>
public sealed record UnitConsequenceView(long Id, string Cycle, string Period, string Kind, string Post, string? HolderName, string[] RuleIds,
    long? DocumentId, DateTimeOffset IssuedAt, IReadOnlyList<ResponseView> Responses);

/// <summary>Where a consequence belongs, for links such as /consequences/{id} in a notice.</summary>
public sealed record ConsequenceLocation(long Id, string Campaign, string Cycle, string Period, long UnitId, string UnitCode);

/// <summary>The consequences that fell on a unit and the responses they still demand, for the unit's score page (read
/// only; those who may see the unit's score).</summary>
public sealed class ReadConsequenceResponses(NpgsqlDataSource dataSource, AccessPolicy access) : IUseCase
{
    private const string SelectConsequences = """
        SELECT q.id, q.cycle, q.period, q.kind, q.post, q.holder_name AS HolderName, q.rule_ids AS RuleIds, q.document_id AS DocumentId,
               q.issued_at AS IssuedAt
        FROM consequence q
        JOIN score_run r ON r.id = q.run_id AND r.current
        JOIN campaign c ON c.id = q.campaign_id
        WHERE c.code = @campaign AND q.unit_id = @unitId
        ORDER BY q.period DESC, q.id
        """;

    private const string SelectResponses = """
        SELECT consequence_id, kind, name, due_at, responded_at, note, overdue_at FROM consequence_response
        WHERE consequence_id = ANY(@ids) ORDER BY due_at, kind
        """;

    private const string SelectLocation = """
        SELECT q.id, c.code AS Campaign, q.cycle, q.period, q.unit_id AS UnitId, u.code AS UnitCode
        FROM consequence q JOIN campaign c ON c.id = q.campaign_id JOIN unit u ON u.id = q.unit_id
        WHERE q.id = @id
        """;

    private sealed record Row(long Id, string Cycle, string Period, string Kind, string Post, string? HolderName, string[] RuleIds,
        long? DocumentId, DateTimeOffset IssuedAt);

    public async Task<IReadOnlyList<UnitConsequenceView>> ForUnitAsync(Actor actor, string campaign, long unitId, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(actor, Operation.ViewScore, unitId, hideExistence: true, cancellationToken: cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(SelectConsequences, new { campaign, unitId }, cancellationToken: cancellationToken))).ToList();
        var responses = (await connection.QueryAsync<(long ConsequenceId, string Kind, string Name, DateTimeOffset DueAt, DateTimeOffset? RespondedAt,
                string? Note, DateTimeOffset? OverdueAt)>(new CommandDefinition(SelectResponses, new { ids = rows.Select(r => r.Id).ToArray() },
                cancellationToken: cancellationToken)))
            .ToLookup(r => r.ConsequenceId, r => new ResponseView(r.Kind, r.Name, r.DueAt, r.RespondedAt, r.Note, r.OverdueAt));
        return rows.Select(r => new UnitConsequenceView(r.Id, r.Cycle, r.Period, r.Kind, r.Post, r.HolderName, r.RuleIds, r.DocumentId, r.IssuedAt,
            responses[r.Id].ToList())).ToList();
    }

    public async Task<ConsequenceLocation> LocateAsync(Actor actor, long consequenceId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var location = await connection.QuerySingleOrDefaultAsync<ConsequenceLocation>(new CommandDefinition(SelectLocation, new { id = consequenceId },
                           cancellationToken: cancellationToken))
                       ?? throw AccessPolicy.Absent($"No consequence {consequenceId}.");
        await access.RequireAsync(actor, Operation.ViewScore, location.UnitId, hideExistence: true, cancellationToken: cancellationToken);
        return location;
    }
}
