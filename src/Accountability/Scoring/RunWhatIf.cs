using Accountability.Access;
using Dapper;
using Npgsql;

namespace Accountability.Scoring;

public sealed record UnitDifference(
    long UnitId,
    string Code,
    string Name,
    string? Category,
    decimal? ScoreBefore,
    decimal? ScoreAfter,
    int? RankBefore,
    int? RankAfter,
    string? GradeBefore,
    string? GradeAfter);

public sealed record ConsequenceDifference(long UnitId, string Code, string Name, string Kind, string KindName, string? Post, string Facts);

public sealed record RuleTotal(string RuleId, decimal Before, decimal After);

/// <summary>What another rulebook (or version) would have made of a scored period, next to what was published.</summary>
public sealed record WhatIfReport(
    string Campaign,
    string Cycle,
    string Period,
    string Baseline,
    string Candidate,
    int PeriodsReplayed,
    IReadOnlyList<UnitDifference> Units,
    IReadOnlyList<ConsequenceDifference> Added,
    IReadOnlyList<ConsequenceDifference> Removed,
    IReadOnlyList<RuleTotal> Rules)
{
    public IEnumerable<UnitDifference> Changed => Units.Where(u => u.ScoreBefore != u.ScoreAfter || u.RankBefore != u.RankAfter || u.GradeBefore != u.GradeAfter);
}

/// <summary>
/// What-if (试算): scores a past period under another rulebook or version and shows the differences with what was
/// published, issuing nothing. Ladders and roll-ups depend on the periods before, so every scored period of the cycle up
/// to the one asked is replayed under the candidate, each from its own frozen snapshot. Everything runs in a
/// transaction that is rolled back: no run, ledger, document, notice or audit event is written.
/// </summary>
public sealed class RunWhatIf(NpgsqlDataSource dataSource, AccessPolicy access, PeriodInputsStore inputs) : IUseCase
{
    private const string SelectRuns = """
        SELECT id, period, snapshot_id, period_start, period_end, cutoff_at, rulebook_code, rulebook_version
        FROM score_run WHERE campaign_id = @campaignId AND cycle = @cycle AND current AND period <= @period ORDER BY period
        """;

    private const string SelectResults = "SELECT unit_id, score, rank, grade FROM score_unit_result WHERE run_id = @runId";

    private const string SelectLedgerTotals = "SELECT rule_id, sum(points) FROM score_ledger_entry WHERE run_id = @runId GROUP BY rule_id";

    private const string SelectConsequences = "SELECT unit_id, kind, post, facts::text FROM consequence WHERE run_id = @runId";

    public async Task<WhatIfReport> RunAsync(Actor? actor, string campaignCode, string cycle, string period, Rulebook candidate,
        CancellationToken cancellationToken = default)
    {
        if (actor is not null)
        {
            await access.RequireAsync(actor, Operation.RunCycles, cancellationToken: cancellationToken);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            var campaign = await CampaignInfo.LoadAsync(connection, await CampaignInfo.IdForCodeAsync(connection, campaignCode, cancellationToken), cancellationToken);
            var runs = (await connection.QueryAsync<(long Id, string Period, long SnapshotId, DateTimeOffset Start, DateTimeOffset End, DateTimeOffset Cutoff,
                string Code, int Version)>(new CommandDefinition(SelectRuns, new { campaignId = campaign.Id, cycle, period }, cancellationToken: cancellationToken))).ToList();
            if (runs.Count == 0 || runs[^1].Period != period)
            {
                throw new NotFoundException($"Period {period} of cycle {cycle} has not been scored: what-if compares with a published result.");
            }

            var state = PeriodState.Empty;
            PeriodOutcome? outcome = null;
            PeriodInputs? facts = null;
            foreach (var run in runs)
            {
                var scope = new ScoringScope(campaign.Id, cycle, run.Period, run.SnapshotId, run.Start, run.End, run.Cutoff, campaign.Zone);
                facts = await inputs.GatherAsync(connection, candidate, scope, cancellationToken);
                outcome = PeriodComputation.Compute(candidate, facts, state);
                state = outcome.Next;
            }

            var baseline = runs[^1];
            var before = (await connection.QueryAsync<(long UnitId, decimal Score, int? Rank, string Grade)>(new CommandDefinition(SelectResults,
                new { runId = baseline.Id }, cancellationToken: cancellationToken))).ToDictionary(r => r.UnitId);
            var beforeRules = (await connection.QueryAsync<(string RuleId, decimal Points)>(new CommandDefinition(SelectLedgerTotals,
                new { runId = baseline.Id }, cancellationToken: cancellationToken))).ToDictionary(r => r.RuleId, r => r.Points);
            var beforeConsequences = (await connection.QueryAsync<(long UnitId, string Kind, string Post, string Facts)>(new CommandDefinition(SelectConsequences,
                new { runId = baseline.Id }, cancellationToken: cancellationToken))).ToList();

            var units = facts!.Units;
            string Code(long id) => units.TryGetValue(id, out var u) ? u.Code : id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string Name(long id) => units.TryGetValue(id, out var u) ? u.Name : Code(id);
            var after = outcome!.Results.ToDictionary(r => r.UnitId);
            var unitIds = before.Keys.Union(after.Keys).OrderBy(id => units.TryGetValue(id, out var u) ? u.SortOrder : int.MaxValue).ThenBy(Code, StringComparer.Ordinal);
            var differences = unitIds.Select(id =>
            {
                var b = before.TryGetValue(id, out var x) ? x : ((long, decimal, int?, string)?)null;
                var a = after.GetValueOrDefault(id);
                return new UnitDifference(id, Code(id), Name(id), units.GetValueOrDefault(id)?.Category, b?.Item2, a?.Score, b?.Item3, a?.Rank, b?.Item4, a?.Grade);
            }).ToList();

            var afterKeys = outcome.Consequences.ToDictionary(c => (c.UnitId, c.Kind, c.Post ?? ScoringVocabulary.UnitPost));
            var beforeKeys = beforeConsequences.ToDictionary(c => (c.UnitId, c.Kind, c.Post));
            ConsequenceDifference Describe(long unitId, string kind, string post, string facts) =>
                new(unitId, Code(unitId), Name(unitId), kind, ScoringVocabulary.Consequence(kind).Name, post == ScoringVocabulary.UnitPost ? null : post, facts);
            var added = afterKeys.Where(k => !beforeKeys.ContainsKey(k.Key))
                .Select(k => Describe(k.Key.UnitId, k.Key.Kind, k.Key.Item3, Documents.PeriodDocuments.FactsText(k.Value))).ToList();
            var removed = beforeKeys.Where(k => !afterKeys.ContainsKey(k.Key))
                .Select(k => Describe(k.Key.UnitId, k.Key.Kind, k.Key.Post, k.Value.Facts)).ToList();
            var afterRules = outcome.Ledger.GroupBy(l => l.RuleId).ToDictionary(g => g.Key, g => g.Sum(l => l.Points));
            var rules = beforeRules.Keys.Union(afterRules.Keys).Order(StringComparer.Ordinal)
                .Select(r => new RuleTotal(r, beforeRules.GetValueOrDefault(r), afterRules.GetValueOrDefault(r))).ToList();
            return new WhatIfReport(campaign.Code, cycle, period, $"{baseline.Code}@{baseline.Version}", candidate.Citation, runs.Count,
                differences, added, removed, rules);
        }
        finally
        {
            // Only temporary tables were written; rolling back is what makes a what-if issue nothing.
            await transaction.RollbackAsync(cancellationToken);
        }
    }
}
