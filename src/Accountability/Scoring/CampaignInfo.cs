using Dapper;
using Npgsql;

namespace Accountability.Scoring;

/// <summary>What scoring and documents need of a campaign.</summary>
public sealed record CampaignInfo(
    long Id,
    string Code,
    string Name,
    string? DocumentNumber,
    long? HeadquartersUnitId,
    string TimeZone,
    string CalendarCode,
    string? RulebookCode,
    DateOnly StartsOn)
{
    private const string Select = """
        SELECT id, code, name, document_number AS documentnumber, headquarters_unit_id AS headquartersunitid, time_zone AS timezone,
               calendar_code AS calendarcode, rulebook_code AS rulebookcode, starts_on AS startson
        FROM campaign WHERE id = @id
        """;

    private const string SelectByCode = """
        SELECT id FROM campaign WHERE code = @code
        """;

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    public static async Task<CampaignInfo> LoadAsync(NpgsqlConnection connection, long id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(long Id, string Code, string Name, string? DocumentNumber, long? HeadquartersUnitId,
            string TimeZone, string CalendarCode, string? RulebookCode, DateTime StartsOn)?>(new CommandDefinition(Select, new { id }, cancellationToken: cancellationToken));
        if (row is not { } c)
        {
            throw new NotFoundException($"No campaign {id}.");
        }

        return new CampaignInfo(c.Id, c.Code, c.Name, c.DocumentNumber, c.HeadquartersUnitId, c.TimeZone, c.CalendarCode, c.RulebookCode,
            DateOnly.FromDateTime(c.StartsOn));
    }

    public static async Task<long> IdForCodeAsync(NpgsqlConnection connection, string code, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(SelectByCode, new { code }, cancellationToken: cancellationToken))
        ?? throw new NotFoundException($"No campaign with code '{code}'.");
}
