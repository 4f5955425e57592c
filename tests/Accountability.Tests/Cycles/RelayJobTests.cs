using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Accountability.Tests.Assignments;
using Dapper;

namespace Accountability.Tests.Cycles;

/// <summary>
/// The outbox relay and the assignment timers in a real server process (Quartz on its clustered job store, the real
/// PostgreSQL): a webhook destination that takes its time must not hold the timers back.
/// </summary>
public sealed class RelayJobTests
{
    [Fact]
    public async Task TimerDue_WhileTheRelayWaitsOnASlowWebhook_FiresWithoutWaitingForTheRelay()
    {
        await using var engine = await TestEngine.CreateAsync();
        var fixture = await AssignmentFixture.CreateAsync(engine);
        var assignment = await fixture.IssueOneAsync(new DateOnly(2017, 9, 29));

        // A destination that accepts the connection and then says nothing: the relay waits out its (long) timeout.
        using var slow = new TcpListener(IPAddress.Loopback, 0);
        slow.Start();
        var port = ((IPEndPoint)slow.LocalEndpoint).Port;
        var held = new List<TcpClient>();
        var accepted = new TaskCompletionSource();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                TcpClient client;
                try
                {
                    client = await slow.AcceptTcpClientAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }

                lock (held)
                {
                    held.Add(client);
                }

                accepted.TrySetResult();
            }
        });

        var start = DateTimeOffset.Parse("2017-09-04T02:00Z", CultureInfo.InvariantCulture);
        var anchor = DateTimeOffset.UtcNow;
        await using (var connection = await engine.Database.DataSource.OpenConnectionAsync())
        {
            // The timer waits until the relay is busy; the message is due at once.
            await connection.ExecuteAsync("UPDATE assignment SET next_timer_at = '2030-01-01Z', recheck_at = NULL WHERE id = @assignment", new { assignment });
            await connection.ExecuteAsync("""
                INSERT INTO outbox_message (channel, destination, payload, dedupe_key, created_at, next_attempt_at)
                VALUES ('webhook', @destination, '{}', 'slow-destination-1', @at, @at)
                """, new { destination = $"http://127.0.0.1:{port}/bulletins", at = start.AddHours(-1) });
        }

        await using var node = ServerProcess.Start("relay-node", engine.Database.ConnectionString, new Dictionary<string, string>
        {
            ["Clock:Start"] = start.ToString("O", CultureInfo.InvariantCulture),
            ["Clock:Anchor"] = anchor.ToString("O", CultureInfo.InvariantCulture),
            ["Scheduler:SweepInterval"] = "00:00:01",
            ["Scheduler:IdleWaitTime"] = "00:00:01",
            ["Scheduler:CheckinInterval"] = "00:00:01",
            ["Notices:WebhookTimeout"] = "00:10:00",
        });
        try
        {
            await node.WaitHealthyAsync(TimeSpan.FromSeconds(60));
            await accepted.Task.WaitAsync(TimeSpan.FromSeconds(60));

            // The relay is now waiting on the destination. The timer falls due on the server's clock.
            await using var connection = await engine.Database.DataSource.OpenConnectionAsync();
            var serverNow = start + (DateTimeOffset.UtcNow - anchor);
            await connection.ExecuteAsync("UPDATE assignment SET next_timer_at = @due WHERE id = @assignment",
                new { assignment, due = serverNow.AddSeconds(1) });

            var until = DateTime.UtcNow + TimeSpan.FromSeconds(45);
            var fired = 0;
            while (DateTime.UtcNow < until && fired == 0)
            {
                await Task.Delay(200);
                fired = await connection.ExecuteScalarAsync<int>(
                    "SELECT count(*) FROM audit_event WHERE assignment_id = @assignment AND kind LIKE 'assignment.timer.%'", new { assignment });
            }

            Assert.True(fired > 0, $"the timer did not fire while the relay waited; log:\n{await node.TailAsync()}");
            // The relay really was still waiting: the message is neither delivered nor failed.
            var message = await connection.QuerySingleAsync<(int Attempts, DateTimeOffset? DeliveredAt, string? LastError)>(
                "SELECT attempts, delivered_at, last_error FROM outbox_message WHERE dedupe_key = 'slow-destination-1'");
            Assert.Equal((1, null, null), message);
        }
        finally
        {
            slow.Stop();
            lock (held)
            {
                held.ForEach(c => c.Dispose());
            }
        }
    }
}
