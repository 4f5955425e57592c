using Accountability.Access;
using Accountability.Workflows;
using Dapper;

namespace Accountability.Assignments;

/// <summary>The unit's receipt for a chaser (催办回执): time-stamped proof that the chaser reached it.</summary>
public sealed class AcknowledgeChaser(AssignmentTransitions transitions) : IUseCase
{
    private const string Acknowledge = """
        UPDATE assignment_chaser SET acknowledged_at = @now, acknowledged_by = @personId
        WHERE id = @chaserId AND assignment_id = @assignmentId AND acknowledged_at IS NULL
        """;

    public Task<ActionResult> RunAsync(Actor actor, ActionRequest request, long chaserId, string? note = null,
        CancellationToken cancellationToken = default) =>
        transitions.RunAsync(actor, request, "acknowledge_chaser", [new(WorkflowParty.Unit, Operation.ActOnItem)],
            new ActionInputs { Note = note, ChaserId = chaserId },
            write: async s =>
            {
                if (await s.Connection.ExecuteAsync(Acknowledge, new { now = s.Now, personId = s.Actor.PersonId, chaserId, assignmentId = s.Before.Id }) == 0)
                {
                    throw new BusinessRuleBrokenException("ChaserMustBeUnacknowledgedRule",
                        $"Chaser {chaserId} is not an unacknowledged chaser of assignment {s.Before.Id}.");
                }
            },
            cancellationToken: cancellationToken);
}
