using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Accountability.Access;
using Accountability.Assignments;
using Accountability.Audit;
using Accountability.Cycles;
using Accountability.Escalations;
using Accountability.Tests.Access;
using Accountability.Tests.Assignments;
using Accountability.Tests.Plans;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Accountability.Tests.EndToEnd;

/// <summary>
/// Two months of a county campaign through every capability, as the engine runs it: the sample county; a plan with
/// its rulebook and cadence imported; towns acknowledge and submit; the environment bureau verifies; inspection finds
/// problems that 化雨镇 leaves unrectified, so the timer sweep makes them overdue and chases; the scheduler's monthly
/// close scores under the rulebook, publishes the bulletin, issues the consequences and refers 化雨镇's deputy to the
/// discipline commission with a sealed dossier; in October a look-back finds 羊山镇's rectified problem relapsed, it is
/// reopened, rectified again and scored twice at the next close; the audit chain is intact at the end.
/// </summary>
public sealed class CampaignEndToEndTests : IAsyncLifetime
{
    private const string Plan = """
        campaign:
          code: e2e-autumn-winter
          name: 金乡县秋冬季大气污染综合治理攻坚行动
          document_number: 金政办发〔2017〕36号
          headquarters: 县攻坚办
          starts_on: 2017-09-01
          ends_on: 2018-03-31
          rulebook: autumn-winter-2017
          cadence:
            - { cycle: monthly, every: month, report_by: { day: 25, time: "17:00" }, close: { day: 1, time: "09:00" } }
        tasks:
          - number: "1"
            title: 燃煤锅炉淘汰
            lead: 县质监局
            responsible: 化雨镇、羊山镇、鸡黍镇
            deadline: 2017年9月25日前
            evidence: [拆除照片]
            verifier: 县环保局
        """;

    private TestEngine _engine = null!;
    private IReadOnlyList<IPeriodicSweep> _sweeps = [];

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        _sweeps = _engine.Services.GetServices<IPeriodicSweep>().OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private Task<Actor> ActorAsync(string login) => OrganizationFixture.ActorAsync(_engine, login);

    /// <summary>Moves the clock to a local time, running the periodic sweeps at 09:30 and 15:30 of every day on the way
    /// (what the scheduler's minute job would have done by then).</summary>
    private async Task MoveToAsync(DateTimeOffset target)
    {
        var now = _engine.Time.GetUtcNow();
        var day = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).Date;
        for (; ; day = day.AddDays(1))
        {
            foreach (var hour in new[] { 9.5, 15.5 })
            {
                var at = AssignmentFixture.Local(day.Year, day.Month, day.Day).AddHours(hour);
                if (at <= now)
                {
                    continue;
                }

                if (at > target)
                {
                    _engine.Time.SetUtcNow(target);
                    return;
                }

                _engine.Time.SetUtcNow(at);
                foreach (var sweep in _sweeps)
                {
                    await sweep.RunOnceAsync(default);
                }
            }
        }
    }

    private async Task<long> ItemAsync(string number, string unit)
    {
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("""
            SELECT a.id FROM assignment a JOIN unit u ON u.id = a.unit_id LEFT JOIN task t ON t.id = a.task_id
            LEFT JOIN ledger_item l ON l.id = a.ledger_item_id
            WHERE coalesce(t.number, l.number) = @number AND u.code = @unit AND a.state <> 'cancelled'
            """, new { number, unit });
    }

    private static async Task<List<(string Unit, string Kind, string Post)>> ConsequencesAsync(NpgsqlConnection connection, string period) =>
        (await connection.QueryAsync<(string, string, string)>("""
            SELECT u.code, c.kind, c.post FROM consequence c JOIN unit u ON u.id = c.unit_id
            WHERE c.period = @period ORDER BY u.code, c.kind, c.post
            """, new { period })).ToList();

    private static async Task<List<(string Rule, decimal Points, int Events)>> LedgerAsync(NpgsqlConnection connection, string period, string unit) =>
        (await connection.QueryAsync<(string, decimal, int)>("""
            SELECT e.rule_id, e.points, e.event_count FROM score_ledger_entry e
            JOIN score_run r ON r.id = e.run_id AND r.current JOIN unit u ON u.id = e.unit_id
            WHERE r.period = @period AND u.code = @unit AND e.points <> 0 ORDER BY e.rule_id
            """, new { period, unit })).ToList();

    private static async Task<(decimal Score, int ProblemsFound, int Unrectified)> ResultAsync(NpgsqlConnection connection, string period, string unit) =>
        await connection.QuerySingleAsync<(decimal, int, int)>("""
            SELECT s.score, s.problems_found, s.unrectified FROM score_unit_result s
            JOIN score_run r ON r.id = s.run_id AND r.current JOIN unit u ON u.id = s.unit_id
            WHERE r.period = @period AND u.code = @unit
            """, new { period, unit });

    [Fact]
    public async Task Campaign_RunThroughSeptemberAndOctober_RanksEscalatesRefersAndReopensALookBackRelapse()
    {
        // The county and the plan, as the planner loads them.
        await OrganizationFixture.ImportSampleAsync(_engine);
        var planner = await ActorAsync("hq.planner");
        await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(Plan), planner);
        var huayuOperator = await ActorAsync("huayu.operator");
        var yangshanOperator = await ActorAsync("yangshan.operator");
        var jishuOperator = await ActorAsync("jishu.operator");
        var verifier = await ActorAsync("env.verifier");
        var inspector = await ActorAsync("inspection.officer");
        var huayuTask = await ItemAsync("1", "jx-huayu");
        var yangshanTask = await ItemAsync("1", "jx-yangshan");
        var jishuTask = await ItemAsync("1", "jx-jishu");

        // 4 September: the towns sign for their tasks (签收); the city inspection finds two problems in 化雨镇 and one in 羊山镇.
        await MoveToAsync(AssignmentFixture.Local(2017, 9, 4, 10));
        foreach (var (actor, task) in new[] { (huayuOperator, huayuTask), (yangshanOperator, yangshanTask), (jishuOperator, jishuTask) })
        {
            await _engine.Get<AcknowledgeAssignment>().RunAsync(actor, new ActionRequest(task), "已签收");
        }

        var campaignId = await PlanFixture.CountAsync(_engine, "SELECT id FROM campaign WHERE code = 'e2e-autumn-winter'");
        async Task<AssignmentView> FindAsync(string town, string level, string name, DateOnly due) => await _engine.Get<RecordProblem>().RunAsync(inspector,
            new ProblemReport(campaignId, ProblemSource.Inspection, level, await OrganizationFixture.UnitIdAsync(_engine, town),
                await OrganizationFixture.UnitIdAsync(_engine, "jx-env"), name, "散煤", "立即整改", due, Files: [AssignmentFixture.Photo()]));
        var coalYard = await FindAsync("jx-huayu", "city", "化雨镇集贸市场散煤销售点", new DateOnly(2017, 9, 15));
        var coalHeap = await FindAsync("jx-huayu", "city", "化雨镇砖厂露天堆煤", new DateOnly(2017, 9, 15));
        var yangshanProblem = await FindAsync("jx-yangshan", "county", "羊山镇餐馆散煤炉灶", new DateOnly(2017, 9, 29));
        await _engine.Get<AcknowledgeAssignment>().RunAsync(huayuOperator, new ActionRequest(coalYard.Id));
        await _engine.Get<AcknowledgeAssignment>().RunAsync(huayuOperator, new ActionRequest(coalHeap.Id));

        // Mid-September: 鸡黍镇 finishes and the environment bureau verifies it (谁验收谁负责); 羊山镇 rectifies its problem.
        await MoveToAsync(AssignmentFixture.Local(2017, 9, 14, 10));
        await _engine.Get<SubmitForClosure>().RunAsync(jishuOperator, new ActionRequest(jishuTask),
            [AssignmentFixture.Photo("拆除照片", "锅炉拆除.png")], "3台燃煤锅炉已拆除");
        await _engine.Get<AcceptSubmission>().RunAsync(verifier, new ActionRequest(jishuTask), "现场核查属实");
        await _engine.Get<AcknowledgeAssignment>().RunAsync(yangshanOperator, new ActionRequest(yangshanProblem.Id));
        await _engine.Get<SubmitForClosure>().RunAsync(yangshanOperator, new ActionRequest(yangshanProblem.Id), [AssignmentFixture.Pdf()]);
        await _engine.Get<AcceptSubmission>().RunAsync(verifier, new ActionRequest(yangshanProblem.Id));

        // 化雨镇's problems pass their due date: the sweep makes them overdue, chases the day after, and 化雨镇 signs the receipt.
        await MoveToAsync(AssignmentFixture.Local(2017, 9, 18, 11));
        var chasers = (await _engine.Get<ViewAssignment>().RunAsync(huayuOperator, coalYard.Id)).Chasers;
        await _engine.Get<AcknowledgeChaser>().RunAsync(huayuOperator, new ActionRequest(coalYard.Id), chasers.Single().Id, "收到，正在整改");

        // 羊山镇 submits its task late in the month; 化雨镇 never does, and its task goes overdue after the 25th.
        await MoveToAsync(AssignmentFixture.Local(2017, 9, 20, 10));
        await _engine.Get<SubmitForClosure>().RunAsync(yangshanOperator, new ActionRequest(yangshanTask), [AssignmentFixture.Photo("拆除照片")]);
        await MoveToAsync(AssignmentFixture.Local(2017, 10, 1, 9));

        // The scheduler's monthly close (一月一排名、一月一通报), with the rulebook scorer.
        var closed = Assert.Single(await _engine.Get<CatchUpCycles>().RunAsync(campaignId, "monthly"));

        Assert.Equal(("2017-09", CycleRunOutcome.Published), (closed.Period, closed.Outcome));
        Assert.Equal("overdue", (await _engine.Get<AssignmentStore>().FindAsync(huayuTask))!.State);
        Assert.Equal("overdue", (await _engine.Get<AssignmentStore>().FindAsync(coalHeap.Id))!.State);
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();

        // The ranking bulletin: 鸡黍镇 first (its on-time closure), 化雨镇 last of the thirteen towns.
        var bulletin = closed.Documents.Single(d => d.Kind == "ranking_bulletin");
        using var data = JsonDocument.Parse(await connection.ExecuteScalarAsync<string>("SELECT data::text FROM document WHERE id = @Id", bulletin) ?? "{}");
        var towns = data.RootElement.GetProperty("tables").EnumerateArray().Single(t => t.GetProperty("caption").GetString()!.Contains('镇', StringComparison.Ordinal))
            .GetProperty("rows").EnumerateArray().Select(r => (Rank: r[0].GetString(), Unit: r[1].GetString())).ToList();
        Assert.Equal(13, towns.Count);
        Assert.Equal(("1", "鸡黍镇"), towns[0]);
        Assert.Equal(("13", "化雨镇"), towns[^1]);
        Assert.Contains(("2（并列）", "羊山镇"), towns);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM notification n JOIN unit u ON u.id = n.unit_id WHERE n.document_id = @Id AND u.code = 'jx-huayu'", bulletin));

        // The consequences: criticism for the last place, accountability of the deputy for two problems left unrectified.
        // The ten untouched towns tie with 羊山镇 at 100 for second place, so the bottom three stop at 化雨镇 (ties at the
        // cut-off are excluded); one town held accountable is short of the county roll-up's two.
        Assert.Equal([("jx-huayu", "accountability", "deputy_in_charge"), ("jx-huayu", "criticism", "unit")],
            await ConsequencesAsync(connection, "2017-09"));
        // 化雨镇's points: two city-level problems found (-0.2 each) and both left unrectified (-0.5 each).
        Assert.Equal([("not-rectified", -1.0m, 2), ("problem-found", -0.4m, 2)], await LedgerAsync(connection, "2017-09", "jx-huayu"));
        Assert.Equal((98.6m, 2, 2), await ResultAsync(connection, "2017-09", "jx-huayu"));

        // The discipline inspection inbox: the referral, its sealed dossier with the acknowledgement and the chaser's receipt.
        var discipline = await ActorAsync("discipline.officer");
        var inbox = _engine.Get<ReferralInbox>();
        var referral = Assert.Single(await inbox.ListAsync(discipline, new ReferralFilter(Campaign: "e2e-autumn-winter")));
        Assert.Equal(("jx-huayu", "deputy_in_charge", "received"), (referral.UnitCode, referral.Level, referral.State));
        await Assert.ThrowsAsync<AccessDeniedException>(() => inbox.ListAsync(planner, new ReferralFilter()));
        var detail = await inbox.GetAsync(discipline, referral.Id);
        var dossier = detail.Dossier!;
        Assert.Equal(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(dossier.Content))).ToLowerInvariant(), dossier.Sha256);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_event WHERE kind = 'referral.dossier_sealed' AND payload ->> 'sha256' = @Sha256", dossier));
        using var content = JsonDocument.Parse(dossier.Content);
        var item = content.RootElement.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("assignmentId").GetInt64() == coalYard.Id);
        var timeline = item.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Equal("assignment.issued", timeline[0]);
        Assert.Contains("assignment.acknowledge", timeline);
        Assert.Contains("assignment.timer.overdue", timeline);
        Assert.Contains("assignment.timer.chaser", timeline);
        Assert.Contains("assignment.acknowledge_chaser", timeline);
        // Blue the working day after the miss, signed for by 化雨镇's operator; orange and red five working days apart
        // (the make-up Saturday 30 September counts), unanswered.
        var receipts = item.GetProperty("chasers").EnumerateArray()
            .Select(c => (c.GetProperty("colour").GetString(), c.GetProperty("acknowledgedByName").GetString())).ToList();
        Assert.Equal([("blue", "任明英"), ("orange", null), ("red", null)], receipts);
        Assert.Contains(content.RootElement.GetProperty("evidence").EnumerateArray(), e => e.GetProperty("assignmentId").GetInt64() == coalYard.Id
            && string.Equals(e.GetProperty("sha256").GetString(), Convert.ToHexString(SHA256.HashData(AssignmentFixture.Photo().Content)),
                StringComparison.OrdinalIgnoreCase));
        Assert.Equal("acknowledged", (await inbox.AcknowledgeAsync(discipline, referral.Id)).State);

        // October look-back (回头看): the county inspection returns to 羊山镇's rectified stove and finds it burning coal
        // again. The item reopens with a new date and a relapse count, and the verifier who accepted it is flagged.
        await MoveToAsync(AssignmentFixture.Local(2017, 10, 16, 10));
        var relapse = await _engine.Get<RecordLookBack>().RunAsync(inspector, new ActionRequest(yangshanProblem.Id), LookBackResult.Relapse,
            "回头看发现餐馆重新使用散煤炉灶", new DateOnly(2017, 10, 27));
        var reopened = (await _engine.Get<AssignmentStore>().FindAsync(yangshanProblem.Id))!;
        Assert.Equal(("reopened", 1, true), (relapse.Item.State, reopened.RelapseCount, reopened.VerifierFlagged));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("""
            SELECT count(*) FROM notification n JOIN unit u ON u.id = n.unit_id
            WHERE n.assignment_id = @Id AND n.kind = 'assignment.look_back_relapse' AND u.code = 'jx-env'
            """, yangshanProblem));

        // 羊山镇 rectifies again in time, and the environment bureau accepts it.
        await MoveToAsync(AssignmentFixture.Local(2017, 10, 20, 10));
        await _engine.Get<SubmitForClosure>().RunAsync(yangshanOperator, new ActionRequest(yangshanProblem.Id), [AssignmentFixture.Pdf()], "炉灶已改用液化气");
        Assert.Equal("closed", (await _engine.Get<AcceptSubmission>().RunAsync(verifier, new ActionRequest(yangshanProblem.Id))).Item.State);

        // The October close: the relapse counts as a new problem and as an unrectified one, at -1 under the rule (the
        // second rectification, within the new date, earns the on-time bonus again), and puts 羊山镇 last; 化雨镇's deputy
        // is not held accountable a second time for the same two problems.
        await MoveToAsync(AssignmentFixture.Local(2017, 11, 1, 9));
        var october = Assert.Single(await _engine.Get<CatchUpCycles>().RunAsync(campaignId, "monthly"));
        Assert.Equal(("2017-10", CycleRunOutcome.Published), (october.Period, october.Outcome));
        Assert.Equal([("closed-on-time", 0.1m, 1), ("relapse", -1.0m, 1)], await LedgerAsync(connection, "2017-10", "jx-yangshan"));
        Assert.Equal((99.1m, 1, 1), await ResultAsync(connection, "2017-10", "jx-yangshan"));
        Assert.Equal([("jx-yangshan", "criticism", "unit")], await ConsequencesAsync(connection, "2017-10"));

        // Every action, timer, close and view above is in one intact hash chain.
        var audit = await _engine.Get<VerifyAuditLog>().RunAsync();
        Assert.True(audit.IsIntact, audit.Problem);
        Assert.Equal(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_event"), audit.EventsChecked);
    }
}
