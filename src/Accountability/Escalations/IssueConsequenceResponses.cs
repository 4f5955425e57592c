using Accountability.Calendar;
using Accountability.Scoring;
using Dapper;
using Npgsql;

namespace Accountability.Escalations;

/// <summary>
/// Fixes the response timers of newly issued consequences: "a rectification plan within 5 working days after the talk"
/// becomes an absolute instant (the end of that working day in the campaign's zone) once, when the consequence is
/// issued, computed on the campaign's statutory calendar; a later correction of the calendar never moves it.
/// A recomputed period (a correction, an accepted appeal, a cascade) issues its consequences again under a new run:
/// a response the superseded run already demanded of the same unit, for the same consequence and post, is the same
/// obligation — it keeps its due time, and the answer or the lateness already recorded — rather than a second demand
/// with a later deadline. Responses of consequences the new run no longer produces stay with the superseded run,
/// which nothing chases (<see cref="ConsequenceResponseSweep"/> reads current runs only).
/// </summary>
public sealed class IssueConsequenceResponses(CalendarCatalog calendars) : IUseCase
{
    // The superseded run's responses are locked first: an overdue sweep or a unit's answer in flight on them commits
    // before they are carried over (each statement below then reads what they committed).
    private const string LockSuperseded = """
        SELECT 1 FROM consequence_response p JOIN consequence o ON o.id = p.consequence_id WHERE o.run_id = @supersededRunId
        ORDER BY p.consequence_id, p.kind
        FOR UPDATE OF p
        """;

    private const string Insert = """
        INSERT INTO consequence_response (consequence_id, kind, name, unit_id, due_at, responded_at, responded_by, note, overdue_at)
        SELECT n.consequence_id, n.kind, n.name, n.unit_id, coalesce(p.due_at, n.due_at), p.responded_at, p.responded_by, p.note, p.overdue_at
        FROM unnest(@consequences, @kinds, @names, @units, @dues) AS n(consequence_id, kind, name, unit_id, due_at)
        JOIN consequence c ON c.id = n.consequence_id
        LEFT JOIN consequence o ON o.run_id = @supersededRunId AND o.unit_id = c.unit_id AND o.kind = c.kind AND o.post = c.post
        LEFT JOIN consequence_response p ON p.consequence_id = o.id AND p.kind = n.kind
        """;

    /// <param name="supersededRunId">The period's run the new one replaces, whose responses carry over; null for a first scoring.</param>
    public async Task IssueAsync(NpgsqlConnection connection, CampaignInfo campaign, Rulebook rulebook,
        IReadOnlyList<ConsequenceOutcome> consequences, IReadOnlyDictionary<(long, string, string?), long> ids, long? supersededRunId,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = new List<(long Consequence, string Kind, string Name, long Unit, DateTimeOffset Due)>();
        WorkingDayCalendar? calendar = null;
        foreach (var consequence in consequences)
        {
            if (!rulebook.Consequences.TryGetValue(consequence.Kind, out var definition))
            {
                continue;
            }

            foreach (var response in definition.Responses)
            {
                calendar ??= calendars.Get(campaign.CalendarCode);
                rows.Add((ids[(consequence.UnitId, consequence.Kind, consequence.Post)], response.Kind, response.Name, consequence.UnitId,
                    DueAt(calendar, campaign.Zone, now, response)));
            }
        }

        if (rows.Count == 0)
        {
            return;
        }

        if (supersededRunId is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(LockSuperseded, new { supersededRunId }, cancellationToken: cancellationToken));
        }

        await connection.ExecuteAsync(new CommandDefinition(Insert, new
        {
            supersededRunId,
            consequences = rows.Select(r => r.Consequence).ToArray(),
            kinds = rows.Select(r => r.Kind).ToArray(),
            names = rows.Select(r => r.Name).ToArray(),
            units = rows.Select(r => r.Unit).ToArray(),
            dues = rows.Select(r => r.Due.UtcDateTime).ToArray(),
        }, cancellationToken: cancellationToken));
    }

    /// <summary>The end (midnight after) of the day the response falls due, in the campaign's zone.</summary>
    public static DateTimeOffset DueAt(WorkingDayCalendar calendar, TimeZoneInfo zone, DateTimeOffset issuedAt, ResponseTimer response)
    {
        var issuedDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(issuedAt, zone).DateTime);
        var dueDay = response.WithinWorkingDays is { } workingDays
            ? calendar.AddWorkingDays(issuedDay, workingDays)
            : issuedDay.AddDays(response.WithinDays!.Value);
        var endOfDay = dueDay.AddDays(1).ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(endOfDay, zone.GetUtcOffset(endOfDay)).ToUniversalTime();
    }
}
