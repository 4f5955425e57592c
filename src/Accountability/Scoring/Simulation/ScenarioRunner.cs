using System.Text.Json;
using Accountability.Audit;
using Accountability.Organization;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Accountability.Scoring.Simulation;

public sealed record SimulatedRank(string Unit, string Name, string? Category, int? Rank, decimal Score, string Grade, bool Top, bool Bottom,
    IReadOnlyDictionary<string, int> LadderCounts);

public sealed record SimulatedPoints(string Unit, string Rule, decimal Points, string Basis);

public sealed record SimulatedConsequence(string Unit, string Kind, string KindName, string? Post, IReadOnlyList<string> Facts);

public sealed record SimulatedPeriod(string Cycle, string Period, DateTimeOffset ClosedAt, string Rulebook, string OutputSha256,
    IReadOnlyList<SimulatedRank> Ranking, IReadOnlyList<SimulatedPoints> Points, IReadOnlyList<SimulatedConsequence> Consequences, int Documents);

public sealed record SimulationReport(string Scenario, string Campaign, IReadOnlyList<SimulatedPeriod> Periods);

/// <summary>
/// Plays a scenario against an empty database on a simulated clock: imports the organisation, opens the campaign with
/// its tasks assigned to the units, then walks the timeline — scoring events, progress reports, state changes, period
/// closes — and reports each closed period's ranking, points and consequences. Until plan import, the workflow and the
/// cycle close land in this branch, tasks, progress and states are written straight into the tables the way those
/// capabilities write them, and a close scores through <see cref="ScoreCampaignPeriod"/> (docs/formats/scenario.md).
/// </summary>
public static class ScenarioRunner
{
    /// <param name="moveClockTo">Moves the engine's clock forward to an instant (the simulator's <see cref="SimulatedClock"/>, a test's fake clock).</param>
    public static async Task<SimulationReport> RunAsync(IServiceProvider services, Action<DateTimeOffset> moveClockTo, Scenario scenario,
        CancellationToken cancellationToken)
    {
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        var clock = services.GetRequiredService<TimeProvider>();
        void MoveTo(DateTimeOffset instant)
        {
            if (instant > clock.GetUtcNow())
            {
                moveClockTo(instant.ToUniversalTime());
            }
        }

        Rulebook? draft = null;
        if (scenario.Campaign.RulebookFile is { } file)
        {
            var problems = new List<InputProblem>();
            draft = RulebookReader.Read(Path.GetFileName(file), await File.ReadAllBytesAsync(file, cancellationToken), problems) ?? throw new InputRejectedException(problems);
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(scenario.Campaign.TimeZone);
        var startLocal = scenario.Campaign.StartsOn.ToDateTime(new TimeOnly(9, 0));
        MoveTo(new DateTimeOffset(startLocal, zone.GetUtcOffset(startLocal)));
        await services.GetRequiredService<ImportOrganization>().RunAsync(Path.GetFileName(scenario.OrganizationFile),
            await File.ReadAllBytesAsync(scenario.OrganizationFile, cancellationToken), AuditActor.System, cancellationToken: cancellationToken);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var units = (await connection.QueryAsync<(string Code, long Id)>("SELECT code, id FROM unit")).ToDictionary(u => u.Code, u => u.Id);
        long Unit(string code, int line) => units.TryGetValue(code, out var id) ? id
            : throw new InputRejectedException([new InputProblem(scenario.Name, null, line, "unit", $"no unit '{code}' in the organisation")]);

        var campaign = scenario.Campaign;
        var campaignId = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO campaign (code, name, headquarters_unit_id, starts_on, ends_on, time_zone, rulebook_code, created_at)
            VALUES (@Code, @Name, (SELECT id FROM unit WHERE code = @Headquarters), @starts, @ends, @TimeZone, @rulebook, @now) RETURNING id
            """, new
        {
            campaign.Code, campaign.Name, campaign.Headquarters, starts = campaign.StartsOn.ToDateTime(TimeOnly.MinValue),
            ends = campaign.EndsOn.ToDateTime(TimeOnly.MinValue), campaign.TimeZone, rulebook = draft?.Code ?? campaign.Rulebook, now = clock.GetUtcNow(),
        });
        var assignments = new Dictionary<(string Unit, string Task), long>();
        foreach (var task in scenario.Tasks)
        {
            DateTimeOffset? due = task.Due is { } d ? Local(d.AddDays(1).ToDateTime(TimeOnly.MinValue), zone) : null;
            var taskId = await connection.ExecuteScalarAsync<long>("""
                INSERT INTO task (campaign_id, number, title, weight, milestones, due_at, first_version, changed_version)
                VALUES (@campaignId, @Number, @Title, @Weight, @milestones::jsonb, @due, 1, 1) RETURNING id
                """, new
            {
                campaignId, task.Number, task.Title, task.Weight, due,
                milestones = JsonSerializer.Serialize(task.Milestones.Select(m => new { on = m.On.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), percent = m.Percent })),
            });
            foreach (var unit in task.Units)
            {
                assignments[(unit, task.Number)] = await connection.ExecuteScalarAsync<long>("""
                    INSERT INTO assignment (campaign_id, task_id, unit_id, role, issued_at, due_at, plan_version, workflow_code, workflow_version, state, updated_at)
                    VALUES (@campaignId, @taskId, @unitId, 'responsible', @now, @due, 1, 'assignment', 1, 'issued', @now) RETURNING id
                    """, new { campaignId, taskId, unitId = Unit(unit, 0), now = clock.GetUtcNow(), due });
            }
        }

        long? Assignment(ScenarioStep step) => step.Task is null ? null
            : assignments.TryGetValue((step.Unit!, step.Task), out var id) ? id
            : throw new InputRejectedException([new InputProblem(scenario.Name, null, step.Line, "task", $"task {step.Task} is not assigned to {step.Unit}")]);

        var periods = new List<SimulatedPeriod>();
        foreach (var step in scenario.Timeline)
        {
            MoveTo(step.At);
            var now = clock.GetUtcNow();
            switch (step.Kind)
            {
                case "event":
                    await connection.ExecuteAsync("""
                        INSERT INTO scoring_event (campaign_id, unit_id, assignment_id, task_id, kind, level, occurred_at)
                        SELECT @campaignId, @unitId, @assignmentId, (SELECT task_id FROM assignment WHERE id = @assignmentId), @Event, @Level, @now
                        FROM generate_series(1, @Count)
                        """, new { campaignId, unitId = Unit(step.Unit!, step.Line), assignmentId = Assignment(step), step.Event, step.Level, now, step.Count });
                    break;
                case "progress":
                    await connection.ExecuteAsync("""
                        UPDATE assignment SET progress_percent = @Percent, progress_reported_at = @now, updated_at = @now,
                                              state = CASE WHEN state IN ('issued', 'acknowledged') THEN 'in_progress' ELSE state END,
                                              acknowledged_at = coalesce(acknowledged_at, @now)
                        WHERE id = @id
                        """, new { step.Percent, now, id = Assignment(step) });
                    break;
                case "state":
                    await connection.ExecuteAsync("""
                        UPDATE assignment SET state = @State, updated_at = @now,
                               closed_at = CASE WHEN @State = 'closed' THEN @now ELSE closed_at END,
                               submitted_at = CASE WHEN @State = 'submitted' THEN @now ELSE submitted_at END,
                               progress_percent = CASE WHEN @State = 'closed' THEN 100 ELSE progress_percent END
                        WHERE id = @id
                        """, new { step.State, now, id = Assignment(step) });
                    break;
                case "close":
                    periods.Add(await CloseAsync(services, connection, campaign.Code, step.Cycle ?? "monthly", step.Period!, draft, now, cancellationToken));
                    break;
            }
        }

        return new SimulationReport(scenario.Name, campaign.Code, periods);
    }

    private static async Task<SimulatedPeriod> CloseAsync(IServiceProvider services, NpgsqlConnection connection, string campaign, string cycle, string period,
        Rulebook? draft, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var result = await services.GetRequiredService<ScoreCampaignPeriod>().RunAsync(null, campaign, cycle, period, rulebook: draft, cancellationToken: cancellationToken);
        var units = (await connection.QueryAsync<(long Id, string Code, string Name)>("SELECT id, code, name FROM unit")).ToDictionary(u => u.Id);
        var outcome = result.Outcome;
        var rulebook = await connection.ExecuteScalarAsync<string>("SELECT rulebook_code || '@' || rulebook_version FROM score_run WHERE id = @RunId", new { result.RunId });
        return new SimulatedPeriod(cycle, period, now, rulebook!, result.OutputSha256,
            outcome.Results.Where(r => r.Rank is not null).Select(r => new SimulatedRank(units[r.UnitId].Code, units[r.UnitId].Name, r.Category, r.Rank, r.Score,
                r.Grade, r.Top, r.Bottom, r.LadderCounts)).ToList(),
            outcome.Ledger.Select(l => new SimulatedPoints(units[l.UnitId].Code, l.RuleId, l.Points, l.Basis)).ToList(),
            outcome.Consequences.Select(c => new SimulatedConsequence(units[c.UnitId].Code, c.Kind, ScoringVocabulary.Consequence(c.Kind).Name, c.Post,
                c.Facts.Select(f => f.Text).ToList())).ToList(),
            result.DocumentIds.Count);
    }

    private static DateTimeOffset Local(DateTime local, TimeZoneInfo zone) => new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
}
