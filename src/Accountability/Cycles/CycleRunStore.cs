using Dapper;
using Npgsql;

namespace Accountability.Cycles;

/// <summary>What a cycle needs of a campaign.</summary>
public sealed record CampaignCycles(
    long Id,
    string Code,
    string Name,
    string TimeZone,
    string? RulebookCode,
    DateOnly StartsOn,
    DateOnly EndsOn,
    DateTimeOffset CreatedAt,
    IReadOnlyList<CycleDefinition> Cycles)
{
    public CycleDefinition? Cycle(string name) => Cycles.FirstOrDefault(c => c.Cycle == name);

    /// <summary>The periods of <paramref name="cycle"/> that are due by <paramref name="now"/>, oldest first: closed
    /// (their close time has come) after the campaign came into the system. Periods that had closed before the campaign
    /// existed here are never run by the scheduler; a planner can still run one by hand.</summary>
    public IEnumerable<Period> DuePeriods(CycleDefinition cycle, DateTimeOffset now) =>
        cycle.PeriodsOf(StartsOn, EndsOn).TakeWhile(p => cycle.CloseOf(p) <= now).Where(p => cycle.CloseOf(p) > CreatedAt);
}

/// <summary>One row of <c>cycle_run</c>, as the CLI and the API list it. A failed run (status <c>failed</c>) carries its
/// error; a failed correction keeps the publication it was correcting (revision, time, summary).</summary>
public sealed record CycleRunRow(
    long Id,
    string Cycle,
    string Period,
    DateTimeOffset CloseAt,
    string Status,
    int Attempt,
    string ClaimedBy,
    DateTimeOffset ClaimedAt,
    int PublishedRevision,
    DateTimeOffset? PublishedAt,
    string? PublishedBy,
    string Summary,
    string? Error,
    DateTimeOffset? FailedAt);

/// <summary>When a campaign's cycle should fire, for the scheduler to keep one trigger per (campaign, cycle).</summary>
public sealed record CycleSchedule(
    long CampaignId,
    string CampaignCode,
    string Cycle,
    string CronExpression,
    string TimeZone,
    DateTimeOffset LastClose,
    DateTimeOffset? OldestUnpublishedDue);

public sealed class CycleRunStore(NpgsqlDataSource dataSource) : IStore
{
    private const string SelectCampaigns = """
        SELECT id AS Id, code AS Code, name AS Name, time_zone AS TimeZone, rulebook_code AS RulebookCode, starts_on AS StartsOn,
               ends_on AS EndsOn, created_at AS CreatedAt, cadence::text AS Cadence
        FROM campaign
        """;

    private const string SelectRuns = """
        SELECT r.id AS Id, r.cycle AS Cycle, r.period AS Period, r.close_at AS CloseAt, r.status AS Status, r.attempt AS Attempt,
               r.claimed_by AS ClaimedBy, r.claimed_at AS ClaimedAt, r.published_revision AS PublishedRevision,
               r.published_at AS PublishedAt, r.published_by AS PublishedBy, r.summary::text AS Summary,
               r.last_error AS Error, r.failed_at AS FailedAt
        FROM cycle_run r JOIN campaign c ON c.id = r.campaign_id
        WHERE c.code = @campaignCode
        ORDER BY r.close_at, r.cycle
        """;

    private const string SelectPublished = """
        SELECT campaign_id, cycle, period FROM cycle_run WHERE published_revision > 0 AND campaign_id = ANY(@ids)
        """;

    public async Task<CampaignCycles?> FindAsync(string code, CancellationToken cancellationToken = default) =>
        (await LoadAsync(SelectCampaigns + " WHERE code = @code", new { code }, cancellationToken)).SingleOrDefault();

    public async Task<CampaignCycles?> FindAsync(long id, CancellationToken cancellationToken = default) =>
        (await LoadAsync(SelectCampaigns + " WHERE id = @id", new { id }, cancellationToken)).SingleOrDefault();

    public async Task<IReadOnlyList<CycleRunRow>> ListRunsAsync(string campaignCode, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<CycleRunRow>(new CommandDefinition(SelectRuns, new { campaignCode }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<HashSet<string>> PublishedPeriodsAsync(long campaignId, string cycle, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long CampaignId, string Cycle, string Period)>(
            new CommandDefinition(SelectPublished, new { ids = new[] { campaignId } }, cancellationToken: cancellationToken));
        return rows.Where(r => r.Cycle == cycle).Select(r => r.Period).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Every campaign cycle that can still fire, with the close of its oldest due period that has not been
    /// published (null when it is up to date). Campaigns whose cadence does not validate are skipped here and reported
    /// by plan import, which owns that input.</summary>
    public async Task<IReadOnlyList<CycleSchedule>> ListSchedulesAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var campaigns = await LoadAsync(SelectCampaigns + " WHERE cadence::text NOT IN ('{}', '[]')", null, cancellationToken, skipInvalid: true);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var published = (await connection.QueryAsync<(long CampaignId, string Cycle, string Period)>(
                new CommandDefinition(SelectPublished, new { ids = campaigns.Select(c => c.Id).ToArray() }, cancellationToken: cancellationToken)))
            .ToHashSet();
        var schedules = new List<CycleSchedule>();
        foreach (var campaign in campaigns)
        {
            foreach (var cycle in campaign.Cycles)
            {
                var last = cycle.PeriodsOf(campaign.StartsOn, campaign.EndsOn).LastOrDefault();
                if (last is null)
                {
                    continue;
                }

                var oldest = campaign.DuePeriods(cycle, now).FirstOrDefault(p => !published.Contains((campaign.Id, cycle.Cycle, p.Key)));
                schedules.Add(new CycleSchedule(campaign.Id, campaign.Code, cycle.Cycle, cycle.CloseCron(), campaign.TimeZone,
                    cycle.CloseOf(last), oldest is null ? null : cycle.CloseOf(oldest)));
            }
        }

        return schedules;
    }

    private async Task<List<CampaignCycles>> LoadAsync(string sql, object? parameters, CancellationToken cancellationToken, bool skipInvalid = false)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<CampaignRow>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        var campaigns = new List<CampaignCycles>();
        foreach (var row in rows)
        {
            IReadOnlyList<CycleDefinition> cycles;
            try
            {
                cycles = CadenceReader.ReadStored(row.Cadence, row.TimeZone, row.Code);
            }
            catch (InputRejectedException) when (skipInvalid)
            {
                continue;
            }

            campaigns.Add(new CampaignCycles(row.Id, row.Code, row.Name, row.TimeZone, row.RulebookCode, row.StartsOn, row.EndsOn, row.CreatedAt, cycles));
        }

        return campaigns;
    }

    private sealed record CampaignRow(long Id, string Code, string Name, string TimeZone, string? RulebookCode, DateOnly StartsOn,
        DateOnly EndsOn, DateTimeOffset CreatedAt, string Cadence);
}
