namespace Accountability.Cli.Hosting;

/// <summary>
/// Writes an output file so that it ends up either complete or as it was before: the content goes to a temporary file
/// beside the target (the same folder, so the same file system and an atomic rename), is flushed to disk, and only
/// then renamed over the target. A failure or Ctrl+C part-way deletes the temporary file and leaves the previous
/// export in place, where writing into the target itself would have emptied it first.
/// </summary>
public static class ReplaceFile
{
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var target = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                await write(stream, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                // The rename must not reach the disk before the content does (a power cut would leave an empty file).
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            // Gone after the rename; left behind only by a failure.
            File.Delete(temporary);
        }
    }
}
