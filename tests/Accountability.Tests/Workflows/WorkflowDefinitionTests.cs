using System.Text;
using System.Text.Json;
using Accountability.Assignments;
using Accountability.Calendar;
using Accountability.Workflows;

namespace Accountability.Tests.Workflows;

/// <summary>The definition format: the shipped definitions load, every state the other capabilities rely on exists, and
/// a broken definition is refused with the file, line and field of each error.</summary>
public sealed class WorkflowDefinitionTests
{
    private static string Definitions => Path.Combine(RepositoryPaths.Workflows, "definitions");

    [Fact]
    public void EveryShippedDefinition_LoadsWithoutProblems()
    {
        var problems = new List<InputProblem>();

        var definitions = WorkflowCatalog.Load(Definitions, problems);

        Assert.Empty(problems);
        Assert.Contains(("assignment", 1), definitions.Keys);
    }

    [Fact]
    public void DefaultDefinition_HasEveryStateOfTheSharedVocabulary()
    {
        var definition = new WorkflowCatalog(Definitions).Latest("assignment");
        var vocabulary = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "docs", "assignment-states.md"))
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Split('`')[1])
            .ToList();

        Assert.True(vocabulary.Count >= 14);
        Assert.All(vocabulary, state => Assert.True(definition.HasState(state), $"missing state {state}"));
        Assert.False(definition.IsOpen("cancelled"));
        Assert.DoesNotContain(definition.Transitions, t => t.From.Contains("cancelled"));
    }

    [Fact]
    public void Schema_IsJsonAndNamesTheSameTopLevelFieldsAsTheReader()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(Definitions, "workflow.schema.json")));

        var properties = schema.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();

        Assert.Equal(["$schema", "chaser_colours", "initial", "name", "states", "timers", "transitions", "version", "workflow"],
            properties.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Read_ABrokenDefinition_ReportsEveryErrorWithLineAndField()
    {
        const string yaml = """
            workflow: assignment
            version: 2
            initial: issued
            states:
              issued: { label: 已交办, open: true }
              done: { label: 完成, open: false }
            timers:
              acknowledgement_due: { from: issued, working_days: 1, at: end_of_day }
              reminder: { from: tomorrow, calendar_days: 2 }
            transitions:
              - trigger: acknowledgement_due
                by: timer
                from: issued
              - trigger: finish
                by: unit
                from: [issued, nowhere]
                to: done
                guards: [moon_must_be_full]
                colour: red
                effects:
                  - { score: jaywalking }
                  - { notify: unit, title: "完成 {numbr}" }
            """;
        var problems = new List<InputProblem>();

        var definition = WorkflowDefinitionReader.Read("definitions/assignment/v2.yaml", Encoding.UTF8.GetBytes(yaml), problems);

        Assert.Null(definition);
        Assert.All(problems, p => Assert.Equal("definitions/assignment/v2.yaml", p.File));
        Assert.Contains(problems, p => p.Field == "timers.reminder.from" && p.Line == 9);
        Assert.Contains(problems, p => p.Field == "transitions[1].from" && p.Reason.Contains("'nowhere'"));
        Assert.Contains(problems, p => p.Field == "transitions[1].guards" && p.Reason.Contains("moon_must_be_full"));
        Assert.Contains(problems, p => p.Field == "transitions[1].colour" && p.Line == 19);
        Assert.Contains(problems, p => p.Field == "transitions[1].effects[0].score" && p.Reason.Contains("jaywalking"));
        Assert.Contains(problems, p => p.Field == "transitions[1].effects[1].title" && p.Reason.Contains("{numbr}"));
        Assert.Contains(problems, p => p.Field == "timers.reminder" && p.Reason.Contains("no transition fires"));
    }

    [Fact]
    public void Read_TwoTransitionsThatCouldBothApply_IsRefused()
    {
        const string yaml = """
            workflow: assignment
            version: 1
            initial: issued
            states:
              issued: { label: 已交办, open: true }
              done: { label: 完成, open: false }
            timers:
              acknowledgement_due: { from: issued, working_days: 1 }
            transitions:
              - { trigger: acknowledgement_due, by: timer, from: issued }
              - { trigger: finish, by: unit, from: issued, to: done }
              - { trigger: finish, by: unit, from: "*", to: done }
            """;
        var problems = new List<InputProblem>();

        Assert.Null(WorkflowDefinitionReader.Read("v1.yaml", Encoding.UTF8.GetBytes(yaml), problems));

        var problem = Assert.Single(problems);
        Assert.Equal(12, problem.Line);
        Assert.Contains("also at line 11", problem.Reason);
    }

    [Fact]
    public void Read_AnInitialStateWithoutATimerFromIssue_IsRefusedBecauseItsTimersWouldNeverStart()
    {
        const string yaml = """
            workflow: assignment
            version: 1
            initial: issued
            states:
              issued: { label: 已交办, open: true }
            transitions:
              - { trigger: nothing, by: unit, from: issued }
            """;
        var problems = new List<InputProblem>();

        Assert.Null(WorkflowDefinitionReader.Read("v1.yaml", Encoding.UTF8.GetBytes(yaml), problems));

        Assert.Contains(problems, p => p.Field == "initial" && p.Reason.Contains("from: issued"));
    }

    [Fact]
    public void Catalog_AFileInTheWrongPlace_IsRefused()
    {
        var directory = Directory.CreateTempSubdirectory();
        try
        {
            Directory.CreateDirectory(Path.Combine(directory.FullName, "assignment"));
            File.Copy(Path.Combine(Definitions, "assignment", "v1.yaml"), Path.Combine(directory.FullName, "assignment", "v7.yaml"));
            var problems = new List<InputProblem>();

            var definitions = WorkflowCatalog.Load(directory.FullName, problems);

            Assert.Empty(definitions);
            Assert.Contains(problems, p => p.Reason.Contains("belongs in definitions/assignment/v1.yaml"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
