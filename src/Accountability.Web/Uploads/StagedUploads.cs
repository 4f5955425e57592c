using System.Security.Cryptography;
using Dapper;
using Npgsql;

namespace Accountability.Web.Uploads;

public sealed record StagedUpload(Guid Id, string FileName, byte[] Content, string Sha256);

/// <summary>
/// Holds an uploaded file between "check it" and "apply it", so the person confirms exactly the bytes that were
/// checked (the confirmation carries the id, never the file again). Only its uploader can use it; a day later it
/// is gone.
/// </summary>
public sealed class StagedUploads(NpgsqlDataSource dataSource, TimeProvider time)
{
    public const long MaxBytes = 50L * 1024 * 1024;
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);

    private const string Insert = """
        INSERT INTO staged_upload (id, person_id, purpose, file_name, content, sha256, created_at)
        VALUES (@id, @personId, @purpose, @fileName, @content, @sha256, @now)
        """;

    private const string Select = """
        SELECT id, file_name AS FileName, content, sha256 FROM staged_upload
        WHERE id = @id AND person_id = @personId AND purpose = @purpose AND created_at > @since
        """;

    private const string Purge = "DELETE FROM staged_upload WHERE created_at <= @since";

    public async Task<StagedUpload> StageAsync(long personId, string purpose, IFormFile file, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, cancellationToken);
        var content = buffer.ToArray();
        var upload = new StagedUpload(Guid.NewGuid(), Path.GetFileName(file.FileName), content,
            Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant());
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(Purge, new { since = now - Lifetime });
        await connection.ExecuteAsync(Insert, new { upload.Id, personId, purpose, upload.FileName, content, upload.Sha256, now });
        return upload;
    }

    public async Task<StagedUpload> GetAsync(long personId, string purpose, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<StagedUpload>(Select,
                   new { id, personId, purpose, since = time.GetUtcNow() - Lifetime })
               ?? throw new NotFoundException("The uploaded file has expired or is not yours; upload it again.");
    }
}
