using System.Text;
using Accountability.Access;
using Accountability.Plans;
using Accountability.Tests.Access;
using Dapper;

namespace Accountability.Tests.Plans;

/// <summary>Helpers for plan tests: the sample county imported, plans written inline, counts read back.</summary>
public static class PlanFixture
{
    public const string HundredDays = "jinxiang-100-days";
    public const string AutumnWinter = "jinxiang-autumn-winter-2017";

    public static async Task<TestEngine> EngineWithCountyAsync()
    {
        var engine = await TestEngine.CreateAsync();
        await OrganizationFixture.ImportSampleAsync(engine);
        return engine;
    }

    public static PlanRequest Sample(string name, string extension = ".yaml")
    {
        var path = RepositoryPaths.Sample("plans", name + extension);
        return new PlanRequest(Path.GetFileName(path), File.ReadAllBytes(path));
    }

    public static PlanRequest Yaml(string yaml, string fileName = "plan.yaml", string? campaign = null) =>
        new(fileName, Encoding.UTF8.GetBytes(yaml), campaign);

    /// <summary>A small campaign; <paramref name="tasks"/> is the YAML of its task list (indented by two).</summary>
    public static string Plan(string tasks, string campaignExtra = "", string ledger = "") => $"""
        campaign:
          code: test-campaign
          name: 测试攻坚行动
          headquarters: 县攻坚办
          starts_on: 2017-09-01
          ends_on: 2017-12-31
        {campaignExtra}
        tasks:
        {tasks}
        {ledger}
        """;

    public static Task<PlanOutcome> ImportAsync(TestEngine engine, PlanRequest request, Actor? actor = null) =>
        engine.Get<ImportPlan>().RunAsync(actor, request);

    public static async Task<long> CountAsync(TestEngine engine, string sql, object? parameters = null)
    {
        await using var connection = await engine.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(sql, parameters);
    }

    /// <summary>Rows of the tables a plan import writes: proof that a refused import wrote nothing.</summary>
    public static async Task<string> FootprintAsync(TestEngine engine)
    {
        await using var connection = await engine.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>("""
            SELECT format('campaign=%s plan_version=%s task=%s ledger=%s assignment=%s audit=%s',
                (SELECT count(*) FROM campaign), (SELECT count(*) FROM plan_version), (SELECT count(*) FROM task),
                (SELECT count(*) FROM ledger_item), (SELECT count(*) FROM assignment), (SELECT count(*) FROM audit_event))
            """) ?? "";
    }
}
