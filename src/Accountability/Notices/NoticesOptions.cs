namespace Accountability.Notices;

/// <summary>
/// Where published documents go beyond the in-app notifications (section <c>Notices</c>), and how the outbox relay
/// retries. Example, as environment variables:
/// <c>Notices__Destinations__0__Channel=webhook</c>, <c>Notices__Destinations__0__Address=https://gov.example/hook</c>.
/// </summary>
public sealed class NoticesOptions
{
    public const string Section = "Notices";

    /// <summary>Every destination receives every published document of the kinds it lists (all kinds when none).</summary>
    public List<NoticeDestination> Destinations { get; set; } = [];

    /// <summary>Delivery attempts before a message is abandoned (kept, marked, for an operator to re-queue with
    /// <c>accountability outbox requeue</c>, <see cref="RequeueOutboxMessages"/>).</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>The wait after the first failure; it doubles with each further failure up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan FirstBackoff { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How long a claimed message is hidden from other relays while it is being delivered. A relay that dies
    /// mid-delivery leaves it to be delivered again after this (at least once; receivers dedupe on the key).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Messages claimed per relay pass.</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>How long one webhook call may take.</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public SmtpOptions Smtp { get; set; } = new();
}

public sealed class NoticeDestination
{
    /// <summary><c>webhook</c> (POST of the JSON payload) or <c>email</c>.</summary>
    public string Channel { get; set; } = "";

    /// <summary>A URL for a webhook, an address for e-mail.</summary>
    public string Address { get; set; } = "";

    /// <summary>Document kinds to send (ranking_bulletin, criticism, referral ...); empty sends every kind.</summary>
    public List<string> Kinds { get; set; } = [];

    public bool Wants(string kind) => Kinds.Count == 0 || Kinds.Contains(kind, StringComparer.Ordinal);
}

public sealed class SmtpOptions
{
    /// <summary>Empty: e-mail messages wait in the outbox (retried, then abandoned) until a server is configured.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 25;

    public bool EnableSsl { get; set; } = true;

    public string? UserName { get; set; }

    public string? Password { get; set; }

    public string From { get; set; } = "accountability@localhost";
}
