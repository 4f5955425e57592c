using System.Security.Cryptography;
using System.Text.Json;
using Accountability.Assignments;
using Accountability.Scoring;
using Accountability.Tests.Access;
using Accountability.Tests.Assignments;
using Accountability.Tests.Plans;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Accountability.Tests.Escalations;

/// <summary>A referral's sealed dossier carries the evidence of its items as the workflow stored it: file name, type,
/// size, SHA-256, who uploaded it and when.</summary>
public sealed class ReferralDossierTests : IAsyncLifetime
{
    private TestEngine _engine = null!;

    public async Task InitializeAsync() => _engine = await PlanFixture.EngineWithCountyAsync();

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task Dossier_OfAReferral_ListsTheEvidenceHashesOfItsItems()
    {
        await PlanFixture.ImportAsync(_engine, PlanFixture.Yaml("""
            campaign:
              code: dossier-test
              name: 案卷测试行动
              headquarters: 县攻坚办
              starts_on: 2017-09-01
              ends_on: 2018-03-31
              rulebook: autumn-winter-2017
            tasks:
              - { number: "1", title: 散煤清零, lead: 县环保局, responsible: 化雨镇, deadline: 2017年12月31日前 }
            """));
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var campaignId = await connection.ExecuteScalarAsync<long>("SELECT id FROM campaign WHERE code = 'dossier-test'");
        var huayu = await OrganizationFixture.UnitIdAsync(_engine, "jx-huayu");
        var env = await OrganizationFixture.UnitIdAsync(_engine, "jx-env");
        var officer = await OrganizationFixture.ActorAsync(_engine, "inspection.officer");
        var photo = AssignmentFixture.Photo();
        // The autumn-winter rule: two found problems not rectified in time → the deputy in charge is held accountable.
        var first = await _engine.Get<RecordProblem>().RunAsync(officer, new ProblemReport(campaignId, ProblemSource.Inspection, "city", huayu, env,
            "散煤销售点未取缔", null, "立即取缔", new DateOnly(2017, 9, 20), Files: [photo]));
        var second = await _engine.Get<RecordProblem>().RunAsync(officer, new ProblemReport(campaignId, ProblemSource.Inspection, "county", huayu, env,
            "露天堆放散煤", null, "立即清理", new DateOnly(2017, 9, 20)));
        var unit = await OrganizationFixture.ActorAsync(_engine, "huayu.operator");
        var report = AssignmentFixture.Pdf();
        await _engine.Get<AcknowledgeAssignment>().RunAsync(unit, new ActionRequest(second.Id));
        await _engine.Get<ReportProgress>().RunAsync(unit, new ActionRequest(second.Id), 50, "已清理一半", [report]);
        _engine.Time.SetUtcNow(AssignmentFixture.Local(2017, 9, 22, 9));
        await _engine.Services.GetServices<Accountability.Cycles.IPeriodicSweep>().Single(s => s.Name == "assignment-timers").RunOnceAsync(default);
        _engine.Time.SetUtcNow(AssignmentFixture.Local(2017, 10, 1, 9));

        await _engine.Get<ScoreCampaignPeriod>().RunAsync(null, "dossier-test", "monthly", "2017-09");

        var content = await connection.ExecuteScalarAsync<string>("""
            SELECT d.content::text FROM referral_dossier d JOIN referral r ON r.id = d.referral_id WHERE r.unit_id = @huayu
            """, new { huayu });
        using var dossier = JsonDocument.Parse(content!);
        var evidence = dossier.RootElement.GetProperty("evidence").EnumerateArray()
            .Select(e => (Item: e.GetProperty("assignmentId").GetInt64(), File: e.GetProperty("fileName").GetString(), Size: e.GetProperty("sizeBytes").GetInt32(),
                Type: e.GetProperty("contentType").GetString(), Sha256: e.GetProperty("sha256").GetString(), By: e.GetProperty("uploadedByLogin").GetString(),
                At: e.GetProperty("uploadedAt").GetDateTimeOffset()))
            .ToList();
        Assert.Equal([
            (first.Id, photo.FileName, photo.Content.Length, "image/png", Hex(photo.Content), "inspection.officer", TestEngine.Start),
            (second.Id, report.FileName, report.Content.Length, "application/pdf", Hex(report.Content), "huayu.operator", TestEngine.Start),
        ], evidence);
        Assert.DoesNotContain("content", dossier.RootElement.GetProperty("evidence")[0].EnumerateObject().Select(p => p.Name));
    }

    private static string Hex(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
}
