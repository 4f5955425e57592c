using System.Security.Cryptography;
using Accountability.Access;
using Accountability.Assignments;
using Accountability.Audit;
using Accountability.Calendar;
using Accountability.Imports;
using Accountability.Scoring;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Accountability.Plans;

public enum PlanMode
{
    Validate,
    Diff,
    Import,
}

/// <summary>
/// Imports a plan as a new version of its campaign: the campaign row from the plan's campaign section, the tasks and
/// ledger items (added, changed, restored or cancelled — never deleted), and the assignments compiled from them. A
/// campaign's first import streams its assignments straight into the table with binary COPY; a later version copies
/// the compiled obligations into a temporary table and applies the difference set-based: new obligations issued,
/// open ones rescheduled or re-routed, open ones no longer in the plan cancelled with the reason, closed ones kept
/// with their history. One transaction, one audit event. <see cref="PlanMode.Validate"/> and
/// <see cref="PlanMode.Diff"/> run the same checks and write nothing.
/// </summary>
public sealed partial class ImportPlan(NpgsqlDataSource dataSource, TimeProvider time, AccessPolicy access,
    CalendarCatalog calendars, PlanCompilationCatalog compilation, IAssignmentStartPolicy startPolicy, RulebookCatalog rulebooks,
    RescheduleTimers reschedule, ILogger<ImportPlan> logger) : IUseCase
{
    private const int ProgressEvery = 20_000;

    /// <summary>A million-row COPY or set-based update takes the server well beyond Npgsql's 30-second default.</summary>
    public static readonly TimeSpan BulkTimeout = TimeSpan.FromMinutes(30);

    private const int BulkTimeoutSeconds = 1800;
    private const string FinalStates = "('closed', 'closed_long_term', 'closed_unfounded', 'cancelled')";

    // Two imports of one campaign at once would each diff against a state the other is changing.
    private const string LockCampaignCode = "SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))";

    private const string SelectCampaign = """
        SELECT id, code, name, document_number, headquarters_unit_id, starts_on, ends_on, time_zone, calendar_code,
               workflow_code, rulebook_code, public_notice_days, cadence::text, current_plan_version
        FROM campaign WHERE code = @code FOR UPDATE
        """;

    // The versions since the one a confirmed import expected to follow: which of them (if any) this very file became,
    // and which is the latest. A handful of rows at most.
    private const string SelectVersionsSince = """
        SELECT v.version, v.source_name AS SourceName, v.source_sha256 AS SourceSha256, v.imported_at AS ImportedAt,
               p.login AS ImportedBy
        FROM plan_version v LEFT JOIN person p ON p.id = v.imported_by
        WHERE v.campaign_id = @campaign AND v.version >= @from
        ORDER BY v.version
        """;

    private const string SelectUnits = """
        SELECT id, code, name, kind, parent_id AS ParentId, ranking_category AS Category, aliases, sort_order AS SortOrder
        FROM unit WHERE active
        """;

    private const string SelectTasks = """
        SELECT id, number, clause, title, measures, category, target, lead_unit_id, responsible_unit_ids, cooperating_unit_ids,
               verifier_unit_id, deadline_text, due_at, long_term, recurrence::text, milestones::text, evidence_kinds, weight,
               cancelled_version
        FROM task WHERE campaign_id = @campaign
        """;

    private const string SelectLedger = """
        SELECT id, number, kind, name, town_unit_id, problem_type, disposal_class, measures, responsible_person, deadline_text,
               due_at, source, found_level, verifier_unit_id, cancelled_version
        FROM ledger_item WHERE campaign_id = @campaign AND origin = 'plan'
        """;

    // Problems recorded one by one (inspections, complaints, media, hand-overs, grid patrols) are the campaign's ledger
    // too, but no plan file lists them: a plan item may not take one of their numbers, and a re-import never touches them.
    private const string SelectRecordedNumbers = """
        SELECT number FROM ledger_item WHERE campaign_id = @campaign AND origin = 'recorded' AND number = ANY(@numbers)
        """;

    private const string UpsertCampaign = """
        INSERT INTO campaign (code, name, document_number, headquarters_unit_id, starts_on, ends_on, time_zone, calendar_code,
                              workflow_code, rulebook_code, public_notice_days, cadence, current_plan_version, created_at)
        VALUES (@code, @name, @documentNumber, @headquarters, @startsOn, @endsOn, @timeZone, @calendar, @workflow, @rulebook,
                @noticeDays, @cadence::jsonb, 1, @now)
        ON CONFLICT (code) DO UPDATE SET
            name = excluded.name, document_number = excluded.document_number,
            headquarters_unit_id = excluded.headquarters_unit_id, starts_on = excluded.starts_on, ends_on = excluded.ends_on,
            time_zone = excluded.time_zone, calendar_code = excluded.calendar_code, workflow_code = excluded.workflow_code,
            rulebook_code = excluded.rulebook_code, public_notice_days = excluded.public_notice_days, cadence = excluded.cadence,
            current_plan_version = campaign.current_plan_version + 1
        RETURNING id, current_plan_version
        """;

    private const string InsertPlanVersion = """
        INSERT INTO plan_version (campaign_id, version, source_name, source_sha256, imported_at, imported_by, summary)
        VALUES (@campaign, @version, @file, @sha256, @now, @personId, @summary::jsonb)
        """;

    private const string CreateTaskTemp = """
        CREATE TEMP TABLE plan_task (
            id bigint, number text NOT NULL, clause text, title text NOT NULL, measures text, category text, target text,
            lead_unit_id bigint, verifier_unit_id bigint, deadline_text text, due_at timestamptz, long_term boolean NOT NULL,
            recurrence jsonb, milestones jsonb NOT NULL, evidence_kinds text[] NOT NULL, weight numeric(6, 2) NOT NULL,
            lead_text text, responsible_text text, cooperating_text text, verifier_text text,
            responsible_unit_ids bigint[] NOT NULL, cooperating_unit_ids bigint[] NOT NULL, source_ref text
        ) ON COMMIT DROP
        """;

    private const string CopyTaskTemp = """
        COPY plan_task (id, number, clause, title, measures, category, target, lead_unit_id, verifier_unit_id, deadline_text,
                        due_at, long_term, recurrence, milestones, evidence_kinds, weight, lead_text, responsible_text,
                        cooperating_text, verifier_text, responsible_unit_ids, cooperating_unit_ids, source_ref)
        FROM STDIN (FORMAT BINARY)
        """;

    private const string InsertTasks = """
        INSERT INTO task (campaign_id, number, clause, title, measures, category, target, lead_unit_id, verifier_unit_id,
                          deadline_text, due_at, long_term, recurrence, milestones, evidence_kinds, weight, calendar_version,
                          first_version, changed_version, lead_text, responsible_text, cooperating_text, verifier_text,
                          responsible_unit_ids, cooperating_unit_ids, source_ref)
        SELECT @campaign, number, clause, title, measures, category, target, lead_unit_id, verifier_unit_id, deadline_text,
               due_at, long_term, recurrence, milestones, evidence_kinds, weight, @calendarVersion, @version, @version,
               lead_text, responsible_text, cooperating_text, verifier_text, responsible_unit_ids, cooperating_unit_ids, source_ref
        FROM plan_task WHERE id IS NULL
        """;

    private const string UpdateTasks = """
        UPDATE task t SET clause = p.clause, title = p.title, measures = p.measures, category = p.category, target = p.target,
            lead_unit_id = p.lead_unit_id, verifier_unit_id = p.verifier_unit_id, deadline_text = p.deadline_text,
            due_at = p.due_at, long_term = p.long_term, recurrence = p.recurrence, milestones = p.milestones,
            evidence_kinds = p.evidence_kinds, weight = p.weight, calendar_version = @calendarVersion,
            changed_version = @version, cancelled_version = NULL, cancel_reason = NULL, lead_text = p.lead_text,
            responsible_text = p.responsible_text, cooperating_text = p.cooperating_text, verifier_text = p.verifier_text,
            responsible_unit_ids = p.responsible_unit_ids, cooperating_unit_ids = p.cooperating_unit_ids, source_ref = p.source_ref
        FROM plan_task p WHERE p.id = t.id
        """;

    private const string CancelTasks = """
        UPDATE task SET cancelled_version = @version, cancel_reason = @reason
        WHERE id = ANY(@ids) AND cancelled_version IS NULL
        """;

    private const string SelectTaskIds = "SELECT number, id FROM task WHERE campaign_id = @campaign AND cancelled_version IS NULL";

    private const string CreateLedgerTemp = """
        CREATE TEMP TABLE plan_ledger (
            id bigint, number text NOT NULL, kind text NOT NULL, name text NOT NULL, town_unit_id bigint NOT NULL,
            problem_type text, disposal_class text, measures text, responsible_person text, deadline_text text,
            due_at timestamptz, source text, found_level text, verifier_unit_id bigint, town_text text, verifier_text text,
            source_ref text
        ) ON COMMIT DROP
        """;

    private const string CopyLedgerTemp = """
        COPY plan_ledger (id, number, kind, name, town_unit_id, problem_type, disposal_class, measures, responsible_person,
                          deadline_text, due_at, source, found_level, verifier_unit_id, town_text, verifier_text, source_ref)
        FROM STDIN (FORMAT BINARY)
        """;

    private const string InsertLedger = """
        INSERT INTO ledger_item (campaign_id, number, kind, name, town_unit_id, problem_type, disposal_class, measures,
                                 responsible_person, deadline_text, due_at, source, found_level, verifier_unit_id,
                                 calendar_version, first_version, changed_version, town_text, verifier_text, source_ref)
        SELECT @campaign, number, kind, name, town_unit_id, problem_type, disposal_class, measures, responsible_person,
               deadline_text, due_at, source, found_level, verifier_unit_id, @calendarVersion, @version, @version,
               town_text, verifier_text, source_ref
        FROM plan_ledger WHERE id IS NULL
        """;

    private const string UpdateLedger = """
        UPDATE ledger_item l SET kind = p.kind, name = p.name, town_unit_id = p.town_unit_id, problem_type = p.problem_type,
            disposal_class = p.disposal_class, measures = p.measures, responsible_person = p.responsible_person,
            deadline_text = p.deadline_text, due_at = p.due_at, source = p.source, found_level = p.found_level,
            verifier_unit_id = p.verifier_unit_id, calendar_version = @calendarVersion, changed_version = @version,
            cancelled_version = NULL, cancel_reason = NULL, town_text = p.town_text, verifier_text = p.verifier_text,
            source_ref = p.source_ref
        FROM plan_ledger p WHERE p.id = l.id
        """;

    private const string CancelLedger = """
        UPDATE ledger_item SET cancelled_version = @version, cancel_reason = @reason
        WHERE id = ANY(@ids) AND cancelled_version IS NULL
        """;

    private const string SelectLedgerIds = """
        SELECT number, id FROM ledger_item WHERE campaign_id = @campaign AND origin = 'plan' AND cancelled_version IS NULL
        """;

    /// <summary>The columns every newly issued assignment gets; the benchmark's baseline copies the same list.</summary>
    public const string AssignmentColumns = """
        campaign_id, task_id, ledger_item_id, unit_id, role, obligation_no, verifier_unit_id, issued_at, due_at,
        calendar_version, plan_version, workflow_code, workflow_version, state, next_timer_at, next_timer_kind, updated_at
        """;

    private const string CopyAssignments = $"COPY assignment ({AssignmentColumns}) FROM STDIN (FORMAT BINARY)";

    private const string CreateObligationTemp = """
        CREATE TEMP TABLE plan_obligation (
            source_key bigint NOT NULL, task_id bigint, ledger_item_id bigint, unit_id bigint NOT NULL, role text NOT NULL,
            obligation_no integer NOT NULL, verifier_unit_id bigint, due_at timestamptz
        ) ON COMMIT DROP
        """;

    private const string CopyObligationTemp = """
        COPY plan_obligation (source_key, task_id, ledger_item_id, unit_id, role, obligation_no, verifier_unit_id, due_at)
        FROM STDIN (FORMAT BINARY)
        """;

    // An obligation is the same when it is for the same task (or ledger item), unit and number; its role, due time
    // and verifier are attributes a new version may change while the row and its history stay.
    private const string Matches = """
        a.campaign_id = @campaign AND a.state <> 'cancelled' AND coalesce(a.task_id, -a.ledger_item_id) = d.source_key
        AND a.unit_id = d.unit_id AND a.obligation_no = d.obligation_no
        """;

    private const string Differs = "(a.role, a.due_at, a.verifier_unit_id) IS DISTINCT FROM (d.role, d.due_at, d.verifier_unit_id)";

    // What a plan version speaks for: its tasks' obligations if it has a task table, its ledger's if it has a ledger — the
    // items a plan file brought, never those recorded one by one.
    private const string InScope = """
        ((@tasks AND a.task_id IS NOT NULL)
         OR (@ledger AND a.ledger_item_id IS NOT NULL
             AND EXISTS (SELECT 1 FROM ledger_item li WHERE li.id = a.ledger_item_id AND li.origin = 'plan')))
        """;

    private const string CountChanges = $"""
        SELECT
            (SELECT count(*) FROM plan_obligation d WHERE NOT EXISTS (SELECT 1 FROM assignment a WHERE {Matches})) AS Added,
            (SELECT count(*) FROM plan_obligation d JOIN assignment a ON {Matches}
              WHERE a.state NOT IN {FinalStates} AND {Differs}) AS Updated,
            (SELECT count(*) FROM assignment a WHERE a.campaign_id = @campaign AND a.state NOT IN {FinalStates} AND {InScope}
              AND NOT EXISTS (SELECT 1 FROM plan_obligation d WHERE {Matches})) AS Cancelled,
            (SELECT count(*) FROM assignment a WHERE a.campaign_id = @campaign AND a.state IN {FinalStates} AND a.state <> 'cancelled'
              AND {InScope} AND NOT EXISTS (SELECT 1 FROM plan_obligation d WHERE {Matches})) AS KeptClosed,
            (SELECT count(*) FROM plan_obligation) AS Compared
        """;

    private const string InsertMissing = $"""
        INSERT INTO assignment ({AssignmentColumns})
        SELECT @campaign, d.task_id, d.ledger_item_id, d.unit_id, d.role, d.obligation_no, d.verifier_unit_id, @now, d.due_at,
               @calendarVersion, @version, @workflowCode, @workflowVersion, @state, @timerAt, @timerKind, @now
        FROM plan_obligation d WHERE NOT EXISTS (SELECT 1 FROM assignment a WHERE {Matches})
        """;

    // The pending timers of the rows changed here are recomputed afterwards (RescheduleTimers): the reminder before the
    // due date, the overdue timer and the chaser after it all count from the due date.
    private const string UpdateChanged = $"""
        UPDATE assignment a SET role = d.role, due_at = d.due_at, verifier_unit_id = d.verifier_unit_id,
            calendar_version = @calendarVersion,
            row_version = a.row_version + 1, updated_at = @now
        FROM plan_obligation d
        WHERE {Matches} AND a.state NOT IN {FinalStates} AND {Differs}
        RETURNING a.id
        """;

    private const string CancelMissing = $"""
        UPDATE assignment a SET state = 'cancelled', cancelled_version = @version,
            cancel_reason = coalesce(
                (SELECT format('任务 %s 已在第 %s 版行动方案中删除 (task %s removed in plan version %s)', t.number, @version, t.number, @version)
                 FROM task t WHERE t.id = a.task_id AND t.cancelled_version = @version),
                (SELECT format('台账 %s 已在第 %s 版行动方案中删除 (ledger item %s removed in plan version %s)', l.number, @version, l.number, @version)
                 FROM ledger_item l WHERE l.id = a.ledger_item_id AND l.cancelled_version = @version),
                format('第 %s 版行动方案不再向本单位交办此项 (no longer assigned to this unit in plan version %s)', @version, @version)),
            next_timer_at = NULL, next_timer_kind = NULL, row_version = a.row_version + 1, updated_at = @now
        WHERE a.campaign_id = @campaign AND a.state NOT IN {FinalStates} AND {InScope} AND a.plan_version < @version
          AND NOT EXISTS (SELECT 1 FROM plan_obligation d WHERE {Matches})
        """;

    public Task<PlanOutcome> RunAsync(Actor? actor, PlanRequest request, IProgress<PlanProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        ExecuteAsync(actor, request, PlanMode.Import, progress, cancellationToken);

    /// <summary>Runs the checks for <paramref name="mode"/>. <paramref name="actor"/> null is the command line on the
    /// server itself (audited as <c>cli</c>); anyone else needs <see cref="Operation.ManagePlans"/>.</summary>
    public async Task<PlanOutcome> ExecuteAsync(Actor? actor, PlanRequest request, PlanMode mode,
        IProgress<PlanProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (actor is not null)
        {
            await access.RequireAsync(actor, Operation.ManagePlans, cancellationToken: cancellationToken);
        }

        var problems = new List<InputProblem>();
        progress?.Report(new PlanProgress("read", 0, 1));
        var fileName = Path.GetFileName(request.FileName);
        var sha256 = Convert.ToHexString(SHA256.HashData(request.Bytes)).ToLowerInvariant();
        var file = PlanFileReader.Read(fileName, request.Bytes, problems);
        var definition = compilation.Definition;
        if (file is not null && request.RulebookCode is { } chosen)
        {
            if (file.Campaign is { } section)
            {
                file = file with { Campaign = section with { Rulebook = chosen } };
            }
            else
            {
                problems.Add(InputProblem.Of(file.FileName, null, null, "campaign.rulebook", Reasons.RulebookWithoutCampaign()));
            }
        }

        var code = file is null ? null : CampaignCode(file, request.CampaignCode, problems);
        // Shape problems do not stop here: the checks against the organisation and the calendar run on what could be
        // read, so the planner gets every error of the file in one answer.
        if (file is null || code is null)
        {
            throw new InputRejectedException(problems);
        }

        progress?.Report(new PlanProgress("check", 0, 1));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(LockCampaignCode, new { key = "plan:" + code }, transaction);
        var stored = await LoadCampaignAsync(connection, code, cancellationToken);
        if (request.ExpectedVersion is { } expected)
        {
            await CheckExpectedVersionAsync(connection, stored, code, expected, sha256);
        }

        var units = new UnitDirectory(await connection.QueryAsync<DirectoryUnit>(SelectUnits, transaction: transaction), definition.UnitGroups);
        var now = time.GetUtcNow();
        var compiled = new PlanCompiler(units, definition, calendars, problems).Compile(file, code, stored, now);
        if (compiled is not null)
        {
            CheckRulebook(file, compiled.Campaign, problems);
        }

        if (compiled is null || problems.Any(p => !p.IsWarning))
        {
            throw new InputRejectedException(problems);
        }

        if (stored is not null && compiled.Ledger is { Count: > 0 } planLedger)
        {
            var taken = (await connection.QueryAsync<string>(SelectRecordedNumbers, new
            {
                campaign = stored.Id, numbers = planLedger.Select(l => l.Number).ToArray(),
            }, transaction)).ToHashSet(StringComparer.Ordinal);
            problems.AddRange(planLedger.Where(l => taken.Contains(l.Number)).Select(l => l.Origin.Error("number", Reasons.NumberOfARecordedProblem(l.Number))));
            if (problems.Any(p => !p.IsWarning))
            {
                throw new InputRejectedException(problems);
            }
        }

        var warnings = problems.Where(p => p.IsWarning).ToList();
        var version = (stored?.CurrentPlanVersion ?? 0) + 1;
        if (mode == PlanMode.Validate)
        {
            return Outcome("validated", null);
        }

        var storedTasks = stored is null ? [] : await LoadTasksAsync(connection, stored.Id, cancellationToken);
        var storedLedger = stored is null ? [] : await LoadLedgerAsync(connection, stored.Id, cancellationToken);
        var tasks = ClassifyTasks(compiled, storedTasks, units);
        var ledger = ClassifyLedger(compiled, storedLedger, units);
        var freshObligations = tasks.Added.Sum(t => t.Compiled.ObligationCount) + ledger.Added.Count;
        var campaignChanges = stored is null ? [] : PlanComparison.CampaignChanges(stored, compiled.Campaign, units);

        if (mode == PlanMode.Diff)
        {
            var counts = new AssignmentChanges(freshObligations, 0, 0, 0, 0);
            if (stored is not null)
            {
                await CopyObligationsAsync(connection, tasks.Existing, ledger.Existing, null, cancellationToken);
                var c = await connection.QuerySingleAsync<(long Added, long Updated, long Cancelled, long KeptClosed, long Compared)>(
                    CountChanges, new { campaign = stored.Id, tasks = compiled.Tasks is not null, ledger = compiled.Ledger is not null }, transaction,
                    BulkTimeoutSeconds);
                counts = new AssignmentChanges(freshObligations + c.Added, c.Updated, c.Cancelled, c.KeptClosed,
                    c.Compared - c.Added - c.Updated);
            }

            return Outcome("diffed", Diff(counts));
        }

        var start = startPolicy.For(compiled.Campaign.WorkflowCode, compiled.Campaign.Calendar, compiled.Campaign.Zone, now);
        var (campaignId, writtenVersion) = await connection.QuerySingleAsync<(long, int)>(UpsertCampaign, new
        {
            compiled.Campaign.Code, compiled.Campaign.Name, compiled.Campaign.DocumentNumber,
            headquarters = compiled.Campaign.HeadquartersUnitId, compiled.Campaign.StartsOn, compiled.Campaign.EndsOn,
            timeZone = compiled.Campaign.TimeZoneId, calendar = compiled.Campaign.CalendarCode,
            workflow = compiled.Campaign.WorkflowCode, rulebook = compiled.Campaign.RulebookCode,
            noticeDays = compiled.Campaign.PublicNoticeDays, cadence = compiled.Campaign.CadenceJson, now,
        }, transaction);
        version = writtenVersion;
        var scope = new WriteScope(connection, campaignId, version, compiled.CalendarVersion, now, start);

        progress?.Report(new PlanProgress("tasks", 0, (compiled.Tasks?.Count ?? 0) + (compiled.Ledger?.Count ?? 0)));
        var taskIds = await WriteTasksAsync(scope, compiled, tasks, cancellationToken);
        var ledgerIds = await WriteLedgerAsync(scope, compiled, ledger, cancellationToken);

        var total = compiled.ObligationCount;
        var done = 0L;
        void Advance(long rows)
        {
            done += rows;
            progress?.Report(new PlanProgress("assignments", done, total));
        }

        var added = await CopyFreshAsync(scope, tasks.Added, ledger.Added, taskIds, ledgerIds, Advance, cancellationToken);
        var changes = new AssignmentChanges(added, 0, 0, 0, 0);
        if (stored is not null)
        {
            var existingTasks = tasks.Existing.Select(e => (e.Compiled, Id: taskIds[e.Compiled.Number])).ToList();
            var existingLedger = ledger.Existing.Select(e => (e.Compiled, Id: ledgerIds[e.Compiled.Number])).ToList();
            var compared = await CopyObligationsAsync(connection, existingTasks, existingLedger, Advance, cancellationToken);
            await connection.ExecuteAsync("ANALYZE plan_obligation", transaction: transaction, commandTimeout: BulkTimeoutSeconds);
            var parameters = new
            {
                campaign = campaignId, version, now, calendarVersion = compiled.CalendarVersion, workflowCode = start.WorkflowCode,
                workflowVersion = start.WorkflowVersion, state = start.State, timerAt = start.FirstTimerAt, timerKind = start.FirstTimerKind,
                tasks = compiled.Tasks is not null, ledger = compiled.Ledger is not null,
            };
            var kept = await connection.ExecuteScalarAsync<long>($"""
                SELECT count(*) FROM assignment a WHERE a.campaign_id = @campaign AND a.state IN {FinalStates}
                  AND a.state <> 'cancelled' AND {InScope} AND NOT EXISTS (SELECT 1 FROM plan_obligation d WHERE {Matches})
                """, parameters, transaction, BulkTimeoutSeconds);
            var inserted = await connection.ExecuteAsync(InsertMissing, parameters, transaction, BulkTimeoutSeconds);
            var changed = (await connection.QueryAsync<long>(UpdateChanged, parameters, transaction, BulkTimeoutSeconds)).AsList();
            var updated = changed.Count;
            await reschedule.RunAsync(connection, changed, now, cancellationToken);
            var cancelled = await connection.ExecuteAsync(CancelMissing, parameters, transaction, BulkTimeoutSeconds);
            changes = new AssignmentChanges(added + inserted, updated, cancelled, kept, compared - inserted - updated);
        }

        var outcome = Outcome("imported", Diff(changes));
        var summary = new
        {
            file = fileName, sha256, campaign = code, version,
            compilation = $"{definition.Code} v{definition.Version}", calendar = compiled.CalendarVersion,
            tasks = new
            {
                added = tasks.Added.Count, changed = tasks.Changed.Count, cancelled = tasks.Cancelled.Count, unchanged = tasks.Unchanged,
                // Which tasks a version changed or removed is evidence later (who was relieved of what, and when).
                changedNumbers = tasks.Changed.Select(t => t.Number), cancelledNumbers = tasks.Cancelled.Select(t => t.Number),
            },
            ledger = new
            {
                added = ledger.Added.Count, changed = ledger.Changed.Count, cancelled = ledger.Cancelled.Count, unchanged = ledger.Unchanged,
                changedNumbers = ledger.Changed.Select(t => t.Number), cancelledNumbers = ledger.Cancelled.Select(t => t.Number),
            },
            assignments = changes,
            warnings = warnings.Count,
        };
        var summaryJson = System.Text.Json.JsonSerializer.Serialize(summary, AuditEntry.PayloadJsonOptions);
        await connection.ExecuteAsync(InsertPlanVersion, new
        {
            campaign = campaignId, version, file = fileName, sha256, now, personId = actor?.PersonId, summary = summaryJson,
        }, transaction);
        await AuditLog.AppendAsync(connection, new AuditEntry("plan.imported", actor is null ? AuditActor.Cli : AuditActor.Person(actor.PersonId),
            now, summaryJson, CampaignId: campaignId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogImported(logger, fileName, code, version, changes.Added, changes.Cancelled);
        return outcome;

        PlanOutcome Outcome(string action, PlanDiff? diff) => new(action, fileName, sha256, code, compiled.Campaign.Name, version,
            compiled.Tasks?.Count ?? 0, compiled.Ledger?.Count ?? 0, compiled.ObligationCount, diff, warnings);

        PlanDiff Diff(AssignmentChanges counts) => new(stored is null, campaignChanges,
            tasks.Added.Select(t => new PlanItemChange(t.Compiled.Number, t.Compiled.Title, [])).ToList(),
            tasks.Changed, tasks.Cancelled, tasks.Unchanged,
            ledger.Added.Select(l => new PlanItemChange(l.Number, l.Name, [])).ToList(),
            ledger.Changed, ledger.Cancelled, ledger.Unchanged, counts);
    }

    /// <summary>The rulebook a plan names must be one the cycles can score with; one not in force when the campaign
    /// starts is a warning (its periods would be refused at close).</summary>
    private void CheckRulebook(PlanFile file, CompiledCampaign campaign, List<InputProblem> problems)
    {
        if (file.Campaign is not { Rulebook: { } named } section)
        {
            return;
        }

        if (!rulebooks.Contains(named))
        {
            problems.Add(section.Origin.Error("rulebook",
                Reasons.UnknownRulebook(named, rulebooks.All.Select(r => r.Code).Distinct().Order(StringComparer.Ordinal))));
        }
        else if (!rulebooks.All.Any(r => r.Code == named && r.InForceOn(campaign.StartsOn)))
        {
            problems.Add(section.Origin.Warning("rulebook", Reasons.RulebookNotInForce(named, campaign.StartsOn)));
        }
    }

    private static string? CampaignCode(PlanFile file, string? requested, List<InputProblem> problems)
    {
        var inFile = file.Campaign?.Code;
        if (inFile is not null && requested is not null && !string.Equals(inFile, requested, StringComparison.Ordinal))
        {
            problems.Add(file.Campaign!.Origin.Error("code", Reasons.CampaignMismatch(inFile, requested)));
            return null;
        }

        var code = inFile ?? requested;
        if (code is null)
        {
            problems.Add(InputProblem.Of(file.FileName, null, null, "campaign.code", Reasons.CampaignNotNamed()));
        }
        else if (code.Length > 64 || code.Any(char.IsWhiteSpace))
        {
            problems.Add(InputProblem.Of(file.FileName, file.Campaign?.Origin.Sheet, file.Campaign?.Origin.Line,
                file.Campaign?.Origin.Field("code") ?? "campaign.code", Reasons.NotACampaignCode(code)));
            return null;
        }

        return code;
    }

    private sealed record TaskPlan(
        List<(CompiledTask Compiled, long? Id)> Added,
        List<(CompiledTask Compiled, long Id)> Existing,
        List<(CompiledTask Compiled, long Id)> ToWrite,
        List<PlanItemChange> Changed,
        List<PlanItemChange> Cancelled,
        List<long> CancelledIds,
        int Unchanged);

    private static TaskPlan ClassifyTasks(CompiledPlan compiled, IReadOnlyList<StoredTask> stored, UnitDirectory units)
    {
        var byNumber = stored.ToDictionary(t => t.Number, StringComparer.Ordinal);
        var added = new List<(CompiledTask, long?)>();
        var existing = new List<(CompiledTask, long)>();
        var toWrite = new List<(CompiledTask, long)>();
        var changed = new List<PlanItemChange>();
        var unchanged = 0;
        foreach (var task in compiled.Tasks ?? [])
        {
            if (!byNumber.TryGetValue(task.Number, out var old))
            {
                added.Add((task, null));
                continue;
            }

            existing.Add((task, old.Id));
            var changes = PlanComparison.TaskChanges(old, task, units, compiled.Campaign.Zone);
            if (changes.Count > 0)
            {
                toWrite.Add((task, old.Id));
                changed.Add(new PlanItemChange(task.Number, task.Title, changes));
            }
            else
            {
                unchanged++;
            }
        }

        var cancelled = new List<PlanItemChange>();
        var cancelledIds = new List<long>();
        if (compiled.Tasks is not null)
        {
            var numbers = compiled.Tasks.Select(t => t.Number).ToHashSet(StringComparer.Ordinal);
            foreach (var old in stored.Where(t => t.CancelledVersion is null && !numbers.Contains(t.Number)))
            {
                cancelled.Add(new PlanItemChange(old.Number, old.Title, ["removed from the plan"]));
                cancelledIds.Add(old.Id);
            }
        }

        return new TaskPlan(added, existing, toWrite, changed, cancelled, cancelledIds, unchanged);
    }

    private sealed record LedgerPlan(
        List<CompiledLedgerItem> Added,
        List<(CompiledLedgerItem Compiled, long Id)> Existing,
        List<(CompiledLedgerItem Compiled, long Id)> ToWrite,
        List<PlanItemChange> Changed,
        List<PlanItemChange> Cancelled,
        List<long> CancelledIds,
        int Unchanged);

    private static LedgerPlan ClassifyLedger(CompiledPlan compiled, IReadOnlyList<StoredLedgerItem> stored, UnitDirectory units)
    {
        var byNumber = stored.ToDictionary(t => t.Number, StringComparer.Ordinal);
        var added = new List<CompiledLedgerItem>();
        var existing = new List<(CompiledLedgerItem, long)>();
        var toWrite = new List<(CompiledLedgerItem, long)>();
        var changed = new List<PlanItemChange>();
        var unchanged = 0;
        foreach (var item in compiled.Ledger ?? [])
        {
            if (!byNumber.TryGetValue(item.Number, out var old))
            {
                added.Add(item);
                continue;
            }

            existing.Add((item, old.Id));
            var changes = PlanComparison.LedgerChanges(old, item, units, compiled.Campaign.Zone);
            if (changes.Count > 0)
            {
                toWrite.Add((item, old.Id));
                changed.Add(new PlanItemChange(item.Number, item.Name, changes));
            }
            else
            {
                unchanged++;
            }
        }

        var cancelled = new List<PlanItemChange>();
        var cancelledIds = new List<long>();
        if (compiled.Ledger is not null)
        {
            var numbers = compiled.Ledger.Select(t => t.Number).ToHashSet(StringComparer.Ordinal);
            foreach (var old in stored.Where(t => t.CancelledVersion is null && !numbers.Contains(t.Number)))
            {
                cancelled.Add(new PlanItemChange(old.Number, old.Name, ["removed from the ledger"]));
                cancelledIds.Add(old.Id);
            }
        }

        return new LedgerPlan(added, existing, toWrite, changed, cancelled, cancelledIds, unchanged);
    }

    private sealed record WriteScope(NpgsqlConnection Connection, long CampaignId, int Version, string CalendarVersion,
        DateTimeOffset Now, AssignmentStart Start);

    private static async Task<Dictionary<string, long>> WriteTasksAsync(WriteScope scope, CompiledPlan compiled, TaskPlan plan,
        CancellationToken ct)
    {
        var connection = scope.Connection;
        var parameters = new { campaign = scope.CampaignId, version = scope.Version, calendarVersion = scope.CalendarVersion };
        var rows = plan.Added.Select(a => (a.Compiled, a.Id)).Concat(plan.ToWrite.Select(w => (w.Compiled, (long?)w.Id))).ToList();
        if (rows.Count > 0)
        {
            await connection.ExecuteAsync(CreateTaskTemp);
            await using (var copy = await connection.BeginBinaryImportAsync(CopyTaskTemp, ct))
            {
                foreach (var (task, id) in rows)
                {
                    await copy.StartRowAsync(ct);
                    await WriteAsync(copy, id, NpgsqlDbType.Bigint, ct);
                    await copy.WriteAsync(task.Number, NpgsqlDbType.Text, ct);
                    await WriteAsync(copy, task.Clause, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(task.Title, NpgsqlDbType.Text, ct);
                    await WriteAsync(copy, task.Measures, NpgsqlDbType.Text, ct);
                    await WriteAsync(copy, task.Category, NpgsqlDbType.Text, ct);
                    await WriteAsync(copy, task.Target, NpgsqlDbType.Text, ct);
                    await WriteAsync(copy, task.LeadUnitId, NpgsqlDbType.Bigint, ct);
                    await WriteAsync(copy, task.VerifierUnitId, NpgsqlDbType.Bigint, ct);
                    await copy.WriteAsync(task.DeadlineText, NpgsqlDbType.Text, ct);
                    await WriteAsync(copy, task.DueAt, NpgsqlDbType.TimestampTz, ct);
                    await copy.WriteAsync(task.LongTerm, NpgsqlDbType.Boolean, ct);
                    await WriteAsync(copy, task.RecurrenceJson, NpgsqlDbType.Jsonb, ct);
                    await copy.WriteAsync(task.MilestonesJson, NpgsqlDbType.Jsonb, ct);
                    await copy.WriteAsync(task.EvidenceKinds, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(task.Weight, NpgsqlDbType.Numeric, ct);
                    await WriteAsync(copy, task.LeadText, NpgsqlDbType.Text, ct);
                    await WriteAsync(copy, task.ResponsibleText, NpgsqlDbType.Text, ct);
                    await WriteAsync(copy, task.CooperatingText, NpgsqlDbType.Text, ct);
                    await WriteAsync(copy, task.VerifierText, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(task.ResponsibleUnitIds, NpgsqlDbType.Array | NpgsqlDbType.Bigint, ct);
                    await copy.WriteAsync(task.CooperatingUnitIds, NpgsqlDbType.Array | NpgsqlDbType.Bigint, ct);
                    await copy.WriteAsync(SourceRef(task.Origin), NpgsqlDbType.Text, ct);
                }

                await copy.CompleteAsync(ct);
            }

            await connection.ExecuteAsync(InsertTasks, parameters);
            await connection.ExecuteAsync(UpdateTasks, parameters);
        }

        if (plan.CancelledIds.Count > 0)
        {
            await connection.ExecuteAsync(CancelTasks, new
            {
                ids = plan.CancelledIds.ToArray(), version = scope.Version,
                reason = $"已在第 {scope.Version} 版行动方案中删除 (removed in plan version {scope.Version})",
            });
        }

        return compiled.Tasks is null && plan.Added.Count == 0
            ? []
            : (await connection.QueryAsync<(string Number, long Id)>(SelectTaskIds, parameters)).ToDictionary(t => t.Number, t => t.Id, StringComparer.Ordinal);
    }

    private static async Task<Dictionary<string, long>> WriteLedgerAsync(WriteScope scope, CompiledPlan compiled, LedgerPlan plan,
        CancellationToken ct)
    {
        var connection = scope.Connection;
        var parameters = new { campaign = scope.CampaignId, version = scope.Version, calendarVersion = scope.CalendarVersion };
        var rows = plan.Added.Select(a => (Compiled: a, Id: (long?)null)).Concat(plan.ToWrite.Select(w => (w.Compiled, Id: (long?)w.Id))).ToList();
        if (rows.Count > 0)
        {
            await connection.ExecuteAsync(CreateLedgerTemp);
            await using (var copy = await connection.BeginBinaryImportAsync(CopyLedgerTemp, ct))
            {
                foreach (var (item, id) in rows)
                {
                    await copy.StartRowAsync(ct);
                    await WriteAsync(copy, id, NpgsqlDbType.Bigint, ct);
                    await copy.WriteAsync(item.Number, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(item.Kind, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(item.Name, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(item.UnitId, NpgsqlDbType.Bigint, ct);
                    await WriteAsync(copy, item.ProblemType, NpgsqlDbType.Text, ct);
                    await WriteAsync(copy, item.DisposalClass, NpgsqlDbType.Text, ct);
                    await WriteAsync(copy, item.Measures, NpgsqlDbType.Text, ct);
                    await WriteAsync(copy, item.ResponsiblePerson, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(item.DeadlineText, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(item.DueAt, NpgsqlDbType.TimestampTz, ct);
                    await WriteAsync(copy, item.Source, NpgsqlDbType.Text, ct);
                    await WriteAsync(copy, item.FoundLevel, NpgsqlDbType.Text, ct);
                    await WriteAsync(copy, item.VerifierUnitId, NpgsqlDbType.Bigint, ct);
                    await WriteAsync(copy, item.TownText, NpgsqlDbType.Text, ct);
                    await WriteAsync(copy, item.VerifierText, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(SourceRef(item.Origin), NpgsqlDbType.Text, ct);
                }

                await copy.CompleteAsync(ct);
            }

            await connection.ExecuteAsync(InsertLedger, parameters);
            await connection.ExecuteAsync(UpdateLedger, parameters);
        }

        if (plan.CancelledIds.Count > 0)
        {
            await connection.ExecuteAsync(CancelLedger, new
            {
                ids = plan.CancelledIds.ToArray(), version = scope.Version,
                reason = $"已在第 {scope.Version} 版行动方案中删除 (removed in plan version {scope.Version})",
            });
        }

        return compiled.Ledger is null && plan.Added.Count == 0
            ? []
            : (await connection.QueryAsync<(string Number, long Id)>(SelectLedgerIds, parameters)).ToDictionary(t => t.Number, t => t.Id, StringComparer.Ordinal);
    }

    /// <summary>Streams the obligations of new tasks and ledger items straight into <c>assignment</c>.</summary>
    private static async Task<long> CopyFreshAsync(WriteScope scope, List<(CompiledTask Compiled, long? Id)> tasks,
        List<CompiledLedgerItem> ledger, Dictionary<string, long> taskIds, Dictionary<string, long> ledgerIds,
        Action<long> advance, CancellationToken ct)
    {
        if (tasks.Count == 0 && ledger.Count == 0)
        {
            return 0;
        }

        var rows = 0L;
        var start = scope.Start;
        await using var copy = await scope.Connection.BeginBinaryImportAsync(CopyAssignments, ct);
        copy.Timeout = BulkTimeout;
        foreach (var (task, _) in tasks)
        {
            var taskId = taskIds[task.Number];
            foreach (var obligation in CompiledPlan.Obligations(task))
            {
                await WriteAssignmentAsync(copy, scope, taskId, null, obligation, start, ct);
                if (++rows % ProgressEvery == 0)
                {
                    advance(ProgressEvery);
                }
            }
        }

        foreach (var item in ledger)
        {
            await WriteAssignmentAsync(copy, scope, null, ledgerIds[item.Number], CompiledPlan.Obligation(item), start, ct);
            if (++rows % ProgressEvery == 0)
            {
                advance(ProgressEvery);
            }
        }

        await copy.CompleteAsync(ct);
        advance(rows % ProgressEvery);
        return rows;
    }

    /// <summary>One row in the column order of <see cref="AssignmentColumns"/>.</summary>
    public static async Task WriteAssignmentAsync(NpgsqlBinaryImporter copy, long campaignId, long? taskId, long? ledgerItemId,
        Obligation obligation, DateTimeOffset issuedAt, string calendarVersion, int planVersion, AssignmentStart start, CancellationToken ct)
    {
        await copy.StartRowAsync(ct);
        await copy.WriteAsync(campaignId, NpgsqlDbType.Bigint, ct);
        await WriteAsync(copy, taskId, NpgsqlDbType.Bigint, ct);
        await WriteAsync(copy, ledgerItemId, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(obligation.UnitId, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(obligation.Role, NpgsqlDbType.Text, ct);
        await copy.WriteAsync(obligation.Number, NpgsqlDbType.Integer, ct);
        await WriteAsync(copy, obligation.VerifierUnitId, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(issuedAt, NpgsqlDbType.TimestampTz, ct);
        await WriteAsync(copy, obligation.DueAt, NpgsqlDbType.TimestampTz, ct);
        await copy.WriteAsync(calendarVersion, NpgsqlDbType.Text, ct);
        await copy.WriteAsync(planVersion, NpgsqlDbType.Integer, ct);
        await copy.WriteAsync(start.WorkflowCode, NpgsqlDbType.Text, ct);
        await copy.WriteAsync(start.WorkflowVersion, NpgsqlDbType.Integer, ct);
        await copy.WriteAsync(start.State, NpgsqlDbType.Text, ct);
        await WriteAsync(copy, start.FirstTimerAt, NpgsqlDbType.TimestampTz, ct);
        await WriteAsync(copy, start.FirstTimerKind, NpgsqlDbType.Text, ct);
        await copy.WriteAsync(issuedAt, NpgsqlDbType.TimestampTz, ct);
    }

    private static Task WriteAssignmentAsync(NpgsqlBinaryImporter copy, WriteScope scope, long? taskId, long? ledgerItemId,
        Obligation obligation, AssignmentStart start, CancellationToken ct) =>
        WriteAssignmentAsync(copy, scope.CampaignId, taskId, ledgerItemId, obligation, scope.Now, scope.CalendarVersion,
            scope.Version, start, ct);

    /// <summary>Copies the obligations of tasks and items that already exist into <c>plan_obligation</c>, to compare.</summary>
    private static async Task<long> CopyObligationsAsync(NpgsqlConnection connection, IEnumerable<(CompiledTask Compiled, long Id)> tasks,
        IEnumerable<(CompiledLedgerItem Compiled, long Id)> ledger, Action<long>? advance, CancellationToken ct)
    {
        await connection.ExecuteAsync(CreateObligationTemp);
        var rows = 0L;
        await using (var copy = await connection.BeginBinaryImportAsync(CopyObligationTemp, ct))
        {
            copy.Timeout = BulkTimeout;
            foreach (var (task, id) in tasks)
            {
                foreach (var obligation in CompiledPlan.Obligations(task))
                {
                    await WriteObligationAsync(copy, id, id, null, obligation, ct);
                    if (++rows % ProgressEvery == 0)
                    {
                        advance?.Invoke(ProgressEvery);
                    }
                }
            }

            foreach (var (item, id) in ledger)
            {
                await WriteObligationAsync(copy, -id, null, id, CompiledPlan.Obligation(item), ct);
                rows++;
            }

            await copy.CompleteAsync(ct);
        }

        advance?.Invoke(rows % ProgressEvery);
        return rows;
    }

    private static async Task WriteObligationAsync(NpgsqlBinaryImporter copy, long sourceKey, long? taskId, long? ledgerItemId,
        Obligation obligation, CancellationToken ct)
    {
        await copy.StartRowAsync(ct);
        await copy.WriteAsync(sourceKey, NpgsqlDbType.Bigint, ct);
        await WriteAsync(copy, taskId, NpgsqlDbType.Bigint, ct);
        await WriteAsync(copy, ledgerItemId, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(obligation.UnitId, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(obligation.Role, NpgsqlDbType.Text, ct);
        await copy.WriteAsync(obligation.Number, NpgsqlDbType.Integer, ct);
        await WriteAsync(copy, obligation.VerifierUnitId, NpgsqlDbType.Bigint, ct);
        await WriteAsync(copy, obligation.DueAt, NpgsqlDbType.TimestampTz, ct);
    }

    private static async Task WriteAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct)
        where T : struct
    {
        if (value is { } v)
        {
            await copy.WriteAsync(v, type, ct);
        }
        else
        {
            await copy.WriteNullAsync(ct);
        }
    }

    private static async Task WriteAsync(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type, CancellationToken ct)
    {
        if (value is not null)
        {
            await copy.WriteAsync(value, type, ct);
        }
        else
        {
            await copy.WriteNullAsync(ct);
        }
    }

    private static string SourceRef(Origin origin) => origin.Sheet is not null
        ? $"{origin.File} [{origin.Sheet}] row {origin.Line}"
        : origin.Headers is not null ? $"{origin.File} row {origin.Line}" : $"{origin.File} {origin.Path} (line {origin.Line})";

    /// <summary>Checked under the campaign's lock, so of two confirmations of one check the second sees the first's
    /// version and is refused before it writes anything.</summary>
    private static async Task CheckExpectedVersionAsync(NpgsqlConnection connection, StoredCampaign? stored, string code, int expected,
        string sha256)
    {
        var current = stored?.CurrentPlanVersion ?? 0;
        if (expected == current + 1)
        {
            return;
        }

        var since = stored is null
            ? []
            : (await connection.QueryAsync<ImportedPlanVersion>(SelectVersionsSince, new { campaign = stored.Id, from = Math.Min(expected, current) })).AsList();
        var rule = new ImportMustBecomeTheCheckedVersionRule(code, expected, current,
            since.FirstOrDefault(v => v.Version >= expected && v.SourceSha256 == sha256), since.LastOrDefault(),
            stored is null ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(stored.TimeZone));
        throw new BusinessRuleBrokenException(nameof(ImportMustBecomeTheCheckedVersionRule), rule.Message,
            new { campaign = code, currentVersion = current, importedAs = rule.ImportedAs?.Version, latest = rule.Latest });
    }

    private static async Task<StoredCampaign?> LoadCampaignAsync(NpgsqlConnection connection, string code, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SelectCampaign, connection);
        command.Parameters.AddWithValue("code", code);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        return new StoredCampaign(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), Text(reader, 3),
            reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.GetFieldValue<DateOnly>(5), reader.GetFieldValue<DateOnly>(6),
            reader.GetString(7), reader.GetString(8), reader.GetString(9), Text(reader, 10),
            reader.IsDBNull(11) ? null : reader.GetInt32(11), reader.GetString(12), reader.GetInt32(13));
    }

    private static async Task<List<StoredTask>> LoadTasksAsync(NpgsqlConnection connection, long campaignId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SelectTasks, connection);
        command.Parameters.AddWithValue("campaign", campaignId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var tasks = new List<StoredTask>();
        while (await reader.ReadAsync(ct))
        {
            tasks.Add(new StoredTask(reader.GetInt64(0), reader.GetString(1), Text(reader, 2), reader.GetString(3), Text(reader, 4),
                Text(reader, 5), Text(reader, 6), Long(reader, 7), reader.GetFieldValue<long[]>(8), reader.GetFieldValue<long[]>(9),
                Long(reader, 10), Text(reader, 11), Instant(reader, 12), reader.GetBoolean(13), Text(reader, 14), reader.GetString(15),
                reader.GetFieldValue<string[]>(16), reader.GetDecimal(17), reader.IsDBNull(18) ? null : reader.GetInt32(18)));
        }

        return tasks;
    }

    private static async Task<List<StoredLedgerItem>> LoadLedgerAsync(NpgsqlConnection connection, long campaignId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SelectLedger, connection);
        command.Parameters.AddWithValue("campaign", campaignId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<StoredLedgerItem>();
        while (await reader.ReadAsync(ct))
        {
            items.Add(new StoredLedgerItem(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetInt64(4), Text(reader, 5), Text(reader, 6), Text(reader, 7), Text(reader, 8), Text(reader, 9),
                Instant(reader, 10), Text(reader, 11), Text(reader, 12), Long(reader, 13), reader.IsDBNull(14) ? null : reader.GetInt32(14)));
        }

        return items;
    }

    private static string? Text(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    private static long? Long(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);

    private static DateTimeOffset? Instant(NpgsqlDataReader reader, int i) =>
        reader.IsDBNull(i) ? null : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(i), DateTimeKind.Utc));

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
        Message = "Plan {File} imported into campaign {Campaign} as version {Version}: {Added} assignments issued, {Cancelled} cancelled")]
    private static partial void LogImported(ILogger logger, string file, string campaign, int version, long added, long cancelled);
}

/// <summary>A plan version as a refused confirmation names it: which file, when and by whom (null: the command line).</summary>
public sealed record ImportedPlanVersion(int Version, string SourceName, string SourceSha256, DateTimeOffset ImportedAt, string? ImportedBy);

/// <summary>
/// A confirmed import becomes the version its check showed. Broken when the campaign has moved on since the check:
/// by this very file (<see cref="ImportedAs"/>: the confirmation was sent twice) or by another import (the check is
/// stale). Either way nothing is written.
/// </summary>
public sealed class ImportMustBecomeTheCheckedVersionRule(string campaign, int expected, int current, ImportedPlanVersion? importedAs,
    ImportedPlanVersion? latest, TimeZoneInfo zone) : IBusinessRule
{
    public ImportedPlanVersion? ImportedAs => importedAs;

    public ImportedPlanVersion? Latest => latest;

    public bool IsBroken() => expected != current + 1;

    public string Message => importedAs is { } v
        ? $"本文件已于 {When(v)} 由 {Who(v)} 导入为第 {v.Version} 版，本次确认未写入任何内容 " +
          $"({v.SourceName} was already imported as version {v.Version} of campaign {campaign} by {Who(v)} at {When(v)}; nothing was written)"
        : latest is { } l
            ? $"行动方案已是第 {current} 版（{l.SourceName}，{Who(l)} 于 {When(l)} 导入），本次确认的核对结果已过时，未写入任何内容；请重新核对文件 " +
              $"(campaign {campaign} is now at version {current}: {l.SourceName} imported by {Who(l)} at {When(l)}; this import would become " +
              $"version {current + 1}, not version {expected} as checked, so nothing was written; check the file again)"
            : $"行动方案现为第 {current} 版，本次导入将成为第 {current + 1} 版而非核对时的第 {expected} 版，未写入任何内容；请重新核对文件 " +
              $"(campaign {campaign} is at version {current}, so this import would become version {current + 1}, not version {expected} as " +
              "checked; nothing was written; check the file again)";

    private static string Who(ImportedPlanVersion v) => v.ImportedBy ?? "cli";

    private string When(ImportedPlanVersion v) =>
        TimeZoneInfo.ConvertTime(v.ImportedAt, zone).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Checks a plan file against the organisation, the calendar and the compilation rules; writes nothing.</summary>
public sealed class ValidatePlan(ImportPlan import) : IUseCase
{
    public Task<PlanOutcome> RunAsync(Actor? actor, PlanRequest request, CancellationToken cancellationToken = default) =>
        import.ExecuteAsync(actor, request, PlanMode.Validate, null, cancellationToken);
}

/// <summary>What importing a plan would add, change and cancel; writes nothing.</summary>
public sealed class DiffPlan(ImportPlan import) : IUseCase
{
    public Task<PlanOutcome> RunAsync(Actor? actor, PlanRequest request, IProgress<PlanProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        import.ExecuteAsync(actor, request, PlanMode.Diff, progress, cancellationToken);
}
