using Accountability.Plans;
using Dapper;

namespace Accountability.Tests.Plans;

/// <summary>The shipped samples validate and import, and their YAML and Excel forms compile to the same assignments.</summary>
public sealed class PlanSamplesTests : IAsyncLifetime
{
    private TestEngine _engine = null!;

    public async Task InitializeAsync() => _engine = await PlanFixture.EngineWithCountyAsync();

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task Import_TheHundredDaySample_IssuesTheLedgerOfFiftyEnterprisesToTheirTowns()
    {
        var outcome = await PlanFixture.ImportAsync(_engine, PlanFixture.Sample(PlanFixture.HundredDays));

        Assert.Equal(1, outcome.Version);
        Assert.Equal(50, outcome.LedgerItems);
        Assert.Equal(33, await PlanFixture.CountAsync(_engine, "SELECT count(*) FROM ledger_item WHERE disposal_class = 'shut_down'"));
        Assert.Equal(17, await PlanFixture.CountAsync(_engine, "SELECT count(*) FROM ledger_item WHERE disposal_class = 'upgrade'"));
        Assert.Equal(50, await PlanFixture.CountAsync(_engine, """
            SELECT count(*) FROM assignment a JOIN ledger_item l ON l.id = a.ledger_item_id
            JOIN unit u ON u.id = a.unit_id JOIN unit v ON v.id = a.verifier_unit_id
            WHERE a.unit_id = l.town_unit_id AND u.ranking_category IN ('towns', 'parks') AND v.code = 'jx-env' AND a.role = 'responsible'
            """));
        Assert.Equal(outcome.Assignments, await PlanFixture.CountAsync(_engine, "SELECT count(*) FROM assignment"));
        Assert.Equal(1, await PlanFixture.CountAsync(_engine, "SELECT count(*) FROM audit_event WHERE kind = 'plan.imported'"));
    }

    [Theory]
    [InlineData(PlanFixture.HundredDays)]
    [InlineData(PlanFixture.AutumnWinter)]
    public async Task Import_TheWorkbookForm_GivesTheSameAssignmentsAsTheYaml(string sample)
    {
        await using var other = await PlanFixture.EngineWithCountyAsync();

        var yaml = await PlanFixture.ImportAsync(_engine, PlanFixture.Sample(sample));
        var xlsx = await PlanFixture.ImportAsync(other, PlanFixture.Sample(sample, ".xlsx"));

        Assert.Equal(yaml.Assignments, xlsx.Assignments);
        Assert.Equal(yaml.Warnings.Select(w => w.Reason), xlsx.Warnings.Select(w => w.Reason));
        Assert.Equal(await SnapshotAsync(_engine), await SnapshotAsync(other));
    }

    private static async Task<List<string>> SnapshotAsync(TestEngine engine)
    {
        await using var connection = await engine.Database.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<string>("""
            SELECT concat_ws('|', coalesce(t.number, 'L' || l.number), u.code, a.role, a.obligation_no, a.due_at, v.code, a.state)
            FROM assignment a JOIN unit u ON u.id = a.unit_id LEFT JOIN unit v ON v.id = a.verifier_unit_id
            LEFT JOIN task t ON t.id = a.task_id LEFT JOIN ledger_item l ON l.id = a.ledger_item_id
            ORDER BY 1
            """)).ToList();
    }
}
