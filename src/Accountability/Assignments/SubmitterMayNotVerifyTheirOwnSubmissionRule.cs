using Dapper;

namespace Accountability.Assignments;

/// <summary>谁验收谁负责: whoever rules on a submission answers for it, so it must be someone other than the person who
/// submitted it. A person may hold a unit role and a verifier role at once (a small county doubles up); they may then
/// still verify others' submissions, never their own.</summary>
public sealed class SubmitterMayNotVerifyTheirOwnSubmissionRule(long? submittedBy, long actorPersonId, string action) : IBusinessRule
{
    // The latest submission for closure is the one being ruled on (a returned item is submitted again); its audit
    // event names the person, so nothing else has to record it.
    private const string SelectSubmitter = """
        SELECT actor_person_id FROM audit_event
        WHERE assignment_id = @assignmentId AND kind = 'assignment.submit'
        ORDER BY seq DESC
        LIMIT 1
        """;

    public bool IsBroken() => submittedBy == actorPersonId;

    public string Message => $"You submitted this item for closure yourself, so you may not {action} it: another verifier must rule on it (谁验收谁负责).";

    /// <summary>Checks the rule inside the action's transaction, after the row is locked (so no resubmission can slip
    /// in between the check and the ruling).</summary>
    public static async Task CheckAsync(ActionStep step, string action)
    {
        var submittedBy = await step.Connection.ExecuteScalarAsync<long?>(SelectSubmitter, new { assignmentId = step.Before.Id });
        BusinessRule.Check(new SubmitterMayNotVerifyTheirOwnSubmissionRule(submittedBy, step.Actor.PersonId, action));
    }
}
