using System.Text;
using Accountability.Imports;
using Accountability.Plans;
using CsCheck;

namespace Accountability.Tests.Plans;

/// <summary>Random byte changes to a plan never crash the loader — every outcome is a plan or a list of problems —
/// and a refused import never writes anything.</summary>
public sealed class PlanFuzzTests
{
    private static readonly byte[] Yaml = File.ReadAllBytes(RepositoryPaths.Sample("plans", PlanFixture.AutumnWinter + ".yaml"));
    private static readonly byte[] Xlsx = File.ReadAllBytes(RepositoryPaths.Sample("plans", PlanFixture.HundredDays + ".xlsx"));
    private static readonly byte[] GbkCsv = TextDecoding.Gb18030.GetBytes(
        "序号,重点任务,工作措施,牵头单位,责任单位,配合单位,完成时限\r\n" +
        "1,散乱污企业整治,两断三清,县环保局,各镇街、各园区,县公安局,2017年12月底前\r\n" +
        "2,进展调度,,县攻坚办,各镇街,,每月25日前报送\r\n");

    /// <summary>One to eight bytes of the file overwritten at random places.</summary>
    private static Gen<byte[]> Mutated(byte[] original) =>
        Gen.Select(Gen.Int[0, original.Length - 1], Gen.Byte).Array[1, 8].Select(changes =>
        {
            var bytes = (byte[])original.Clone();
            foreach (var (at, value) in changes)
            {
                bytes[at] = value;
            }

            return bytes;
        });

    private static void LoadsOrExplains(string fileName, byte[] bytes)
    {
        var problems = new List<InputProblem>();
        var compiled = SampleCounty.Compile(fileName, bytes, problems);
        Assert.True(compiled is not null || problems.Any(p => !p.IsWarning), "a refused file must say why");
        Assert.All(problems, p => Assert.False(string.IsNullOrWhiteSpace(p.Reason)));
    }

    [Fact]
    public void Load_ARandomlyDamagedYamlPlan_NeverThrows() =>
        Mutated(Yaml).Sample(bytes => LoadsOrExplains("plan.yaml", bytes), iter: 400, threads: 1);

    [Fact]
    public void Load_ARandomlyDamagedWorkbook_NeverThrows() =>
        Mutated(Xlsx).Sample(bytes => LoadsOrExplains("plan.xlsx", bytes), iter: 300, threads: 1);

    [Fact]
    public void Load_ARandomlyDamagedGbkCsv_NeverThrows() =>
        Mutated(GbkCsv).Sample(bytes => LoadsOrExplains("plan.csv", bytes), iter: 400, threads: 1);

    [Fact]
    public void Load_RandomText_NeverThrows() =>
        Gen.String.Sample(text => LoadsOrExplains("plan.yaml", Encoding.UTF8.GetBytes(text)), iter: 300, threads: 1);

    [Fact]
    public async Task Import_ARandomlyDamagedPlan_IsRefusedWithoutWritingOrImportedWhole()
    {
        await using var engine = await PlanFixture.EngineWithCountyAsync();
        var import = engine.Get<ImportPlan>();

        await Mutated(Yaml).SampleAsync(async bytes =>
        {
            var before = await PlanFixture.FootprintAsync(engine);
            try
            {
                var outcome = await import.RunAsync(null, new PlanRequest("plan.yaml", bytes));
                Assert.Equal(outcome.Version, (int)await PlanFixture.CountAsync(engine, "SELECT count(*) FROM plan_version WHERE campaign_id = (SELECT id FROM campaign WHERE code = @code)", new { code = outcome.CampaignCode }));
            }
            catch (InputRejectedException)
            {
                Assert.Equal(before, await PlanFixture.FootprintAsync(engine));
            }
        }, iter: 40, threads: 1);
    }
}
