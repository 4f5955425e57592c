using System.Net;
using System.Net.Sockets;
using Accountability.Cycles;
using Accountability.Notices;
using Accountability.Tests.Access;
using Accountability.Tests.Cycles;
using Dapper;
using Microsoft.Extensions.Options;

namespace Accountability.Tests.Notices;

public sealed class NoticesTests : IAsyncLifetime
{
    private TestEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        await OrganizationFixture.ImportSampleAsync(_engine);
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private async Task<long> QueueAsync(string destination, string key)
    {
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("""
            INSERT INTO outbox_message (channel, destination, payload, dedupe_key, created_at, next_attempt_at)
            VALUES ('webhook', @destination, '{"title": "关于10月份排名情况的通报"}', @key, @now, @now) RETURNING id
            """, new { destination, key, now = _engine.Time.GetUtcNow() });
    }

    [Fact]
    public async Task Relay_DeliversWithTheDedupeKeyAndRetriesFailuresWithBackoffUntilAbandoned()
    {
        using var listener = new HttpListener();
        var port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var received = new List<string?>();
        var serve = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            received.Add(context.Request.Headers["Idempotency-Key"]);
            context.Response.StatusCode = 204;
            context.Response.Close();
        });
        var delivered = await QueueAsync($"http://127.0.0.1:{port}/hook", "doc:1:v1:webhook");
        var failing = await QueueAsync($"http://127.0.0.1:{FreePort()}/hook", "doc:1:v1:webhook:dead");
        var options = _engine.Get<IOptions<NoticesOptions>>().Value;
        options.MaxAttempts = 2;
        var relay = _engine.Get<IEnumerable<IPeriodicSweep>>().Single(s => s.Name == "outbox-relay");

        Assert.Equal(1, await relay.RunOnceAsync(CancellationToken.None));
        await serve;
        Assert.Equal(["doc:1:v1:webhook"], received);
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var row = await connection.QuerySingleAsync<(int Attempts, string? Error, DateTimeOffset Next, DateTimeOffset? Abandoned)>(
            "SELECT attempts, last_error, next_attempt_at, abandoned_at FROM outbox_message WHERE id = @failing", new { failing });
        Assert.Equal(1, row.Attempts);
        Assert.NotNull(row.Error);
        Assert.Equal(_engine.Time.GetUtcNow() + options.FirstBackoff, row.Next);
        Assert.Null(row.Abandoned);
        Assert.NotNull(await connection.ExecuteScalarAsync<DateTimeOffset?>("SELECT delivered_at FROM outbox_message WHERE id = @delivered", new { delivered }));

        // Not due yet: nothing is attempted; once due, the second failure is the last.
        Assert.Equal(0, await relay.RunOnceAsync(CancellationToken.None));
        _engine.Time.Advance(options.FirstBackoff);
        await relay.RunOnceAsync(CancellationToken.None);
        Assert.NotNull(await connection.ExecuteScalarAsync<DateTimeOffset?>("SELECT abandoned_at FROM outbox_message WHERE id = @failing", new { failing }));
        _engine.Time.Advance(TimeSpan.FromDays(1));
        await relay.RunOnceAsync(CancellationToken.None);
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>("SELECT attempts FROM outbox_message WHERE id = @failing", new { failing }));
    }

    [Fact]
    public async Task ReadReceipt_IsRecordedOnceForTheUnitAndRefusedToOthers()
    {
        var huayu = await OrganizationFixture.UnitIdAsync(_engine, "jx-huayu");
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var id = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO notification (unit_id, kind, title, dedupe_key, created_at) VALUES (@huayu, 'document.ranking_bulletin', '通报', 'k', now()) RETURNING id
            """, new { huayu });
        var operatorActor = await OrganizationFixture.ActorAsync(_engine, "huayu.operator");
        var other = await OrganizationFixture.ActorAsync(_engine, "env.verifier");

        var mine = await _engine.Get<ListNotifications>().RunAsync(operatorActor, unreadOnly: true);
        var first = await _engine.Get<MarkNotificationRead>().RunAsync(operatorActor, id);
        _engine.Time.Advance(TimeSpan.FromHours(1));
        var second = await _engine.Get<MarkNotificationRead>().RunAsync(operatorActor, id);

        Assert.Equal(id, Assert.Single(mine).Id);
        Assert.True(first.FirstRead);
        Assert.False(second.FirstRead);
        Assert.Equal(first.ReadAt, second.ReadAt);
        Assert.Empty(await _engine.Get<ListNotifications>().RunAsync(operatorActor, unreadOnly: true));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_event WHERE kind = 'notification.read'"));
        var denied = await Assert.ThrowsAsync<AccessDeniedException>(() => _engine.Get<MarkNotificationRead>().RunAsync(other, id));
        Assert.True(denied.HideExistence);
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
