using Accountability.Organization;
using Accountability.Tests.Access;
using Dapper;

namespace Accountability.Tests.Organization;

/// <summary><c>accountability org export</c> as an administrator runs it: the built CLI in its own process.</summary>
public sealed class OrganizationCommandsTests : IAsyncLifetime
{
    private TestEngine _engine = null!;
    private string _folder = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        await OrganizationFixture.ImportSampleAsync(_engine);
        _folder = Directory.CreateTempSubdirectory("org-export-").FullName;
    }

    public async Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task Export_WhenTheDatabaseFailsPartWay_LeavesThePreviousExportIntact()
    {
        var path = Path.Combine(_folder, "组织机构.xlsx");
        var exported = await CliProcess.RunAsync(_engine.Database.ConnectionString, "org", "export", path);
        Assert.Equal(0, exported.Exit);
        var previous = await File.ReadAllBytesAsync(path);
        var problems = new List<InputProblem>();
        Assert.Contains(OrganizationFileReader.Read(path, previous, problems)!.Units, u => u.Code == "jx-huayu");
        // The export has connected and started reading when the database fails it (here: a table it reads is gone).
        await using (var connection = await _engine.Database.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("ALTER TABLE unit_post RENAME TO unit_post_away");
        }

        var failed = await CliProcess.RunAsync(_engine.Database.ConnectionString, "org", "export", path);

        Assert.Equal(4, failed.Exit);
        Assert.Contains("the database answered 42P01", failed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", failed.Output, StringComparison.Ordinal);    // a message, not a stack trace
        Assert.Equal(previous, await File.ReadAllBytesAsync(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
    }

    [Fact]
    public async Task Export_IntoAFolderThatIsNotThere_SaysSoWithThePath()
    {
        var path = Path.Combine(_folder, "没有这个目录", "组织机构.xlsx");

        var failed = await CliProcess.RunAsync(_engine.Database.ConnectionString, "org", "export", path);

        Assert.Equal(4, failed.Exit);
        Assert.Contains("没有这个目录", failed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", failed.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }
}
