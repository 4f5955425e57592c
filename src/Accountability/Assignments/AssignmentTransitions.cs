using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Accountability.Access;
using Accountability.Audit;
using Accountability.Notices;
using Accountability.Workflows;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accountability.Assignments;

/// <summary>One party an actor may act as, with the access-policy operation that lets them.</summary>
public sealed record ActingAs(WorkflowParty Party, Operation Operation);

/// <summary>What an action's own code sees while the transaction is open: the item before and after, the decision,
/// the audit sequence number of its event, the inspected evidence.</summary>
public sealed class ActionStep
{
    public required NpgsqlConnection Connection { get; init; }
    public required Actor Actor { get; init; }
    public required AssignmentFacts Before { get; init; }
    public required WorkflowDecision Decision { get; init; }
    public required WorkflowContext Context { get; init; }
    public required IReadOnlyList<InspectedEvidence> Evidence { get; init; }
    public DateTimeOffset Now => Context.Now;
    public long AuditSeq { get; set; }

    /// <summary>Extra facts for the audit payload (e.g. the new due date, the extension request id).</summary>
    public Dictionary<string, object?> AuditDetails { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Runs one action on one assignment as one transaction: authorise (404 for a unit that may not even see the item),
/// claim the idempotency key, lock the row and check the version the actor saw, let the workflow decide (Stateless),
/// apply the action's changes, recompute the timers and the light, then write the row, the audit event, evidence,
/// scoring events, chasers and notices — and the idempotent answer — before one commit.
/// </summary>
public sealed partial class AssignmentTransitions(
    NpgsqlDataSource dataSource,
    AccessPolicy access,
    AssignmentStore store,
    WorkflowCatalog catalog,
    IOptions<EvidenceOptions> evidenceOptions,
    IOptions<ProgressLightOptions> lightOptions,
    TimeProvider time,
    ILogger<AssignmentTransitions> logger)
{
    private const string SelectIdempotent = "SELECT fingerprint, response::text FROM idempotency_key WHERE person_id = @personId AND key = @key";

    private const string ClaimIdempotent = """
        INSERT INTO idempotency_key (person_id, key, fingerprint, created_at) VALUES (@personId, @key, @fingerprint, @now)
        ON CONFLICT (person_id, key) DO NOTHING
        """;

    private const string CompleteIdempotent = "UPDATE idempotency_key SET response = @response::jsonb WHERE person_id = @personId AND key = @key";

    private const string ReleaseIdempotent = "DELETE FROM idempotency_key WHERE person_id = @personId AND key = @key";

    private const string InsertEvidence = """
        INSERT INTO evidence_file (assignment_id, action, kind, file_name, content_type, size_bytes, sha256, content, uploaded_at, uploaded_by, audit_seq)
        VALUES (@assignmentId, @action, @kind, @fileName, @contentType, @size, @sha256, @content, @now, @personId, @seq)
        """;

    private const string RefusalAlreadyScored = """
        SELECT EXISTS (SELECT 1 FROM scoring_event
                       WHERE campaign_id = @campaignId AND unit_id = @unitId AND kind = @kind AND assignment_id = @id
                         AND (detail->>'due_at')::timestamptz IS NOT DISTINCT FROM @due)
        """;

    public static readonly JsonSerializerOptions ResultJson = new(JsonSerializerDefaults.Web);

    /// <summary>Runs <paramref name="trigger"/>. <paramref name="change"/> returns the item after the action (the
    /// state is set afterwards from the decision); <paramref name="write"/> writes the action's own records;
    /// <paramref name="writeRefusal"/> writes them for a refusal the definition records; <paramref name="check"/> checks
    /// the action's own rules once the row is locked and the workflow allows the action.</summary>
    public async Task<ActionResult> RunAsync(
        Actor actor,
        ActionRequest request,
        string trigger,
        IReadOnlyList<ActingAs> actingAs,
        ActionInputs inputs,
        Func<ActionStep, AssignmentFacts>? change = null,
        Func<ActionStep, Task>? write = null,
        Func<ActionStep, Task>? writeRefusal = null,
        Func<ActionStep, Task>? check = null,
        CancellationToken cancellationToken = default)
    {
        var snapshot = await store.FindAsync(request.AssignmentId, cancellationToken)
            ?? throw AccessPolicy.Absent($"Assignment {request.AssignmentId} does not exist.");
        await access.RequireAsync(actor, Operation.ViewItem, snapshot.UnitId, snapshot.VerifierUnitId, hideExistence: true, cancellationToken);
        var party = await PartyAsync(actor, snapshot, actingAs, cancellationToken);

        var problems = new List<InputProblem>();
        CheckInputs(inputs, problems);
        var evidence = EvidenceInspector.InspectAll(inputs.Files, evidenceOptions.Value, problems);
        if (problems.Count > 0)
        {
            throw new InputRejectedException(problems);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow();
        if (request.IdempotencyKey is { } key)
        {
            var fingerprint = Fingerprint(request.AssignmentId, trigger, inputs);
            if (await ClaimKeyAsync(connection, actor.PersonId, key, fingerprint, now) is { } stored)
            {
                return new ActionResult(stored, Replayed: true);
            }
        }

        var before = await AssignmentStore.FindAsync(connection, request.AssignmentId, lockRow: true)
            ?? throw new NotFoundException($"Assignment {request.AssignmentId} does not exist.");
        var definition = catalog.Get(before.WorkflowCode, before.WorkflowVersion);
        if (request.ExpectedVersion is { } expected && expected != before.RowVersion)
        {
            throw new ConcurrencyConflictException(
                $"Assignment {before.Id} changed since you read it (version {expected}; it is now version {before.RowVersion}, state {before.State}).",
                AssignmentView.From(before, definition));
        }

        var campaign = await store.CampaignAsync(connection, before.CampaignId);
        var context = new WorkflowContext(definition, before, campaign, inputs, party, now);
        RequireInputs(definition, before.State, trigger, inputs);
        var decision = WorkflowMachine.Decide(context, trigger);
        var step = new ActionStep
        {
            Connection = connection, Actor = actor, Before = before, Decision = decision, Context = context, Evidence = evidence,
        };

        if (!decision.Allowed)
        {
            var current = AssignmentView.From(before, definition);
            var recorded = decision.Transition?.WhenRefused.FirstOrDefault(r => r.Guard == decision.RefusedBy);
            if (recorded is not null)
            {
                await RecordRefusalAsync(step, recorded, trigger, writeRefusal, cancellationToken);
                if (request.IdempotencyKey is { } refusedKey)
                {
                    // A refusal is not an answer to replay: a retry is refused again (and not scored twice).
                    await connection.ExecuteAsync(ReleaseIdempotent, new { personId = actor.PersonId, key = refusedKey });
                }

                await transaction.CommitAsync(cancellationToken);
                LogRefusalRecorded(logger, before.Id, trigger, decision.RefusalRule!);
            }

            throw new BusinessRuleBrokenException(decision.RefusalRule!, decision.RefusalMessage!, current);
        }

        if (check is not null)
        {
            try
            {
                await check(step);
            }
            catch (BusinessRuleBrokenException broken) when (broken.Current is null)
            {
                throw new BusinessRuleBrokenException(broken.Rule, broken.Message, AssignmentView.From(before, definition));
            }
        }

        var after = (change?.Invoke(step) ?? before) with { State = decision.To };
        var afterContext = context with { Item = after };
        var planned = WorkflowEffects.Plan(afterContext, decision.Transition!.Effects, trigger, actor.PersonId, inputs.Message, inputs.Colour);
        if (planned.Chaser is { } chaser)
        {
            after = WorkflowEffects.WithChaser(after, chaser, definition.ChaserColours);
        }

        var timers = TimerSchedule.Next(definition, after.State, after, campaign, now);
        after = after with
        {
            NextTimerAt = timers.Next?.At, NextTimerKind = timers.Next?.Kind,
            RecheckAt = timers.Recheck?.At, RecheckKind = timers.Recheck?.Kind,
            Light = ProgressLights.Compute(after, after.State, definition.IsOpen(after.State), campaign, now, lightOptions.Value),
        };
        var version = await AssignmentStore.UpdateAsync(connection, after, now);
        after = after with { RowVersion = version };

        step.AuditSeq = await AuditLog.AppendAsync(connection, AuditEntry.Create($"assignment.{trigger}", AuditActor.Person(actor.PersonId), now,
            Payload(definition, decision, party, inputs, evidence, step.AuditDetails, planned.Chaser, after),
            before.UnitId, before.CampaignId, before.Id), cancellationToken);
        // The action's own records (extension request, chaser receipt...) carry the event's sequence number.
        if (write is not null)
        {
            await write(step);
        }

        await WriteEvidenceAsync(connection, before.Id, trigger, evidence, actor.PersonId, now, step.AuditSeq);
        await WorkflowWrites.WriteScoresAsync(connection, planned.Scores.Select(s => (s, step.AuditSeq)), cancellationToken);
        var chaserIds = planned.Chaser is { } issued ? await WorkflowWrites.WriteChasersAsync(connection, [(issued, step.AuditSeq)]) : [];
        var notices = Notices(planned, after, campaign, definition, step.AuditSeq, trigger).ToList();
        if (planned.Chaser is { } c && chaserIds.Length == 1)
        {
            notices.Add(ChaserNotice(c, chaserIds[0], after));
        }

        await WorkflowWrites.WriteNoticesAsync(connection, notices, now);
        var view = AssignmentView.From(after, definition);
        if (request.IdempotencyKey is { } k)
        {
            await CompleteKeyAsync(connection, actor.PersonId, k, view);
        }

        await transaction.CommitAsync(cancellationToken);
        LogTransition(logger, before.Id, trigger, decision.From, decision.To, actor.Login);
        return new ActionResult(view, Replayed: false);
    }

    /// <summary>The first party in <paramref name="actingAs"/> the actor may act as on this item; refused (403) if none.</summary>
    public async Task<WorkflowParty> PartyAsync(Actor actor, AssignmentFacts item, IReadOnlyList<ActingAs> actingAs,
        CancellationToken cancellationToken)
    {
        AccessDecision? last = null;
        foreach (var option in actingAs)
        {
            last = await access.DecideAsync(actor, option.Operation, item.UnitId, item.VerifierUnitId, cancellationToken);
            if (last.Allowed)
            {
                return option.Party;
            }
        }

        throw new AccessDeniedException(last?.Reason ?? $"{actor.Login} may not act on this item");
    }

    public static IEnumerable<NoticeRow> Notices(PlannedEffects planned, AssignmentFacts item, CampaignFacts campaign,
        WorkflowDefinition definition, long auditSeq, string trigger)
    {
        var label = definition.State(item.State).Label;
        for (var i = 0; i < planned.Notices.Count; i++)
        {
            var (effect, unit) = planned.Notices[i];
            yield return new NoticeRow(unit, item.CampaignId, item.Id, "assignment." + trigger,
                WorkflowEffects.Render(effect.Title, item, campaign, label), "", $"/assignments/{item.Id}",
                NoticeKeys.For(NoticeKeys.Audited(auditSeq, i), unit), WorkflowEffects.Audience(effect.To));
        }
    }

    public static NoticeRow ChaserNotice(ChaserRow chaser, long chaserId, AssignmentFacts item) =>
        new(chaser.UnitId, item.CampaignId, item.Id, "assignment.chaser." + chaser.Colour,
            $"{ChaserColourName(chaser.Colour)}催办：{item.Number} {item.Title}", chaser.Message, $"/assignments/{item.Id}",
            NoticeKeys.For(NoticeKeys.Chaser(chaserId), chaser.UnitId));

    // Notices are read by county staff in Chinese; a ladder colour the workflow names otherwise keeps its own name.
    private static string ChaserColourName(string colour) => colour switch
    {
        "blue" => "蓝色",
        "yellow" => "黄色",
        "orange" => "橙色",
        "red" => "红色",
        _ => colour,
    };

    private async Task RecordRefusalAsync(ActionStep step, RefusalRecord recorded, string trigger, Func<ActionStep, Task>? writeRefusal,
        CancellationToken cancellationToken)
    {
        var context = step.Context;
        var item = step.Before;
        var planned = WorkflowEffects.Plan(context, recorded.Effects, trigger, step.Actor.PersonId);
        // Once per item and due date: retrying the refused request must not cost the unit twice.
        var scores = new List<ScoreRow>();
        foreach (var score in planned.Scores)
        {
            if (!await step.Connection.ExecuteScalarAsync<bool>(RefusalAlreadyScored,
                    new { campaignId = item.CampaignId, unitId = item.UnitId, id = item.Id, kind = score.Kind, due = item.EffectiveDue }))
            {
                scores.Add(score);
            }
        }

        step.AuditSeq = await AuditLog.AppendAsync(step.Connection, AuditEntry.Create($"assignment.{trigger}.refused",
            AuditActor.Person(step.Actor.PersonId), step.Now,
            new { rule = step.Decision.RefusalRule, message = step.Decision.RefusalMessage, state = item.State, inputs = InputsPayload(context.Inputs) },
            item.UnitId, item.CampaignId, item.Id), cancellationToken);
        if (writeRefusal is not null)
        {
            await writeRefusal(step);
        }

        await WorkflowWrites.WriteScoresAsync(step.Connection, scores.Select(s => (s, step.AuditSeq)), cancellationToken);
        await WorkflowWrites.WriteNoticesAsync(step.Connection,
            Notices(planned, item, context.Campaign, context.Definition, step.AuditSeq, trigger + ".refused").ToList(), step.Now);
    }

    /// <summary>Claims <paramref name="key"/> for this person inside the caller's transaction: null when the caller is
    /// the first and must act (then <see cref="CompleteKeyAsync"/> before commit), the stored answer when the same
    /// request was done before; refused when the key was used for a different request.</summary>
    internal static async Task<AssignmentView?> ClaimKeyAsync(NpgsqlConnection connection, long personId, string key, byte[] fingerprint,
        DateTimeOffset now)
    {
        if (key.Length is 0 or > 200)
        {
            throw new InputRejectedException([new InputProblem("request", null, null, "Idempotency-Key", "must be 1 to 200 characters")]);
        }

        // A concurrent request with the same key waits here until the first commits (then we replay its answer) or
        // rolls back (then we act).
        if (await connection.ExecuteAsync(ClaimIdempotent, new { personId, key, fingerprint, now }) == 1)
        {
            return null;
        }

        var row = await connection.QuerySingleAsync<(byte[] Fingerprint, string? Response)>(SelectIdempotent, new { personId, key });
        if (!row.Fingerprint.AsSpan().SequenceEqual(fingerprint) || row.Response is null)
        {
            throw new InputRejectedException([new InputProblem("request", null, null, "Idempotency-Key",
                "this key was already used for a different request; use a new key for a new action")]);
        }

        return JsonSerializer.Deserialize<AssignmentView>(row.Response, ResultJson);
    }

    /// <summary>Stores the answer to replay for a claimed key, in the transaction that acted.</summary>
    internal static Task CompleteKeyAsync(NpgsqlConnection connection, long personId, string key, AssignmentView view) =>
        connection.ExecuteAsync(CompleteIdempotent, new { personId, key, response = JsonSerializer.Serialize(view, ResultJson) });

    private static byte[] Fingerprint(long assignmentId, string trigger, ActionInputs inputs)
    {
        var text = JsonSerializer.Serialize(new
        {
            assignmentId, trigger, inputs = InputsPayload(inputs),
            files = inputs.Files.Select(f => new { f.Kind, f.FileName, sha256 = Convert.ToHexString(SHA256.HashData(f.Content)) }),
        });
        return SHA256.HashData(Encoding.UTF8.GetBytes(text));
    }

    private static void CheckInputs(ActionInputs inputs, List<InputProblem> problems)
    {
        if (inputs.Percent is < 0 or > 100)
        {
            problems.Add(new InputProblem("request", null, null, "percent", $"{inputs.Percent} is not between 0 and 100"));
        }

        foreach (var (name, value) in new[]
                 {
                     ("note", inputs.Note), ("reason", inputs.Reason), ("leader", inputs.Leader), ("requirements", inputs.Requirements),
                     ("objection", inputs.Objection), ("investigation", inputs.Investigation), ("message", inputs.Message),
                 })
        {
            if (value is { Length: > 4000 })
            {
                problems.Add(new InputProblem("request", null, null, name, "at most 4000 characters"));
            }
        }
    }

    /// <summary>Refuses (422) an action missing an input every applicable transition requires.</summary>
    private static void RequireInputs(WorkflowDefinition definition, string state, string trigger, ActionInputs inputs)
    {
        var routes = definition.Routes(state, trigger).ToList();
        if (routes.Count == 0)
        {
            return;
        }

        var missing = routes[0].Inputs.Where(i => i.Required && routes.All(r => r.Inputs.Any(x => x.Name == i.Name && x.Required)))
            .Where(i => !inputs.Has(i.Name))
            .Select(i => new InputProblem("request", null, null, i.Name, $"is required to {trigger}"))
            .ToList();
        if (missing.Count > 0)
        {
            throw new InputRejectedException(missing);
        }
    }

    private static async Task WriteEvidenceAsync(NpgsqlConnection connection, long assignmentId, string action,
        IReadOnlyList<InspectedEvidence> evidence, long personId, DateTimeOffset now, long seq)
    {
        foreach (var file in evidence)
        {
            await connection.ExecuteAsync(InsertEvidence, new
            {
                assignmentId, action, kind = file.Kind, fileName = file.FileName, contentType = file.ContentType,
                size = file.Content.Length, sha256 = file.Sha256, content = file.Content, now, personId, seq,
            });
        }
    }

    public static Dictionary<string, object?> InputsPayload(ActionInputs inputs)
    {
        var payload = new Dictionary<string, object?>(StringComparer.Ordinal);
        void Add(string name, object? value)
        {
            if (value is not null)
            {
                payload[name] = value;
            }
        }

        Add("percent", inputs.Percent);
        Add("note", inputs.Note);
        Add("reason", inputs.Reason);
        Add("proposed_date", inputs.ProposedDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Add("new_date", inputs.NewDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Add("leader", inputs.Leader);
        Add("requirements", inputs.Requirements);
        Add("false_reply", inputs.FalseReply);
        Add("objection", inputs.Objection);
        Add("investigation", inputs.Investigation);
        Add("message", inputs.Message);
        Add("colour", inputs.Colour);
        Add("chaser_id", inputs.ChaserId);
        return payload;
    }

    private static object Payload(WorkflowDefinition definition, WorkflowDecision decision, WorkflowParty party, ActionInputs inputs,
        IReadOnlyList<InspectedEvidence> evidence, Dictionary<string, object?> details, ChaserRow? chaser, AssignmentFacts after) => new
    {
        workflow = $"{definition.Code}/v{definition.Version}",
        from = decision.From,
        to = decision.To,
        party = party.ToString().ToLowerInvariant(),
        version = after.RowVersion,
        inputs = InputsPayload(inputs),
        files = evidence.Select(f => new { f.Kind, name = f.FileName, type = f.ContentType, size = f.Content.Length, sha256 = Convert.ToHexString(f.Sha256).ToLowerInvariant() }),
        chaser = chaser is null ? null : new { chaser.Colour, chaser.Message },
        due_at = after.EffectiveDue,
        next_timer = after.NextTimerKind ?? after.RecheckKind,
        next_timer_at = after.NextTimerAt ?? after.RecheckAt,
        details,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Assignment {AssignmentId}: {Trigger} moved it from {From} to {To} (by {Login})")]
    private static partial void LogTransition(ILogger logger, long assignmentId, string trigger, string from, string to, string login);

    [LoggerMessage(Level = LogLevel.Information, Message = "Assignment {AssignmentId}: {Trigger} refused by {Rule}; the refusal is recorded")]
    private static partial void LogRefusalRecorded(ILogger logger, long assignmentId, string trigger, string rule);
}
