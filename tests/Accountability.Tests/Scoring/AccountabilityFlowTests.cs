using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Accountability.Access;
using Accountability.Audit;
using Accountability.Documents;
using Accountability.Escalations;
using Accountability.Notices;
using Accountability.Scoring;
using Accountability.Tests.Access;
using Dapper;
using MiniExcelLibs;

namespace Accountability.Tests.Scoring;

/// <summary>The count thresholds of the autumn-winter rule from events to referrals, what-if, appeals, documents and
/// the discipline inspection inbox.</summary>
public sealed class AccountabilityFlowTests : IAsyncLifetime
{
    private ScoringWorld _world = null!;
    private long[] _huayuEvents = [];
    private long _huayuItem;

    public async Task InitializeAsync()
    {
        _world = await ScoringWorld.CreateAsync("autumn-winter-2017");
        var task = await _world.TaskAsync("7");
        _huayuItem = await _world.AssignAsync("jx-huayu", task);
        _huayuEvents = await _world.EventsAsync("jx-huayu", "not_rectified_in_time", 2, "2017-10-10T02:00Z", "county", _huayuItem);
        await _world.EventsAsync("jx-yangshan", "problem_found", 5, "2017-10-11T02:00Z", "county");
        await using var connection = await _world.Engine.Database.DataSource.OpenConnectionAsync();
        await AuditLog.AppendAsync(connection, AuditEntry.Create("assignment.issued", AuditActor.System, DateTimeOffset.Parse("2017-09-01T01:00Z"),
            new { note = "交办" }, unitId: await _world.UnitAsync("jx-huayu"), assignmentId: _huayuItem));
        _world.Engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-01T01:00Z"));
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private Task<Actor> ActorAsync(string login) => OrganizationFixture.ActorAsync(_world.Engine, login);

    [Fact]
    public async Task Score_CountThresholdsAndRollUp_ReferTheLeadersWithASealedDossier()
    {
        await _world.ScoreAsync("2017-10");

        var referrals = await _world.QueryAsync<(long Id, string Unit, string Level, string State)>(
            "SELECT r.id, u.code, r.level, r.state FROM referral r JOIN unit u ON u.id = r.unit_id ORDER BY u.code");
        Assert.Equal([("jx", "deputy_in_charge"), ("jx-huayu", "deputy_in_charge"), ("jx-yangshan", "deputy_in_charge")],
            referrals.Select(r => (r.Unit, r.Level)));
        var huayu = referrals.Single(r => r.Unit == "jx-huayu");
        var (content, sha256) = (await _world.QueryAsync<(string, string)>("SELECT content::text, sha256 FROM referral_dossier WHERE referral_id = @Id", new { huayu.Id })).Single();
        Assert.Equal(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content))).ToLowerInvariant(), sha256);
        Assert.Contains(sha256, await _world.ScalarAsync<string>(
            "SELECT payload::text FROM audit_event WHERE kind = 'referral.dossier_sealed' AND payload::text LIKE '%' || @sha256 || '%'", new { sha256 }));
        using var dossier = JsonDocument.Parse(content);
        var item = dossier.RootElement.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(_huayuItem, item.GetProperty("assignmentId").GetInt64());
        Assert.Equal("assignment.issued", item.GetProperty("timeline")[0].GetProperty("kind").GetString());
        Assert.Equal(_huayuEvents, dossier.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));
        Assert.Contains(dossier.RootElement.GetProperty("documents").EnumerateArray(), d => d.GetProperty("kind").GetString() == "referral");
        Assert.Equal("unrectified", dossier.RootElement.GetProperty("consequences")[0].GetProperty("facts")[0].GetProperty("ruleId").GetString());
    }

    [Fact]
    public async Task WhatIf_UnderAnotherRulebook_ShowsTheDifferencesAndIssuesNothing()
    {
        await _world.ScoreAsync("2017-10");
        const string counts = """
            SELECT (SELECT count(*) FROM score_run) || '/' || (SELECT count(*) FROM document) || '/' || (SELECT count(*) FROM audit_event)
                   || '/' || (SELECT count(*) FROM notification) || '/' || (SELECT count(*) FROM consequence) || '/' || (SELECT count(*) FROM referral)
            """;
        var before = await _world.ScalarAsync<string>(counts);

        var planner = await ActorAsync("hq.planner");
        var report = await _world.Engine.Get<RunWhatIf>().RunAsync(planner, ScoringWorld.Campaign, "monthly", "2017-10",
            FactsBuilder.Shipped("jining-consecutive"));

        Assert.Equal(before, await _world.ScalarAsync<string>(counts));
        Assert.Equal(("autumn-winter-2017@1", "jining-consecutive@1"), (report.Baseline, report.Candidate));
        Assert.Contains(report.Removed, c => c.Code == "jx-huayu" && c.Kind == "accountability");
        Assert.Contains(report.Added, c => c.Code == "jx-huayu" && c.Kind == "admonishment_talk");
        var huayu = report.Units.Single(u => u.Code == "jx-huayu");
        // −0.3 × 2 under both; the Jining rulebook also takes 3 for the open item on which no progress was reported.
        Assert.Equal((99.4m, 96.4m), (huayu.ScoreBefore!.Value, huayu.ScoreAfter!.Value));
        Assert.Contains(report.Rules, r => r.RuleId == "not-rectified" && r.Before == -0.6m && r.After == -0.6m);
    }

    [Fact]
    public async Task WhatIf_ByAUnitOperator_IsRefused()
    {
        await _world.ScoreAsync("2017-10");

        var operatorActor = await ActorAsync("huayu.operator");
        await Assert.ThrowsAsync<AccessDeniedException>(() => _world.Engine.Get<RunWhatIf>().RunAsync(
            operatorActor, ScoringWorld.Campaign, "monthly", "2017-10", FactsBuilder.Shipped("jining-consecutive")));
    }

    [Fact]
    public async Task AcceptedAppeal_RecomputesThePeriodWithdrawsTheReferralsAndReissuesTheDocumentsAsNewVersions()
    {
        var first = await _world.ScoreAsync("2017-10");
        var huayu = await _world.UnitAsync("jx-huayu");
        var entry = await _world.ScalarAsync<long>("SELECT id FROM score_ledger_entry WHERE run_id = @RunId AND unit_id = @huayu AND rule_id = 'not-rectified'",
            new { first.RunId, huayu });
        var bulletin = (await _world.QueryAsync<(long Id, string Number)>("SELECT id, number FROM document WHERE kind = 'ranking_bulletin'")).Single();

        var filed = await _world.Engine.Get<FileAppeal>().RunAsync(await ActorAsync("huayu.leader"), entry, "整改已于10月8日完成，系统未及时销号",
            [new AppealEvidence("验收照片.jpg", new string('a', 64), "现场复查照片")]);
        var decided = await _world.Engine.Get<DecideAppeal>().RunAsync(await ActorAsync("hq.planner"), filed.AppealId, accept: true, "经复核，整改已按期完成");

        Assert.NotEqual(first.RunId, decided.RecomputedRunId);
        Assert.NotEqual(first.OutputSha256, decided.OutputSha256);
        Assert.Equal(decided.RecomputedRunId, await _world.ScalarAsync<long>("SELECT id FROM score_run WHERE current"));
        Assert.Equal(100m, await _world.ScalarAsync<decimal>("SELECT score FROM score_unit_result WHERE run_id = @RecomputedRunId AND unit_id = @huayu",
            new { decided.RecomputedRunId, huayu }));
        var states = (await _world.QueryAsync<(string Unit, string State)>("SELECT u.code, r.state FROM referral r JOIN unit u ON u.id = r.unit_id"))
            .ToDictionary(r => r.Unit, r => r.State);
        Assert.Equal("withdrawn", states["jx-huayu"]);
        Assert.Equal("withdrawn", states["jx"]);                 // one town held accountable is no longer a roll-up
        Assert.Equal("received", states["jx-yangshan"]);
        var reissued = (await _world.QueryAsync<(long Id, long? Supersedes, string Number, int Version)>(
            "SELECT id, supersedes_id, number, version FROM document WHERE kind = 'ranking_bulletin' ORDER BY version")).Last();
        Assert.Equal((bulletin.Id, bulletin.Number, 2), (reissued.Supersedes!.Value, reissued.Number, reissued.Version));
        Assert.Contains(reissued.Id, decided.ReissuedDocumentIds);
        var revoked = await _world.ScalarAsync<string>("""
            SELECT d.html FROM document d JOIN document o ON o.id = d.supersedes_id WHERE o.kind = 'referral' AND o.recipient_unit_id IS NOT NULL
              AND o.natural_key LIKE '%:jx-huayu'
            """);
        Assert.Contains("现予撤销", revoked);
        Assert.Equal("accepted", await _world.ScalarAsync<string>("SELECT state FROM appeal WHERE id = @AppealId", new { filed.AppealId }));
        Assert.Equal(1, await _world.ScalarAsync<int>("SELECT count(*) FROM audit_event WHERE kind = 'appeal.accepted'"));
    }

    [Fact]
    public async Task RejectedAppeal_ChangesNothingButTheAppeal()
    {
        var first = await _world.ScoreAsync("2017-10");
        var entry = await _world.ScalarAsync<long>("SELECT id FROM score_ledger_entry WHERE run_id = @RunId AND rule_id = 'not-rectified'", new { first.RunId });
        var filed = await _world.Engine.Get<FileAppeal>().RunAsync(await ActorAsync("huayu.operator"), entry, "理由", []);

        var decided = await _world.Engine.Get<DecideAppeal>().RunAsync(await ActorAsync("hq.planner"), filed.AppealId, accept: false, "证据不足");

        Assert.Null(decided.RecomputedRunId);
        Assert.Equal(first.RunId, await _world.ScalarAsync<long>("SELECT id FROM score_run WHERE current"));
        var planner = await ActorAsync("hq.planner");
        var again = await Assert.ThrowsAsync<BusinessRuleBrokenException>(() => _world.Engine.Get<DecideAppeal>().RunAsync(planner, filed.AppealId, true, "再议"));
        Assert.Equal(nameof(AppealMustBePendingRule), again.Rule);
    }

    [Fact]
    public async Task AppealAndReferralNotices_AreReadAndReceiptedByThePlannersAndTheDisciplineStaffTheyAreFor()
    {
        var first = await _world.ScoreAsync("2017-10");
        var entry = await _world.ScalarAsync<long>("SELECT id FROM score_ledger_entry WHERE run_id = @RunId AND rule_id = 'not-rectified'", new { first.RunId });
        var filed = await _world.Engine.Get<FileAppeal>().RunAsync(await ActorAsync("huayu.leader"), entry, "整改已按期完成", []);
        var list = _world.Engine.Get<ListNotifications>();
        var read = _world.Engine.Get<MarkNotificationRead>();
        var planner = await ActorAsync("hq.planner");
        var officer = await ActorAsync("discipline.officer");

        var appeal = Assert.Single(await list.RunAsync(planner), n => n.Kind == "appeal");
        var referrals = (await list.RunAsync(officer)).Where(n => n.Kind == "document.referral").ToList();

        Assert.Equal($"/appeals/{filed.AppealId}", appeal.Link);
        Assert.Equal(planner.PersonId, (await read.RunAsync(planner, appeal.Id)).ReadBy);
        Assert.NotEmpty(referrals);
        Assert.Equal(officer.PersonId, (await read.RunAsync(officer, referrals[0].Id)).ReadBy);
        // The appellant's unit and the referred units do not read what headquarters and the commission were sent.
        foreach (var login in new[] { "huayu.leader", "yangshan.operator", "env.verifier" })
        {
            var actor = await ActorAsync(login);
            Assert.DoesNotContain(await list.RunAsync(actor), n => n.Id == appeal.Id || n.Id == referrals[0].Id);
            await Assert.ThrowsAsync<AccessDeniedException>(() => read.RunAsync(actor, referrals[0].Id));
        }
    }

    [Fact]
    public async Task Appeal_FiledTwiceAtOnce_LetsOneInAndRefusesTheOtherByTheRule()
    {
        var first = await _world.ScoreAsync("2017-10");
        var entry = await _world.ScalarAsync<long>("SELECT id FROM score_ledger_entry WHERE run_id = @RunId AND rule_id = 'not-rectified'", new { first.RunId });
        var (leader, clerk) = (await ActorAsync("huayu.leader"), await ActorAsync("huayu.operator"));
        // An uncommitted appeal holds the entry's one pending place: both filings pass their check, then wait on the unique
        // index together; when it is rolled back they race for the place as two people clicking at once would.
        await using var holder = await _world.Engine.Database.DataSource.OpenConnectionAsync();
        await using var held = await holder.BeginTransactionAsync();
        await holder.ExecuteAsync("""
            INSERT INTO appeal (campaign_id, cycle, period, ledger_entry_id, unit_id, rule_id, reasons, state, filed_by, filed_at)
            SELECT r.campaign_id, r.cycle, r.period, e.id, e.unit_id, e.rule_id, '占位', 'pending', p.id, now()
            FROM score_ledger_entry e JOIN score_run r ON r.id = e.run_id, person p WHERE e.id = @entry AND p.login = 'huayu.leader'
            """, new { entry }, held);
        var filings = new[] { leader, clerk }.Select(actor => Outcome(() => _world.Engine.Get<FileAppeal>().RunAsync(actor, entry, "整改已完成", []))).ToList();
        while (!filings.Any(f => f.IsCompleted)
               && await _world.ScalarAsync<int>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") < 2)
        {
            await Task.Delay(20);
        }

        await held.RollbackAsync();
        var outcomes = await Task.WhenAll(filings);

        Assert.Single(outcomes, o => o is AppealFiled);
        var refused = Assert.IsType<BusinessRuleBrokenException>(Assert.Single(outcomes, o => o is not AppealFiled));
        Assert.Equal(nameof(OneAppealPerEntryAtATimeRule), refused.Rule);
        Assert.Equal(1, await _world.ScalarAsync<int>("SELECT count(*) FROM appeal WHERE ledger_entry_id = @entry", new { entry }));
        Assert.Equal(1, await _world.ScalarAsync<int>("SELECT count(*) FROM audit_event WHERE kind = 'appeal.filed'"));

        static async Task<object> Outcome(Func<Task<AppealFiled>> file)
        {
            try
            {
                return await file();
            }
            catch (Exception e)
            {
                return e;
            }
        }
    }

    [Fact]
    public async Task Appeal_ByAnotherUnit_IsRefusedAsIfTheEntryDidNotExist()
    {
        var first = await _world.ScoreAsync("2017-10");
        var entry = await _world.ScalarAsync<long>("SELECT id FROM score_ledger_entry WHERE run_id = @RunId AND rule_id = 'not-rectified'", new { first.RunId });

        var other = await ActorAsync("yangshan.operator");
        var refused = await Assert.ThrowsAsync<AccessDeniedException>(() => _world.Engine.Get<FileAppeal>().RunAsync(other, entry, "不是我们的", []));

        Assert.True(refused.HideExistence);
    }

    [Theory]
    [InlineData("hq.planner")]
    [InlineData("huayu.operator")]
    [InlineData("huayu.leader")]
    [InlineData("env.verifier")]
    [InlineData("inspection.officer")]
    [InlineData("county.leader")]
    public async Task DisciplineInbox_RefusesEveryOtherRole(string login)
    {
        await _world.ScoreAsync("2017-10");
        var inbox = _world.Engine.Get<ReferralInbox>();
        var actor = await ActorAsync(login);
        var id = await _world.ScalarAsync<long>("SELECT min(id) FROM referral");

        await Assert.ThrowsAsync<AccessDeniedException>(() => inbox.ListAsync(actor, new ReferralFilter()));
        await Assert.ThrowsAsync<AccessDeniedException>(() => inbox.GetAsync(actor, id));
        await Assert.ThrowsAsync<AccessDeniedException>(() => inbox.AcknowledgeAsync(actor, id));
        await Assert.ThrowsAsync<AccessDeniedException>(() => inbox.DisposeAsync(actor, id, "no_action", "无"));
        Assert.Equal(0, await _world.ScalarAsync<int>("SELECT count(*) FROM audit_event WHERE kind IN ('referral.inbox_listed', 'referral.viewed', 'referral.acknowledged', 'referral.disposed')"));
    }

    [Fact]
    public async Task DisciplineInbox_FiltersViewsAcknowledgesAndDisposes_AuditingEachStep()
    {
        await _world.ScoreAsync("2017-10");
        var inbox = _world.Engine.Get<ReferralInbox>();
        var officer = await ActorAsync("discipline.officer");

        var towns = await inbox.ListAsync(officer, new ReferralFilter(Unit: "jx-huayu", Level: "deputy_in_charge", Period: "2017-10"));
        var referral = Assert.Single(towns);
        var detail = await inbox.GetAsync(officer, referral.Id);
        await inbox.AcknowledgeAsync(officer, referral.Id);
        var refused = await Assert.ThrowsAsync<BusinessRuleBrokenException>(() => inbox.DisposeAsync(officer, referral.Id, "formal_caution", " "));
        var disposed = await inbox.DisposeAsync(officer, referral.Id, "formal_caution", "经核实，分管负责人督促整改不力，予以诫勉");

        Assert.NotNull(detail.Dossier);
        Assert.Equal(nameof(DispositionMustGiveReasonsRule), refused.Rule);
        Assert.Equal(("disposed", "formal_caution"), (disposed.State, disposed.Disposition));
        Assert.Equal(["referral.acknowledged", "referral.disposed", "referral.inbox_listed", "referral.viewed"],
            (await _world.QueryAsync<string>("SELECT kind FROM audit_event WHERE actor_person_id = @PersonId ORDER BY kind", new { officer.PersonId })).ToArray());
        await Assert.ThrowsAsync<InputRejectedException>(() => inbox.DisposeAsync(officer, referral.Id, "execution", "无"));
    }

    [Fact]
    public async Task Documents_AreOfficialPagesAndTheRankingExportsToExcel()
    {
        await _world.ScoreAsync("2017-10");
        var documents = _world.Engine.Get<ReadDocuments>();
        var planner = await ActorAsync("hq.planner");
        var list = await documents.ListAsync(planner, ScoringWorld.Campaign, "2017-10");
        var bulletin = await documents.GetAsync(planner, list.Single(d => d.Kind == "ranking_bulletin").Id);

        Assert.StartsWith("金环治办〔2017〕", bulletin.Summary.Number);
        Assert.Contains("<div class=\"issuer\">县环境综合治理指挥部办公室</div>", bulletin.Html);
        Assert.Contains("关于2017年10月环保百日攻坚行动调度考核排名情况的通报", bulletin.Html);
        Assert.Contains("《2017—2018年秋冬季大气污染综合治理攻坚行动量化问责办法》（金攻坚办〔2017〕5号）", bulletin.Html);
        Assert.Contains("二〇一七年十一月一日", bulletin.Html);
        Assert.Contains("<th>后列次数</th>", bulletin.Html);
        Assert.Contains(list, d => d.Kind == "referral");
        var referrals = new List<string>();
        foreach (var d in list.Where(d => d.Kind == "referral"))
        {
            referrals.Add((await documents.GetAsync(planner, d.Id)).Html);
        }

        Assert.Contains(referrals, html => html.Contains("化雨镇") && html.Contains("分管负责人（副镇长 贾远）"));

        using var workbook = new MemoryStream();
        await documents.WriteRankingWorkbookAsync(planner, bulletin.Summary.Id, workbook);
        workbook.Position = 0;
        Assert.Equal(["镇街排名情况", "园区排名情况", "扣分明细"], MiniExcel.GetSheetNames(workbook));
        workbook.Position = 0;
        var rows = MiniExcel.Query(workbook, useHeaderRow: true, sheetName: "镇街排名情况").Cast<IDictionary<string, object>>().ToList();
        Assert.Equal(13, rows.Count);
        Assert.Contains(rows, r => (string)r["单位"] == "化雨镇" && Convert.ToDecimal(r["得分"]) == 99.4m);
    }

    [Fact]
    public async Task Documents_AUnitNoticeIsHiddenFromOtherUnitsAndReferralsFromUnits()
    {
        await _world.ScoreAsync("2017-10");
        var documents = _world.Engine.Get<ReadDocuments>();
        var other = await ActorAsync("yangshan.operator");
        var referral = await _world.ScalarAsync<long>("SELECT min(id) FROM document WHERE kind = 'referral'");

        var visible = await documents.ListAsync(other, ScoringWorld.Campaign, "2017-10");

        Assert.DoesNotContain(visible, d => d.Kind == "referral");
        Assert.Contains(visible, d => d.Kind == "ranking_bulletin");
        Assert.True((await Assert.ThrowsAsync<AccessDeniedException>(() => documents.GetAsync(other, referral))).HideExistence);
    }
}
