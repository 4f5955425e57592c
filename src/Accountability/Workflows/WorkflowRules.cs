using System.Globalization;
using System.Text;

namespace Accountability.Workflows;

/// <summary>
/// A named rule a definition can use as a guard (<c>guards: [extension_must_be_filed_before_due_date]</c>: the
/// transition is refused unless it holds) or as a condition on an effect (<c>when: acknowledgement_was_late</c>).
/// A refusal names the rule as a sentence (<c>ExtensionMustBeFiledBeforeDueDateRule</c>) with its message.
/// </summary>
public sealed class WorkflowRule(string name, Func<WorkflowContext, bool> holds, Func<WorkflowContext, string> refusal)
{
    public string Name { get; } = name;

    /// <summary>The rule's name as a sentence in PascalCase with the <c>Rule</c> suffix, as refusals report it.</summary>
    public string RuleName { get; } = Pascal(name) + "Rule";

    public bool Holds(WorkflowContext context) => holds(context);

    public string Refusal(WorkflowContext context) => refusal(context);

    public static string Pascal(string snake)
    {
        var builder = new StringBuilder(snake.Length);
        foreach (var part in snake.Split('_', StringSplitOptions.RemoveEmptyEntries))
        {
            builder.Append(char.ToUpperInvariant(part[0])).Append(part.AsSpan(1));
        }

        return builder.ToString();
    }
}

/// <summary>Every rule a workflow definition may name. Definitions are checked against this list at load time.</summary>
public static class WorkflowRules
{
    private static readonly Dictionary<string, WorkflowRule> ByName = Create().ToDictionary(r => r.Name, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Names => ByName.Keys;

    public static bool Exists(string name) => ByName.ContainsKey(name);

    public static WorkflowRule Get(string name) =>
        ByName.TryGetValue(name, out var rule) ? rule : throw new InvalidOperationException($"No workflow rule '{name}'.");

    public static bool Holds(ConditionRef condition, WorkflowContext context) =>
        Get(condition.Name).Holds(context) != condition.Negated;

    private static string Date(WorkflowContext c, DateTimeOffset? instant) =>
        instant is { } i
            ? TimeZoneInfo.ConvertTime(i.AddTicks(-1), c.Campaign.Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)
            : "(none)";

    private static DateTimeOffset? EndOf(WorkflowContext c, DateOnly? date) => date is { } d ? c.Campaign.EndOfDay(d) : null;

    private static IEnumerable<WorkflowRule> Create()
    {
        // Guards: a transition is refused unless each holds.
        yield return new("item_must_have_a_due_date",
            c => c.Item.EffectiveDue is not null,
            _ => "This item has no due date, so there is nothing to extend.");
        yield return new("extension_must_be_filed_before_due_date",
            c => c.Item.EffectiveDue is { } due && c.Now < due,
            c => $"An extension (延期申请) must be filed before the due date ({Date(c, c.Item.EffectiveDue)}); filed after it, it is refused and the item counts as overdue.");
        yield return new("proposed_date_must_be_after_due_date",
            c => EndOf(c, c.Inputs.ProposedDate) is { } proposed && c.Item.EffectiveDue is { } due && proposed > due,
            c => $"The proposed date must be later than the current due date ({Date(c, c.Item.EffectiveDue)}).");
        yield return new("new_due_date_must_be_in_the_future",
            c => EndOf(c, c.Inputs.NewDate) is { } date && date > c.Now,
            _ => "The new due date must be in the future.");
        yield return new("extension_request_must_be_pending",
            c => c.Item.HasPendingExtension,
            _ => "There is no pending extension request on this item.");
        yield return new("evidence_must_cover_required_kinds",
            c => c.Item.EvidenceKinds.All(k => c.Inputs.Files.Any(f => f.Kind == k)),
            c => "Evidence of every required kind must be attached; missing: " +
                 string.Join(", ", c.Item.EvidenceKinds.Where(k => c.Inputs.Files.All(f => f.Kind != k))) + ".");
        yield return new("public_notice_must_have_ended",
            c => c.TimerInstant("public_notice_end") is not { } end || c.Now >= end,
            c => $"The public notice (公示) runs until {Date(c, c.TimerInstant("public_notice_end"))}; the item can be closed after it.");
        yield return new("only_complaints_may_be_closed_as_unfounded",
            c => c.Item.LedgerKind == "complaint",
            _ => "Only a complaint (投诉) can be closed as unfounded.");
        yield return new("item_must_not_be_acknowledged_yet",
            c => c.Item.AcknowledgedAt is null,
            _ => "This item has already been acknowledged (已签收).");

        // Routing conditions: which of several transitions on the same trigger applies.
        yield return new("campaign_has_public_notice",
            c => c.Campaign.PublicNoticeDays is > 0,
            _ => "The campaign has no public-notice period.");
        yield return new("campaign_has_no_public_notice",
            c => c.Campaign.PublicNoticeDays is not > 0,
            _ => "The campaign has a public-notice period (公示).");
        yield return new("item_is_long_term",
            c => c.Item.LongTerm,
            _ => "The item is not a long-term (长期坚持) task.");
        yield return new("item_is_not_long_term",
            c => !c.Item.LongTerm,
            _ => "The item is a long-term (长期坚持) task.");

        // Conditions on effects.
        yield return new("acknowledgement_was_late",
            c => c.TimerInstant("acknowledgement_due") is { } due && c.Now > due,
            _ => "The acknowledgement was on time.");
        yield return new("closing_on_time",
            c => c.Item.EffectiveDue is not { } due || c.Now <= due,
            _ => "The item is closed after its due time.");
        yield return new("closing_late",
            c => c.Item.EffectiveDue is { } due && c.Now > due,
            _ => "The item is closed on time.");
        yield return new("item_is_complaint",
            c => c.Item.LedgerKind == "complaint",
            _ => "The item is not a complaint.");
        yield return new("item_arose_from_found_problem",
            c => c.Item.LedgerKind == "problem" && c.Item.FoundLevel is not null,
            _ => "The item did not arise from a problem found by inspection.");
        yield return new("reply_was_false",
            c => c.Inputs.FalseReply == true,
            _ => "The verifier did not mark the reply as false.");
        yield return new("chased_since_due",
            c => c.Item.LastChasedAt is { } chased && c.Item.EffectiveDue is { } due && chased >= due,
            _ => "No chaser since the due date.");
    }
}
