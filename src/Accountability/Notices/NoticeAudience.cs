using Accountability.Access;

namespace Accountability.Notices;

/// <summary>
/// Whose work a notice to a unit is, by the part the unit plays in what the notice is about. The unit's operators and
/// leaders read every notice to their unit; a notice to the unit as verifier also reaches its verifiers, one to the
/// campaign's headquarters its planners, one to the discipline inspection commission its staff. Nobody reads another
/// unit's notices, and a verifier does not sign for a chaser to the unit they work in. Stored as the snake_case name
/// (<c>notification.audience</c>).
/// </summary>
public enum NoticeAudience
{
    /// <summary>The unit as the one doing the work.</summary>
    Unit,

    /// <summary>The unit as the one that verifies the item (谁验收谁负责).</summary>
    Verifier,

    /// <summary>The campaign's headquarters office (指挥部办公室): extensions, appeals, escalations.</summary>
    Headquarters,

    /// <summary>The discipline inspection commission (纪委监委): referrals.</summary>
    Discipline,
}

public static class NoticeAudiences
{
    public static string ToDatabase(this NoticeAudience audience) => audience switch
    {
        NoticeAudience.Unit => "unit",
        NoticeAudience.Verifier => "verifier",
        NoticeAudience.Headquarters => "headquarters",
        NoticeAudience.Discipline => "discipline",
        _ => throw new ArgumentOutOfRangeException(nameof(audience)),
    };

    /// <summary>Every (unit, audience) whose notices <paramref name="actor"/> reads and may sign for, as parallel arrays
    /// for <c>unnest</c>: only units they hold a membership in (a town's notices are not its villages').</summary>
    public static (long[] Units, string[] Audiences) ReadBy(Actor actor)
    {
        var pairs = actor.Memberships
            .Where(m => m.UnitId is not null)
            .SelectMany(m => Acts(m.Role).Select(audience => (Unit: m.UnitId!.Value, Audience: audience.ToDatabase())))
            .Distinct()
            .ToList();
        return ([.. pairs.Select(p => p.Unit)], [.. pairs.Select(p => p.Audience)]);
    }

    /// <summary>Whether <paramref name="actor"/> reads a notice to <paramref name="unitId"/> for <paramref name="audience"/>
    /// (as stored).</summary>
    public static bool Reads(this Actor actor, long unitId, string audience) =>
        actor.Memberships.Any(m => m.UnitId == unitId && Acts(m.Role).Any(a => a.ToDatabase() == audience));

    private static NoticeAudience[] Acts(Role role) => role switch
    {
        Role.UnitOperator or Role.UnitLeader => Enum.GetValues<NoticeAudience>(),
        Role.Verifier => [NoticeAudience.Verifier],
        Role.Planner => [NoticeAudience.Headquarters],
        Role.Discipline => [NoticeAudience.Discipline],
        _ => [],
    };
}
