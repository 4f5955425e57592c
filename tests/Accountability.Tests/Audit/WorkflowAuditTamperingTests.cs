using Accountability.Assignments;
using Accountability.Audit;
using Accountability.Tests.Assignments;
using Dapper;

namespace Accountability.Tests.Audit;

/// <summary>The chain over real workflow events (actions, and timer firings written in bulk by the sweep), tampered
/// with directly in SQL as a superuser would: an edited, a deleted and a reordered event are each caught.</summary>
public sealed class WorkflowAuditTamperingTests : IAsyncLifetime
{
    private TestEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        var fixture = await AssignmentFixture.CreateAsync(_engine);
        var ids = await fixture.IssueAsync(new DateOnly(2017, 9, 5), ["jx-huayu", "jx-yangshan", "jx-mamiao"]);
        await _engine.Get<AcknowledgeAssignment>().RunAsync(await fixture.ActorAsync("huayu.operator"), new ActionRequest(ids[0]), "收到");
        _engine.Time.Advance(TimeSpan.FromDays(6));
        await fixture.SweepAsync();
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private async Task<long> SeqAsync(string kind, int nth = 0)
    {
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<long>("SELECT seq FROM audit_event WHERE kind = @kind ORDER BY seq", new { kind })).ElementAt(nth);
    }

    private async Task TamperAsync(string sql, object parameters)
    {
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("SET session_replication_role = replica");
        await connection.ExecuteAsync(sql, parameters);
    }

    [Fact]
    public async Task Verify_AfterActionsAndASweep_IsIntact()
    {
        var result = await _engine.Get<VerifyAuditLog>().RunAsync();

        Assert.True(result.IsIntact, result.Problem);
        Assert.True(result.EventsChecked > 6);
    }

    [Fact]
    public async Task Verify_AnOverdueEventEditedToLookAcknowledged_IsCaughtAsAltered()
    {
        var seq = await SeqAsync("assignment.timer.overdue", 1);
        await TamperAsync("UPDATE audit_event SET payload = replace(payload::text, 'overdue', 'acknowledged')::json WHERE seq = @seq", new { seq });

        var result = await _engine.Get<VerifyAuditLog>().RunAsync();

        Assert.Equal(seq, result.FirstBadSeq);
        Assert.Contains("altered", result.Problem);
    }

    [Fact]
    public async Task Verify_ADeletedAcknowledgement_IsCaughtAsRemoved()
    {
        var seq = await SeqAsync("assignment.acknowledge");
        await TamperAsync("DELETE FROM audit_event WHERE seq = @seq", new { seq });

        var result = await _engine.Get<VerifyAuditLog>().RunAsync();

        Assert.Equal(seq, result.FirstBadSeq);
        Assert.Contains("removed", result.Problem);
    }

    [Fact]
    public async Task Verify_TwoTimerEventsSwapped_IsCaughtAsReordered()
    {
        var first = await SeqAsync("assignment.timer.overdue", 0);
        var second = first + 1;
        await TamperAsync("""
            UPDATE audit_event SET seq = -1 WHERE seq = @first;
            UPDATE audit_event SET seq = @first WHERE seq = @second;
            UPDATE audit_event SET seq = @second WHERE seq = -1;
            """, new { first, second });

        var result = await _engine.Get<VerifyAuditLog>().RunAsync();

        Assert.Equal(first, result.FirstBadSeq);
        Assert.Contains("reordered", result.Problem);
    }
}
