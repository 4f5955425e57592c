namespace Accountability.Assignments;

/// <summary>One uploaded file: the evidence kind it is offered as (e.g. 现场照片), its name and its bytes.</summary>
public sealed record EvidenceUpload(string Kind, string FileName, byte[] Content);

/// <summary>What the person acting gave with the action. Which of these an action needs is said by its transition's
/// <c>inputs</c> in the workflow definition.</summary>
public sealed record ActionInputs
{
    public static readonly ActionInputs None = new();

    public int? Percent { get; init; }
    public string? Note { get; init; }
    public string? Reason { get; init; }
    public DateOnly? ProposedDate { get; init; }
    public DateOnly? NewDate { get; init; }
    public string? Leader { get; init; }
    public string? Requirements { get; init; }
    public bool? FalseReply { get; init; }
    public IReadOnlyList<EvidenceUpload> Files { get; init; } = [];
    public string? Objection { get; init; }
    public string? Investigation { get; init; }
    public string? Message { get; init; }
    public string? Colour { get; init; }

    /// <summary>The chaser a receipt is for. Not a definition input: it makes two receipts on one item two different
    /// requests (for their idempotency keys) and names the chaser in the audit event.</summary>
    public long? ChaserId { get; init; }

    /// <summary>The input names the definition format knows (<c>inputs:</c> keys).</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "percent", "note", "reason", "proposed_date", "new_date", "leader", "requirements", "false_reply", "files",
        "objection", "investigation", "message", "colour",
    ];

    public bool Has(string name) => name switch
    {
        "percent" => Percent is not null,
        "note" => !string.IsNullOrWhiteSpace(Note),
        "reason" => !string.IsNullOrWhiteSpace(Reason),
        "proposed_date" => ProposedDate is not null,
        "new_date" => NewDate is not null,
        "leader" => !string.IsNullOrWhiteSpace(Leader),
        "requirements" => !string.IsNullOrWhiteSpace(Requirements),
        "false_reply" => FalseReply is not null,
        "files" => Files.Count > 0,
        "objection" => !string.IsNullOrWhiteSpace(Objection),
        "investigation" => !string.IsNullOrWhiteSpace(Investigation),
        "message" => !string.IsNullOrWhiteSpace(Message),
        "colour" => !string.IsNullOrWhiteSpace(Colour),
        _ => false,
    };
}
