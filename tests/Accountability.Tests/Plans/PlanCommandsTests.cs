using Accountability.Plans;

namespace Accountability.Tests.Plans;

/// <summary>`accountability plan convert`: the workbook a planner keeps, written from the canonical YAML.</summary>
public sealed class PlanCommandsTests
{
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
