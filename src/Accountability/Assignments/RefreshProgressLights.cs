using Accountability.Cycles;
using Accountability.Workflows;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accountability.Assignments;

/// <summary>
/// Scheduled progress grows every day, so lights change without anyone acting. Once per local day per campaign (the
/// first run after midnight in its zone) this recomputes the light of every open item and writes the ones that
/// changed, set-based. A progress report recomputes its own item at once. The light is derived, so the row version
/// does not change; a row whose version moved on since it was read is not written (the action that moved it set it).
/// </summary>
public sealed class RefreshProgressLights(
    NpgsqlDataSource dataSource,
    AssignmentStore store,
    WorkflowCatalog catalog,
    IOptions<ProgressLightOptions> options,
    TimeProvider time) : IPeriodicSweep
{
    private const string SelectCampaigns = """
        SELECT c.id FROM campaign c LEFT JOIN progress_light_refresh r ON r.campaign_id = c.id
        WHERE c.ends_on >= @earliest AND (r.refreshed_on IS NULL OR r.refreshed_on < @latest)
        """;

    private const string TryLock = "SELECT pg_try_advisory_xact_lock(hashtext('progress-lights'), @campaignId::int)";

    private const string RefreshedToday = """
        SELECT EXISTS (SELECT 1 FROM progress_light_refresh WHERE campaign_id = @campaignId AND refreshed_on >= @today)
        """;

    private const string SelectOpen = "SELECT " + AssignmentStore.FactsColumns + "\n" + AssignmentStore.FactsFrom + """

        WHERE a.campaign_id = @campaignId AND a.closed_at IS NULL AND a.state <> 'cancelled'
        """;

    // The lights were computed from rows read without locks: an action that changed a row meanwhile (its row version
    // moved on) has set that row's light from its new state, and wins. Such a row is left to the action; waiting on
    // its lock and re-checking the version here is what READ COMMITTED does for this UPDATE.
    private const string UpdateLights = """
        UPDATE assignment a SET light = u.light
        FROM unnest(@ids, @versions, @lights) AS u(id, row_version, light)
        WHERE a.id = u.id AND a.row_version = u.row_version
        """;

    private const string MarkRefreshed = """
        INSERT INTO progress_light_refresh (campaign_id, refreshed_on, refreshed_at) VALUES (@campaignId, @today, @now)
        ON CONFLICT (campaign_id) DO UPDATE SET refreshed_on = excluded.refreshed_on, refreshed_at = excluded.refreshed_at
        """;

    public string Name => "progress-lights";

    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        long[] campaigns;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            // Candidates by the widest notion of "today" (UTC−12 … UTC+14); each campaign is checked in its own zone.
            campaigns = (await connection.QueryAsync<long>(SelectCampaigns, new
            {
                earliest = DateOnly.FromDateTime(now.UtcDateTime.AddDays(-1)),
                latest = DateOnly.FromDateTime(now.UtcDateTime.AddDays(1)),
            })).ToArray();
        }

        var changed = 0;
        foreach (var campaignId in campaigns)
        {
            changed += await RefreshAsync(campaignId, now, force: false, cancellationToken);
        }

        return changed;
    }

    /// <summary>Recomputes one campaign's lights (unless already done today, or <paramref name="force"/>); returns how
    /// many changed.</summary>
    public async Task<int> RefreshAsync(long campaignId, DateTimeOffset now, bool force, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await connection.ExecuteScalarAsync<bool>(TryLock, new { campaignId }))
        {
            return 0;
        }

        var campaign = await store.CampaignAsync(connection, campaignId);
        var today = campaign.Today(now);
        if (!force && await connection.ExecuteScalarAsync<bool>(RefreshedToday, new { campaignId, today }))
        {
            return 0;
        }

        var ids = new List<long>();
        var versions = new List<int>();
        var lights = new List<string?>();
        foreach (var item in await connection.QueryAsync<AssignmentFacts>(new CommandDefinition(SelectOpen, new { campaignId },
                     commandTimeout: 600, cancellationToken: cancellationToken, flags: CommandFlags.None)))
        {
            var definition = catalog.Get(item.WorkflowCode, item.WorkflowVersion);
            var light = ProgressLights.Compute(item, item.State, definition.IsOpen(item.State), campaign, now, options.Value);
            if (light != item.Light)
            {
                ids.Add(item.Id);
                versions.Add(item.RowVersion);
                lights.Add(light);
            }
        }

        var written = 0;
        if (ids.Count > 0)
        {
            written = await connection.ExecuteAsync(new CommandDefinition(UpdateLights,
                new { ids = ids.ToArray(), versions = versions.ToArray(), lights = lights.ToArray() },
                commandTimeout: 600, cancellationToken: cancellationToken));
        }

        await connection.ExecuteAsync(MarkRefreshed, new { campaignId, today, now });
        await transaction.CommitAsync(cancellationToken);
        return written;
    }
}
