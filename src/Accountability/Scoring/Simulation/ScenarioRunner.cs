using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Accountability.Access;
using Accountability.Assignments;
using Accountability.Audit;
using Accountability.Cycles;
using Accountability.Organization;
using Accountability.Plans;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using CycleDefinition = Accountability.Cycles.CycleDefinition;

namespace Accountability.Scoring.Simulation;

public sealed record SimulatedRank(string Unit, string Name, string? Category, int? Rank, decimal Score, decimal Deductions, decimal Bonuses,
    string Grade, bool Usable, bool Top, bool Bottom, int? PreviousRank, IReadOnlyDictionary<string, int> LadderCounts);

public sealed record SimulatedPoints(string Unit, string Rule, string RuleName, decimal Quantity, decimal Points, string Basis, int Events);

public sealed record SimulatedConsequence(string Unit, string Kind, string KindName, string? Post, string? Holder, IReadOnlyList<string> Rules,
    IReadOnlyList<string> Facts);

public sealed record SimulatedReferral(string Unit, string Level, IReadOnlyList<string> Kinds);

public sealed record SimulatedPeriod(string Cycle, string Period, DateTimeOffset ClosedAt, string Outcome, string Rulebook, string OutputSha256,
    IReadOnlyList<SimulatedRank> Ranking, IReadOnlyList<SimulatedPoints> Points, IReadOnlyList<SimulatedConsequence> Consequences,
    IReadOnlyList<SimulatedReferral> Referrals, int DocumentsIssued, int Notifications);

/// <summary>A step the workflow or a rule refused (an extension filed after the due date, a close before the public
/// notice ended): part of the story, recorded with the rule that refused it, and the simulation goes on.</summary>
public sealed record SimulatedRefusal(int Line, string Step, DateTimeOffset At, string Do, string Rule, string Message);

public sealed record SimulationReport(string Scenario, string Campaign, string? Rulebook, IReadOnlyList<SimulatedPeriod> Periods,
    IReadOnlyList<SimulatedRefusal> Refusals)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The report as the CLI prints it: the same scenario gives the same bytes.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";
}

/// <summary>
/// Plays a scenario through the engine's own capabilities on a simulated clock: imports the organisation, imports the
/// plan with <see cref="ImportPlan"/> (with the rulebook the scenario tries, if it names one), then moves the clock
/// from one moment to the next — every timer's due time (the assignment timer sweep and the other periodic sweeps run
/// there), every period close of the campaign's cadence (<see cref="CatchUpCycles"/>, as the scheduler would, with the
/// rulebook scorer), look-back sampling every night at 02:00, and every step of the timeline, which acts through the
/// workflow's use cases as the named person (acknowledge, report, submit, accept, return, extensions, chasers…),
/// <see cref="RecordProblem"/> and <see cref="RecordLookBack"/>. At one moment: timers fire, then periods close, then
/// look-backs are sampled, then the steps run in file order. Reports each closed period's ranking, points,
/// consequences and referrals, as the database holds them.
/// </summary>
public sealed class ScenarioRunner(IServiceProvider services, Action<DateTimeOffset> moveClockTo, Scenario scenario, string? rulebookToTry)
{
    private readonly NpgsqlDataSource _dataSource = services.GetRequiredService<NpgsqlDataSource>();
    private readonly TimeProvider _clock = services.GetRequiredService<TimeProvider>();
    private readonly Dictionary<string, Actor> _actors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long AssignmentId, string Number)> _labels = new(StringComparer.Ordinal);
    private readonly List<SimulatedPeriod> _periods = [];
    private readonly List<SimulatedRefusal> _refusals = [];
    private Dictionary<string, long> _units = [];
    private Dictionary<long, (string Code, string Name)> _unitNames = [];
    private CampaignCycles _campaign = null!;

    /// <param name="moveClockTo">Moves the engine's clock forward to an instant (the simulator's <see cref="SimulatedClock"/>, a test's fake clock).</param>
    /// <param name="rulebookToTry">The rulebook the campaign is imported with instead of the plan's (a code the
    /// services' <see cref="RulebookCatalog"/> holds); null keeps the plan's.</param>
    public static Task<SimulationReport> RunAsync(IServiceProvider services, Action<DateTimeOffset> moveClockTo, Scenario scenario,
        string? rulebookToTry, CancellationToken cancellationToken) =>
        new ScenarioRunner(services, moveClockTo, scenario, rulebookToTry).RunAsync(cancellationToken);

    private async Task<SimulationReport> RunAsync(CancellationToken cancellationToken)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(scenario.TimeZone);
        var start = scenario.Start ?? PlanStart(zone);
        if (scenario.Timeline.Count > 0 && scenario.Timeline[0] is var first && first.At < start)
        {
            throw Problem(first, "at", "is before the scenario starts (the plan's campaign start at 09:00, or start:)");
        }

        MoveTo(start);
        await services.GetRequiredService<ImportOrganization>().RunAsync(Path.GetFileName(scenario.OrganizationFile),
            await File.ReadAllBytesAsync(scenario.OrganizationFile, cancellationToken), AuditActor.System, cancellationToken: cancellationToken);
        var imported = await services.GetRequiredService<ImportPlan>().RunAsync(null,
            new PlanRequest(scenario.Plan.FileName, scenario.Plan.Bytes, RulebookCode: rulebookToTry), cancellationToken: cancellationToken);
        _campaign = await services.GetRequiredService<CycleRunStore>().FindAsync(imported.CampaignCode, cancellationToken)
                    ?? throw new NotFoundException($"Campaign {imported.CampaignCode} was not imported.");
        if (_campaign.RulebookCode is null)
        {
            throw new InputRejectedException([new InputProblem(scenario.File, null, null, "rulebook",
                $"the plan names no rulebook for campaign {_campaign.Code}; name the one to try (rulebook: or rulebook_file:)")]);
        }

        if (_campaign.TimeZone != scenario.TimeZone)
        {
            throw new InputRejectedException([new InputProblem(scenario.File, null, null, "time_zone",
                $"the campaign runs in {_campaign.TimeZone}; the scenario's times must be in it too (time_zone: {_campaign.TimeZone})")]);
        }

        await using (var connection = await _dataSource.OpenConnectionAsync(cancellationToken))
        {
            var units = (await connection.QueryAsync<(long Id, string Code, string Name)>("SELECT id, code, name FROM unit")).ToList();
            _units = units.ToDictionary(u => u.Code, u => u.Id, StringComparer.Ordinal);
            _unitNames = units.ToDictionary(u => u.Id, u => (u.Code, u.Name));
        }

        var closes = _campaign.Cycles
            .SelectMany(c => c.PeriodsOf(_campaign.StartsOn, _campaign.EndsOn).Select(p => (At: c.CloseOf(p), Cycle: c)))
            .Where(c => c.At > _campaign.CreatedAt)
            .OrderBy(c => c.At).ThenBy(c => c.Cycle.Cycle, StringComparer.Ordinal)
            .ToList();
        var end = scenario.Until ?? (scenario.Timeline.Count > 0 ? scenario.Timeline[^1].At : start);
        var steps = new Queue<ScenarioStep>(scenario.Timeline);
        var nextClose = 0;
        var nextNight = NextNight(start, zone);
        while (true)
        {
            var now = _clock.GetUtcNow();
            var moments = new List<DateTimeOffset> { nextNight };
            if (steps.TryPeek(out var step))
            {
                moments.Add(step.At);
            }

            if (nextClose < closes.Count)
            {
                moments.Add(closes[nextClose].At);
            }

            if (await NextTimerAsync(now, cancellationToken) is { } timer)
            {
                moments.Add(timer);
            }

            var at = moments.Min();
            if (at > end)
            {
                break;
            }

            MoveTo(at);
            await SweepAsync(cancellationToken);
            var closing = new List<CycleDefinition>();
            while (nextClose < closes.Count && closes[nextClose].At <= at)
            {
                if (!closing.Contains(closes[nextClose].Cycle))
                {
                    closing.Add(closes[nextClose].Cycle);
                }

                nextClose++;
            }

            foreach (var cycle in closing)
            {
                foreach (var result in await services.GetRequiredService<CatchUpCycles>().RunAsync(_campaign.Id, cycle.Cycle, cancellationToken))
                {
                    await ReportAsync(result, cancellationToken);
                }
            }

            if (at == nextNight)
            {
                await services.GetRequiredService<SampleLookBacks>().RunAsync(cancellationToken);
                nextNight = NextNight(at, zone);
            }

            while (steps.TryPeek(out var due) && due.At <= at)
            {
                await RunStepAsync(steps.Dequeue(), cancellationToken);
            }
        }

        return new SimulationReport(scenario.Name, _campaign.Code, _campaign.RulebookCode, _periods, _refusals);
    }

    private void MoveTo(DateTimeOffset instant)
    {
        if (instant > _clock.GetUtcNow())
        {
            moveClockTo(instant.ToUniversalTime());
        }
    }

    /// <summary>The plan's campaign start, at 09:00 in its zone.</summary>
    private DateTimeOffset PlanStart(TimeZoneInfo zone)
    {
        var problems = new List<InputProblem>();
        var plan = PlanFileReader.Read(scenario.Plan.FileName, scenario.Plan.Bytes, problems);
        if (plan?.Campaign?.StartsOn is not { } startsOn)
        {
            throw new InputRejectedException(problems.Count > 0 ? problems
                : [new InputProblem(scenario.File, null, null, "start", "the plan gives no campaign start date; say when the scenario starts (start:)")]);
        }

        var local = startsOn.ToDateTime(new TimeOnly(9, 0));
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    private static DateTimeOffset NextNight(DateTimeOffset after, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(after, zone);
        var night = local.Date.AddHours(2);
        if (night <= local.DateTime)
        {
            night = night.AddDays(1);
        }

        return new DateTimeOffset(night, zone.GetUtcOffset(night)).ToUniversalTime();
    }

    private const string NextTimer = """
        SELECT min(t) FROM (
            SELECT min(next_timer_at) AS t FROM assignment WHERE campaign_id = @campaign AND next_timer_at > @now
            UNION ALL SELECT min(recheck_at) FROM assignment WHERE campaign_id = @campaign AND recheck_at > @now
            UNION ALL SELECT min(r.due_at) FROM consequence_response r JOIN consequence c ON c.id = r.consequence_id
                      WHERE c.campaign_id = @campaign AND r.responded_at IS NULL AND r.overdue_at IS NULL AND r.due_at > @now
        ) x
        """;

    private async Task<DateTimeOffset?> NextTimerAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<DateTimeOffset?>(new CommandDefinition(NextTimer, new { campaign = _campaign.Id, now },
            cancellationToken: cancellationToken));
    }

    /// <summary>Every periodic sweep the scheduler runs each minute (assignment timers, progress lights, consequence
    /// responses, the outbox relay...), in name order; in a simulation a failing sweep stops the run.</summary>
    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        foreach (var sweep in services.GetServices<IPeriodicSweep>().OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            await sweep.RunOnceAsync(cancellationToken);
        }
    }

    private async Task RunStepAsync(ScenarioStep step, CancellationToken cancellationToken)
    {
        try
        {
            await ActAsync(step, cancellationToken);
        }
        catch (BusinessRuleBrokenException e)
        {
            _refusals.Add(new SimulatedRefusal(step.Line, step.Field, step.At, step.Do, e.Rule, e.Message));
        }
        catch (Exception e) when (e is AccessDeniedException or NotFoundException or ConcurrencyConflictException)
        {
            throw Problem(step, step.As is null ? "do" : "as", e.Message);
        }
        catch (InputRejectedException e)
        {
            throw new InputRejectedException(e.Problems.Select(p => p.File == "request"
                ? new InputProblem(scenario.File, null, step.Line, $"{step.Field}.{p.Field}", p.Reason)
                : p).ToList());
        }
    }

    private async Task ActAsync(ScenarioStep step, CancellationToken cancellationToken)
    {
        var actor = step.As is null ? null : await ActorAsync(step);
        T Get<T>() where T : notnull => services.GetRequiredService<T>();
        switch (step.Do)
        {
            case "record_problem":
                var recorded = await Get<RecordProblem>().RunAsync(actor!, new ProblemReport(_campaign.Id, step.Source!.Value, step.Level,
                    Unit(step, step.Unit!), Unit(step, step.Verifier!), step.Name!, step.ProblemType, step.Note, step.Date!.Value,
                    step.RepeatOf is null ? null : _labels.TryGetValue(step.RepeatOf, out var earlier) ? earlier.Number : step.RepeatOf,
                    step.Evidence ? [Photo(step)] : null), cancellationToken);
                if (step.Label is { } label)
                {
                    _labels[label] = (recorded.Id, recorded.Number);
                }

                return;
            case "close_period":
                if (actor is not null)
                {
                    await Get<AccessPolicy>().RequireAsync(actor, Operation.RunCycles, cancellationToken: cancellationToken);
                }

                await ReportAsync(await Get<RunCycle>().RunAsync(new CycleRunRequest(_campaign.Code, step.Period!, step.Cycle),
                    actor is null ? AuditActor.Cli : AuditActor.Person(actor.PersonId), cancellationToken), cancellationToken);
                return;
        }

        var request = new ActionRequest(await ItemAsync(step, actor!, cancellationToken));
        _ = step.Do switch
        {
            "acknowledge" => await Get<AcknowledgeAssignment>().RunAsync(actor!, request, step.Note, cancellationToken),
            "report" => await Get<ReportProgress>().RunAsync(actor!, request, step.Percent!.Value, step.Note ?? "进度报告", cancellationToken: cancellationToken),
            "request_extension" => await Get<RequestExtension>().RunAsync(actor!, request, step.Note!, step.Date!.Value, cancellationToken),
            "approve_extension" => await Get<DecideExtension>().RunAsync(actor!, request, true, step.Date, step.Leader, step.Note, cancellationToken),
            "refuse_extension" => await Get<DecideExtension>().RunAsync(actor!, request, false, null, step.Leader, step.Note ?? "不予延期", cancellationToken),
            "submit" => await Get<SubmitForClosure>().RunAsync(actor!, request, await EvidenceAsync(step, request.AssignmentId, cancellationToken),
                step.Note, cancellationToken),
            "start_verification" => await Get<StartVerification>().RunAsync(actor!, request, step.Note, cancellationToken),
            "accept" => await Get<AcceptSubmission>().RunAsync(actor!, request, step.Note, cancellationToken),
            "return" => await Get<ReturnSubmission>().RunAsync(actor!, request, step.Note!, step.FalseReply, cancellationToken: cancellationToken),
            "close" => await Get<CloseAssignment>().RunAsync(actor!, request, step.Note, cancellationToken),
            "chase" => await Get<IssueChaser>().RunAsync(actor!, request, step.Note!, step.Colour, cancellationToken),
            "acknowledge_chaser" => await Get<AcknowledgeChaser>().RunAsync(actor!, request, await ChaserAsync(step, request.AssignmentId, cancellationToken),
                step.Note, cancellationToken),
            "object" => await Get<ObjectDuringPublicNotice>().RunAsync(actor!, request, step.Note!, cancellationToken),
            "close_unfounded" => await Get<CloseComplaintAsUnfounded>().RunAsync(actor!, request, step.Note!, cancellationToken: cancellationToken),
            "look_back" => await Get<RecordLookBack>().RunAsync(actor!, request, step.Result!.Value, step.Note ?? (step.Result == LookBackResult.Pass ? "回头看未发现反弹" : "回头看发现反弹"),
                step.Date, cancellationToken: cancellationToken),
            _ => throw new InvalidOperationException($"no action {step.Do}"),
        };
    }

    private async Task<Actor> ActorAsync(ScenarioStep step)
    {
        if (!_actors.TryGetValue(step.As!, out var actor))
        {
            var people = services.GetRequiredService<PersonStore>();
            var person = await people.FindByLoginAsync(step.As!) ?? throw Problem(step, "as", $"no person '{step.As}' in the organisation");
            actor = await people.LoadActorAsync(person.Id) ?? throw Problem(step, "as", $"{step.As} is not active");
            _actors[step.As!] = actor;
        }

        return actor;
    }

    private long Unit(ScenarioStep step, string code) =>
        _units.TryGetValue(code, out var id) ? id : throw Problem(step, "unit", $"no unit '{code}' in the organisation");

    private const string SelectTaskItem = """
        SELECT a.id FROM assignment a JOIN task t ON t.id = a.task_id
        WHERE a.campaign_id = @campaign AND t.number = @task AND a.unit_id = @unit AND a.state <> 'cancelled'
          AND (@role::text IS NULL OR a.role = @role) AND (@obligation::int IS NULL OR a.obligation_no = @obligation)
        ORDER BY a.closed_at IS NOT NULL, a.role = 'cooperating', a.obligation_no, a.id
        LIMIT 1
        """;

    private const string SelectLedgerItem = """
        SELECT a.id FROM assignment a JOIN ledger_item l ON l.id = a.ledger_item_id
        WHERE a.campaign_id = @campaign AND l.number = @number AND a.state <> 'cancelled'
        ORDER BY a.id DESC LIMIT 1
        """;

    /// <summary>The assignment a step acts on: the unit's (by default the acting person's unit) earliest open obligation
    /// on the task, or the item of a ledger number or a recorded problem's label.</summary>
    private async Task<long> ItemAsync(ScenarioStep step, Actor actor, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        if (step.Item is { } item)
        {
            if (_labels.TryGetValue(item, out var labelled))
            {
                return labelled.AssignmentId;
            }

            return await connection.QuerySingleOrDefaultAsync<long?>(SelectLedgerItem, new { campaign = _campaign.Id, number = item })
                   ?? throw Problem(step, "item", $"no item '{item}': neither a ledger number of campaign {_campaign.Code} nor the label of an earlier problem");
        }

        var unit = step.Unit is { } code ? Unit(step, code)
            : actor.Memberships.FirstOrDefault(m => m.UnitId is not null && m.Role is Role.UnitOperator or Role.UnitLeader)?.UnitId
              ?? throw Problem(step, "unit", $"say which unit's assignment on task {step.Task} ({step.As} acts for no unit)");
        return await connection.QuerySingleOrDefaultAsync<long?>(SelectTaskItem, new
        {
            campaign = _campaign.Id, task = step.Task, unit, role = step.Role, obligation = step.Obligation,
        }) ?? throw Problem(step, "task", $"task {step.Task} is not assigned to {_unitNames[unit].Code}");
    }

    /// <summary>The evidence a submission carries: one small PDF for each kind the task requires (one report when it
    /// names none), the same bytes every run.</summary>
    private async Task<IReadOnlyList<EvidenceUpload>> EvidenceAsync(ScenarioStep step, long assignmentId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var kinds = await connection.QuerySingleAsync<string[]>("""
            SELECT coalesce(t.evidence_kinds, '{}') FROM assignment a LEFT JOIN task t ON t.id = a.task_id WHERE a.id = @assignmentId
            """, new { assignmentId });
        return (kinds.Length == 0 ? ["整改报告"] : kinds).Select(kind => new EvidenceUpload(kind, $"{kind}.pdf",
            Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"%PDF-1.4\n% {scenario.Name} line {step.Line}: {kind}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")))).ToList();
    }

    private static EvidenceUpload Photo(ScenarioStep step) =>
        new("现场照片", "现场照片.png",
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, (byte)(step.Line % 256)]);

    private async Task<long> ChaserAsync(ScenarioStep step, long assignmentId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<long?>(
                   "SELECT id FROM assignment_chaser WHERE assignment_id = @assignmentId AND acknowledged_at IS NULL ORDER BY id DESC LIMIT 1",
                   new { assignmentId })
               ?? throw Problem(step, "do", "the item has no chaser waiting for a receipt");
    }

    private const string SelectRun = """
        SELECT id, rulebook_code || '@' || rulebook_version, output_sha256 FROM score_run
        WHERE campaign_id = @campaign AND cycle = @cycle AND period = @period AND current
        """;

    private const string SelectRanking = """
        SELECT unit_id, category, rank, score, deductions, bonuses, grade, usable, top, bottom, previous_rank, ladder_counts::text
        FROM score_unit_result WHERE run_id = @run
        """;

    private const string SelectPoints = """
        SELECT unit_id, rule_id, rule_name, quantity, points, basis, event_count FROM score_ledger_entry WHERE run_id = @run
        """;

    private const string SelectConsequences = """
        SELECT unit_id, kind, post, holder_name, rule_ids, facts::text FROM consequence WHERE run_id = @run
        """;

    private const string SelectReferrals = """
        SELECT unit_id, level, kinds FROM referral
        WHERE campaign_id = @campaign AND cycle = @cycle AND period = @period AND state <> 'withdrawn'
        """;

    private async Task ReportAsync(CycleRunResult result, CancellationToken cancellationToken)
    {
        if (result.Outcome is not (CycleRunOutcome.Published or CycleRunOutcome.Corrected))
        {
            return;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var key = new { campaign = _campaign.Id, cycle = result.Cycle, period = result.Period };
        var run = await connection.QuerySingleAsync<(long Id, string Rulebook, string OutputSha256)>(new CommandDefinition(SelectRun, key,
            cancellationToken: cancellationToken));
        var parameters = new { run = run.Id };
        string Code(long unit) => _unitNames[unit].Code;

        var ranking = (await connection.QueryAsync<(long Unit, string? Category, int? Rank, decimal Score, decimal Deductions, decimal Bonuses, string Grade,
                bool Usable, bool Top, bool Bottom, int? PreviousRank, string LadderCounts)>(SelectRanking, parameters))
            .Select(r => new SimulatedRank(Code(r.Unit), _unitNames[r.Unit].Name, r.Category, r.Rank, r.Score, r.Deductions, r.Bonuses, r.Grade, r.Usable,
                r.Top, r.Bottom, r.PreviousRank, new SortedDictionary<string, int>(
                    JsonSerializer.Deserialize<Dictionary<string, int>>(r.LadderCounts) ?? [], StringComparer.Ordinal)))
            .OrderBy(r => r.Category is null).ThenBy(r => r.Category, StringComparer.Ordinal).ThenBy(r => r.Rank ?? int.MaxValue)
            .ThenBy(r => r.Unit, StringComparer.Ordinal)
            .ToList();
        var points = (await connection.QueryAsync<(long Unit, string Rule, string RuleName, decimal Quantity, decimal Points, string Basis, int Events)>(
                SelectPoints, parameters))
            .Select(p => new SimulatedPoints(Code(p.Unit), p.Rule, p.RuleName, p.Quantity, p.Points, p.Basis, p.Events))
            .OrderBy(p => p.Unit, StringComparer.Ordinal).ThenBy(p => p.Rule, StringComparer.Ordinal)
            .ToList();
        var consequences = (await connection.QueryAsync<(long Unit, string Kind, string Post, string? Holder, string[] Rules, string Facts)>(
                SelectConsequences, parameters))
            .Select(c => new SimulatedConsequence(Code(c.Unit), c.Kind, ScoringVocabulary.Consequence(c.Kind).Name,
                c.Post == ScoringVocabulary.UnitPost ? null : c.Post, c.Holder, c.Rules,
                (JsonSerializer.Deserialize<List<ConsequenceFact>>(c.Facts, AuditEntry.PayloadJsonOptions) ?? []).Select(f => f.Text).ToList()))
            .OrderBy(c => c.Unit, StringComparer.Ordinal).ThenBy(c => ScoringVocabulary.Consequence(c.Kind).Severity).ThenBy(c => c.Post, StringComparer.Ordinal)
            .ToList();
        var referrals = (await connection.QueryAsync<(long Unit, string Level, string[] Kinds)>(SelectReferrals, key))
            .Select(r => new SimulatedReferral(Code(r.Unit), r.Level, [.. r.Kinds.Order(StringComparer.Ordinal)]))
            .OrderBy(r => r.Unit, StringComparer.Ordinal)
            .ToList();
        _periods.Add(new SimulatedPeriod(result.Cycle, result.Period, _clock.GetUtcNow(), result.Outcome.ToString(), run.Rulebook, run.OutputSha256,
            ranking, points, consequences, referrals, result.Documents.Count(d => d.Issue != DocumentIssue.Unchanged), result.Notifications));
    }

    private InputRejectedException Problem(ScenarioStep step, string field, string reason) =>
        new([new InputProblem(scenario.File, null, step.Line, $"{step.Field}.{field}", reason)]);
}
