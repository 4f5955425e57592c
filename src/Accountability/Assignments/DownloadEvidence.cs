using Accountability.Access;
using Dapper;
using Npgsql;

namespace Accountability.Assignments;

public sealed record EvidenceContent(string FileName, string ContentType, byte[] Content, string Sha256);

/// <summary>An evidence file's bytes, for whoever may see the item.</summary>
public sealed class DownloadEvidence(NpgsqlDataSource dataSource, AccessPolicy access, AssignmentStore store) : IUseCase
{
    private const string SelectFile = """
        SELECT file_name AS FileName, content_type AS ContentType, content, encode(sha256, 'hex') AS Sha256
        FROM evidence_file WHERE id = @fileId AND assignment_id = @assignmentId
        """;

    public async Task<EvidenceContent> RunAsync(Actor actor, long assignmentId, long fileId, CancellationToken cancellationToken = default)
    {
        var item = await store.FindAsync(assignmentId, cancellationToken) ?? throw AccessPolicy.Absent($"Assignment {assignmentId} does not exist.");
        await access.RequireAsync(actor, Operation.ViewItem, item.UnitId, item.VerifierUnitId, hideExistence: true, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<EvidenceContent>(SelectFile, new { fileId, assignmentId })
            ?? throw new NotFoundException($"Assignment {assignmentId} has no evidence file {fileId}.");
    }
}
