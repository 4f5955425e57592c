using Accountability.Access;
using Accountability.Workflows;

namespace Accountability.Assignments;

/// <summary>催办: headquarters or inspection staff chase the unit. The chaser climbs the colour ladder (blue → orange →
/// red) unless a colour is given; the unit's receipt is <see cref="AcknowledgeChaser"/>.</summary>
public sealed class IssueChaser(AssignmentTransitions transitions) : IUseCase
{
    public Task<ActionResult> RunAsync(Actor actor, ActionRequest request, string message, string? colour = null,
        CancellationToken cancellationToken = default) =>
        transitions.RunAsync(actor, request, "chase", [new(WorkflowParty.Headquarters, Operation.IssueChaser)],
            new ActionInputs { Message = message, Colour = colour }, cancellationToken: cancellationToken);
}
