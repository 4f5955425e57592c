using System.Net.Mail;
using System.Text;
using System.Text.Json;
using Accountability.Cycles;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accountability.Notices;

/// <summary>One message to deliver, as the relay claimed it.</summary>
public sealed record OutboxDelivery(long Id, string Channel, string Destination, string Payload, string DedupeKey, int Attempts);

/// <summary>Delivers outbox messages of one channel. Throwing means "not delivered, try again later".</summary>
public interface IOutboxTransport
{
    string Channel { get; }

    Task DeliverAsync(OutboxDelivery message, CancellationToken cancellationToken);
}

/// <summary>
/// The outbox relay, run every minute as a periodic sweep (in its own scheduler job: a pass can wait minutes on slow
/// destinations, and the timers must not wait with it). A pass leases a batch of due messages (moving their next
/// attempt past the lease, <c>FOR UPDATE SKIP LOCKED</c>, committed at once, so no transaction stays open across the
/// network and two nodes never take the same message), delivers them, then marks each delivered or schedules its retry
/// with a doubling back-off; after the last attempt it is marked abandoned, never deleted. Delivery is at least once:
/// a node that dies after delivering and before marking leaves the message to be sent again when its lease ends, so
/// every delivery carries the dedupe key (webhooks: the <c>Idempotency-Key</c> header).
/// </summary>
public sealed partial class OutboxRelay(
    NpgsqlDataSource dataSource,
    TimeProvider time,
    IEnumerable<IOutboxTransport> transports,
    IOptions<NoticesOptions> options,
    ILogger<OutboxRelay> logger) : IPeriodicSweep
{
    private const string Lease = """
        WITH due AS (
            SELECT id FROM outbox_message
            WHERE delivered_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= @now
            ORDER BY next_attempt_at, id
            LIMIT @batch
            FOR UPDATE SKIP LOCKED
        )
        UPDATE outbox_message m SET attempts = m.attempts + 1, next_attempt_at = @leaseUntil
        FROM due WHERE m.id = due.id
        RETURNING m.id AS Id, m.channel AS Channel, m.destination AS Destination, m.payload::text AS Payload,
                  m.dedupe_key AS DedupeKey, m.attempts AS Attempts, m.next_attempt_at AS LeaseUntil
        """;

    // The outcome is written only while this relay still holds the lease: the attempt it took (each lease counts one)
    // and the lease's end, as the database stored them, are the lease token. A relay that overran its lease finds the
    // message leased again by another (one more attempt) and writes nothing over that relay's outcome.
    private const string MarkDelivered = """
        UPDATE outbox_message SET delivered_at = @now, last_error = NULL
        WHERE id = @id AND attempts = @attempts AND next_attempt_at = @leaseUntil AND delivered_at IS NULL AND abandoned_at IS NULL
        """;

    private const string MarkFailed = """
        UPDATE outbox_message SET last_error = @error, next_attempt_at = @retryAt,
                                  abandoned_at = CASE WHEN @abandon THEN @now END
        WHERE id = @id AND attempts = @attempts AND next_attempt_at = @leaseUntil AND delivered_at IS NULL AND abandoned_at IS NULL
        """;

    /// <summary>A leased message and the lease's end, as stored.</summary>
    private sealed record LeasedMessage(long Id, string Channel, string Destination, string Payload, string DedupeKey, int Attempts,
        DateTimeOffset LeaseUntil)
    {
        public OutboxDelivery Delivery => new(Id, Channel, Destination, Payload, DedupeKey, Attempts);
    }

    /// <summary>The sweep's name; the scheduler runs it in its own job so that a slow destination delays no other sweep.</summary>
    public const string SweepName = "outbox-relay";

    public string Name => SweepName;

    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        List<LeasedMessage> leased;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            leased = (await connection.QueryAsync<LeasedMessage>(new CommandDefinition(Lease,
                new { now, batch = o.BatchSize, leaseUntil = now + o.Lease }, cancellationToken: cancellationToken))).OrderBy(m => m.Id).ToList();
        }

        var handled = 0;
        foreach (var message in leased)
        {
            string? error;
            try
            {
                var transport = transports.FirstOrDefault(t => t.Channel == message.Channel)
                                ?? throw new InvalidOperationException($"no transport for channel '{message.Channel}'");
                await transport.DeliverAsync(message.Delivery, cancellationToken);
                error = null;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                error = e.Message;
            }

            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var at = time.GetUtcNow();
            if (error is null)
            {
                if (await connection.ExecuteAsync(MarkDelivered,
                        new { id = message.Id, attempts = message.Attempts, leaseUntil = message.LeaseUntil, now = at }) == 0)
                {
                    LogLeaseLost(message.Id, message.Attempts, "delivered");
                    continue;
                }

                handled++;
                continue;
            }

            var abandon = message.Attempts >= o.MaxAttempts;
            var backoff = TimeSpan.FromTicks(Math.Min(o.MaxBackoff.Ticks, o.FirstBackoff.Ticks * (1L << Math.Min(message.Attempts - 1, 20))));
            if (await connection.ExecuteAsync(MarkFailed, new
                {
                    id = message.Id, attempts = message.Attempts, leaseUntil = message.LeaseUntil, error, retryAt = at + backoff, abandon, now = at,
                }) == 0)
            {
                LogLeaseLost(message.Id, message.Attempts, "failed");
                continue;
            }

            if (abandon)
            {
                LogAbandoned(message.Id, message.Channel, message.Destination, message.Attempts, error);
            }
            else
            {
                LogRetry(message.Id, message.Channel, message.Destination, message.Attempts, backoff, error);
            }
        }

        return handled;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox message {Id}: attempt {Attempt} ended ({Outcome}) after its lease had passed to another relay, whose outcome stands")]
    private partial void LogLeaseLost(long id, int attempt, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox message {Id} to {Channel} {Destination} failed (attempt {Attempt}); retry in {Backoff}: {Error}")]
    private partial void LogRetry(long id, string channel, string destination, int attempt, TimeSpan backoff, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox message {Id} to {Channel} {Destination} abandoned after {Attempt} attempts: {Error}")]
    private partial void LogAbandoned(long id, string channel, string destination, int attempt, string error);
}

/// <summary>POSTs the payload as JSON; any non-success status is a failure to retry.</summary>
public sealed class WebhookTransport(IHttpClientFactory clients, IOptions<NoticesOptions> options) : IOutboxTransport
{
    public const string ClientName = "outbox-webhook";

    public string Channel => "webhook";

    public async Task DeliverAsync(OutboxDelivery message, CancellationToken cancellationToken)
    {
        using var client = clients.CreateClient(ClientName);
        client.Timeout = options.Value.WebhookTimeout;
        using var request = new HttpRequestMessage(HttpMethod.Post, message.Destination)
        {
            Content = new StringContent(message.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", message.DedupeKey);
        using var response = await client.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{message.Destination} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }
    }
}

/// <summary>Sends the document as an HTML e-mail through the configured SMTP server.</summary>
public sealed class EmailTransport(IOptions<NoticesOptions> options) : IOutboxTransport
{
    public string Channel => "email";

    public async Task DeliverAsync(OutboxDelivery message, CancellationToken cancellationToken)
    {
        var smtp = options.Value.Smtp;
        if (string.IsNullOrWhiteSpace(smtp.Host))
        {
            throw new InvalidOperationException("no SMTP server is configured (Notices:Smtp:Host)");
        }

        using var document = JsonDocument.Parse(message.Payload);
        var root = document.RootElement;
        using var mail = new MailMessage(smtp.From, message.Destination)
        {
            Subject = root.TryGetProperty("title", out var title) ? title.GetString() : "通知",
            Body = root.TryGetProperty("html", out var html) ? html.GetString() : message.Payload,
            IsBodyHtml = true,
            SubjectEncoding = Encoding.UTF8,
            BodyEncoding = Encoding.UTF8,
        };
        mail.Headers.Add("X-Idempotency-Key", message.DedupeKey);
        // SmtpClient is the framework's plain SMTP client; a relay to a government mail gateway needs nothing more.
        using var client = new SmtpClient(smtp.Host, smtp.Port) { EnableSsl = smtp.EnableSsl };
        if (!string.IsNullOrEmpty(smtp.UserName))
        {
            client.Credentials = new System.Net.NetworkCredential(smtp.UserName, smtp.Password);
        }

        await client.SendMailAsync(mail, cancellationToken);
    }
}
