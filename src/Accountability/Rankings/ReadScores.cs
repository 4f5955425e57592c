using Accountability.Access;
using Accountability.Scoring;
using Dapper;
using Npgsql;

namespace Accountability.Rankings;

public sealed record RankingRow(
    long UnitId, string UnitCode, string UnitName, string? Category, int? Rank, int CategorySize, decimal Score, decimal Deductions,
    decimal Bonuses, string Grade, bool Usable, string? UnusableReason, bool Vetoed, int Tasks, int Closed, decimal? Completion, int OnSchedule,
    int Yellow, int Red, int Overdue, int ProblemsFound, int Unrectified, int Complaints, bool Top, bool Bottom, int? PreviousRank, string LadderCounts);

public sealed record RankingView(long RunId, string Rulebook, string OutputSha256, string Reason, DateTimeOffset ScoredAt, IReadOnlyList<RankingRow> Rows);

public sealed record LedgerRow(long Id, string RuleId, string RuleName, string Rulebook, int RulebookVersion, string Component, decimal Quantity,
    decimal Points, string Basis, string? EventKind, int EventCount, long[] EventIds);

public sealed record AppealRow(long Id, string Campaign, string Cycle, string Period, long LedgerEntryId, long UnitId, string UnitCode, string RuleId,
    long[]? EventIds, string Reasons, string Evidence, string State, DateTimeOffset FiledAt, DateTimeOffset? DecidedAt, string? DecisionReason,
    long? RecomputeRunId);

public sealed record ConsequenceRow(long Id, long UnitId, string UnitCode, string UnitName, string Kind, string Post, string? HolderName, string[] RuleIds,
    string Facts, long? DocumentId);

/// <summary>
/// The published results of a period (its current run): the ranking — public, as the bulletin is — and a unit's point
/// ledger with the events behind every line, which only those who may see that unit's score can read.
/// </summary>
public sealed class ReadScores(NpgsqlDataSource dataSource, AccessPolicy access, LedgerEvents ledgerEvents) : IUseCase
{
    private const string SelectRun = """
        SELECT r.id, r.rulebook_code || '@' || r.rulebook_version, r.output_sha256, r.reason, r.created_at
        FROM score_run r JOIN campaign c ON c.id = r.campaign_id
        WHERE c.code = @campaign AND r.cycle = @cycle AND r.period = @period AND r.current
        """;

    private const string SelectRows = """
        SELECT r.unit_id AS unitid, u.code AS unitcode, u.name AS unitname, r.category, r.rank, r.category_size AS categorysize, r.score, r.deductions,
               r.bonuses, r.grade, r.usable, r.unusable_reason AS unusablereason, r.vetoed, r.tasks, r.closed, r.completion, r.on_schedule AS onschedule,
               r.yellow, r.red, r.overdue, r.problems_found AS problemsfound, r.unrectified, r.complaints, r.top, r.bottom,
               r.previous_rank AS previousrank, r.ladder_counts::text AS laddercounts
        FROM score_unit_result r JOIN unit u ON u.id = r.unit_id
        WHERE r.run_id = @runId
        ORDER BY r.category NULLS LAST, r.rank NULLS LAST, u.sort_order, u.code
        """;

    private const string SelectLedger = """
        SELECT e.id, e.rule_id AS ruleid, e.rule_name AS rulename, e.rulebook_code AS rulebook, e.rulebook_version AS rulebookversion, e.component,
               e.quantity, e.points, e.basis, e.event_kind AS eventkind, e.event_count AS eventcount, '{}'::bigint[] AS eventids
        FROM score_ledger_entry e WHERE e.run_id = @runId AND e.unit_id = (SELECT id FROM unit WHERE code = @unit)
        ORDER BY e.component, e.rule_id
        """;

    private const string SelectConsequences = """
        SELECT c.id, c.unit_id AS unitid, u.code AS unitcode, u.name AS unitname, c.kind, c.post, c.holder_name AS holdername, c.rule_ids AS ruleids,
               c.facts::text AS facts, c.document_id AS documentid
        FROM consequence c JOIN unit u ON u.id = c.unit_id WHERE c.run_id = @runId ORDER BY u.sort_order, u.code, c.id
        """;

    private const string SelectUnit = "SELECT id FROM unit WHERE code = @unit";

    private const string SelectAppeals = """
        SELECT a.id, c.code AS campaign, a.cycle, a.period, a.ledger_entry_id AS ledgerentryid, a.unit_id AS unitid, u.code AS unitcode,
               a.rule_id AS ruleid, a.event_ids AS eventids, a.reasons, a.evidence::text AS evidence, a.state, a.filed_at AS filedat,
               a.decided_at AS decidedat, a.decision_reason AS decisionreason, a.recompute_run_id AS recomputerunid
        FROM appeal a JOIN campaign c ON c.id = a.campaign_id JOIN unit u ON u.id = a.unit_id
        WHERE (@campaign::text IS NULL OR c.code = @campaign) AND (@state::text IS NULL OR a.state = @state)
          AND (@all OR a.unit_id = ANY(@units))
        ORDER BY a.id
        """;

    /// <summary>Appeals: headquarters sees all; a unit sees its own (and those of the units below it).</summary>
    public async Task<IReadOnlyList<AppealRow>> AppealsAsync(Actor actor, string? campaign, string? state, CancellationToken cancellationToken = default)
    {
        var decide = await access.DecideAsync(actor, Operation.DecideAppeal, cancellationToken: cancellationToken);
        var visible = decide.Allowed ? null : await access.VisibleUnitsAsync(actor, Operation.Appeal, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<AppealRow>(new CommandDefinition(SelectAppeals, new
        {
            campaign, state, all = visible is null || visible.All, units = visible?.ItemUnits ?? [],
        }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<RankingView> RankingAsync(Actor actor, string campaign, string cycle, string period, CancellationToken cancellationToken = default)
    {
        RequireSignedIn(actor);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var run = await RunAsync(connection, campaign, cycle, period, cancellationToken);
        var rows = await connection.QueryAsync<RankingRow>(new CommandDefinition(SelectRows, new { runId = run.Id }, cancellationToken: cancellationToken));
        return new RankingView(run.Id, run.Rulebook, run.Hash, run.Reason, run.At, rows.ToList());
    }

    public async Task<IReadOnlyList<ConsequenceRow>> ConsequencesAsync(Actor actor, string campaign, string cycle, string period,
        CancellationToken cancellationToken = default)
    {
        RequireSignedIn(actor);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var run = await RunAsync(connection, campaign, cycle, period, cancellationToken);
        return (await connection.QueryAsync<ConsequenceRow>(new CommandDefinition(SelectConsequences, new { runId = run.Id }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<IReadOnlyList<LedgerRow>> LedgerAsync(Actor actor, string campaign, string cycle, string period, string unit,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var unitId = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(SelectUnit, new { unit }, cancellationToken: cancellationToken))
                     ?? throw new NotFoundException($"No unit '{unit}'.");
        await access.RequireAsync(actor, Operation.ViewScore, unitId, hideExistence: true, cancellationToken: cancellationToken);
        var run = await RunAsync(connection, campaign, cycle, period, cancellationToken);
        var lines = (await connection.QueryAsync<LedgerRow>(new CommandDefinition(SelectLedger, new { runId = run.Id, unit }, cancellationToken: cancellationToken))).ToList();
        var events = await ledgerEvents.ForEntriesAsync(connection, lines.Select(l => l.Id).ToList(), cancellationToken);
        return lines.Select(l => l with { EventIds = events[l.Id] }).ToList();
    }

    private static void RequireSignedIn(Actor actor)
    {
        if (actor.Memberships.Count == 0)
        {
            throw new AccessDeniedException($"{actor.Login} holds no role.");
        }
    }

    private static async Task<(long Id, string Rulebook, string Hash, string Reason, DateTimeOffset At)> RunAsync(NpgsqlConnection connection, string campaign,
        string cycle, string period, CancellationToken ct) =>
        await connection.QuerySingleOrDefaultAsync<(long, string, string, string, DateTimeOffset)?>(new CommandDefinition(SelectRun,
            new { campaign, cycle, period }, cancellationToken: ct))
        ?? throw new NotFoundException($"Period {period} ({cycle}) of campaign {campaign} has not been scored.");
}
