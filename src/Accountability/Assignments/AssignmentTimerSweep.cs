using System.Globalization;
using System.Text;
using Accountability.Audit;
using Accountability.Cycles;
using Accountability.Workflows;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accountability.Assignments;

/// <summary>Section <c>AssignmentTimers</c>.</summary>
public sealed class AssignmentTimerOptions
{
    public const string Section = "AssignmentTimers";

    /// <summary>Rows claimed per transaction. Larger batches are faster in bulk; smaller ones hold the audit log's
    /// head (which every action also needs) for less time.</summary>
    public int BatchSize { get; set; } = 10_000;

    /// <summary>Batches run concurrently, each its own transaction on its own connection. They claim disjoint rows
    /// (SKIP LOCKED) and queue only for the audit log's head at the end of each batch, so two workers keep two
    /// cores busy where one would leave the database waiting on the engine and the engine on the database.</summary>
    public int Workers { get; set; } = 2;

    public IEnumerable<string> Problems()
    {
        if (BatchSize is < 1 or > 200_000)
        {
            yield return $"{Section}:BatchSize must be between 1 and 200000 (is {BatchSize})";
        }

        if (Workers is < 1 or > 16)
        {
            yield return $"{Section}:Workers must be between 1 and 16 (is {Workers})";
        }
    }
}

/// <summary>
/// Fires every assignment timer that is due. Each batch is one transaction: claim due rows with
/// <c>FOR UPDATE SKIP LOCKED</c> (a second sweeper takes other rows, an action in progress keeps its row), decide each
/// row's transition, then write set-based — one UPDATE … FROM unnest for the rows, one COPY for the audit events, one
/// for the scoring events, one INSERT for the notices (a digest per unit) — and move each row's next timer on, all
/// before one commit. A row whose item has moved on (its state no longer has that timer, a reminder past its
/// <c>until</c>, an instance already fired) fires nothing and just gets its next timer.
/// </summary>
public sealed partial class AssignmentTimerSweep(
    NpgsqlDataSource dataSource,
    AssignmentStore store,
    WorkflowCatalog catalog,
    IOptions<AssignmentTimerOptions> options,
    IOptions<ProgressLightOptions> lightOptions,
    TimeProvider time,
    ILogger<AssignmentTimerSweep> logger) : IPeriodicSweep
{
    // Ties broken by id (index 0201): rows sharing a due time fire in the same order on every run.
    private const string ClaimDue = "SELECT " + AssignmentStore.FactsColumns + "\n" + AssignmentStore.FactsFrom + """

        WHERE a.next_timer_at <= @now
        ORDER BY a.next_timer_at, a.id
        LIMIT @batch
        FOR UPDATE OF a SKIP LOCKED
        """;

    private const string ClaimRecheck = "SELECT " + AssignmentStore.FactsColumns + "\n" + AssignmentStore.FactsFrom + """

        WHERE a.recheck_at <= @now
        ORDER BY a.recheck_at, a.id
        LIMIT @batch
        FOR UPDATE OF a SKIP LOCKED
        """;

    private const string UpdateRows = """
        UPDATE assignment a SET
            state = u.state,
            row_version = a.row_version + CASE WHEN u.state <> a.state THEN 1 ELSE 0 END,
            light = u.light,
            next_timer_at = u.next_at, next_timer_kind = u.next_kind,
            recheck_at = u.recheck_at, recheck_kind = u.recheck_kind,
            timers_fired = CASE WHEN u.fired_keys IS NULL THEN a.timers_fired ELSE a.timers_fired || string_to_array(u.fired_keys, ',') END,
            last_chased_at = u.last_chased_at, chaser_level = u.chaser_level, closed_at = u.closed_at,
            updated_at = @now
        FROM unnest(@ids, @states, @lights, @nextAts, @nextKinds, @recheckAts, @recheckKinds, @firedKeys, @chasedAts,
                    @chaserLevels, @closedAts)
             AS u(id, state, light, next_at, next_kind, recheck_at, recheck_kind, fired_keys, last_chased_at, chaser_level, closed_at)
        WHERE a.id = u.id AND a.id = ANY(@ids)
        """;

    private const int MaxFiringsPerRow = 8;

    public string Name => "assignment-timers";

    /// <summary>The row's earliest pending timer if it is due by <paramref name="now"/>.</summary>
    private static PendingTimer? Due(AssignmentFacts item, DateTimeOffset now)
    {
        PendingTimer? next = item.NextTimerAt is { } at && item.NextTimerKind is { } kind ? new PendingTimer(kind, at) : null;
        if (item.RecheckAt is { } recheckAt && item.RecheckKind is { } recheckKind && (next is null || recheckAt < next.Value.At))
        {
            next = new PendingTimer(recheckKind, recheckAt);
        }

        return next is { } n && n.At <= now ? n : null;
    }

    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var total = 0;
        var phases = new BatchPhases();
        foreach (var claim in new[] { ClaimDue, ClaimRecheck })
        {
            var workers = Enumerable.Range(0, options.Value.Workers).Select(_ => Task.Run(async () =>
            {
                var handled = 0;
                while (!cancellationToken.IsCancellationRequested)
                {
                    var (claimed, fired) = await RunBatchAsync(claim, now, phases, cancellationToken);
                    handled += claimed;
                    if (claimed > 0)
                    {
                        LogBatch(logger, claimed, fired);
                    }

                    if (claimed < options.Value.BatchSize)
                    {
                        break;
                    }
                }

                return handled;
            }, cancellationToken));
            total += (await Task.WhenAll(workers)).Sum();
        }

        if (total > 0)
        {
            LogPhases(logger, total, phases);
        }

        return total;
    }

    private sealed record Fired(AssignmentFacts Before, AssignmentFacts After, string Kind, DateTimeOffset At, bool FirstTime,
        PlannedEffects Effects, WorkflowDefinition Definition, CampaignFacts Campaign);

    /// <summary>What a batch computes once and reuses: items share due dates, so instants, decisions, scoring details
    /// and audit payloads repeat by the thousand.</summary>
    private sealed class BatchCache
    {
        public Dictionary<DecisionKey, WorkflowDecision> Decisions { get; } = [];
        public Dictionary<(TimerDefinition, DateTimeOffset, long), DateTimeOffset?> Instants { get; } = new(InstantKeyComparer.Instance);
        public Dictionary<(string, long?, long?, long?), string> Details { get; } = [];
        public Dictionary<PayloadKey, string> Payloads { get; } = [];
    }

    /// <summary>Time spent per phase over all batches and workers (workers overlap, so the sum exceeds the wall time):
    /// where a sweep's seconds go, logged at Debug.</summary>
    private sealed class BatchPhases
    {
        private static readonly string[] Names = ["claim", "decide", "rows", "audit", "scores", "notices", "commit"];
        private readonly long[] _ticks = new long[Names.Length];

        public void Add(int phase, ref long since)
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            Interlocked.Add(ref _ticks[phase], now - since);
            since = now;
        }

        public override string ToString() => string.Join(", ", Names.Select((name, i) =>
            string.Create(CultureInfo.InvariantCulture, $"{name} {_ticks[i] / (double)System.Diagnostics.Stopwatch.Frequency:0.00} s")));
    }

    private async Task<(int Claimed, int Fired)> RunBatchAsync(string claimSql, DateTimeOffset now, BatchPhases phases,
        CancellationToken cancellationToken)
    {
        var since = System.Diagnostics.Stopwatch.GetTimestamp();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<AssignmentFacts>(new CommandDefinition(claimSql,
            new { now, batch = options.Value.BatchSize }, commandTimeout: 600, cancellationToken: cancellationToken))).AsList();
        if (rows.Count == 0)
        {
            return (0, 0);
        }

        phases.Add(0, ref since);
        var campaigns = await store.CampaignsAsync(connection, rows.Select(r => r.CampaignId).Distinct().ToArray());
        var cache = new BatchCache();
        var updates = new List<AssignmentFacts>(rows.Count);
        var firedKeys = new List<string?>(rows.Count);
        var fired = new List<Fired>(rows.Count);
        foreach (var row in rows)
        {
            var definition = catalog.Get(row.WorkflowCode, row.WorkflowVersion);
            var campaign = campaigns[row.CampaignId];
            // Several timers may be due at once (the sweep was down, or a stale reminder gave way to an overdue one):
            // fire them in order, each with its own event, up to a bound that stops a definition looping on itself.
            var current = row;
            var keys = new List<string>();
            for (var step = 0; step < MaxFiringsPerRow && Due(current, now) is { } due; step++)
            {
                var (after, key, firing) = Fire(current, due.Kind, due.At, definition, campaign, now, cache);
                current = after;
                if (key is not null)
                {
                    keys.Add(key);
                }

                if (firing is not null)
                {
                    fired.Add(firing);
                }
            }

            updates.Add(current);
            firedKeys.Add(keys.Count == 0 ? null : string.Join(',', keys));
        }

        phases.Add(1, ref since);
        await connection.ExecuteAsync(new CommandDefinition(UpdateRows, new
        {
            ids = updates.Select(u => u.Id).ToArray(),
            states = updates.Select(u => u.State).ToArray(),
            lights = updates.Select(u => u.Light).ToArray(),
            nextAts = updates.Select(u => u.NextTimerAt?.ToUniversalTime()).ToArray(),
            nextKinds = updates.Select(u => u.NextTimerKind).ToArray(),
            recheckAts = updates.Select(u => u.RecheckAt?.ToUniversalTime()).ToArray(),
            recheckKinds = updates.Select(u => u.RecheckKind).ToArray(),
            firedKeys = firedKeys.ToArray(),
            chasedAts = updates.Select(u => u.LastChasedAt?.ToUniversalTime()).ToArray(),
            chaserLevels = updates.Select(u => (short)u.ChaserLevel).ToArray(),
            closedAts = updates.Select(u => u.ClosedAt?.ToUniversalTime()).ToArray(),
            now,
        }, commandTimeout: 600, cancellationToken: cancellationToken));
        phases.Add(2, ref since);

        // The rows first, the events after: only the events need the audit log's head, so while this batch appends,
        // another worker can already claim, decide and update its own rows. (Writing the events first would spare the
        // foreign-key checks below a lock write on each new row version, but would hold the head through the UPDATE
        // and leave the second worker idle; measured, neither order won on a loaded machine.)
        if (fired.Count > 0)
        {
            var entries = fired.Select(f => new AuditEntry(
                "assignment.timer." + f.Kind, AuditActor.Timer, now, Payload(f, cache), f.Before.UnitId, f.Before.CampaignId, f.Before.Id)).ToList();
            var lastSeq = await AuditLog.AppendAsync(connection, entries,
                cancellationToken);
            var firstSeq = lastSeq - fired.Count + 1;
            phases.Add(3, ref since);
            await WorkflowWrites.WriteScoresAsync(connection,
                fired.SelectMany((f, i) => f.Effects.Scores.Select(s => (s, firstSeq + i))), cancellationToken);
            phases.Add(4, ref since);
            var chasers = fired.Select((f, i) => (f, Seq: firstSeq + i)).Where(x => x.f.Effects.Chaser is not null).ToList();
            var chaserIds = await WorkflowWrites.WriteChasersAsync(connection, chasers.Select(x => (x.f.Effects.Chaser!, x.Seq)).ToList());
            var notices = Digests(fired, firstSeq).ToList();
            notices.AddRange(chasers.Select((x, i) => AssignmentTransitions.ChaserNotice(x.f.Effects.Chaser!, chaserIds[i], x.f.After)));
            await WorkflowWrites.WriteNoticesAsync(connection, notices, now);
            phases.Add(5, ref since);
        }

        await transaction.CommitAsync(cancellationToken);
        phases.Add(6, ref since);
        return (rows.Count, fired.Count);
    }

    /// <summary>What firing <paramref name="kind"/> does to one row: the row afterwards, the key to remember, and the
    /// firing itself (null when the item has moved on and nothing fires).</summary>
    private (AssignmentFacts After, string? Key, Fired? Firing) Fire(AssignmentFacts row, string kind, DateTimeOffset at,
        WorkflowDefinition definition, CampaignFacts campaign, DateTimeOffset now, BatchCache cache)
    {
        var key = PendingTimer.FiredKey(kind, at);
        var alreadyFired = row.TimersFired.Contains(key);
        var timer = definition.Timer(kind);
        WorkflowDecision? decision = null;
        var stale = timer is null || !definition.TimersIn(row.State).Contains(timer) || TimerSchedule.Expired(timer, row, at, now)
                    || (alreadyFired && !TimerSchedule.ChangesState(definition, row.State, kind));
        var context = new WorkflowContext(definition, row, campaign, ActionInputs.None, WorkflowParty.Timer, now);
        if (!stale)
        {
            decision = Decide(context, kind, cache.Decisions);
            stale = !decision.Allowed;
        }

        if (stale)
        {
            return (Reschedule(row, row.State, row.State, definition, campaign, now, cache), null, null);
        }

        var after = row with { TimersFired = alreadyFired ? row.TimersFired : [.. row.TimersFired, key] };

        var to = decision!.To;
        after = after with { State = to, ClosedAt = definition.IsOpen(row.State) && !definition.IsOpen(to) ? now : after.ClosedAt };
        // A state-changing timer may fire again in a later episode (returned after the due date: overdue again); its
        // effects — scores, notices, chasers — belong to the instance and happen once.
        var effects = alreadyFired
            ? new PlannedEffects([], [], null)
            : WorkflowEffects.Plan(context with { Item = after }, decision.Transition!.Effects, kind, null, details: cache.Details);
        if (effects.Chaser is { } chaser)
        {
            after = WorkflowEffects.WithChaser(after, chaser, definition.ChaserColours);
        }

        after = Reschedule(after, row.State, to, definition, campaign, now, cache);
        return (after, alreadyFired ? null : key, new Fired(row, after, kind, at, !alreadyFired, effects, definition, campaign));
    }

    private AssignmentFacts Reschedule(AssignmentFacts item, string from, string state, WorkflowDefinition definition,
        CampaignFacts campaign, DateTimeOffset now, BatchCache cache)
    {
        var next = TimerSchedule.Next(definition, state, item, campaign, now, cache.Instants);
        var light = ProgressLights.StateMatters(from, definition.IsOpen(from), state, definition.IsOpen(state))
            ? ProgressLights.Compute(item, state, definition.IsOpen(state), campaign, now, lightOptions.Value)
            : item.Light;
        return item with
        {
            NextTimerAt = next.Next?.At, NextTimerKind = next.Next?.Kind, RecheckAt = next.Recheck?.At, RecheckKind = next.Recheck?.Kind,
            Light = light,
        };
    }

    /// <summary>Stateless decides once per distinct situation (definition, state, timer, which guards hold): a batch of
    /// 10,000 overdue items is one decision applied 10,000 times.</summary>
    private static WorkflowDecision Decide(WorkflowContext context, string kind, Dictionary<DecisionKey, WorkflowDecision> cache)
    {
        var item = context.Item;
        // Which guards hold, one bit each, route after route (a definition has a handful of guards per trigger).
        ulong guards = 0;
        var bit = 0;
        foreach (var route in context.Definition.Routes(item.State, kind))
        {
            foreach (var guard in route.Guards)
            {
                if (bit < 64 && WorkflowRules.Get(guard).Holds(context))
                {
                    guards |= 1UL << bit;
                }

                bit++;
            }
        }

        var key = new DecisionKey(context.Definition, item.State, kind, guards);
        if (bit > 64 || !cache.TryGetValue(key, out var decision))
        {
            decision = WorkflowMachine.Decide(context, kind);
            if (bit <= 64)
            {
                cache[key] = decision;
            }
        }

        return decision;
    }

    private readonly record struct DecisionKey(WorkflowDefinition Definition, string State, string Kind, ulong Guards);

    /// <summary>The audit payload, serialised once per distinct content: the assignment is a column of the event, so
    /// every item falling overdue at the same instant from the same state shares its payload text.</summary>
    private static string Payload(Fired f, BatchCache cache)
    {
        var next = f.After.NextTimerAt ?? f.After.RecheckAt;
        var key = new PayloadKey(f.Definition, f.Kind, f.At.UtcTicks, f.Before.State, f.After.State, f.FirstTime,
            f.After.NextTimerKind ?? f.After.RecheckKind, next?.UtcTicks);
        if (!cache.Payloads.TryGetValue(key, out var payload))
        {
            payload = System.Text.Json.JsonSerializer.Serialize(new
            {
                workflow = $"{f.Definition.Code}/v{f.Definition.Version}",
                timer = f.Kind,
                at = f.At,
                from = f.Before.State,
                to = f.After.State,
                effects = f.FirstTime,
                next_timer = f.After.NextTimerKind ?? f.After.RecheckKind,
                next_timer_at = next,
            }, AuditEntry.PayloadJsonOptions);
            cache.Payloads[key] = payload;
        }

        return payload;
    }

    /// <summary>Timer definitions are loaded once: compared by reference, not field by field on every lookup.</summary>
    private sealed class InstantKeyComparer : IEqualityComparer<(TimerDefinition Timer, DateTimeOffset Anchor, long Campaign)>
    {
        public static readonly InstantKeyComparer Instance = new();

        public bool Equals((TimerDefinition Timer, DateTimeOffset Anchor, long Campaign) x, (TimerDefinition Timer, DateTimeOffset Anchor, long Campaign) y) =>
            ReferenceEquals(x.Timer, y.Timer) && x.Anchor.UtcTicks == y.Anchor.UtcTicks && x.Campaign == y.Campaign;

        public int GetHashCode((TimerDefinition Timer, DateTimeOffset Anchor, long Campaign) obj) =>
            HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.Timer), obj.Anchor.UtcTicks, obj.Campaign);
    }

    private readonly record struct PayloadKey(WorkflowDefinition Definition, string Kind, long At, string From, string To, bool FirstTime,
        string? NextKind, long? NextAt);

    /// <summary>One notice per recipient, timer and item unit for the whole batch: a unit with forty items falling
    /// overdue at once gets one notice listing them, not forty.</summary>
    private static IEnumerable<NoticeRow> Digests(List<Fired> fired, long firstSeq)
    {
        var groups = new Dictionary<(string Kind, long Recipient, long ItemUnit, int Index), List<(Fired F, NotifyEffect Effect, long UnitId)>>();
        var order = new List<(string Kind, long Recipient, long ItemUnit, int Index)>();
        foreach (var f in fired)
        {
            var notices = f.Effects.Notices;
            for (var index = 0; index < notices.Count; index++)
            {
                var (effect, unitId) = notices[index];
                var key = (f.Kind, unitId, f.Before.UnitId, index);
                if (!groups.TryGetValue(key, out var members))
                {
                    groups[key] = members = [];
                    order.Add(key);
                }

                members.Add((f, effect, unitId));
            }
        }

        foreach (var groupKey in order)
        {
            var items = groups[groupKey];
            var first = items[0];
            var label = first.F.Definition.State(first.F.After.State).Label;
            var kind = "assignment.timer." + first.F.Kind;
            var dedupe = string.Create(CultureInfo.InvariantCulture,
                $"timer:{first.F.Kind}:{groupKey.Recipient}:{groupKey.ItemUnit}:{groupKey.Index}:{firstSeq}");
            if (items.Count == 1)
            {
                yield return new NoticeRow(first.UnitId, first.F.Before.CampaignId, first.F.Before.Id, kind,
                    WorkflowEffects.Render(first.Effect.Title, first.F.After, first.F.Campaign, label), "",
                    $"/assignments/{first.F.Before.Id}", dedupe, WorkflowEffects.Audience(first.Effect.To));
                continue;
            }

            var title = WorkflowEffects.Render(first.Effect.Digest ?? first.Effect.Title + "（等{count}项）", first.F.After,
                first.F.Campaign, label, items.Count);
            var body = new StringBuilder();
            foreach (var (f, _, _) in items.Take(50))
            {
                body.Append(f.After.Number).Append(' ').Append(f.After.Title).Append('（')
                    .Append(WorkflowEffects.DueText(f.After.EffectiveDue, f.Campaign)).Append("）\n");
            }

            if (items.Count > 50)
            {
                body.Append(CultureInfo.InvariantCulture, $"……共 {items.Count} 项\n");
            }

            yield return new NoticeRow(first.UnitId, first.F.Before.CampaignId, null, kind, title, body.ToString(),
                $"/assignments?timer={first.F.Kind}", dedupe, WorkflowEffects.Audience(first.Effect.To));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Assignment timers: claimed {Claimed} due rows, fired {Fired}")]
    private static partial void LogBatch(ILogger logger, int claimed, int fired);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Assignment timers: {Rows} rows; time per phase over all batches: {Phases}")]
    private static partial void LogPhases(ILogger logger, int rows, BatchPhases phases);
}

