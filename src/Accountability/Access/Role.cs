namespace Accountability.Access;

/// <summary>What a person may do, always held for a unit (a membership). The database stores the snake_case name.</summary>
public enum Role
{
    /// <summary>Manages the organisation and people.</summary>
    Administrator,

    /// <summary>Headquarters office (指挥部办公室): loads plans, runs cycles, issues chasers.</summary>
    Planner,

    /// <summary>Acts on the unit's items: acknowledges, reports, submits.</summary>
    UnitOperator,

    /// <summary>The unit's leadership: everything an operator does, plus approvals inside the unit.</summary>
    UnitLeader,

    /// <summary>Accepts or returns submissions for the items the unit verifies (谁验收谁负责).</summary>
    Verifier,

    /// <summary>Inspection staff (督查): record problems found, look-backs.</summary>
    Inspector,

    /// <summary>Discipline inspection (纪委监委): receives referrals and records dispositions.</summary>
    Discipline,

    /// <summary>A leader who reads everything and changes nothing.</summary>
    Leader,
}

public static class RoleNames
{
    public static string ToDatabase(this Role role) => role switch
    {
        Role.Administrator => "administrator",
        Role.Planner => "planner",
        Role.UnitOperator => "unit_operator",
        Role.UnitLeader => "unit_leader",
        Role.Verifier => "verifier",
        Role.Inspector => "inspector",
        Role.Discipline => "discipline",
        Role.Leader => "leader",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static bool TryParse(string? value, out Role role)
    {
        foreach (var candidate in Enum.GetValues<Role>())
        {
            if (string.Equals(candidate.ToDatabase(), value, StringComparison.OrdinalIgnoreCase)
                || string.Equals(candidate.ToString(), value, StringComparison.OrdinalIgnoreCase))
            {
                role = candidate;
                return true;
            }
        }

        role = default;
        return false;
    }

    public static Role Parse(string value) =>
        TryParse(value, out var role) ? role : throw new ArgumentException($"Unknown role '{value}'.", nameof(value));

    public static readonly string AllowedList = string.Join(", ", Enum.GetValues<Role>().Select(r => r.ToDatabase()));
}
