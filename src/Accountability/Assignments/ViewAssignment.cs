using System.Text.Json;
using Accountability.Access;
using Accountability.Workflows;
using Dapper;
using Npgsql;

namespace Accountability.Assignments;

/// <summary>One entry of an item's timeline: an audit event (who, when, what, with what).</summary>
public sealed record TimelineEntry(long Seq, DateTimeOffset At, string Kind, string Actor, string? ActorName, JsonElement Payload);

public sealed record EvidenceInfo(long Id, string Action, string Kind, string FileName, string ContentType, int SizeBytes,
    string Sha256, DateTimeOffset UploadedAt, string? UploadedBy);

public sealed record ChaserInfo(long Id, string Colour, string Message, DateTimeOffset IssuedAt, string? IssuedBy,
    DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy);

public sealed record ExtensionInfo(long Id, DateTimeOffset RequestedAt, string RequestedBy, string Reason, DateTimeOffset ProposedDueAt,
    string Status, DateTimeOffset? DecidedAt, string? Leader, DateTimeOffset? NewDueAt, string? DecisionNote);

/// <summary>An item with everything that happened to it, and the actions the reader may take now.</summary>
public sealed record AssignmentDetails(AssignmentView Item, IReadOnlyList<string> Actions, IReadOnlyList<TimelineEntry> Timeline,
    IReadOnlyList<EvidenceInfo> Evidence, IReadOnlyList<ChaserInfo> Chasers, IReadOnlyList<ExtensionInfo> Extensions);

/// <summary>Reads an item with its timeline (its audit events), evidence list, chasers with their receipts and extension
/// requests. A unit user asking for another unit's item is told it does not exist.</summary>
public sealed class ViewAssignment(NpgsqlDataSource dataSource, AccessPolicy access, AssignmentStore store, WorkflowCatalog catalog) : IUseCase
{
    private const string SelectTimeline = """
        SELECT e.seq, e.at, e.kind, e.actor, p.display_name AS actor_name, e.payload::text AS payload
        FROM audit_event e LEFT JOIN person p ON p.id = e.actor_person_id
        WHERE e.assignment_id = @id ORDER BY e.seq
        """;

    private const string SelectEvidence = """
        SELECT f.id, f.action, f.kind, f.file_name AS FileName, f.content_type AS ContentType, f.size_bytes AS SizeBytes,
               encode(f.sha256, 'hex') AS Sha256, f.uploaded_at AS UploadedAt, p.display_name AS UploadedBy
        FROM evidence_file f LEFT JOIN person p ON p.id = f.uploaded_by
        WHERE f.assignment_id = @id ORDER BY f.id
        """;

    private const string SelectChasers = """
        SELECT c.id, c.colour, c.message, c.issued_at AS IssuedAt, i.display_name AS IssuedBy, c.acknowledged_at AS AcknowledgedAt,
               r.display_name AS AcknowledgedBy
        FROM assignment_chaser c LEFT JOIN person i ON i.id = c.issued_by LEFT JOIN person r ON r.id = c.acknowledged_by
        WHERE c.assignment_id = @id ORDER BY c.id
        """;

    private const string SelectExtensions = """
        SELECT e.id, e.requested_at AS RequestedAt, p.display_name AS RequestedBy, e.reason, e.proposed_due_at AS ProposedDueAt,
               e.status, e.decided_at AS DecidedAt, e.leader, e.new_due_at AS NewDueAt, e.decision_note AS DecisionNote
        FROM extension_request e JOIN person p ON p.id = e.requested_by
        WHERE e.assignment_id = @id ORDER BY e.id
        """;

    private static readonly (WorkflowParty Party, Operation Operation)[] Parties =
    [
        (WorkflowParty.Unit, Operation.ActOnItem), (WorkflowParty.Verifier, Operation.VerifyItem),
        (WorkflowParty.Headquarters, Operation.DecideExtension), (WorkflowParty.Headquarters, Operation.IssueChaser),
        (WorkflowParty.Inspector, Operation.RecordInspection),
    ];

    public async Task<AssignmentDetails> RunAsync(Actor actor, long id, CancellationToken cancellationToken = default)
    {
        var item = await store.FindAsync(id, cancellationToken) ?? throw AccessPolicy.Absent($"Assignment {id} does not exist.");
        await access.RequireAsync(actor, Operation.ViewItem, item.UnitId, item.VerifierUnitId, hideExistence: true, cancellationToken);
        var definition = catalog.Get(item.WorkflowCode, item.WorkflowVersion);

        var parties = new HashSet<WorkflowParty>();
        foreach (var (party, operation) in Parties)
        {
            if ((await access.DecideAsync(actor, operation, item.UnitId, item.VerifierUnitId, cancellationToken)).Allowed)
            {
                parties.Add(party);
            }
        }

        var actions = definition.Transitions
            .Where(t => WorkflowDefinition.AppliesTo(t, item.State) && t.By.Any(parties.Contains))
            .Select(t => t.Trigger).Distinct().ToList();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var timeline = (await connection.QueryAsync<(long Seq, DateTimeOffset At, string Kind, string Actor, string? ActorName, string Payload)>(
                SelectTimeline, new { id }))
            .Select(e => new TimelineEntry(e.Seq, e.At, e.Kind, e.Actor, e.ActorName, JsonDocument.Parse(e.Payload).RootElement.Clone()))
            .ToList();
        var evidence = (await connection.QueryAsync<EvidenceInfo>(SelectEvidence, new { id })).ToList();
        var chasers = (await connection.QueryAsync<ChaserInfo>(SelectChasers, new { id })).ToList();
        var extensions = (await connection.QueryAsync<ExtensionInfo>(SelectExtensions, new { id })).ToList();
        return new AssignmentDetails(AssignmentView.From(item, definition), actions, timeline, evidence, chasers, extensions);
    }
}
