using Accountability.Assignments;

namespace Accountability.Workflows;

/// <summary>Everything a rule may look at when the workflow decides: the item, its campaign, what the actor gave,
/// who acts, and now.</summary>
public sealed record WorkflowContext(
    WorkflowDefinition Definition,
    AssignmentFacts Item,
    CampaignFacts Campaign,
    ActionInputs Inputs,
    WorkflowParty Party,
    DateTimeOffset Now)
{
    /// <summary>When the named timer falls for this item, or null.</summary>
    public DateTimeOffset? TimerInstant(string kind) =>
        Definition.Timer(kind) is { } timer ? TimerSchedule.InstantOf(timer, Item, Campaign) : null;
}
