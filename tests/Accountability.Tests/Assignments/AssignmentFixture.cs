using Accountability.Access;
using Accountability.Assignments;
using Accountability.Calendar;
using Accountability.Cycles;
using Accountability.Tests.Access;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Accountability.Tests.Assignments;

/// <summary>The sample county, one campaign run by 县攻坚办 (jx-hq), and helpers to issue tasks the way plan import
/// does (a row per unit, started by the start policy) while plan import is built elsewhere.</summary>
public sealed class AssignmentFixture
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private int _tasks;

    private AssignmentFixture(TestEngine engine, long campaignId)
    {
        Engine = engine;
        CampaignId = campaignId;
    }

    public TestEngine Engine { get; }

    public long CampaignId { get; }

    public static async Task<AssignmentFixture> CreateAsync(TestEngine engine, int? publicNoticeDays = null, bool importOrganization = true)
    {
        if (importOrganization)
        {
            await OrganizationFixture.ImportSampleAsync(engine);
        }

        await using var connection = await engine.Database.DataSource.OpenConnectionAsync();
        var id = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO campaign (code, name, headquarters_unit_id, starts_on, ends_on, public_notice_days, created_at, current_plan_version)
            VALUES ('jx-100', '金乡县环保百日攻坚', (SELECT id FROM unit WHERE code = 'jx-hq'), '2017-09-01', '2018-06-30', @publicNoticeDays, @now, 1)
            RETURNING id
            """, new { publicNoticeDays, now = engine.Time.GetUtcNow() });
        return new AssignmentFixture(engine, id);
    }

    public static DateTimeOffset EndOfDay(DateOnly date) =>
        new DateTimeOffset(date.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8)).ToUniversalTime();

    public static DateTimeOffset Local(int year, int month, int day, int hour = 0, int minute = 0) =>
        new DateTimeOffset(year, month, day, hour, minute, 0, TimeSpan.FromHours(8)).ToUniversalTime();

    /// <summary>Issues a task to <paramref name="unitCodes"/> now, due at the end of <paramref name="due"/>.</summary>
    public async Task<long[]> IssueAsync(DateOnly? due, string[] unitCodes, string verifierCode = "jx-env", bool longTerm = false,
        string[]? evidenceKinds = null, string milestones = "[]")
    {
        _tasks++;
        var now = Engine.Time.GetUtcNow();
        var start = Engine.Get<IAssignmentStartPolicy>().For("assignment", Engine.Get<CalendarCatalog>().Get("cn"), Shanghai, now);
        await using var connection = await Engine.Database.DataSource.OpenConnectionAsync();
        var dueAt = due is { } d ? EndOfDay(d) : (DateTimeOffset?)null;
        var taskId = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO task (campaign_id, number, title, verifier_unit_id, due_at, long_term, milestones, evidence_kinds, first_version, changed_version)
            VALUES (@CampaignId, @number, @title, (SELECT id FROM unit WHERE code = @verifierCode), @dueAt, @longTerm, @milestones::jsonb,
                    @kinds, 1, 1)
            RETURNING id
            """, new
        {
            CampaignId, number = $"T{_tasks:D3}", title = $"整治任务{_tasks}", verifierCode, dueAt, longTerm, milestones,
            kinds = evidenceKinds ?? [],
        });
        var ids = new List<long>();
        foreach (var unit in unitCodes)
        {
            ids.Add(await connection.ExecuteScalarAsync<long>("""
                INSERT INTO assignment (campaign_id, task_id, unit_id, role, verifier_unit_id, issued_at, due_at, calendar_version,
                                        plan_version, workflow_code, workflow_version, state, next_timer_at, next_timer_kind, updated_at)
                VALUES (@CampaignId, @taskId, (SELECT id FROM unit WHERE code = @unit), 'lead', (SELECT id FROM unit WHERE code = @verifierCode),
                        @now, @dueAt, @CalendarVersion, 1, @WorkflowCode, @WorkflowVersion, @State, @FirstTimerAt, @FirstTimerKind, @now)
                RETURNING id
                """, new
            {
                CampaignId, taskId, unit, verifierCode, now, dueAt, start.CalendarVersion, start.WorkflowCode, start.WorkflowVersion,
                start.State, start.FirstTimerAt, start.FirstTimerKind,
            }));
        }

        return [.. ids];
    }

    public async Task<long> IssueOneAsync(DateOnly? due, string unitCode = "jx-huayu", string verifierCode = "jx-env", bool longTerm = false,
        string[]? evidenceKinds = null) => (await IssueAsync(due, [unitCode], verifierCode, longTerm, evidenceKinds))[0];

    public Task<Actor> ActorAsync(string login) => OrganizationFixture.ActorAsync(Engine, login);

    public Task<AssignmentFacts> FactsAsync(long id) => Engine.Get<AssignmentStore>().FindAsync(id)!;

    public IPeriodicSweep Sweep() => Engine.Services.GetServices<IPeriodicSweep>().Single(s => s.Name == "assignment-timers");

    public Task<int> SweepAsync() => Sweep().RunOnceAsync(CancellationToken.None);

    public async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await Engine.Database.DataSource.OpenConnectionAsync();
        return (await connection.ExecuteScalarAsync<T>(sql, parameters))!;
    }

    public async Task<List<string>> ScoresAsync(long assignmentId)
    {
        await using var connection = await Engine.Database.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<string>("SELECT kind FROM scoring_event WHERE assignment_id = @assignmentId ORDER BY id", new { assignmentId })).ToList();
    }

    public async Task<List<string>> AuditKindsAsync(long assignmentId)
    {
        await using var connection = await Engine.Database.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<string>("SELECT kind FROM audit_event WHERE assignment_id = @assignmentId ORDER BY seq", new { assignmentId })).ToList();
    }

    /// <summary>A tiny but real PNG (magic bytes and all).</summary>
    public static EvidenceUpload Photo(string kind = "现场照片", string name = "现场.png") =>
        new(kind, name, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);

    public static EvidenceUpload Pdf(string kind = "整改报告", string name = "整改报告.pdf") =>
        new(kind, name, "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"u8.ToArray());
}
