using System.Text;
using Accountability.Scoring;

namespace Accountability.Tests.Scoring;

public sealed class RulebookReaderTests
{
    private static (Rulebook? Rulebook, List<InputProblem> Problems) Read(string yaml)
    {
        var problems = new List<InputProblem>();
        return (RulebookReader.Read("draft.yaml", Encoding.UTF8.GetBytes(yaml), problems), problems);
    }

    [Fact]
    public void EveryShippedRulebook_LoadsWithoutProblems()
    {
        var problems = new List<InputProblem>();

        var rulebooks = RulebookCatalog.Load(Path.Combine(RepositoryPaths.Workflows, "rulebooks"), problems);

        Assert.Empty(problems);
        Assert.Equal(["anyang-cumulative", "autumn-winter-2017", "jining-consecutive"], rulebooks.Select(r => r.Code).Order().ToArray());
        Assert.All(rulebooks, r => Assert.Equal(100, r.BaseScore));
    }

    [Fact]
    public void ShippedRulebooks_SayWhatTheRulesTheyModelSay()
    {
        var all = RulebookCatalog.Load(Path.Combine(RepositoryPaths.Workflows, "rulebooks"), []);
        var jining = all.Single(r => r.Code == "jining-consecutive");
        var anyang = all.Single(r => r.Code == "anyang-cumulative");
        var national = all.Single(r => r.Code == "autumn-winter-2017");

        Assert.Equal(LadderWindow.Consecutive, jining.Ladders.Single(l => l.When == LadderCondition.Bottom).Window);
        Assert.Equal(LadderWindow.Cumulative, anyang.Ladders.Single(l => l.When == LadderCondition.Bottom).Window);
        Assert.Equal([2, 4, 6], national.Thresholds.Single(t => t.Id == "unrectified").Levels.Select(l => l.At));
        Assert.Equal([5, 10, 15], national.Thresholds.Single(t => t.Id == "new-problems").Levels.Select(l => l.At));
        Assert.Equal([2, 3, 4], national.RollUps.Single().Levels.Select(l => l.At));
        Assert.Contains("relapse", national.Counts["unrectified"]);
        Assert.Contains("relapse", national.Counts["new_problems"]);
        Assert.Equal(5, jining.Consequences["admonishment_talk"].Responses.Single(r => r.Kind == "rectification_plan").WithinWorkingDays);
    }

    [Fact]
    public void Read_WithMistakes_ReportsEachWithLineAndFieldAndReturnsNothing()
    {
        var (rulebook, problems) = Read("""
            rulebook: draft
            version: 1
            name: 试行办法
            document_number: 试〔2017〕1号
            effective_from: 2017-09-01
            components:
              - { code: tasks, name: 任务, points: 100 }
            points:
              - { id: late, name: 迟报, event: reported_late, points: -1, component: tasks }
              - { id: late, name: 逾期, event: overdue, points: -1, component: nowhere }
            ranking:
              metric: score
              bottom: 3
            ladders:
              - id: bottom
                name: 后三位
                when: bottom
                window: consecutive
                rungs:
                  - { at: 2, apply: [{ consequence: admonishment_talk, posts: [mayor] }] }
                  - { at: 1, apply: [{ consequence: scolding }] }
            roll_up:
              - { id: up, name: 上卷, from: [nothing], levels: [{ at: 2, apply: [{ consequence: accountability }] }] }
            colour: red
            """);

        Assert.Null(rulebook);
        Assert.Contains(problems, p => p.Line == 9 && p.Field == "points[0].event" && p.Reason.Contains("reported_late"));
        Assert.Contains(problems, p => p.Line == 10 && p.Field == "points[1].id" && p.Reason.Contains("used twice"));
        Assert.Contains(problems, p => p.Line == 10 && p.Field == "points[1].component");
        Assert.Contains(problems, p => p.Field == "ladders[0].rungs[0].apply[0].posts" && p.Reason.Contains("mayor"));
        Assert.Contains(problems, p => p.Field == "ladders[0].rungs[1].at" && p.Reason.Contains("rise"));
        Assert.Contains(problems, p => p.Field == "ladders[0].rungs[1].apply[0].consequence" && p.Reason.Contains("scolding"));
        Assert.Contains(problems, p => p.Field == "roll_up[0].from" && p.Reason.Contains("nothing"));
        Assert.Contains(problems, p => p.Line == 24 && p.Field == "colour" && p.Reason.Contains("unknown field"));
        Assert.All(problems, p => Assert.Equal("draft.yaml", p.File));
    }

    [Fact]
    public void Read_PerDayOnAnEventThatDoesNotLast_IsRefused()
    {
        var (_, problems) = Read("""
            rulebook: draft
            version: 1
            name: 试行办法
            document_number: 试〔2017〕1号
            effective_from: 2017-09-01
            components: [{ code: tasks, name: 任务, points: 100 }]
            points:
              - { id: found, name: 发现问题, event: problem_found, points: -1, per: day, component: tasks }
              - { id: mixed, name: 混合, event: overdue, by_level: { county: -1, city: 1 }, component: tasks }
            ranking: { metric: score }
            """);

        Assert.Contains(problems, p => p.Field == "points[0].per");
        Assert.Contains(problems, p => p.Field == "points[1].points" && p.Reason.Contains("one sign"));
    }

    [Fact]
    public void Catalog_PicksTheVersionInForceOnTheDay()
    {
        var directory = Directory.CreateTempSubdirectory("rulebooks-");
        try
        {
            string Version(int v, string from, string? to) => $"""
                rulebook: county
                version: {v}
                name: 办法{v}
                document_number: 试〔2017〕{v}号
                effective_from: {from}
                {(to is null ? "" : "effective_to: " + to)}
                components: [{"{"} code: tasks, name: 任务, points: 100 {"}"}]
                ranking: {"{"} metric: score {"}"}
                """;
            File.WriteAllText(Path.Combine(directory.FullName, "v1.yaml"), Version(1, "2017-01-01", "2017-12-31"));
            File.WriteAllText(Path.Combine(directory.FullName, "v2.yaml"), Version(2, "2018-01-01", null));
            var catalog = new RulebookCatalog(directory.FullName);

            Assert.Equal(1, catalog.InForce("county", new DateOnly(2017, 10, 1)).Version);
            Assert.Equal(2, catalog.InForce("county", new DateOnly(2018, 2, 1)).Version);
            Assert.Equal(nameof(RulebookMustBeInForceRule),
                Assert.Throws<BusinessRuleBrokenException>(() => catalog.InForce("county", new DateOnly(2016, 5, 1))).Rule);
        }
        finally
        {
            directory.Delete(true);
        }
    }
}
