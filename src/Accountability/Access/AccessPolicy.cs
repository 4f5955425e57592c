using Dapper;
using Npgsql;

namespace Accountability.Access;

/// <summary>What someone does to a unit's item (or to the campaign). Every endpoint and page names one.</summary>
public enum Operation
{
    /// <summary>See the item, its timeline and evidence.</summary>
    ViewItem,

    /// <summary>Acknowledge, report progress, request an extension, submit for closure, answer a chaser.</summary>
    ActOnItem,

    /// <summary>Approve or refuse an extension request (by a named leader).</summary>
    DecideExtension,

    /// <summary>Accept or return a submission, close after public notice, record a look-back.</summary>
    VerifyItem,

    /// <summary>Send a chaser (催办) or supervision order to the unit.</summary>
    IssueChaser,

    /// <summary>Record a problem found by inspection, a complaint, a media exposure, a look-back result.</summary>
    RecordInspection,

    /// <summary>Validate, diff and import plans; manage campaigns.</summary>
    ManagePlans,

    /// <summary>Run or dry-run cycles, publish bulletins, what-if over rulebooks.</summary>
    RunCycles,

    /// <summary>See the unit's points and ranking, and appeal a ledger entry.</summary>
    ViewScore,

    /// <summary>Appeal a point on the unit's ledger.</summary>
    Appeal,

    /// <summary>Accept or reject appeals.</summary>
    DecideAppeal,

    /// <summary>Read referrals and their dossiers, acknowledge them and record dispositions.</summary>
    HandleReferrals,

    /// <summary>Campaign-wide dashboards and ledgers, read only.</summary>
    ViewCampaign,

    /// <summary>Units, people, memberships.</summary>
    ManageOrganization,
}

public sealed record AccessDecision(bool Allowed, string Reason)
{
    public static AccessDecision Allow(string reason) => new(true, reason);
    public static AccessDecision Deny(string reason) => new(false, reason);
}

/// <summary>
/// The one answer to "may this person do this to this unit's item". Rules:
/// a unit role covers its unit and every unit below it (a town's operator handles its villages' items);
/// a verifier acts only on items whose verifier unit is one they hold the role for (or below it);
/// headquarters, inspection, discipline and leader roles are campaign-wide for the operations listed for them.
/// </summary>
public sealed class AccessPolicy(NpgsqlDataSource dataSource)
{
    private enum Scope
    {
        /// <summary>The membership's unit is the item's unit or one of its ancestors.</summary>
        ItemUnit,

        /// <summary>The membership's unit is the item's verifier unit or one of its ancestors.</summary>
        VerifierUnit,

        /// <summary>Any membership with this role suffices.</summary>
        Anywhere,
    }

    private static readonly Dictionary<Operation, (Role Role, Scope Scope)[]> Table = new()
    {
        [Operation.ViewItem] =
        [
            (Role.UnitOperator, Scope.ItemUnit), (Role.UnitLeader, Scope.ItemUnit), (Role.Verifier, Scope.VerifierUnit),
            (Role.Planner, Scope.Anywhere), (Role.Inspector, Scope.Anywhere), (Role.Leader, Scope.Anywhere),
            (Role.Discipline, Scope.Anywhere), (Role.Administrator, Scope.Anywhere),
        ],
        [Operation.ActOnItem] = [(Role.UnitOperator, Scope.ItemUnit), (Role.UnitLeader, Scope.ItemUnit)],
        [Operation.DecideExtension] = [(Role.Planner, Scope.Anywhere)],
        [Operation.VerifyItem] = [(Role.Verifier, Scope.VerifierUnit)],
        [Operation.IssueChaser] = [(Role.Planner, Scope.Anywhere), (Role.Inspector, Scope.Anywhere)],
        [Operation.RecordInspection] = [(Role.Inspector, Scope.Anywhere), (Role.Planner, Scope.Anywhere)],
        [Operation.ManagePlans] = [(Role.Planner, Scope.Anywhere)],
        [Operation.RunCycles] = [(Role.Planner, Scope.Anywhere)],
        [Operation.ViewScore] =
        [
            (Role.UnitOperator, Scope.ItemUnit), (Role.UnitLeader, Scope.ItemUnit), (Role.Planner, Scope.Anywhere),
            (Role.Leader, Scope.Anywhere), (Role.Discipline, Scope.Anywhere), (Role.Inspector, Scope.Anywhere),
        ],
        [Operation.Appeal] = [(Role.UnitLeader, Scope.ItemUnit), (Role.UnitOperator, Scope.ItemUnit)],
        [Operation.DecideAppeal] = [(Role.Planner, Scope.Anywhere)],
        [Operation.HandleReferrals] = [(Role.Discipline, Scope.Anywhere)],
        [Operation.ViewCampaign] =
        [
            (Role.Planner, Scope.Anywhere), (Role.Leader, Scope.Anywhere), (Role.Inspector, Scope.Anywhere),
            (Role.Administrator, Scope.Anywhere),
        ],
        [Operation.ManageOrganization] = [(Role.Administrator, Scope.Anywhere)],
    };

    private const string SelectAncestors = """
        WITH RECURSIVE up AS (
            SELECT id, parent_id FROM unit WHERE id = ANY(@ids)
            UNION
            SELECT u.id, u.parent_id FROM unit u JOIN up ON u.id = up.parent_id
        )
        SELECT id FROM up
        """;

    /// <summary>Decides for an item of <paramref name="unitId"/> (verified by <paramref name="verifierUnitId"/>), or for a
    /// campaign-wide operation when both are null.</summary>
    public async Task<AccessDecision> DecideAsync(Actor actor, Operation operation, long? unitId = null,
        long? verifierUnitId = null, CancellationToken cancellationToken = default)
    {
        var grants = Table[operation];
        if (grants.Any(g => g.Scope == Scope.Anywhere && actor.Holds(g.Role)))
        {
            var role = grants.First(g => g.Scope == Scope.Anywhere && actor.Holds(g.Role)).Role;
            return AccessDecision.Allow($"{actor.Login} holds {role.ToDatabase()}");
        }

        var targets = new List<long>();
        if (unitId is { } u)
        {
            targets.Add(u);
        }

        if (verifierUnitId is { } v)
        {
            targets.Add(v);
        }

        if (targets.Count == 0 || !grants.Any(g => g.Scope != Scope.Anywhere))
        {
            return AccessDecision.Deny($"{actor.Login} may not {operation}");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var itemChain = unitId is { } iu
            ? (await connection.QueryAsync<long>(SelectAncestors, new { ids = new[] { iu } })).ToHashSet()
            : [];
        var verifierChain = verifierUnitId is { } vu
            ? (await connection.QueryAsync<long>(SelectAncestors, new { ids = new[] { vu } })).ToHashSet()
            : [];

        foreach (var (role, scope) in grants)
        {
            var chain = scope == Scope.ItemUnit ? itemChain : scope == Scope.VerifierUnit ? verifierChain : null;
            if (chain is not null && actor.UnitsWhere(role).Any(chain.Contains))
            {
                return AccessDecision.Allow($"{actor.Login} holds {role.ToDatabase()} for the unit");
            }
        }

        return AccessDecision.Deny($"{actor.Login} holds no role that allows {operation} on this unit's items");
    }

    /// <summary>Throws <see cref="AccessDeniedException"/> unless allowed. With <paramref name="hideExistence"/> the
    /// host answers 404, so a unit cannot even learn that another unit's item exists.</summary>
    public async Task RequireAsync(Actor actor, Operation operation, long? unitId = null, long? verifierUnitId = null,
        bool hideExistence = false, CancellationToken cancellationToken = default)
    {
        var decision = await DecideAsync(actor, operation, unitId, verifierUnitId, cancellationToken);
        if (!decision.Allowed)
        {
            throw new AccessDeniedException(decision.Reason, hideExistence);
        }
    }

    /// <summary>What to throw when an item looked up by id is not there, for items whose existence is hidden from those
    /// who may not see them: the same refusal <see cref="RequireAsync"/> gives with <c>hideExistence</c>, so an id that
    /// does not exist and one that belongs to another unit answer alike (404, word for word) and ids cannot be probed.</summary>
    public static AccessDeniedException Absent(string message) => new(message, hideExistence: true);

    /// <summary>For list queries: which items the actor may see for <paramref name="operation"/>. Pass the arrays to
    /// SQL as <c>(unit_id = ANY(@ItemUnits) OR verifier_unit_id = ANY(@VerifierUnits))</c> unless <c>All</c>.</summary>
    public async Task<Visibility> VisibleUnitsAsync(Actor actor, Operation operation, CancellationToken cancellationToken = default)
    {
        var grants = Table[operation];
        if (grants.Any(g => g.Scope == Scope.Anywhere && actor.Holds(g.Role)))
        {
            return new Visibility(true, [], []);
        }

        var itemRoots = grants.Where(g => g.Scope == Scope.ItemUnit).SelectMany(g => actor.UnitsWhere(g.Role)).Distinct().ToArray();
        var verifierRoots = grants.Where(g => g.Scope == Scope.VerifierUnit).SelectMany(g => actor.UnitsWhere(g.Role)).Distinct().ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var itemUnits = itemRoots.Length == 0 ? [] : (await connection.QueryAsync<long>(UnitTree.SelectSubtree, new { roots = itemRoots })).ToArray();
        var verifierUnits = verifierRoots.Length == 0 ? [] : (await connection.QueryAsync<long>(UnitTree.SelectSubtree, new { roots = verifierRoots })).ToArray();
        return new Visibility(false, itemUnits, verifierUnits);
    }
}

/// <summary>Which items a list may show: all of them, or those of <see cref="ItemUnits"/> and those verified by
/// <see cref="VerifierUnits"/>.</summary>
public sealed record Visibility(bool All, long[] ItemUnits, long[] VerifierUnits)
{
    public bool None => !All && ItemUnits.Length == 0 && VerifierUnits.Length == 0;
}

public static class UnitTree
{
    /// <summary>The given units and every unit below them.</summary>
    public const string SelectSubtree = """
        WITH RECURSIVE down AS (
            SELECT id FROM unit WHERE id = ANY(@roots)
            UNION
            SELECT u.id FROM unit u JOIN down ON u.parent_id = down.id
        )
        SELECT id FROM down
        """;
}
