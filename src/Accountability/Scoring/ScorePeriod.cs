using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Accountability.Audit;
using Accountability.Database;
using Accountability.Documents;
using Accountability.Escalations;
using Accountability.Notices;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Accountability.Scoring;

/// <summary>Why a period is being scored, and by whom.</summary>
public sealed record ScoreRequest(
    CampaignInfo Campaign,
    ScoringScope Scope,
    Rulebook Rulebook,
    string Reason,
    long? AppealId,
    long? CycleRunId,
    bool DryRun,
    DateTimeOffset Now,
    AuditActor Actor);

public sealed record ScoreRunResult(
    long RunId,
    string OutputSha256,
    IReadOnlyList<long> DocumentIds,
    IReadOnlyList<long> ReissuedDocumentIds,
    int ConsequenceCount,
    PeriodOutcome Outcome,
    PublishedNotices Published);

/// <summary>
/// Scores a period under a rulebook and records it as the period's current run: the point ledger with the events behind
/// every line, the ranking, the consequences with their response timers, the documents, the referrals and their sealed
/// dossiers, and the audit events — all on the caller's connection, inside the caller's transaction. The output hash
/// (ledger, ranking and consequences in a canonical text) is stored with the run: scoring the same events under the
/// same rulebook version gives the same hash.
/// </summary>
public sealed partial class ScorePeriod(
    NpgsqlDataSource dataSource,
    PeriodInputsStore inputs,
    IssuePeriodDocuments documents,
    SyncReferrals referrals,
    IssueConsequenceResponses responses,
    ILogger<ScorePeriod> logger) : IUseCase
{
    private const string LockPeriod = "SELECT pg_advisory_xact_lock(hashtextextended('score:' || @campaignId || ':' || @cycle || ':' || @period, 0))";

    private const string SelectPreviousRun = """
        SELECT id, state::text FROM score_run
        WHERE campaign_id = @campaignId AND cycle = @cycle AND current AND period < @period
        ORDER BY period DESC LIMIT 1
        """;

    private const string SelectPreviousResults = "SELECT unit_id, rank, ladder_counts::text FROM score_unit_result WHERE run_id = @runId";

    private const string SelectCurrentRun = "SELECT id FROM score_run WHERE campaign_id = @campaignId AND cycle = @cycle AND period = @period AND current";

    private const string RetireCurrentRun = "UPDATE score_run SET current = false WHERE id = @id";

    private const string InsertRun = """
        INSERT INTO score_run (campaign_id, cycle, period, snapshot_id, period_start, period_end, cutoff_at, rulebook_code,
                               rulebook_version, rulebook_sha256, reason, appeal_id, cycle_run_id, supersedes_run_id, current,
                               output_sha256, state, summary, created_at, events_through, excluded_event_ids)
        VALUES (@campaignId, @cycle, @period, @snapshotId, @periodStart, @periodEnd, @cutoff, @code, @version, @sha256, @reason,
                @appealId, @cycleRunId, @supersedes, true, '', @state::jsonb, '', @now, @eventsThrough, @excludedEventIds)
        RETURNING id
        """;

    private const string CopyLedger = """
        COPY score_ledger_entry (run_id, unit_id, rule_id, rule_name, rulebook_code, rulebook_version, component, quantity, points, basis,
                                 event_kind, event_count, levels, per_day, event_digest)
        FROM STDIN (FORMAT BINARY)
        """;

    private const string CopyResults = """
        COPY score_unit_result (run_id, unit_id, category, rank, category_size, score, deductions, bonuses, grade, usable,
                                unusable_reason, vetoed, tasks, closed, completion, on_schedule, yellow, red, overdue,
                                problems_found, unrectified, complaints, top, bottom, previous_rank, ladder_counts)
        FROM STDIN (FORMAT BINARY)
        """;

    private const string CopyConsequences = """
        COPY consequence (id, run_id, campaign_id, cycle, period, unit_id, kind, post, holder_name, holder_title, rule_ids, facts, document_id, issued_at)
        FROM STDIN (FORMAT BINARY)
        """;

    // A consequence and the document carrying it name each other (the document's data lists its consequences), so the
    // consequences' ids are drawn first and each consequence is written once, after its document, naming it.
    private const string ReserveConsequenceIds = "SELECT nextval(pg_get_serial_sequence('consequence', 'id')) FROM generate_series(1, @count)";

    private const string FinishRun = "UPDATE score_run SET output_sha256 = @hash, summary = @summary WHERE id = @runId";

    public async Task<ScoreRunResult> RunAsync(NpgsqlConnection connection, ScoreRequest request, CancellationToken cancellationToken)
    {
        var (campaign, scope, rulebook) = (request.Campaign, request.Scope, request.Rulebook);
        var key = new { campaignId = campaign.Id, cycle = scope.Cycle, period = scope.Period };
        await connection.ExecuteAsync(new CommandDefinition(LockPeriod, key, cancellationToken: cancellationToken));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Phase(string name)
        {
            LogPhase(scope.Period, name, clock.Elapsed.TotalMilliseconds);
            clock.Restart();
        }

        // Once every transaction appending to the audit log has finished, no scoring event with an id below the highest
        // committed can still commit (every writer of scoring events appends), so the filter and highest id a ledger
        // line refers to its events by stay exact; the head itself is left free while the period is scored.
        await AuditLog.WaitForAppendersAsync(connection, dataSource, cancellationToken);
        var facts = await inputs.GatherAsync(connection, rulebook, scope, cancellationToken);
        Phase("gather");
        var previous = await LoadPreviousStateAsync(connection, campaign.Id, scope.Cycle, scope.Period, cancellationToken);
        var outcome = PeriodComputation.Compute(rulebook, facts, previous);
        Phase("compute");

        var supersedes = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(SelectCurrentRun, key, cancellationToken: cancellationToken));
        if (supersedes is { } old)
        {
            await connection.ExecuteAsync(new CommandDefinition(RetireCurrentRun, new { id = old }, cancellationToken: cancellationToken));
        }

        var runId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(InsertRun, new
        {
            campaignId = campaign.Id, cycle = scope.Cycle, period = scope.Period, snapshotId = scope.SnapshotId,
            periodStart = scope.PeriodStart, periodEnd = scope.PeriodEnd, cutoff = scope.Cutoff, code = rulebook.Code,
            version = rulebook.Version, sha256 = rulebook.Sha256, reason = request.Reason, appealId = request.AppealId,
            cycleRunId = request.CycleRunId, supersedes, state = StateJson(outcome.Next), now = request.Now,
            eventsThrough = facts.EventsThrough, excludedEventIds = (facts.ExcludedEventIds ?? []).ToArray(),
        }, cancellationToken: cancellationToken));

        var digests = await WriteLedgerAsync(connection, runId, rulebook, facts, outcome.Ledger, cancellationToken);
        Phase("ledger");
        await WriteResultsAsync(connection, runId, outcome.Results, cancellationToken);
        var consequenceIds = await ReserveConsequenceIdsAsync(connection, outcome.Consequences, cancellationToken);
        Phase("results");

        // Pure work over the outcome, so it runs on another core while the documents go to the database.
        var hashing = Task.Run(() => OutputHash(outcome, digests), cancellationToken);
        var issued = await documents.IssueAsync(connection, new PeriodDocumentsRequest(campaign, scope, rulebook, runId, facts.Units,
            outcome, consequenceIds, request.Now), cancellationToken);
        await WriteConsequencesAsync(connection, runId, request, facts, outcome.Consequences, consequenceIds, issued.ByConsequence, cancellationToken);
        await responses.IssueAsync(connection, campaign, rulebook, outcome.Consequences, consequenceIds, supersedes, request.Now, cancellationToken);
        Phase("documents and consequences");
        var referralEvents = await referrals.SyncAsync(connection, new ReferralSyncRequest(campaign, scope, rulebook, runId, facts.Units,
            outcome, consequenceIds, issued, request.Now, request.Actor, request.AppealId), cancellationToken);

        var summary = Summary(rulebook, outcome);
        var hash = await hashing;
        await connection.ExecuteAsync(new CommandDefinition(FinishRun, new { hash, summary, runId }, cancellationToken: cancellationToken));
        var audit = new List<AuditEntry>
        {
            AuditEntry.Create("scoring.period_scored", request.Actor, request.Now, new
            {
                runId, campaign = campaign.Code, cycle = scope.Cycle, period = scope.Period, rulebook = rulebook.Citation,
                rulebookSha256 = rulebook.Sha256, snapshotId = scope.SnapshotId, reason = request.Reason, appealId = request.AppealId,
                supersedesRunId = supersedes, outputSha256 = hash, documents = issued.All, summary,
            }, campaignId: campaign.Id),
        };
        audit.AddRange(outcome.Consequences.Select(c => AuditEntry.Create("consequence.issued", request.Actor, request.Now, new
        {
            runId, consequenceId = consequenceIds[(c.UnitId, c.Kind, c.Post)], period = scope.Period, kind = c.Kind, post = c.Post,
            facts = c.Facts,
        }, unitId: c.UnitId, campaignId: campaign.Id)));
        audit.AddRange(referralEvents);
        Phase("referrals");
        await AuditLog.AppendAsync(connection, audit, cancellationToken);
        Phase("audit");

        LogScored(campaign.Code, scope.Cycle, scope.Period, rulebook.Citation, outcome.Ledger.Count, outcome.Consequences.Count, hash);
        return new ScoreRunResult(runId, hash, issued.All, issued.Reissued, outcome.Consequences.Count, outcome, issued.Published);
    }

    /// <summary>The previous period's ranking (ranks, ladder counts) and roll-up tallies, from its current run.</summary>
    public static async Task<PeriodState> LoadPreviousStateAsync(NpgsqlConnection connection, long campaignId, string cycle, string period,
        CancellationToken cancellationToken)
    {
        var run = await connection.QuerySingleOrDefaultAsync<(long Id, string State)?>(new CommandDefinition(SelectPreviousRun,
            new { campaignId, cycle, period }, cancellationToken: cancellationToken));
        if (run is not { } previous)
        {
            return PeriodState.Empty;
        }

        var units = (await connection.QueryAsync<(long UnitId, int? Rank, string LadderCounts)>(new CommandDefinition(SelectPreviousResults,
                new { runId = previous.Id }, cancellationToken: cancellationToken)))
            .ToDictionary(r => r.UnitId, r => new UnitState(r.Rank,
                JsonSerializer.Deserialize<Dictionary<string, int>>(r.LadderCounts) ?? []));
        return new PeriodState(units, ParseState(previous.State));
    }

    internal static string StateJson(PeriodState state) => JsonSerializer.Serialize(new
    {
        rollUps = state.RollUps.OrderBy(r => r.Key, StringComparer.Ordinal).ToDictionary(
            r => r.Key,
            r => r.Value.OrderBy(p => p.Key).ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value)),
    });

    internal static IReadOnlyDictionary<string, IReadOnlyDictionary<long, IReadOnlyList<long>>> ParseState(string json)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<long, IReadOnlyList<long>>>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.TryGetProperty("rollUps", out var rollUps))
        {
            foreach (var rule in rollUps.EnumerateObject())
            {
                result[rule.Name] = rule.Value.EnumerateObject().ToDictionary(
                    p => long.Parse(p.Name, CultureInfo.InvariantCulture),
                    p => (IReadOnlyList<long>)p.Value.EnumerateArray().Select(v => v.GetInt64()).ToList());
            }
        }

        return result;
    }

    /// <summary>Writes the ledger by binary COPY. Each line names its events by its levels and basis (the run holds the
    /// campaign, period and highest event id), with their count and digest; returns them for the output hash.</summary>
    private static async Task<Dictionary<(long, string), EventDigest>> WriteLedgerAsync(NpgsqlConnection connection, long runId,
        Rulebook rulebook, PeriodInputs facts, IReadOnlyList<LedgerLine> ledger, CancellationToken cancellationToken)
    {
        var dayRules = rulebook.Points.Where(p => p.Per == PointBasis.Day).Select(p => p.Id).ToHashSet();
        var index = facts.Digests ?? EventDigests.Empty;
        var digests = new Dictionary<(long, string), EventDigest>();
        await using var copy = await connection.BeginBinaryImportAsync(CopyLedger, cancellationToken);
        copy.Timeout = TimeSpan.FromMinutes(10);
        foreach (var line in ledger)
        {
            var perDay = dayRules.Contains(line.RuleId);
            var digest = index.For(line, perDay);
            digests[(line.UnitId, line.RuleId)] = digest;
            await copy.StartRowAsync(cancellationToken);
            copy.Write(runId, NpgsqlDbType.Bigint);
            copy.Write(line.UnitId, NpgsqlDbType.Bigint);
            copy.Write(line.RuleId, NpgsqlDbType.Text);
            copy.Write(line.RuleName, NpgsqlDbType.Text);
            copy.Write(rulebook.Code, NpgsqlDbType.Text);
            copy.Write(rulebook.Version, NpgsqlDbType.Integer);
            copy.Write(line.Component, NpgsqlDbType.Text);
            copy.Write(line.Quantity, NpgsqlDbType.Numeric);
            copy.Write(line.Points, NpgsqlDbType.Numeric);
            copy.Write(line.Basis, NpgsqlDbType.Text);
            if (line.EventKind is { } kind)
            {
                copy.Write(kind, NpgsqlDbType.Text);
            }
            else
            {
                copy.WriteNull();
            }

            copy.Write(digest.Count, NpgsqlDbType.Integer);
            copy.Write(line.EventKind is null ? [] : line.Levels.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
            copy.Write(perDay, NpgsqlDbType.Boolean);
            if (line.EventKind is null)
            {
                copy.WriteNull();
            }
            else
            {
                copy.Write(digest.Hex, NpgsqlDbType.Text);
            }
        }

        await copy.CompleteAsync(cancellationToken);
        return digests;
    }

    private static async Task WriteResultsAsync(NpgsqlConnection connection, long runId, IReadOnlyList<UnitResult> results,
        CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(CopyResults, cancellationToken);
        foreach (var r in results)
        {
            await copy.StartRowAsync(cancellationToken);
            copy.Write(runId, NpgsqlDbType.Bigint);
            copy.Write(r.UnitId, NpgsqlDbType.Bigint);
            copy.WriteNullable(r.Category, NpgsqlDbType.Text);
            copy.WriteNullable(r.Rank, NpgsqlDbType.Integer);
            copy.Write(r.CategorySize, NpgsqlDbType.Integer);
            copy.Write(r.Score, NpgsqlDbType.Numeric);
            copy.Write(r.Deductions, NpgsqlDbType.Numeric);
            copy.Write(r.Bonuses, NpgsqlDbType.Numeric);
            copy.Write(r.Grade, NpgsqlDbType.Text);
            copy.Write(r.Usable, NpgsqlDbType.Boolean);
            copy.WriteNullable(r.UnusableReason, NpgsqlDbType.Text);
            copy.Write(r.Vetoed, NpgsqlDbType.Boolean);
            copy.Write(r.Tasks, NpgsqlDbType.Integer);
            copy.Write(r.Closed, NpgsqlDbType.Integer);
            copy.WriteNullable(r.Completion, NpgsqlDbType.Numeric);
            copy.Write(r.OnSchedule, NpgsqlDbType.Integer);
            copy.Write(r.Yellow, NpgsqlDbType.Integer);
            copy.Write(r.Red, NpgsqlDbType.Integer);
            copy.Write(r.Overdue, NpgsqlDbType.Integer);
            copy.Write(r.ProblemsFound, NpgsqlDbType.Integer);
            copy.Write(r.Unrectified, NpgsqlDbType.Integer);
            copy.Write(r.Complaints, NpgsqlDbType.Integer);
            copy.Write(r.Top, NpgsqlDbType.Boolean);
            copy.Write(r.Bottom, NpgsqlDbType.Boolean);
            copy.WriteNullable(r.PreviousRank, NpgsqlDbType.Integer);
            copy.Write(JsonSerializer.Serialize(new SortedDictionary<string, int>(r.LadderCounts.ToDictionary(), StringComparer.Ordinal)), NpgsqlDbType.Jsonb);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    private static async Task<IReadOnlyDictionary<(long, string, string?), long>> ReserveConsequenceIdsAsync(NpgsqlConnection connection,
        IReadOnlyList<ConsequenceOutcome> consequences, CancellationToken cancellationToken)
    {
        if (consequences.Count == 0)
        {
            return new Dictionary<(long, string, string?), long>();
        }

        var ids = (await connection.QueryAsync<long>(new CommandDefinition(ReserveConsequenceIds, new { count = consequences.Count },
            cancellationToken: cancellationToken))).Order().ToList();
        return consequences.Select((c, i) => (Key: (c.UnitId, c.Kind, c.Post), Id: ids[i])).ToDictionary(c => c.Key, c => c.Id);
    }

    private static async Task WriteConsequencesAsync(NpgsqlConnection connection, long runId, ScoreRequest request, PeriodInputs facts,
        IReadOnlyList<ConsequenceOutcome> consequences, IReadOnlyDictionary<(long, string, string?), long> ids,
        IReadOnlyDictionary<long, long> documents, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(CopyConsequences, cancellationToken);
        foreach (var c in consequences)
        {
            var id = ids[(c.UnitId, c.Kind, c.Post)];
            var holder = c.Post is { } post && facts.Units.TryGetValue(c.UnitId, out var unit) ? unit.Posts.GetValueOrDefault(post) : null;
            await copy.StartRowAsync(cancellationToken);
            copy.Write(id, NpgsqlDbType.Bigint);
            copy.Write(runId, NpgsqlDbType.Bigint);
            copy.Write(request.Campaign.Id, NpgsqlDbType.Bigint);
            copy.Write(request.Scope.Cycle, NpgsqlDbType.Text);
            copy.Write(request.Scope.Period, NpgsqlDbType.Text);
            copy.Write(c.UnitId, NpgsqlDbType.Bigint);
            copy.Write(c.Kind, NpgsqlDbType.Text);
            copy.Write(c.Post ?? ScoringVocabulary.UnitPost, NpgsqlDbType.Text);
            copy.WriteNullable(holder?.Name, NpgsqlDbType.Text);
            copy.WriteNullable(holder?.Title, NpgsqlDbType.Text);
            copy.Write(c.RuleIds.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
            copy.Write(JsonSerializer.Serialize(c.Facts, AuditEntry.PayloadJsonOptions), NpgsqlDbType.Jsonb);
            copy.WriteNullable(documents.TryGetValue(id, out var document) ? document : (long?)null, NpgsqlDbType.Bigint);
            copy.Write(request.Now.ToUniversalTime(), NpgsqlDbType.TimestampTz);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    /// <summary>SHA-256 over a canonical text of the run's ledger (with the count and digest of each line's events), ranking rows
    /// and consequences. Database ids of the run itself and timestamps are left out: they differ between two runs that
    /// say the same thing.</summary>
    private static string OutputHash(PeriodOutcome outcome, IReadOnlyDictionary<(long, string), EventDigest> digests) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalText(outcome, digests)))).ToLowerInvariant();

    internal static string CanonicalText(PeriodOutcome outcome, IReadOnlyDictionary<(long, string), EventDigest> digests)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        foreach (var l in outcome.Ledger.OrderBy(l => l.UnitId).ThenBy(l => l.RuleId, StringComparer.Ordinal))
        {
            var digest = digests.GetValueOrDefault((l.UnitId, l.RuleId));
            text.Append(inv, $"L|{l.UnitId}|{l.RuleId}|{l.Component}|{l.Quantity:0.00}|{l.Points:0.00}|{l.Basis}|{digest.Count}|{(l.EventKind is null ? "" : digest.Hex)}\n");
        }

        foreach (var r in outcome.Results.OrderBy(r => r.UnitId))
        {
            var ladders = string.Join(",", r.LadderCounts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"));
            text.Append(inv, $"R|{r.UnitId}|{r.Category}|{r.Rank}|{r.CategorySize}|{r.Tied}|{r.Score:0.00}|{r.Deductions:0.00}|{r.Bonuses:0.00}|{r.Grade}|{r.Usable}|{r.UnusableReason}|{r.Vetoed}|");
            text.Append(inv, $"{r.Tasks}|{r.Closed}|{r.Completion:0.00}|{r.OnSchedule}|{r.Yellow}|{r.Red}|{r.Overdue}|{r.ProblemsFound}|{r.Unrectified}|{r.Complaints}|{r.Top}|{r.Bottom}|{r.PreviousRank}|{ladders}\n");
        }

        foreach (var c in outcome.Consequences)
        {
            text.Append(inv, $"C|{c.UnitId}|{c.Kind}|{c.Post}|{JsonSerializer.Serialize(c.Facts, AuditEntry.PayloadJsonOptions)}\n");
        }

        return text.ToString();
    }

    private static string Summary(Rulebook rulebook, PeriodOutcome outcome)
    {
        var ranked = outcome.Results.Count(r => r.Rank is not null);
        var byKind = outcome.Consequences.GroupBy(c => c.Kind)
            .OrderBy(g => ScoringVocabulary.Consequence(g.Key).Severity)
            .Select(g => $"{ScoringVocabulary.Consequence(g.Key).Name}{g.Count()}");
        return $"{rulebook.Citation}: {outcome.Results.Count} units scored, {ranked} ranked, {outcome.Ledger.Count} ledger lines; " +
               $"consequences: {(outcome.Consequences.Count == 0 ? "none" : string.Join("、", byKind))}";
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Scoring {Period}: {Phase} took {Milliseconds} ms")]
    private partial void LogPhase(string period, string phase, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scored {Campaign} {Cycle} {Period} under {Rulebook}: {Lines} ledger lines, {Consequences} consequences, output {Hash}")]
    private partial void LogScored(string campaign, string cycle, string period, string rulebook, int lines, int consequences, string hash);
}
