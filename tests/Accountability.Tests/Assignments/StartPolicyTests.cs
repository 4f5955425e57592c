using Accountability.Assignments;
using Accountability.Calendar;
using Accountability.Cycles;
using Microsoft.Extensions.DependencyInjection;

namespace Accountability.Tests.Assignments;

/// <summary>How plan import starts assignments: from the workflow definition, not from code.</summary>
public sealed class StartPolicyTests
{
    [Fact]
    public async Task TheEngine_StartsAssignmentsWithTheDefinitionsPolicy_AndRunsTheWorkflowSweeps()
    {
        await using var engine = await TestEngine.CreateAsync();

        Assert.IsType<WorkflowAssignmentStartPolicy>(engine.Get<IAssignmentStartPolicy>());
        Assert.Superset(new HashSet<string> { "assignment-timers", "progress-lights", "idempotency-keys" },
            engine.Services.GetServices<IPeriodicSweep>().Select(s => s.Name).ToHashSet());
    }

    [Fact]
    public void For_AFridayIssue_StartsIssuedOnTheLatestVersionWithAcknowledgementDueAtTheEndOfTheMakeUpSaturday()
    {
        var catalog = new Accountability.Workflows.WorkflowCatalog(Path.Combine(RepositoryPaths.Workflows, "definitions"));
        var calendar = new CalendarCatalog(Path.Combine(RepositoryPaths.Workflows, "calendars")).Get("cn");

        var start = new WorkflowAssignmentStartPolicy(catalog).For("assignment", calendar, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"),
            AssignmentFixture.Local(2017, 9, 29, 10));

        Assert.Equal(new AssignmentStart("assignment", 1, "issued", "acknowledgement_due", AssignmentFixture.Local(2017, 10, 1), calendar.Version), start);
    }
}
