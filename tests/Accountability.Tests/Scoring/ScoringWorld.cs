using Accountability.Cycles;
using Accountability.Scoring;
using Accountability.Tests.Access;
using Dapper;

namespace Accountability.Tests.Scoring;

/// <summary>A campaign on the sample county with assignments and scoring events written straight into the tables (the
/// plan import and the workflow that normally write them are other capabilities), scored through the engine.</summary>
public sealed class ScoringWorld : IAsyncDisposable
{
    private readonly Dictionary<string, long> _units = [];

    private ScoringWorld(TestEngine engine, long campaignId)
    {
        Engine = engine;
        CampaignId = campaignId;
    }

    public TestEngine Engine { get; }

    public long CampaignId { get; }

    public const string Campaign = "jx-100days";

    public static async Task<ScoringWorld> CreateAsync(string rulebook)
    {
        var engine = await TestEngine.CreateAsync();
        await OrganizationFixture.ImportSampleAsync(engine);
        await using var connection = await engine.Database.DataSource.OpenConnectionAsync();
        var id = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO campaign (code, name, document_number, headquarters_unit_id, starts_on, ends_on, rulebook_code, created_at)
            VALUES (@Campaign, '环保百日攻坚行动', '金攻坚办〔2017〕1号', (SELECT id FROM unit WHERE code = 'jx-hq'), '2017-09-01', '2018-03-31', @rulebook, now())
            RETURNING id
            """, new { Campaign, rulebook });
        return new ScoringWorld(engine, id);
    }

    public async Task<long> UnitAsync(string code)
    {
        if (!_units.TryGetValue(code, out var id))
        {
            _units[code] = id = await OrganizationFixture.UnitIdAsync(Engine, code);
        }

        return id;
    }

    public async Task<long> TaskAsync(string number, decimal weight = 1, string milestones = "[]")
    {
        await using var connection = await Engine.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("""
            INSERT INTO task (campaign_id, number, title, weight, milestones, first_version, changed_version)
            VALUES (@CampaignId, @number, '任务' || @number, @weight, @milestones::jsonb, 1, 1) RETURNING id
            """, new { CampaignId, number, weight, milestones });
    }

    public async Task<long> AssignAsync(string unit, long taskId, string state = "in_progress", int progress = 0, string issuedAt = "2017-09-01T01:00Z",
        string dueAt = "2017-12-31T15:59Z", string? reportedAt = null, string? closedAt = null, string? submittedAt = null)
    {
        await using var connection = await Engine.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("""
            INSERT INTO assignment (campaign_id, task_id, unit_id, role, issued_at, due_at, plan_version, workflow_code, workflow_version, state,
                                    progress_percent, progress_reported_at, closed_at, submitted_at, updated_at)
            VALUES (@CampaignId, @taskId, @unitId, 'responsible', @issuedAt::timestamptz, @dueAt::timestamptz, 1, 'assignment', 1, @state,
                    @progress, @reportedAt::timestamptz, @closedAt::timestamptz, @submittedAt::timestamptz, now())
            RETURNING id
            """, new { CampaignId, taskId, unitId = await UnitAsync(unit), issuedAt, dueAt, state, progress, reportedAt, closedAt, submittedAt });
    }

    public async Task<long[]> EventsAsync(string unit, string kind, int count, string at, string? level = null, long? assignmentId = null)
    {
        await using var connection = await Engine.Database.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<long>("""
            INSERT INTO scoring_event (campaign_id, unit_id, assignment_id, task_id, kind, level, occurred_at)
            SELECT @CampaignId, @unitId, @assignmentId, (SELECT task_id FROM assignment WHERE id = @assignmentId), @kind, @level, @at::timestamptz
            FROM generate_series(1, @count)
            RETURNING id
            """, new { CampaignId, unitId = await UnitAsync(unit), assignmentId, kind, level, at, count })).ToArray();
    }

    /// <summary>The events behind a ledger line, as the engine lists them from the line's reference.</summary>
    /// <summary>Freezes October 2017 (Shanghai) and gathers it under <paramref name="rulebookCode"/> once per source,
    /// all in one transaction on the one snapshot.</summary>
    public async Task<IReadOnlyList<PeriodInputs>> GatherOctoberAsync(string rulebookCode, params EventSource[] sources)
    {
        var (start, end) = (new DateTimeOffset(2017, 9, 30, 16, 0, 0, TimeSpan.Zero), new DateTimeOffset(2017, 10, 31, 16, 0, 0, TimeSpan.Zero));
        var rulebook = Engine.Get<RulebookCatalog>().InForce(rulebookCode, new DateOnly(2017, 10, 1));
        await using var connection = await Engine.Database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var snapshot = await FreezeSnapshot.RunAsync(connection, CampaignId, "monthly", "2017-10", end, end.AddHours(1));
        var scope = new ScoringScope(CampaignId, "monthly", "2017-10", snapshot, start, end, end, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        var gathered = new List<PeriodInputs>();
        foreach (var source in sources)
        {
            gathered.Add(await Engine.Get<PeriodInputsStore>().GatherAsync(connection, rulebook, scope, default, source));
        }

        return gathered;
    }

    public async Task<long[]> LineEventsAsync(long entryId)
    {
        await using var connection = await Engine.Database.DataSource.OpenConnectionAsync();
        return await Engine.Get<LedgerEvents>().ForEntryAsync(connection, entryId);
    }

    /// <summary>Every line of a run, recounted from its reference and compared with what it recorded.</summary>
    public async Task<IReadOnlyList<LedgerEventsCheck>> CheckLedgerAsync(long runId)
    {
        await using var connection = await Engine.Database.DataSource.OpenConnectionAsync();
        var ids = (await connection.QueryAsync<long>("SELECT id FROM score_ledger_entry WHERE run_id = @runId", new { runId })).ToList();
        return await Engine.Get<LedgerEvents>().CheckAsync(connection, ids);
    }

    public Task<ScoreRunResult> ScoreAsync(string period, Rulebook? rulebook = null) =>
        Engine.Get<ScoreCampaignPeriod>().RunAsync(null, Campaign, "monthly", period, rulebook: rulebook);

    public async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await Engine.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException("no value: " + sql);
    }

    public async Task<List<T>> QueryAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await Engine.Database.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<T>(sql, parameters)).ToList();
    }

    public ValueTask DisposeAsync() => Engine.DisposeAsync();
}
