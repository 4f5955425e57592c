using System.Text;
using Accountability.Assignments;
using Accountability.Scoring;
using Accountability.Tests.Access;
using Accountability.Tests.Plans;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Accountability.Tests.Assignments;

/// <summary>One chaser ladder: the workflow definition's. It chases the day after a miss and climbs blue → orange → red
/// every 5 working days, recording chaser_ignored each time it climbs; the rulebook turns those facts into criticism;
/// a rulebook that declares a ladder of its own is refused (docs/decisions/0600).</summary>
public sealed class ChaserLadderTests : IAsyncLifetime
{
    private TestEngine _engine = null!;

    public async Task InitializeAsync() => _engine = await PlanFixture.EngineWithCountyAsync();

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task OverdueItem_LeftUnanswered_IsChasedUpTheDefinitionsLadderOnce_AndTheRulebookCriticisesIt()
    {
        await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml("""
            campaign:
              code: chase-test
              name: 催办测试行动
              headquarters: 县攻坚办
              starts_on: 2017-09-01
              ends_on: 2017-12-31
              rulebook: jining-consecutive
            tasks:
              - { number: "1", title: 燃煤锅炉拆除, lead: 县质监局, responsible: 化雨镇, deadline: 2017年9月20日前 }
            """));
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var id = await connection.ExecuteScalarAsync<long>(
            "SELECT a.id FROM assignment a JOIN unit u ON u.id = a.unit_id WHERE u.code = 'jx-huayu'");
        var unit = await OrganizationFixture.ActorAsync(_engine, "huayu.operator");
        await _engine.Get<AcknowledgeAssignment>().RunAsync(unit, new ActionRequest(id));
        var sweep = _engine.Services.GetServices<Accountability.Cycles.IPeriodicSweep>().Single(s => s.Name == "assignment-timers");

        // The sweep at 09:00 and 15:00 every day from the due date to the end of October (National Day's week off in between).
        var instants = Enumerable.Range(0, 42).SelectMany(d => new[] { 9, 15 }.Select(h => AssignmentFixture.Local(2017, 9, 20, h).AddDays(d)));
        foreach (var at in instants)
        {
            _engine.Time.SetUtcNow(at);
            await sweep.RunOnceAsync(default);
            if (at == AssignmentFixture.Local(2017, 9, 21, 15))
            {
                // The unit signs the receipt of the first chaser (催办回执).
                var chaser = await connection.ExecuteScalarAsync<long>("SELECT id FROM assignment_chaser WHERE assignment_id = @id", new { id });
                await _engine.Get<AcknowledgeChaser>().RunAsync(unit, new ActionRequest(id), chaser);
            }
        }

        var chasers = (await connection.QueryAsync<(string Colour, DateTimeOffset IssuedAt, DateTimeOffset? Acknowledged)>(
            "SELECT colour, issued_at, acknowledged_at FROM assignment_chaser WHERE assignment_id = @id ORDER BY id", new { id })).ToList();
        var ignored = (await connection.QueryAsync<DateTimeOffset>(
            "SELECT occurred_at FROM scoring_event WHERE kind = 'chaser_ignored' AND assignment_id = @id ORDER BY id", new { id })).ToList();
        Assert.Equal(["blue", "orange", "red"], chasers.Select(c => c.Colour));
        // Blue the working day after the miss at 09:00; each climb 5 working days after the last chaser (the make-up
        // Saturday 9/30 counts, the holiday week does not); a last chaser_ignored when red goes unanswered, then silence.
        Assert.Equal([AssignmentFixture.Local(2017, 9, 21, 9), AssignmentFixture.Local(2017, 9, 28, 9), AssignmentFixture.Local(2017, 10, 11, 9)],
            chasers.Select(c => c.IssuedAt));
        Assert.Equal([AssignmentFixture.Local(2017, 9, 28, 9), AssignmentFixture.Local(2017, 10, 11, 9), AssignmentFixture.Local(2017, 10, 18, 9)], ignored);
        Assert.NotNull(chasers[0].Acknowledged);

        _engine.Time.SetUtcNow(AssignmentFixture.Local(2017, 11, 1, 10));
        var scored = await _engine.Get<ScoreCampaignPeriod>().RunAsync(null, "chase-test", "monthly", "2017-10");
        var huayu = await OrganizationFixture.UnitIdAsync(_engine, "jx-huayu");
        var criticism = Assert.Single(scored.Outcome.Consequences, c => c.UnitId == huayu && c.Kind == "criticism");
        Assert.Equal("deputy_in_charge", criticism.Post);
        Assert.Contains("chaser-ignored", criticism.RuleIds);
    }

    [Fact]
    public void Rulebook_DeclaringAChaserLadderOfItsOwn_IsRefusedWithTheReason()
    {
        var shipped = File.ReadAllText(Path.Combine(RepositoryPaths.Workflows, "rulebooks", "jining-consecutive-v1.yaml"));
        var problems = new List<InputProblem>();

        var rulebook = RulebookReader.Read("draft.yaml", Encoding.UTF8.GetBytes(shipped + """

            chasers:
              steps: [{ colour: blue, after_working_days: 3 }]
              ignored_after_working_days: 3
            """), problems);

        Assert.Null(rulebook);
        var problem = Assert.Single(problems);
        Assert.Equal("chasers", problem.Field);
        Assert.Contains("workflow definition", problem.Reason);
    }
}
