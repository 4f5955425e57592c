using Accountability.Calendar;
using Accountability.Scoring;
using Dapper;
using Npgsql;

namespace Accountability.Escalations;

/// <summary>
/// Fixes the response timers of newly issued consequences: "a rectification plan within 5 working days after the talk"
/// becomes an absolute instant (the end of that working day in the campaign's zone) once, when the consequence is
/// issued, computed on the campaign's statutory calendar; a later correction of the calendar never moves it.
/// </summary>
public sealed class IssueConsequenceResponses(CalendarCatalog calendars) : IUseCase
{
    private const string Insert = """
        INSERT INTO consequence_response (consequence_id, kind, name, unit_id, due_at)
        SELECT * FROM unnest(@consequences, @kinds, @names, @units, @dues)
        """;

    public async Task IssueAsync(NpgsqlConnection connection, CampaignInfo campaign, Rulebook rulebook,
        IReadOnlyList<ConsequenceOutcome> consequences, IReadOnlyDictionary<(long, string, string?), long> ids, DateTimeOffset now,
        CancellationToken cancellationToken)
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

        await connection.ExecuteAsync(new CommandDefinition(Insert, new
        {
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
