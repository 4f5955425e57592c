using Accountability.Audit;
using Dapper;
using Npgsql;

namespace Accountability.Tests.Audit;

public sealed class AuditLogTests : IAsyncLifetime
{
    private TestEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await AuditLog.AppendAsync(connection, Enumerable.Range(1, 10).Select(i =>
            AuditEntry.Create("test.event", AuditActor.Person(i), TestEngine.Start.AddMinutes(i), new { n = i, text = "签收" },
                unitId: i, assignmentId: 100 + i)));
        await transaction.CommitAsync();
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task Verify_OnAnUntouchedLog_ReportsItIntact()
    {
        var result = await _engine.Get<VerifyAuditLog>().RunAsync();

        Assert.True(result.IsIntact, result.Problem);
        Assert.Equal(10, result.EventsChecked);
    }

    [Fact]
    public async Task Append_AfterARolledBackAppend_KeepsSequenceNumbersContiguous()
    {
        await using (var connection = await _engine.Database.DataSource.OpenConnectionAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await AuditLog.AppendAsync(connection, AuditEntry.Create("rolled.back", AuditActor.System, TestEngine.Start, new { }));
            await transaction.RollbackAsync();
        }

        await using (var connection = await _engine.Database.DataSource.OpenConnectionAsync())
        {
            var seq = await AuditLog.AppendAsync(connection, AuditEntry.Create("kept", AuditActor.System, TestEngine.Start, new { }));
            Assert.Equal(11, seq);
        }

        Assert.True((await _engine.Get<VerifyAuditLog>().RunAsync()).IsIntact);
    }

    [Fact]
    public async Task UpdateAndDelete_AreRefusedByTheDatabase()
    {
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();

        var update = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("UPDATE audit_event SET kind = 'x' WHERE seq = 3"));
        var delete = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("DELETE FROM audit_event WHERE seq = 3"));
        var truncate = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("TRUNCATE audit_event"));

        Assert.All(new[] { update, delete, truncate }, e => Assert.Contains("append-only", e.MessageText));
        Assert.Equal(10, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_event"));
    }

    [Fact]
    public async Task Verify_WhenASuperuserEditedAPayload_ReportsThatEventAsAltered()
    {
        await TamperAsync("UPDATE audit_event SET payload = '{\"n\":4,\"text\":\"未签收\"}' WHERE seq = 4");

        var result = await _engine.Get<VerifyAuditLog>().RunAsync();

        Assert.Equal(4, result.FirstBadSeq);
        Assert.Contains("altered", result.Problem);
        Assert.Equal(3, result.EventsChecked);
    }

    [Fact]
    public async Task Verify_WhenAnEditWasResealedWithAFreshHash_ReportsTheBrokenLinkAtTheNextEvent()
    {
        // A careful attacker recomputes the edited event's own hash; the next event still points at the original.
        await using (var connection = await _engine.Database.DataSource.OpenConnectionAsync())
        {
            var row = await connection.QuerySingleAsync<(DateTimeOffset At, byte[] Prev)>("SELECT at, prev_hash FROM audit_event WHERE seq = 4");
            var forged = AuditLog.ComputeHash(row.Prev, 4, row.At, "person:4", 4, 4, null, 104, "test.event", "{\"n\":4}");
            await TamperAsync($"UPDATE audit_event SET payload = '{{\"n\":4}}', hash = '\\x{Convert.ToHexString(forged)}' WHERE seq = 4");
        }

        var result = await _engine.Get<VerifyAuditLog>().RunAsync();

        Assert.Equal(5, result.FirstBadSeq);
        Assert.Contains("event 4 was altered or replaced", result.Problem);
    }

    [Fact]
    public async Task Verify_WhenAnEventWasDeleted_ReportsItMissing()
    {
        await TamperAsync("DELETE FROM audit_event WHERE seq = 6");

        var result = await _engine.Get<VerifyAuditLog>().RunAsync();

        Assert.Equal(6, result.FirstBadSeq);
        Assert.Contains("removed", result.Problem);
    }

    [Fact]
    public async Task Verify_WhenTheLastEventWasDeleted_ReportsItThroughTheHead()
    {
        await TamperAsync("DELETE FROM audit_event WHERE seq = 10");

        var result = await _engine.Get<VerifyAuditLog>().RunAsync();

        Assert.Equal(10, result.FirstBadSeq);
        Assert.Contains("removed", result.Problem);
    }

    [Fact]
    public async Task Verify_WhenTwoEventsWereSwapped_ReportsTheReordering()
    {
        await TamperAsync("""
            UPDATE audit_event SET seq = -7 WHERE seq = 7;
            UPDATE audit_event SET seq = 7 WHERE seq = 8;
            UPDATE audit_event SET seq = 8 WHERE seq = -7;
            """);

        var result = await _engine.Get<VerifyAuditLog>().RunAsync();

        Assert.Equal(7, result.FirstBadSeq);
        Assert.Contains("reordered", result.Problem);
    }

    /// <summary>What a superuser can do: switch off triggers for the session and rewrite rows.</summary>
    private async Task TamperAsync(string sql)
    {
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("SET session_replication_role = replica;\n" + sql);
    }
}
