using System.Text.Json;
using Accountability.Scoring.Simulation;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;

namespace Accountability.Tests.Scoring;

/// <summary>The campaign simulator plays a scenario through the real capabilities — plan import, the workflow's use
/// cases as named people, inspections, look-backs, the timer sweep on the simulated clock, the cycle close with the
/// rulebook — and prints the same bytes for the same scenario.</summary>
public sealed class SimulationTests
{
    private static string Sample => RepositoryPaths.Sample("scenarios", "jinxiang-three-months.yaml");

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
    public void Scenario_WithAWindowsZoneName_IsRefusedAtItsTimeZone()
    {
        // .NET on Linux finds "China Standard Time"; PostgreSQL, which reckons the campaign's months, does not.
        // Written elsewhere than the samples folder, which another test reads whole.
        var file = Path.Combine(Path.GetTempPath(), $"zone-{Guid.NewGuid():N}.yaml");
        var organization = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Sample)!, "../organization/jinxiang-county.yaml"));
        File.WriteAllText(file, File.ReadAllText(Sample)
            .Replace("organization: ../organization/jinxiang-county.yaml", "organization: " + organization, StringComparison.Ordinal)
            .Replace("\nuntil:", "\ntime_zone: China Standard Time\nuntil:", StringComparison.Ordinal));
        try
        {
            var problems = new List<InputProblem>();
            ScenarioReader.Read(file, problems);

            var problem = Assert.Single(problems);
            Assert.Equal("time_zone", problem.Field);
            Assert.Contains("China Standard Time", problem.Reason, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task SampleScenario_PlayedTwice_GivesByteIdenticalReportsOfWhatTheCapabilitiesDid()
    {
        var scenario = ScenarioReader.Read(Sample, [])!;
        await using var first = await TestCluster.CreateDatabaseAsync();
        await using var second = await TestCluster.CreateDatabaseAsync();

        var report = await Simulator.RunAsync(scenario, first.ConnectionString, NullLoggerFactory.Instance);
        var again = await Simulator.RunAsync(scenario, second.ConnectionString, NullLoggerFactory.Instance);

        Assert.Equal(report.ToJson(), again.ToJson());
        Assert.Equal(["2017-09", "2017-10", "2017-11", "2017-12"], report.Periods.Select(p => p.Period));
        Assert.All(report.Periods, p => Assert.Equal(("Published", "jining-consecutive@1"), (p.Outcome, p.Rulebook)));
        Assert.Empty(report.Refusals);
        // The jining ladder counts 化雨镇's months at the bottom in a row, and the catch-up in December resets it.
        int Streak(int month) => report.Periods[month].Ranking.Single(r => r.Unit == "jx-huayu").LadderCounts.GetValueOrDefault("bottom-consecutive");
        Assert.Equal([1, 2, 0], [Streak(1), Streak(2), Streak(3)]);
        Assert.Contains(report.Periods[2].Consequences, c => c.Unit == "jx-huayu" && c.Kind == "criticism" && c.Post == "deputy_in_charge");
        // What the capabilities wrote, not what a script put in tables: the city inspection's problem, the relapse found at
        // the look-back, the overdue item's ignored chaser, the false reply.
        Assert.Contains(report.Periods[1].Points, p => p.Unit == "jx-yangshan" && p.Rule == "problem-found" && p.Points == -0.2m);
        Assert.Contains(report.Periods[1].Points, p => p.Unit == "jx-yangshan" && p.Rule == "relapse");
        Assert.Contains(report.Periods[2].Consequences, c => c.Unit == "jx-yangshan" && c.Rules.Contains("chaser-ignored"));
        Assert.Contains(report.Periods[3].Points, p => p.Unit == "jx-sima" && p.Rule == "returned-as-false" && p.Points == -2m);
        await using var connection = await first.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM plan_version"));
        // The plant's two closures were each sampled for a look-back (it is a shut-down plant), each fired once.
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_event WHERE kind = 'assignment.timer.look_back_due'"));
        Assert.Equal(4, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM cycle_run WHERE status = 'published'"));
    }

    [Fact]
    public async Task Scenario_NamingADraftRulebook_IsScoredUnderTheDraft()
    {
        var directory = Directory.CreateTempSubdirectory("scenario-");
        try
        {
            var jining = File.ReadAllText(Path.Combine(RepositoryPaths.Workflows, "rulebooks", "jining-consecutive-v1.yaml"));
            File.WriteAllText(Path.Combine(directory.FullName, "draft.yaml"), jining
                .Replace("rulebook: jining-consecutive", "rulebook: jx-draft", StringComparison.Ordinal)
                .Replace("    event: relapse\n    points: -1\n", "    event: relapse\n    points: -5\n", StringComparison.Ordinal));
            var text = File.ReadAllText(Sample)
                .Replace("../organization/jinxiang-county.yaml", RepositoryPaths.Sample("organization", "jinxiang-county.yaml"), StringComparison.Ordinal)
                .Replace("rulebook: jining-consecutive", "rulebook_file: draft.yaml", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(directory.FullName, "try.yaml"), text);
            var scenario = ScenarioReader.Read(Path.Combine(directory.FullName, "try.yaml"), [])!;
            await using var database = await TestCluster.CreateDatabaseAsync();

            var report = await Simulator.RunAsync(scenario with { Until = new DateTimeOffset(2017, 11, 1, 10, 0, 0, TimeSpan.FromHours(8)) },
                database.ConnectionString, NullLoggerFactory.Instance);

            Assert.Equal("jx-draft", report.Rulebook);
            Assert.Equal("jx-draft@1", report.Periods[^1].Rulebook);
            Assert.Contains(report.Periods[^1].Points, p => p.Unit == "jx-yangshan" && p.Rule == "relapse" && p.Points == -5m);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Scenario_WithMistakes_IsRefusedWithLinesAndFields()
    {
        var file = Path.Combine(Path.GetTempPath(), $"scenario-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, """
            scenario: broken
            organization: nowhere.yaml
            plan: nowhere.xlsx
            timeline:
              - { at: 2017-10-10T10:00, as: huayu.operator, do: scold, task: "1" }
              - { at: 2017-10-01T10:00, as: huayu.operator, do: report, task: "1", percent: 120 }
              - { at: 2017-10-02T10:00, do: record_problem, source: rumour, unit: jx-huayu }
            """);
        try
        {
            var problems = new List<InputProblem>();

            Assert.Null(ScenarioReader.Read(file, problems));

            Assert.Contains(problems, p => p.Field == "organization");
            Assert.Contains(problems, p => p.Field == "plan");
            Assert.Contains(problems, p => p.Line == 5 && p.Field == "timeline[0].do");
            Assert.Contains(problems, p => p.Line == 6 && p.Field == "timeline[1].at");
            Assert.Contains(problems, p => p.Line == 6 && p.Field == "timeline[1].percent");
            Assert.Contains(problems, p => p.Line == 7 && p.Field == "timeline[2].as");
            Assert.Contains(problems, p => p.Line == 7 && p.Field == "timeline[2].source");
            Assert.Contains(problems, p => p.Line == 7 && p.Field == "timeline[2].name");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Scenario_WithAMomentBeforeTheCalendarBegins_IsRefusedNamingTheLineAndField()
    {
        var file = Path.Combine(Path.GetTempPath(), $"scenario-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, """
            scenario: broken
            organization: nowhere.yaml
            plan: nowhere.xlsx
            timeline:
              - { at: 0001-01-01T06:00, as: huayu.operator, do: report, task: "1", percent: 20, note: 进展 }
            """);
        try
        {
            var problems = new List<InputProblem>();

            Assert.Null(ScenarioReader.Read(file, problems));

            Assert.Contains(problems, p => p.Line == 5 && p.Field == "timeline[0].at");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Report_ToJson_IsCamelCaseAndKeepsChineseReadable()
    {
        var report = new SimulationReport("s", "c", "jining-consecutive", [], [new SimulatedRefusal(3, "timeline[0]", TestEngine.Start, "submit", "Rule", "逾期")]);

        var json = report.ToJson();

        using var parsed = JsonDocument.Parse(json);
        Assert.Equal("逾期", parsed.RootElement.GetProperty("refusals")[0].GetProperty("message").GetString());
        Assert.Contains("逾期", json);
    }
}
