using System.Text.Json;
using Accountability.Access;
using Accountability.Assignments;
using Accountability.Audit;
using Accountability.Cycles;
using Accountability.Documents;
using Accountability.Notices;
using Accountability.Scoring;
using Accountability.Tests.Access;
using Accountability.Tests.Assignments;
using Accountability.Tests.Plans;
using Dapper;
using Microsoft.Extensions.Options;

namespace Accountability.Tests.Notices;

/// <summary>Documents are published once, through one component, however the period was scored: a rulebook
/// campaign's cycle close tells each recipient once per document, and a correction (an accepted appeal's re-issue)
/// tells them once more.</summary>
public sealed class PublicationTests : IAsyncLifetime
{
    private const string Plan = """
        campaign:
          code: pub-test
          name: 发布测试行动
          headquarters: 县攻坚办
          starts_on: 2017-09-01
          ends_on: 2017-12-31
          rulebook: jining-consecutive
          cadence:
            - { cycle: monthly, every: month, report_by: { day: 25, time: "17:00" }, close: { day: 1, time: "09:00" } }
        tasks:
          - { number: "1", title: 散乱污企业整治, lead: 县环保局, responsible: 各镇街, deadline: 2017年12月31日前 }
        """;

    private TestEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _engine = await PlanFixture.EngineWithCountyAsync();
        await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml(Plan));
        // Two towns report in October; the others do not, and fall to the bottom of the ranking (talks, notices).
        _engine.Time.SetUtcNow(AssignmentFixture.Local(2017, 10, 10, 10));
        foreach (var (login, unit) in new[] { ("huayu.operator", "jx-huayu"), ("jishu.operator", "jx-jishu") })
        {
            var actor = await ActorAsync(login);
            var id = await ScalarAsync<long>("""
                SELECT a.id FROM assignment a JOIN unit u ON u.id = a.unit_id WHERE u.code = @unit AND a.role = 'responsible'
                """, new { unit });
            await _engine.Get<AcknowledgeAssignment>().RunAsync(actor, new ActionRequest(id));
            await _engine.Get<ReportProgress>().RunAsync(actor, new ActionRequest(id), 40, "已排查建档");
        }

        _engine.Time.SetUtcNow(AssignmentFixture.Local(2017, 11, 1, 10));
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private Task<Actor> ActorAsync(string login) => OrganizationFixture.ActorAsync(_engine, login);

    private async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        return (await connection.ExecuteScalarAsync<T>(sql, parameters))!;
    }

    [Fact]
    public async Task CycleClose_OfARulebookCampaign_NotifiesEachRecipientOncePerDocument_AndACorrectionOnceMore()
    {
        var closed = await _engine.Get<RunCycle>().RunAsync(new CycleRunRequest("pub-test", "2017-10"), AuditActor.Cli);
        var bulletin = await ScalarAsync<long>("SELECT id FROM document WHERE kind = 'ranking_bulletin'");
        var scored = await ScalarAsync<int>("SELECT count(*) FROM score_unit_result r JOIN score_run s ON s.id = r.run_id WHERE s.current");
        var afterClose = (await ScalarAsync<int>("SELECT count(*) FROM notification WHERE document_id IS NOT NULL"),
            await ScalarAsync<int>("SELECT count(DISTINCT (document_id, unit_id)) FROM notification WHERE document_id IS NOT NULL"),
            await ScalarAsync<int>("SELECT count(*) FROM notification WHERE document_id = @bulletin", new { bulletin }));

        // The appeal of a town that did not report takes its no-report deduction out: the period is scored again and the
        // bulletin re-issued as version 2.
        var entry = await ScalarAsync<long>("""
            SELECT e.id FROM score_ledger_entry e JOIN score_run s ON s.id = e.run_id JOIN unit u ON u.id = e.unit_id
            WHERE s.current AND e.rule_id = 'no-report' AND u.code = 'jx-yangshan'
            """);
        var appeal = await _engine.Get<FileAppeal>().RunAsync(await ActorAsync("yangshan.leader"), entry, "10月20日已通过纸质件报送进度", []);
        await _engine.Get<DecideAppeal>().RunAsync(await ActorAsync("hq.planner"), appeal.AppealId, accept: true, "经核实已报送");
        var corrected = await ScalarAsync<long>("SELECT id FROM document WHERE kind = 'ranking_bulletin' AND version = 2");
        var perRecipient = await ScalarAsync<string>("""
            SELECT string_agg(DISTINCT c::text, ',') FROM (
                SELECT count(*) AS c FROM notification n JOIN document d ON d.id = n.document_id
                WHERE d.natural_key = (SELECT natural_key FROM document WHERE id = @bulletin) GROUP BY n.unit_id) x
            """, new { bulletin });

        Assert.Equal(CycleRunOutcome.Published, closed.Outcome);
        Assert.Equal(afterClose.Item2, afterClose.Item1);
        Assert.Equal(scored, afterClose.Item3);
        Assert.Equal(closed.Notifications, afterClose.Item1);
        Assert.Equal(scored, await ScalarAsync<int>("SELECT count(*) FROM notification WHERE document_id = @corrected", new { corrected }));
        Assert.Equal("2", perRecipient);
        Assert.Equal(0, await ScalarAsync<int>(
            "SELECT count(*) - count(DISTINCT (document_id, unit_id)) FROM notification WHERE document_id IS NOT NULL"));
    }

    [Fact]
    public async Task DirectScoring_PublishesThroughTheSamePath()
    {
        var result = await _engine.Get<ScoreCampaignPeriod>().RunAsync(null, "pub-test", "monthly", "2017-10");

        Assert.True(result.Published.Notifications > 0);
        Assert.Equal(result.Published.Notifications, await ScalarAsync<int>("SELECT count(*) FROM notification WHERE document_id IS NOT NULL"));
        Assert.Equal(0, await ScalarAsync<int>("SELECT count(*) FROM notification WHERE document_id IS NULL AND kind LIKE 'document%'"));
    }

    [Fact]
    public async Task DirectScoring_ToADestinationOfSomeKinds_QueuesThoseDocumentsEachWithItsStoredHtml()
    {
        _engine.Get<IOptions<NoticesOptions>>().Value.Destinations.Add(
            new NoticeDestination { Channel = "webhook", Address = "http://127.0.0.1:9/bulletins", Kinds = ["ranking_bulletin", "admonishment_notice"] });

        var result = await _engine.Get<ScoreCampaignPeriod>().RunAsync(null, "pub-test", "monthly", "2017-10");

        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var documents = (await connection.QueryAsync<(long Id, string Kind, string Html, string Sha256)>(
            "SELECT id, kind, html, sha256 FROM document ORDER BY id")).ToList();
        var payloads = (await connection.QueryAsync<string>("SELECT payload::text FROM outbox_message ORDER BY id"))
            .Select(p => JsonDocument.Parse(p).RootElement).ToList();
        var wanted = documents.Where(d => d.Kind is "ranking_bulletin" or "admonishment_notice").ToList();
        Assert.Contains(documents, d => d.Kind == "admonishment_notice");
        Assert.Contains(documents, d => d.Kind is not ("ranking_bulletin" or "admonishment_notice"));
        Assert.Equal(wanted.Count, result.Published.OutboxMessages);
        Assert.Equal(wanted.Select(d => d.Id), payloads.Select(p => p.GetProperty("id").GetInt64()));
        foreach (var (document, payload) in wanted.Zip(payloads))
        {
            Assert.Equal(document.Kind, payload.GetProperty("kind").GetString());
            Assert.Equal(document.Html, payload.GetProperty("html").GetString());
            Assert.Equal(document.Sha256, payload.GetProperty("sha256").GetString());
        }

        // What each document's hash was taken over is exactly what was stored.
        Assert.All(documents, d => Assert.Equal(IssuePeriodDocuments.Sha256(d.Html), d.Sha256));
    }
}
