using System.Diagnostics;
using Accountability.Tests.Access;
using Dapper;

namespace Accountability.Tests.Cycles;

/// <summary><c>accountability cycle run</c> as an operator types it: the built CLI in its own process.</summary>
public sealed class CycleCommandTests : IAsyncLifetime
{
    private TestEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        await OrganizationFixture.ImportSampleAsync(_engine);
        var ds = _engine.Database.DataSource;
        var campaign = await CycleScenario.CreateCampaignAsync(ds, "dq-cli", CycleScenario.Monthly, new DateOnly(2017, 9, 1), new DateOnly(2017, 12, 31),
            DateTimeOffset.Parse("2017-09-01T00:00Z"));
        await CycleScenario.AddItemsAsync(ds, campaign, new Dictionary<string, int> { ["jx-huayu"] = 1, ["jx-edz"] = 0 }, 2,
            DateTimeOffset.Parse("2017-09-01T01:00Z"), DateTimeOffset.Parse("2017-12-01T01:00Z"));
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private async Task<(int Exit, string Output)> CliAsync(params string[] args)
    {
        var cli = Path.Combine(Path.GetDirectoryName(ServerProcess.WebAssembly)!.Replace("Accountability.Web", "Accountability.Cli", StringComparison.Ordinal),
            "Accountability.Cli.dll");
        var info = new ProcessStartInfo("dotnet", [cli, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["ConnectionStrings__Accountability"] = _engine.Database.ConnectionString;
        info.Environment["COLUMNS"] = "200";
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }

    [Fact]
    public async Task CycleRun_DryRunThenRun_ShowsTheBulletinWritesNothingThenPublishesIt()
    {
        var before = await CycleScenario.CountEveryTableAsync(_engine.Database.DataSource);

        var dry = await CliAsync("cycle", "run", "--campaign", "dq-cli", "--period", "2017-10", "--dry-run");

        Assert.Equal(0, dry.Exit);
        Assert.Contains("DryRun", dry.Output);
        Assert.Contains("nothing below was written", dry.Output);
        Assert.Contains("2017年10月", dry.Output);
        Assert.Equal(before, await CycleScenario.CountEveryTableAsync(_engine.Database.DataSource));

        var run = await CliAsync("cycle", "run", "--campaign", "dq-cli", "--period", "2017-10");
        var refused = await CliAsync("cycle", "run", "--campaign", "dq-cli", "--period", "2017-13");

        Assert.Equal(0, run.Exit);
        Assert.Contains("Published", run.Output);
        Assert.Equal(2, refused.Exit);
        Assert.Contains("period", refused.Output);
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM cycle_run WHERE period = '2017-10' AND published_revision = 1"));
    }
}
