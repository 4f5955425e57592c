using Accountability.Plans;

namespace Accountability.Tests.Plans;

/// <summary>`accountability plan convert`: the workbook a planner keeps, written from the canonical YAML.</summary>
public sealed class PlanCommandsTests
{
    [Fact]
    public async Task Convert_StoppedBeforeItFinishes_LeavesTheEarlierWorkbookAndNoTemporaryFile()
    {
        var folder = Directory.CreateTempSubdirectory("plan-convert-").FullName;
        var output = Path.Combine(folder, "plan.xlsx");
        try
        {
            await File.WriteAllTextAsync(output, "the workbook the office printed last month");
            using var stop = new CancellationTokenSource();
            await stop.CancelAsync();   // Ctrl+C

            var exit = await Cli.Program.BuildCommand()
                .Parse(["plan", "convert", RepositoryPaths.Sample("plans", PlanFixture.AutumnWinter + ".yaml"), output])
                .InvokeAsync(cancellationToken: stop.Token);

            Assert.NotEqual(0, exit);
            Assert.Equal("the workbook the office printed last month", await File.ReadAllTextAsync(output));
            Assert.Equal([output], Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Convert_TheYamlSample_WritesAWorkbookThatReadsAsTheSamePlan()
    {
        var output = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.xlsx");
        try
        {
            var exit = await Cli.Program.BuildCommand()
                .Parse(["plan", "convert", RepositoryPaths.Sample("plans", PlanFixture.AutumnWinter + ".yaml"), output]).InvokeAsync();

            Assert.Equal(0, exit);
            var problems = new List<InputProblem>();
            var plan = PlanFileReader.Read(output, await File.ReadAllBytesAsync(output), problems)!;
            Assert.Empty(problems);
            Assert.Equal(15, plan.Tasks!.Count);
            Assert.Equal("jx-2017-autumn-winter", plan.Campaign!.Code);
            Assert.Equal("每月25日前报送", plan.Tasks.Single(t => t.Number == "14").Deadline);
        }
        finally
        {
            File.Delete(output);
        }
    }
}
