using Accountability.Assignments;
using Accountability.Cycles;
using Accountability.Tests.Access;
using Dapper;

namespace Accountability.Tests.Plans;

/// <summary>A new plan version that moves a due date moves every timer counted from it: the reminder before the due
/// date and the overdue timer fire for the new date, once, and never for the old one.</summary>
public sealed class PlanAmendmentTimerTests : IAsyncLifetime
{
    private TestEngine _engine = null!;
    private long _item;

    private static string Plan(string deadline) => PlanFixture.Plan($"""
          - {"{"} number: "1", title: 散乱污企业整治, lead: 县环保局, responsible: 化雨镇, deadline: {deadline} {"}"}
        """);

    public async Task InitializeAsync()
    {
        _engine = await PlanFixture.EngineWithCountyAsync();
        await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(Plan("2017年10月31日前")));
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        _item = await connection.ExecuteScalarAsync<long>(
            "SELECT a.id FROM assignment a JOIN unit u ON u.id = a.unit_id WHERE u.code = 'jx-huayu'");
        // Acknowledged at once: the next timer is the reminder three working days before 31 October (Thursday the 26th).
        await _engine.Get<AcknowledgeAssignment>().RunAsync(await OrganizationFixture.ActorAsync(_engine, "huayu.operator"), new ActionRequest(_item));
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private Task<AssignmentFacts> FactsAsync() => _engine.Get<AssignmentStore>().FindAsync(_item)!;

    private Task<int> SweepAsync() =>
        _engine.Get<IEnumerable<IPeriodicSweep>>().Single(s => s.Name == "assignment-timers").RunOnceAsync(default);

    private Task<long> RemindersAsync() => PlanFixture.CountAsync(_engine,
        "SELECT count(*) FROM notification WHERE kind = 'assignment.timer.due_soon' AND assignment_id = @_item", new { _item });

    private static DateTimeOffset Shanghai(int month, int day, int hour) => new(2017, month, day, hour, 0, 0, TimeSpan.FromHours(8));

    [Fact]
    public async Task ADueDateBroughtForward_FallsOverdueOnTheNewDate()
    {
        Assert.Equal(("due_soon", Shanghai(10, 26, 9)), ((await FactsAsync()).NextTimerKind, (await FactsAsync()).NextTimerAt));

        await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(Plan("2017年10月20日前"), "plan-v2.yaml"));
        var amended = await FactsAsync();
        _engine.Time.SetUtcNow(Shanghai(10, 21, 9).ToUniversalTime());
        await SweepAsync();

        // Three working days before Friday 20 October is Tuesday the 17th.
        Assert.Equal(("due_soon", Shanghai(10, 17, 9)), (amended.NextTimerKind, amended.NextTimerAt));
        Assert.Equal("overdue", (await FactsAsync()).State);
        Assert.Equal(1, await PlanFixture.CountAsync(_engine,
            "SELECT count(*) FROM scoring_event WHERE kind = 'overdue' AND assignment_id = @_item", new { _item }));
    }

    [Fact]
    public async Task ADueDatePutBack_RemindsOnceBeforeTheNewDateAndNotBeforeTheOldOne()
    {
        await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(Plan("2017年11月30日前"), "plan-v2.yaml"));

        _engine.Time.SetUtcNow(Shanghai(10, 27, 9).ToUniversalTime());
        await SweepAsync();
        var beforeOldDue = await RemindersAsync();
        _engine.Time.SetUtcNow(Shanghai(11, 28, 9).ToUniversalTime());
        await SweepAsync();

        Assert.Equal(0, beforeOldDue);
        Assert.Equal(1, await RemindersAsync());
        Assert.Equal(("acknowledged", "overdue", Shanghai(12, 1, 0)), ((await FactsAsync()).State, (await FactsAsync()).NextTimerKind,
            (await FactsAsync()).NextTimerAt));
    }
}
