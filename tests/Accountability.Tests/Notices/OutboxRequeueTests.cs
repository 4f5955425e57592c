using System.Net;
using System.Net.Sockets;
using Accountability.Cycles;
using Accountability.Notices;
using Accountability.Tests.Access;
using Dapper;

namespace Accountability.Tests.Notices;

/// <summary>Messages the relay gave up on go back in its queue when an operator says so: atomically, audited, only
/// abandoned ones; from the engine and from <c>accountability outbox</c>.</summary>
public sealed class OutboxRequeueTests : IAsyncLifetime
{
    private TestEngine _engine = null!;
    private long _abandoned;
    private long _alsoAbandoned;
    private long _delivered;
    private long _retrying;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        await OrganizationFixture.ImportSampleAsync(_engine);
        var now = _engine.Time.GetUtcNow();
        _abandoned = await QueueAsync("http://127.0.0.1:9/hook", "doc:1:v1:webhook", 10, "connection refused", now.AddHours(-2), abandonedAt: now.AddHours(-1));
        _alsoAbandoned = await QueueAsync("http://127.0.0.1:9/hook", "doc:2:v1:webhook", 10, "connection refused", now.AddHours(-2), abandonedAt: now.AddHours(-1));
        _delivered = await QueueAsync("http://127.0.0.1:9/hook", "doc:3:v1:webhook", 1, null, now.AddHours(-2), deliveredAt: now.AddHours(-2));
        _retrying = await QueueAsync("http://127.0.0.1:9/hook", "doc:4:v1:webhook", 3, "503 Service Unavailable", now.AddMinutes(8));
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private async Task<long> QueueAsync(string destination, string key, int attempts, string? error, DateTimeOffset next,
        DateTimeOffset? abandonedAt = null, DateTimeOffset? deliveredAt = null)
    {
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("""
            INSERT INTO outbox_message (channel, destination, payload, dedupe_key, created_at, attempts, next_attempt_at, last_error,
                                        abandoned_at, delivered_at)
            VALUES ('webhook', @destination, '{"title": "关于10月份排名情况的通报"}', @key, @created, @attempts, @next, @error, @abandonedAt, @deliveredAt)
            RETURNING id
            """, new { destination, key, created = _engine.Time.GetUtcNow().AddHours(-3), attempts, next, error, abandonedAt, deliveredAt });
    }

    private async Task<List<(long Id, int Attempts, DateTimeOffset Next, string? Error, DateTimeOffset? Abandoned, DateTimeOffset? Delivered)>> RowsAsync()
    {
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<(long, int, DateTimeOffset, string?, DateTimeOffset?, DateTimeOffset?)>(
            "SELECT id, attempts, next_attempt_at, last_error, abandoned_at, delivered_at FROM outbox_message ORDER BY id")).AsList();
    }

    private Task<long> CountAsync(string sql) => Plans.PlanFixture.CountAsync(_engine, sql);

    [Fact]
    public async Task Requeue_EveryAbandoned_QueuesThemDueNowAuditsItOnceAndTheRelayDeliversThem()
    {
        var before = await RowsAsync();
        using var listener = new HttpListener();
        var port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        // The receiving system is back, at its new address: the operator fixed the destination, then re-queues.
        await using (var connection = await _engine.Database.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE outbox_message SET destination = @hook WHERE abandoned_at IS NOT NULL",
                new { hook = $"http://127.0.0.1:{port}/hook" });
        }

        var requeued = await _engine.Get<RequeueOutboxMessages>().RunAsync(null, null);

        Assert.Equal([_abandoned, _alsoAbandoned], requeued.Ids);
        var now = _engine.Time.GetUtcNow();
        var after = await RowsAsync();
        Assert.All(after.Where(r => requeued.Ids.Contains(r.Id)), r => Assert.Equal((0, now, "connection refused", (DateTimeOffset?)null),
            (r.Attempts, r.Next, r.Error, r.Abandoned)));
        Assert.Equal(before.Where(r => !requeued.Ids.Contains(r.Id)), after.Where(r => !requeued.Ids.Contains(r.Id)));
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM audit_event WHERE kind = 'outbox.requeued' AND actor = 'cli'"));
        await using (var connection = await _engine.Database.DataSource.OpenConnectionAsync())
        {
            Assert.Contains($"\"ids\":[{_abandoned},{_alsoAbandoned}]",
                await connection.ExecuteScalarAsync<string>("SELECT payload::text FROM audit_event WHERE kind = 'outbox.requeued'"));
        }

        var received = new List<string?>();
        var serve = Task.Run(async () =>
        {
            for (var i = 0; i < 2; i++)
            {
                var context = await listener.GetContextAsync();
                received.Add(context.Request.Headers["Idempotency-Key"]);
                context.Response.StatusCode = 204;
                context.Response.Close();
            }
        });
        var relay = _engine.Get<IEnumerable<IPeriodicSweep>>().Single(s => s.Name == "outbox-relay");
        Assert.Equal(2, await relay.RunOnceAsync(CancellationToken.None));
        await serve;
        Assert.Equal(["doc:1:v1:webhook", "doc:2:v1:webhook"], received);
    }

    [Fact]
    public async Task Requeue_ChosenMessagesNotAllAbandoned_IsRefusedNamingEachAndRequeuesNone()
    {
        var before = await RowsAsync();

        var refused = await Assert.ThrowsAsync<BusinessRuleBrokenException>(() =>
            _engine.Get<RequeueOutboxMessages>().RunAsync(null, [_abandoned, _delivered, _retrying]));

        Assert.Equal(nameof(OnlyAnAbandonedMessageIsRequeuedRule), refused.Rule);
        Assert.Contains($"message {_delivered} was delivered at 2017-08-31 23:00 UTC", refused.Message);
        Assert.Contains($"message {_retrying} is still queued (attempt 4 due at 2017-09-01 01:08 UTC)", refused.Message);
        Assert.DoesNotContain($"message {_abandoned} ", refused.Message);
        Assert.Equal(before, await RowsAsync());
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM audit_event WHERE kind = 'outbox.requeued'"));
    }

    [Fact]
    public async Task Requeue_AnUnknownMessage_IsNotFoundAndRequeuesNone()
    {
        var before = await RowsAsync();

        var missing = await Assert.ThrowsAsync<NotFoundException>(() => _engine.Get<RequeueOutboxMessages>().RunAsync(null, [_abandoned, 999_999]));

        Assert.Contains("No outbox message 999999", missing.Message);
        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task Requeue_ByAPlanner_IsAuditedAsThePersonAndByAUnitOperatorIsRefused()
    {
        var planner = await OrganizationFixture.ActorAsync(_engine, "hq.planner");
        var clerk = await OrganizationFixture.ActorAsync(_engine, "huayu.operator");

        await Assert.ThrowsAsync<AccessDeniedException>(() => _engine.Get<RequeueOutboxMessages>().RunAsync(clerk, [_abandoned]));
        var requeued = await _engine.Get<RequeueOutboxMessages>().RunAsync(planner, [_abandoned]);

        Assert.Equal([_abandoned], requeued.Ids);
        Assert.Equal(1, await CountAsync($"SELECT count(*) FROM audit_event WHERE kind = 'outbox.requeued' AND actor_person_id = {planner.PersonId}"));
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM outbox_message WHERE abandoned_at IS NOT NULL"));
    }

    [Fact]
    public async Task OutboxCommands_ListTheAbandonedRefuseAVagueOrWrongRequeueThenRequeueThemAll()
    {
        var database = _engine.Database.ConnectionString;

        var listed = await CliProcess.RunAsync(database, "outbox", "list", "--abandoned");
        var vague = await CliProcess.RunAsync(database, "outbox", "requeue");
        var wrong = await CliProcess.RunAsync(database, "outbox", "requeue", "--id", _abandoned.ToString(), "--id", _delivered.ToString());
        var all = await CliProcess.RunAsync(database, "outbox", "requeue", "--all-abandoned");
        var none = await CliProcess.RunAsync(database, "outbox", "list", "--abandoned");

        Assert.Equal(0, listed.Exit);
        // A table cell wraps at the terminal's width: the error reads "connection" over "refused".
        Assert.Contains("connection", listed.Output);
        Assert.Contains("2 of 2 abandoned message(s)", listed.Output);
        Assert.DoesNotContain("503", listed.Output);
        Assert.NotEqual(0, vague.Exit);
        Assert.Contains("--all-abandoned", vague.Output);
        Assert.Equal(3, wrong.Exit);
        Assert.Contains($"message {_delivered} was delivered", wrong.Output);
        Assert.Equal(0, all.Exit);
        Assert.Contains($"Re-queued 2 message(s): {_abandoned}, {_alsoAbandoned}", all.Output);
        Assert.Contains("0 of 0 abandoned message(s)", none.Output);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM audit_event WHERE kind = 'outbox.requeued'"));
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
