using Accountability.Notices;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Accountability.Tests.Notices;

/// <summary>A relay that overran its lease: the relay that took the message over owns its outcome.</summary>
public sealed class OutboxLeaseTests : IAsyncLifetime
{
    private TestEngine _engine = null!;

    public async Task InitializeAsync() => _engine = await TestEngine.CreateAsync();

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    /// <summary>Webhook deliveries decided by the test: each call waits for the next outcome it is handed.</summary>
    private sealed class ScriptedTransport : IOutboxTransport
    {
        public Queue<TaskCompletionSource> Outcomes { get; } = new();

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Channel => "webhook";

        public Task DeliverAsync(OutboxDelivery message, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            return Outcomes.Dequeue().Task;
        }
    }

    private OutboxRelay Relay(IOutboxTransport transport, NoticesOptions options) =>
        new(_engine.Database.DataSource, _engine.Time, [transport], Options.Create(options), NullLogger<OutboxRelay>.Instance);

    private async Task<long> QueueAsync()
    {
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("""
            INSERT INTO outbox_message (channel, destination, payload, dedupe_key, created_at, next_attempt_at)
            VALUES ('webhook', 'http://127.0.0.1:9/hook', '{}', 'lease-test', @now, @now) RETURNING id
            """, new { now = _engine.Time.GetUtcNow() });
    }

    [Fact]
    public async Task RelayThatOverranItsLease_FailsAfterTheTakeOverDelivered_LeavesTheMessageDelivered()
    {
        var id = await QueueAsync();
        var options = new NoticesOptions { MaxAttempts = 1 };
        var slowFailure = new TaskCompletionSource();
        var slow = new ScriptedTransport();
        slow.Outcomes.Enqueue(slowFailure);
        var overrunning = Relay(slow, options).RunOnceAsync(CancellationToken.None);
        await slow.Started.Task;

        // The lease runs out; another relay takes the message over and delivers it.
        _engine.Time.Advance(options.Lease + TimeSpan.FromSeconds(1));
        var quick = new ScriptedTransport();
        var quickSuccess = new TaskCompletionSource();
        quickSuccess.SetResult();
        quick.Outcomes.Enqueue(quickSuccess);
        Assert.Equal(1, await Relay(quick, options).RunOnceAsync(CancellationToken.None));

        // Only now does the first relay hear back from its destination: a failure, and its last attempt.
        slowFailure.SetException(new HttpRequestException("timed out"));
        Assert.Equal(0, await overrunning);

        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var row = await connection.QuerySingleAsync<(int Attempts, DateTimeOffset? Delivered, string? Error, DateTimeOffset? Abandoned)>(
            "SELECT attempts, delivered_at, last_error, abandoned_at FROM outbox_message WHERE id = @id", new { id });
        Assert.Equal(2, row.Attempts);
        Assert.NotNull(row.Delivered);
        Assert.Null(row.Error);
        Assert.Null(row.Abandoned);
    }

    [Fact]
    public async Task RelayThatOverranItsLease_DeliversAfterTheTakeOverFailed_LeavesTheRetryAsTheTakeOverWroteIt()
    {
        var id = await QueueAsync();
        var options = new NoticesOptions { MaxAttempts = 5 };
        var slowSuccess = new TaskCompletionSource();
        var slow = new ScriptedTransport();
        slow.Outcomes.Enqueue(slowSuccess);
        var overrunning = Relay(slow, options).RunOnceAsync(CancellationToken.None);
        await slow.Started.Task;

        _engine.Time.Advance(options.Lease + TimeSpan.FromSeconds(1));
        var quick = new ScriptedTransport();
        var quickFailure = new TaskCompletionSource();
        quickFailure.SetException(new HttpRequestException("503"));
        quick.Outcomes.Enqueue(quickFailure);
        Assert.Equal(0, await Relay(quick, options).RunOnceAsync(CancellationToken.None));
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        const string Read = "SELECT attempts, delivered_at, last_error, next_attempt_at FROM outbox_message WHERE id = @id";
        var afterTakeOver = await connection.QuerySingleAsync<(int Attempts, DateTimeOffset? Delivered, string? Error, DateTimeOffset Next)>(Read, new { id });

        slowSuccess.SetResult();
        // The overrunning relay's write is refused: it no longer holds the lease, so it counts nothing as delivered.
        Assert.Equal(0, await overrunning);

        var row = await connection.QuerySingleAsync<(int Attempts, DateTimeOffset? Delivered, string? Error, DateTimeOffset Next)>(Read, new { id });
        Assert.Equal(afterTakeOver, row);
        Assert.Equal((2, null, "503"), (row.Attempts, row.Delivered, row.Error));
    }
}
