using System.Text.Json;
using Accountability.Audit;
using Accountability.Notices;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accountability.Cycles;

/// <summary>Section <c>Cycles</c>.</summary>
public sealed class CyclesOptions
{
    public const string Section = "Cycles";

    /// <summary>How this process names itself in run records (who claimed, who published). Default: host and process id.</summary>
    public string? NodeName { get; set; }

    /// <summary>How long a claim waits for another node's run of the same period before it leaves the period to it.</summary>
    public TimeSpan ClaimWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Failure drills only: a pause (real time) between the steps of a run, so that an operator or a test can
    /// kill a node in the middle of one. Zero in production.</summary>
    public TimeSpan PauseBetweenSteps { get; set; } = TimeSpan.Zero;

    public string ResolvedNodeName => NodeName ?? $"{Environment.MachineName}:{Environment.ProcessId}";
}

/// <summary>An attempt taken on a period's run: the fencing token the run's transaction must still hold to commit.</summary>
public sealed record RunClaim(long RunId, int Attempt);

public enum CloseMode
{
    /// <summary>By the scheduler: only a period never published is closed; a published one is left alone.</summary>
    Scheduled,

    /// <summary>By a planner: closes the period, or re-closes a published one issuing corrections as new versions.</summary>
    Manual,

    /// <summary>Everything a manual run would do, then rolled back: shows what would be issued, writes nothing.</summary>
    DryRun,
}

/// <summary>Serialised by name: API clients read "Published", not 0.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<CycleRunOutcome>))]
public enum CycleRunOutcome
{
    Published,
    Corrected,
    AlreadyPublished,
    /// <summary>Another node claimed the period after this one did; this one rolled back.</summary>
    FencedOut,
    /// <summary>Another node holds the period's run; it is left to finish it.</summary>
    InProgressElsewhere,
    DryRun,
}

public sealed record CycleRunResult(
    string Campaign,
    string Cycle,
    string Period,
    CycleRunOutcome Outcome,
    long? RunId,
    int Attempt,
    int Revision,
    DateTimeOffset CloseAt,
    IReadOnlyList<IssuedDocument> Documents,
    int UnitsChased,
    int Notifications,
    int OutboxMessages,
    int Consequences,
    string Summary);

/// <summary>
/// Closes one period of one cycle: dispatch (chase the units that have not reported progress by the report-by time)
/// → freeze the snapshot at the cut-off → score and rank (the campaign's <see cref="IPeriodScorer"/>) → documents and
/// consequences → publish (notifications, outbox) → the run record, in <b>one</b> transaction. A node that dies at
/// any point leaves nothing behind but its claim; the next attempt redoes the whole close. The claim's attempt
/// number, checked under the run row's lock before anything is written, fences out a node that was wrongly declared
/// dead. See docs/decisions/0300-one-transaction-per-period-close.md.
/// </summary>
public sealed partial class ClosePeriod(
    NpgsqlDataSource dataSource,
    TimeProvider time,
    IEnumerable<IPeriodScorer> scorers,
    IOptions<CyclesOptions> options,
    ILogger<ClosePeriod> logger) : IUseCase
{
    private static readonly string[] OpenStates = ["issued", "acknowledged", "in_progress", "extension_pending", "overdue", "returned", "reopened"];

    private const string Claim = """
        INSERT INTO cycle_run (campaign_id, cycle, period, period_start, period_end, close_at, status, attempt, claimed_by, claimed_at)
        VALUES (@campaignId, @cycle, @period, @periodStart, @periodEnd, @closeAt, 'running', 1, @node, @now)
        ON CONFLICT (campaign_id, cycle, period) DO UPDATE
            SET attempt = cycle_run.attempt + 1, status = 'running', claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at
            WHERE NOT @onlyUnpublished OR cycle_run.published_revision = 0
        RETURNING id, attempt
        """;

    private const string LockRun = "SELECT attempt, published_revision FROM cycle_run WHERE id = @id FOR UPDATE";

    private const string SelectRun = """
        SELECT id, attempt, published_revision, summary::text FROM cycle_run WHERE campaign_id = @campaignId AND cycle = @cycle AND period = @period
        """;

    private const string SelectMissingProgress = """
        SELECT a.unit_id AS UnitId, count(*)::int AS Items
        FROM assignment a
        WHERE a.campaign_id = @campaignId AND a.state = ANY(@openStates) AND a.issued_at <= @reportBy
          AND (a.progress_reported_at IS NULL OR a.progress_reported_at < @periodStart OR a.progress_reported_at > @reportBy)
        GROUP BY a.unit_id
        ORDER BY a.unit_id
        """;

    private const string Publish = """
        UPDATE cycle_run SET status = 'published', published_revision = published_revision + 1, published_at = @now,
                             published_wall_at = clock_timestamp(), published_by = @node, snapshot_id = @snapshotId,
                             summary = @summary::jsonb, last_error = NULL, failed_at = NULL
        WHERE id = @id AND attempt = @attempt
        RETURNING published_revision
        """;

    // Fenced like the publication: a failure of an attempt that was superseded is not this run's to record.
    private const string RecordFailure = """
        UPDATE cycle_run SET status = 'failed', last_error = @error, failed_at = @now
        WHERE id = @id AND attempt = @attempt AND status = 'running'
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<CycleRunResult> RunAsync(CampaignCycles campaign, CycleDefinition cycle, Period period, CloseMode mode,
        AuditActor actor, CancellationToken cancellationToken = default)
    {
        RunClaim? claim = null;
        if (mode != CloseMode.DryRun)
        {
            var (claimed, refusal) = await ClaimAsync(campaign, cycle, period, onlyUnpublished: mode == CloseMode.Scheduled, cancellationToken);
            if (refusal is not null)
            {
                return refusal;
            }

            claim = claimed;
        }

        if (claim is null)
        {
            return await CloseClaimedAsync(campaign, cycle, period, mode, actor, claim, cancellationToken);
        }

        try
        {
            return await CloseClaimedAsync(campaign, cycle, period, mode, actor, claim, cancellationToken);
        }
        catch (Exception e)
        {
            // The close rolled back; the claim it committed would otherwise say 'running' for ever. A node that dies
            // records nothing: its claim stays 'running' until another attempt takes the period over.
            await RecordFailureAsync(campaign, cycle, period, claim, e);
            throw;
        }
    }

    private async Task RecordFailureAsync(CampaignCycles campaign, CycleDefinition cycle, Period period, RunClaim claim, Exception failure)
    {
        LogRunFailed(failure, campaign.Code, cycle.Cycle, period.Key, claim.Attempt);
        try
        {
            // Not the caller's token: a run cancelled by shutdown is recorded as failed too.
            await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
            await connection.ExecuteAsync(RecordFailure, new { id = claim.RunId, attempt = claim.Attempt, error = failure.Message, now = time.GetUtcNow() });
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            // The database is what failed: the claim stays 'running' and the reconciler retries the period.
            LogFailureNotRecorded(e, campaign.Code, cycle.Cycle, period.Key, claim.Attempt);
        }
    }

    /// <summary>Takes the next attempt of the period's run, in its own committed transaction: the attempt it takes must
    /// be visible to every other node at once, whatever becomes of the run itself. Returns a refusal instead when the
    /// period is already published (scheduled runs) or another node is closing it right now.</summary>
    internal async Task<(RunClaim? Claim, CycleRunResult? Refusal)> ClaimAsync(CampaignCycles campaign, CycleDefinition cycle, Period period,
        bool onlyUnpublished, CancellationToken cancellationToken)
    {
        var parameters = ClaimParameters(campaign, cycle, period, onlyUnpublished);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        (long Id, int Attempt)? claimed;
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync($"SET LOCAL lock_timeout = {(long)options.Value.ClaimWait.TotalMilliseconds}");
            claimed = await connection.QuerySingleOrDefaultAsync<(long, int)?>(Claim, parameters);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            LogLeftToOtherNode(campaign.Code, cycle.Cycle, period.Key);
            return (null, Empty(campaign, cycle, period, CycleRunOutcome.InProgressElsewhere, cycle.CloseOf(period), null, 0, 0,
                "another node is closing this period"));
        }

        if (claimed is null)
        {
            var existing = await connection.QuerySingleAsync<(long Id, int Attempt, int Revision, string Summary)>(SelectRun, parameters);
            return (null, Empty(campaign, cycle, period, CycleRunOutcome.AlreadyPublished, cycle.CloseOf(period), existing.Id, existing.Attempt,
                existing.Revision, "already published"));
        }

        return (new RunClaim(claimed.Value.Id, claimed.Value.Attempt), null);
    }

    internal async Task<CycleRunResult> CloseClaimedAsync(CampaignCycles campaign, CycleDefinition cycle, Period period, CloseMode mode,
        AuditActor actor, RunClaim? claim, CancellationToken cancellationToken)
    {
        var node = options.Value.ResolvedNodeName;
        var now = time.GetUtcNow();
        var closeAt = cycle.CloseOf(period);
        var scorer = PickScorer(campaign);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (mode == CloseMode.DryRun)
        {
            // The dry run claims inside its own transaction, which it rolls back: the run id exists for the scorer, and
            // nothing of it survives.
            var inside = await connection.QuerySingleAsync<(long, int)>(Claim, ClaimParameters(campaign, cycle, period, onlyUnpublished: false));
            claim = new RunClaim(inside.Item1, inside.Item2);
        }

        var (runId, attempt) = claim!;
        var current = await connection.QuerySingleAsync<(int Attempt, int Revision)>(LockRun, new { id = runId });
        if (current.Attempt != attempt)
        {
            await transaction.RollbackAsync(cancellationToken);
            LogFencedOut(campaign.Code, cycle.Cycle, period.Key, attempt, current.Attempt);
            return Empty(campaign, cycle, period, CycleRunOutcome.FencedOut, closeAt, runId, attempt, current.Revision,
                $"attempt {attempt} was superseded by attempt {current.Attempt}");
        }

        // 1. Dispatch (调度): who has not reported progress within the period by the report-by time.
        var chased = 0;
        if (cycle.ReportByOf(period) is { } reportBy)
        {
            var label = CycleDefinition.Label(period.Key);
            var missing = await connection.QueryAsync<(long UnitId, int Items)>(SelectMissingProgress, new
            {
                campaignId = campaign.Id, openStates = OpenStates, reportBy, periodStart = period.Start,
            });
            var title = $"{campaign.Name}：{label}进度未按时报送";
            var asOf = $"截至{TimeZoneInfo.ConvertTime(reportBy, cycle.Zone):yyyy年M月d日 HH:mm}，本单位有 ";
            var cause = NoticeKeys.Dispatch(campaign.Id, cycle.Cycle, period.Key);
            chased = await NoticeWriter.WriteAsync(connection, missing.Select(m => new Notice(m.UnitId, campaign.Id, "progress_missing", title,
                asOf + m.Items.ToString(System.Globalization.CultureInfo.InvariantCulture) + " 项任务未报送本期进度，请立即补报。", null,
                NoticeKeys.For(cause, m.UnitId))).ToList(), now, cancellationToken);
        }

        await PauseAsync(cancellationToken);

        // 2. Freeze the snapshot at the cut-off: the scheduled close, so that a late (caught-up) run keeps the cut-off.
        var snapshotId = await FreezeSnapshot.RunAsync(connection, campaign.Id, cycle.Cycle, period.Key, closeAt, now);
        await PauseAsync(cancellationToken);

        // 3. Score, rank, documents and consequences.
        var context = new PeriodContext(campaign.Id, cycle.Cycle, period.Key, period.Start, period.End, closeAt, runId,
            mode == CloseMode.DryRun, now);
        var scoring = await scorer.ScoreAsync(connection, context, cancellationToken);
        await PauseAsync(cancellationToken);

        // 4. The scorer published what it issued (notifications, outbox messages) through NoticePublisher.
        var published = scoring.Published;
        var documents = await DescribeAsync(connection, scoring.DocumentIds);
        await PauseAsync(cancellationToken);

        // 5. The run record, fenced by the attempt: it commits only if no other node has claimed the period since.
        var corrected = current.Revision > 0;
        var summary = new
        {
            attempt, node, cutoff = closeAt, snapshotId, unitsChased = chased, documents = documents.Select(d => new { d.Id, d.NaturalKey, d.Version, issue = d.Issue.ToString() }),
            published.Notifications, published.OutboxMessages, scoring.ConsequenceCount, scoring = scoring.Summary,
        };
        var summaryJson = JsonSerializer.Serialize(summary, Json);
        var revision = await connection.QuerySingleOrDefaultAsync<int?>(Publish, new { id = runId, attempt, now, node, snapshotId, summary = summaryJson });
        if (revision is null)
        {
            await transaction.RollbackAsync(cancellationToken);
            return Empty(campaign, cycle, period, CycleRunOutcome.FencedOut, closeAt, runId, attempt, current.Revision, "fenced out at publication");
        }

        await AuditLog.AppendAsync(connection, AuditEntry.Create(corrected ? "cycle.corrected" : "cycle.published", actor, now, new
        {
            campaign = campaign.Code, cycle = cycle.Cycle, period = period.Key, revision, summary,
        }, campaignId: campaign.Id), cancellationToken);

        var outcome = mode == CloseMode.DryRun ? CycleRunOutcome.DryRun : corrected ? CycleRunOutcome.Corrected : CycleRunOutcome.Published;
        if (mode == CloseMode.DryRun)
        {
            await transaction.RollbackAsync(cancellationToken);
        }
        else
        {
            await transaction.CommitAsync(cancellationToken);
            LogClosed(campaign.Code, cycle.Cycle, period.Key, attempt, revision.Value, node);
        }

        return new CycleRunResult(campaign.Code, cycle.Cycle, period.Key, outcome, mode == CloseMode.DryRun ? null : runId, attempt,
            revision.Value, closeAt, documents, chased, published.Notifications, published.OutboxMessages, scoring.ConsequenceCount, scoring.Summary);
    }

    private object ClaimParameters(CampaignCycles campaign, CycleDefinition cycle, Period period, bool onlyUnpublished) => new
    {
        campaignId = campaign.Id, cycle = cycle.Cycle, period = period.Key, periodStart = period.Start, periodEnd = period.End,
        closeAt = cycle.CloseOf(period), node = options.Value.ResolvedNodeName, now = time.GetUtcNow(), onlyUnpublished,
    };

    private IPeriodScorer PickScorer(CampaignCycles campaign)
    {
        var candidates = scorers.Where(s => s.Handles(campaign.RulebookCode)).ToList();
        // The plain completion-rate ranking is the fallback; a scorer that claims the campaign's rulebook wins over it.
        var scorer = candidates.FirstOrDefault(s => s is not CompletionRateScorer) ?? candidates.FirstOrDefault();
        if (scorer is null)
        {
            throw new BusinessRuleBrokenException("CampaignRulebookMustHaveAScorerRule",
                $"No scorer handles rulebook '{campaign.RulebookCode}' of campaign {campaign.Code}; the period cannot be ranked.");
        }

        return scorer;
    }

    private const string SelectIssued = """
        SELECT id AS Id, natural_key AS NaturalKey, version AS Version, kind AS Kind, title AS Title, recipient_unit_id AS RecipientUnitId,
               xmin::text::bigint = txid_current() % 4294967296 AS IssuedNow
        FROM document WHERE id = ANY(@ids) ORDER BY id
        """;

    /// <summary>What the scorer's documents are to this run: issued by its own transaction (the row's xmin is this
    /// transaction) or an unchanged earlier version it pointed back to.</summary>
    private static async Task<List<IssuedDocument>> DescribeAsync(NpgsqlConnection connection, IReadOnlyList<long> ids)
    {
        var rows = await connection.QueryAsync<(long Id, string NaturalKey, int Version, string Kind, string Title, long? RecipientUnitId, bool IssuedNow)>(
            SelectIssued, new { ids = ids.ToArray() });
        return rows.Select(r => new IssuedDocument(r.Id, r.NaturalKey, r.Version,
            !r.IssuedNow ? DocumentIssue.Unchanged : r.Version > 1 ? DocumentIssue.Corrected : DocumentIssue.Issued,
            r.Kind, r.Title, r.RecipientUnitId)).ToList();
    }

    private async Task PauseAsync(CancellationToken cancellationToken)
    {
        if (options.Value.PauseBetweenSteps > TimeSpan.Zero)
        {
            // Real time on purpose: the drill stretches the run for a human or a test watching the wall clock.
            await Task.Delay(options.Value.PauseBetweenSteps, TimeProvider.System, cancellationToken);
        }
    }

    private static CycleRunResult Empty(CampaignCycles campaign, CycleDefinition cycle, Period period, CycleRunOutcome outcome,
        DateTimeOffset closeAt, long? runId, int attempt, int revision, string summary) =>
        new(campaign.Code, cycle.Cycle, period.Key, outcome, runId, attempt, revision, closeAt, [], 0, 0, 0, 0, summary);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run of {Campaign} {Cycle} {Period} (attempt {Attempt}) failed; recorded as failed, nothing of it was written")]
    private partial void LogRunFailed(Exception exception, string campaign, string cycle, string period, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run of {Campaign} {Cycle} {Period} (attempt {Attempt}) failed and its failure could not be recorded")]
    private partial void LogFailureNotRecorded(Exception exception, string campaign, string cycle, string period, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed {Campaign} {Cycle} {Period} (attempt {Attempt}, revision {Revision}) on {Node}")]
    private partial void LogClosed(string campaign, string cycle, string period, int attempt, int revision, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fenced out of {Campaign} {Cycle} {Period}: attempt {Attempt} superseded by {Current}; rolled back")]
    private partial void LogFencedOut(string campaign, string cycle, string period, int attempt, int current);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Campaign} {Cycle} {Period} is being closed by another node; left to it")]
    private partial void LogLeftToOtherNode(string campaign, string cycle, string period);
}
