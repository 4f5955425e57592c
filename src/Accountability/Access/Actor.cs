namespace Accountability.Access;

/// <summary>A role held for a unit; <see cref="UnitId"/> is null only for a system-wide administrator.</summary>
public sealed record Membership(long? UnitId, Role Role);

/// <summary>The signed-in person and every role they hold, each for a unit. Loaded fresh for every request, so a
/// membership removed by an administrator stops working at once.</summary>
public sealed record Actor(long PersonId, string Login, string DisplayName, IReadOnlyList<Membership> Memberships)
{
    public bool Holds(Role role) => Memberships.Any(m => m.Role == role);

    public IEnumerable<long> UnitsWhere(Role role) =>
        Memberships.Where(m => m.Role == role && m.UnitId is not null).Select(m => m.UnitId!.Value);
}
