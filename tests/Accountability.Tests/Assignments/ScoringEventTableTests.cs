using Dapper;
using Npgsql;

namespace Accountability.Tests.Assignments;

/// <summary>scoring_event has no foreign keys (0650): what keeps its references sound is that every writer takes them
/// from the assignment row it acts on, that the events are never changed, and that what they refer to is never
/// deleted. These tests hold each of the three.</summary>
public sealed class ScoringEventTableTests : IAsyncLifetime
{
    private TestEngine _engine = null!;
    private AssignmentFixture _fixture = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        _fixture = await AssignmentFixture.CreateAsync(_engine);
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task Sweep_WhenTimersScore_EveryEventNamesItsAssignmentsCampaignUnitAndTask()
    {
        await _fixture.IssueAsync(new DateOnly(2017, 9, 4), ["jx-huayu", "jx-yangshan", "jx-env"]);
        await _fixture.IssueOneAsync(new DateOnly(2017, 9, 5), "jx-land");
        _engine.Time.Advance(TimeSpan.FromDays(21));
        for (var hour = 0; hour < 4; hour++)
        {
            await _fixture.SweepAsync();
            _engine.Time.Advance(TimeSpan.FromHours(1));
        }

        var written = await _fixture.ScalarAsync<long>("SELECT count(*) FROM scoring_event");
        var sound = await _fixture.ScalarAsync<long>("""
            SELECT count(*) FROM scoring_event e
            JOIN assignment a ON a.id = e.assignment_id AND a.campaign_id = e.campaign_id AND a.unit_id = e.unit_id
                             AND a.task_id IS NOT DISTINCT FROM e.task_id
            JOIN task t ON t.id = e.task_id
            JOIN unit u ON u.id = e.unit_id
            JOIN campaign c ON c.id = e.campaign_id
            """);
        Assert.True(written >= 4, $"expected the overdue timers to score, found {written} events");
        Assert.Equal(written, sound);
    }

    [Theory]
    [InlineData("UPDATE scoring_event SET kind = 'closed_on_time'")]
    [InlineData("DELETE FROM scoring_event")]
    [InlineData("TRUNCATE scoring_event")]
    [InlineData("DELETE FROM assignment")]
    [InlineData("DELETE FROM task")]
    [InlineData("DELETE FROM unit WHERE code = 'jx-huayu'")]
    [InlineData("DELETE FROM campaign")]
    public async Task Statement_ChangingAScoredEventOrDeletingWhatItRefersTo_IsRefused(string sql)
    {
        var id = await _fixture.IssueOneAsync(new DateOnly(2017, 9, 4));
        _engine.Time.Advance(TimeSpan.FromDays(7));
        await _fixture.SweepAsync();
        Assert.NotEmpty(await _fixture.ScoresAsync(id));

        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var refused = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(sql));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.NotEmpty(await _fixture.ScoresAsync(id));
    }
}
