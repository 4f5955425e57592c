using System.Text;
using Accountability.Cli.Hosting;

namespace Accountability.Tests.CommandLine;

/// <summary>Files the CLI writes (org export, plan convert) are complete or untouched, never half written.</summary>
public sealed class ReplaceFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("replace-file-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Earlier(string content)
    {
        var path = Path.Combine(_folder, "organization.xlsx");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task Write_WhenTheWriterFailsPartWay_LeavesTheEarlierFileAndNoTemporaryFile()
    {
        var path = Earlier("the export of last week");

        var failure = await Assert.ThrowsAsync<IOException>(() => ReplaceFile.WriteAsync(path, async (stream, ct) =>
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes("half of this week's"), ct);
            throw new IOException("No space left on device");
        }, CancellationToken.None));

        Assert.Equal("No space left on device", failure.Message);
        Assert.Equal("the export of last week", await File.ReadAllTextAsync(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
    }

    [Fact]
    public async Task Write_WhenItSucceeds_ReplacesTheEarlierFileWholeAndLeavesNoTemporaryFile()
    {
        var path = Earlier("the export of last week, which was longer");

        await ReplaceFile.WriteAsync(path, (stream, ct) => stream.WriteAsync(Encoding.UTF8.GetBytes("this week's"), ct).AsTask(), CancellationToken.None);

        Assert.Equal("this week's", await File.ReadAllTextAsync(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
    }
}
