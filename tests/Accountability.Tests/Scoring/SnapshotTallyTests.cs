using Accountability.Scoring;

namespace Accountability.Tests.Scoring;

/// <summary>
/// The frozen snapshot's tallies per unit — tasks, closed, open, on schedule, yellow, red, overdue and open, reported in
/// the period — for items in every stage and on every edge of the Jining lights (yellow 10 points behind schedule, red
/// more than 30 behind or not started three months after issue).
/// </summary>
public sealed class SnapshotTallyTests
{
    [Fact]
    public async Task Gather_CountsEachItemOnceByItsStageAndLight()
    {
        await using var world = await ScoringWorld.CreateAsync("jining-consecutive");
        // One assignment per task and unit: every item gets a task of its own, with or without milestones.
        var tasks = 0;
        async Task<long> Scheduled() => await world.TaskAsync($"{++tasks}", milestones: """[{"on": "2017-10-15", "percent": 60}, {"on": "2017-11-15", "percent": 90}]""");
        async Task<long> Unscheduled() => await world.TaskAsync($"{++tasks}");

        // Closed three ways: only the one closed in October reports in the period.
        await world.AssignAsync("jx-huayu", await Unscheduled(), "closed", 100, closedAt: "2017-10-10T02:00Z");
        await world.AssignAsync("jx-huayu", await Unscheduled(), "closed_long_term", 100, closedAt: "2017-08-01T02:00Z");
        await world.AssignAsync("jx-huayu", await Unscheduled(), "closed_unfounded", 100, closedAt: "2017-08-01T02:00Z");
        // Awaiting verification: on schedule whatever the progress, and never overdue.
        await world.AssignAsync("jx-huayu", await Unscheduled(), "submitted", 0, issuedAt: "2017-05-01T01:00Z", dueAt: "2017-10-01T01:00Z", submittedAt: "2017-08-05T01:00Z");
        await world.AssignAsync("jx-huayu", await Scheduled(), "under_verification", 20);
        await world.AssignAsync("jx-huayu", await Scheduled(), "public_notice", 20);
        // Being worked on, against 60 % scheduled by 15 October.
        await world.AssignAsync("jx-huayu", await Scheduled(), "in_progress", 55);                                    // 5 behind: green
        await world.AssignAsync("jx-huayu", await Scheduled(), "in_progress", 50);                                    // 10 behind: yellow
        await world.AssignAsync("jx-huayu", await Scheduled(), "acknowledged", 30);                                   // 30 behind: yellow
        await world.AssignAsync("jx-huayu", await Scheduled(), "reopened", 29);                                       // 31 behind: red
        await world.AssignAsync("jx-huayu", await Unscheduled(), "issued", 0, issuedAt: "2017-07-01T01:00Z");                // not started in three months: red
        await world.AssignAsync("jx-huayu", await Unscheduled(), "in_progress", 0);                                          // not started, issued in September: green
        await world.AssignAsync("jx-huayu", await Unscheduled(), "returned", 80, dueAt: "2017-10-20T01:00Z");                // past due (100 %): 20 behind, yellow; overdue
        await world.AssignAsync("jx-huayu", await Unscheduled(), "overdue", 95, dueAt: "2017-10-30T01:00Z");                 // 5 behind: green; overdue
        await world.AssignAsync("jx-huayu", await Unscheduled(), "extension_pending", 100, dueAt: "2017-10-31T16:00Z");      // due at the cut-off: not overdue
        // Nothing reported in October: a report in September and a closing in August.
        await world.AssignAsync("jx-yangshan", await Unscheduled(), "in_progress", 10, reportedAt: "2017-09-15T01:00Z");
        await world.AssignAsync("jx-yangshan", await Unscheduled(), "closed", 100, closedAt: "2017-08-01T02:00Z");

        var facts = (await world.GatherOctoberAsync("jining-consecutive", EventSource.Tallies))[0].Facts;

        Assert.Equal(new SnapshotTally(Tasks: 15, Closed: 3, Open: 12, OnSchedule: 7, Yellow: 3, Red: 2, OverdueOpen: 2, ReportedInPeriod: true),
            facts[await world.UnitAsync("jx-huayu")].Snapshot);
        Assert.Equal(new SnapshotTally(Tasks: 2, Closed: 1, Open: 1, OnSchedule: 1, Yellow: 0, Red: 0, OverdueOpen: 0, ReportedInPeriod: false),
            facts[await world.UnitAsync("jx-yangshan")].Snapshot);
        Assert.Equal(SnapshotTally.None, facts[await world.UnitAsync("jx-jishu")].Snapshot);
    }
}
