using Accountability.Scoring.Simulation;

namespace Accountability.Tests.Scoring;

public sealed class SimulationTests
{
    [Fact]
    public void EverySampleScenario_ReadsWithoutProblems()
    {
        var files = Directory.GetFiles(RepositoryPaths.Sample("scenarios"), "*.yaml");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var problems = new List<InputProblem>();
            Assert.NotNull(ScenarioReader.Read(file, problems));
            Assert.Empty(problems);
        }
    }

    [Fact]
    public async Task SampleScenario_PlaysThreeMonthsAndTheStreakResets()
    {
        await using var engine = await TestEngine.CreateAsync();
        var scenario = ScenarioReader.Read(RepositoryPaths.Sample("scenarios", "jinxiang-three-months.yaml"), [])!;

        var report = await ScenarioRunner.RunAsync(engine.Services, engine.Time.SetUtcNow, scenario, default);

        Assert.Equal(["2017-10", "2017-11", "2017-12"], report.Periods.Select(p => p.Period));
        int Streak(int month) => report.Periods[month].Ranking.Single(r => r.Unit == "jx-huayu").LadderCounts["bottom-consecutive"];
        Assert.Equal([1, 2, 0], [Streak(0), Streak(1), Streak(2)]);
        Assert.Contains(report.Periods[1].Consequences, c => c.Unit == "jx-huayu" && c.Kind == "criticism" && c.Post == "deputy_in_charge");
        Assert.DoesNotContain(report.Periods[2].Consequences, c => c.Unit == "jx-huayu" && c.Kind != "commendation");
        Assert.Contains(report.Periods[0].Points, p => p.Unit == "jx-yangshan" && p.Rule == "problem-found" && p.Points == -0.6m);
    }

    [Fact]
    public void Scenario_WithMistakes_IsRefusedWithLinesAndFields()
    {
        var file = Path.Combine(Path.GetTempPath(), $"scenario-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, """
            scenario: broken
            organization: nowhere.yaml
            campaign: { code: c, name: 测试, starts_on: 2017-09-01, ends_on: 2017-12-31, rulebook: jining-consecutive }
            tasks: [{ number: "1", title: 任务, units: [jx-huayu] }]
            timeline:
              - { at: 2017-10-10T10:00, event: scolded, unit: jx-huayu }
              - { at: 2017-10-01T10:00, progress: 120, unit: jx-huayu, task: "9" }
            """);
        try
        {
            var problems = new List<InputProblem>();

            Assert.Null(ScenarioReader.Read(file, problems));

            Assert.Contains(problems, p => p.Field == "organization");
            Assert.Contains(problems, p => p.Line == 6 && p.Field == "timeline[0].event");
            Assert.Contains(problems, p => p.Line == 7 && p.Field == "timeline[1].at");
            Assert.Contains(problems, p => p.Line == 7 && p.Field == "timeline[1].task");
            Assert.Contains(problems, p => p.Line == 7 && p.Field == "timeline[1].progress");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
