using System.Text;
using Accountability.Plans;

namespace Accountability.Tests.Plans;

/// <summary>The compilation is data: the shipped definition loads, a broken one is refused with file, line and field,
/// and changing it changes what a plan compiles to.</summary>
public sealed class PlanCompilationDefinitionTests
{
    private static CompiledPlan Compile(string tasks, string? definitionText = null, string ledger = "")
    {
        var problems = new List<InputProblem>();
        var compiled = SampleCounty.Compile("plan.yaml", Encoding.UTF8.GetBytes(PlanFixture.Plan(tasks, ledger: ledger)), problems,
            SampleCounty.Definition(definitionText));
        Assert.DoesNotContain(problems, p => !p.IsWarning);
        return compiled!;
    }

    private static string Changed(string from, string to)
    {
        var text = SampleCounty.DefinitionText;
        Assert.Contains(from, text);
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    private const string CooperatingTask = """
          - { number: "1", title: 散乱污, lead: 县环保局, responsible: 化雨镇、县环保局, cooperating: 县公安局, deadline: 2017年11月24日前 }
        """;

    [Fact]
    public void TheShippedDefinition_LoadsFromTheWorkflowsFolder()
    {
        var definition = new PlanCompilationCatalog(Path.Combine(RepositoryPaths.Workflows, "compilation", PlanCompilationCatalog.FileName)).Definition;

        Assert.Equal(["lead", "responsible", "cooperating"], definition.TaskAssignments.Select(r => r.Role));
        Assert.Equal("县环保局", definition.LedgerVerifierByKind["enterprise"].Phrase);
    }

    [Fact]
    public void ABrokenDefinition_IsRefusedWithFileLineAndField()
    {
        var problems = new List<InputProblem>();
        PlanCompilationCatalog.Parse("compilation/plan-compilation.yaml", Encoding.UTF8.GetBytes("""
            compilation: plan-compilation
            version: one
            unit_groups:
              - { category: towns, words: [各镇街] }
              - { category: parks, words: [各镇街] }
            task_assignments:
              - { from: lead, role: owner }
              - { from: partners, role: cooperating }
            task_verifier_fallback: [mayor]
            recurrence: { on_non_working_day: skip, max_obligations: 0 }
            ledger: { route_to: village, verifier_by_kind: { factory: 县环保局 } }
            colour: blue
            """), problems);

        void Has(int line, string field) => Assert.Contains(problems, p => p.File == "compilation/plan-compilation.yaml" && p.Line == line && p.Field == field);
        Has(2, "version");
        Has(5, "unit_groups[1].words");
        Has(7, "task_assignments[0].role");
        Has(8, "task_assignments[1].from");
        Has(1, "task_verifier_fallback");
        Has(10, "recurrence.on_non_working_day");
        Has(10, "recurrence.max_obligations");
        Has(11, "ledger.route_to");
        Has(11, "ledger.verifier_by_kind.factory");
        Has(12, "colour");
        Assert.Throws<InputRejectedException>(() => new PlanCompilationCatalog("/nonexistent/plan-compilation.yaml").Definition);
    }

    [Fact]
    public void RemovingTheCooperatingRule_LeavesCooperatingUnitsWithoutAssignments()
    {
        var standard = Compile(CooperatingTask).Tasks!.Single();
        var withoutRule = Compile(CooperatingTask, Changed("  - { from: cooperating, role: cooperating }\n", "")).Tasks!.Single();

        Assert.Equal([("jx-env", "lead"), ("jx-huayu", "responsible"), ("jx-police", "cooperating")],
            standard.Assignees.Select(a => (SampleCounty.Code(a.UnitId), a.Role)));
        Assert.Equal([("jx-env", "lead"), ("jx-huayu", "responsible")], withoutRule.Assignees.Select(a => (SampleCounty.Code(a.UnitId), a.Role)));
    }

    [Fact]
    public void PuttingResponsibleFirst_MakesTheLeadListedAsResponsibleAResponsibleUnit()
    {
        var reordered = Changed("""
              - { from: lead, role: lead }
              - { from: responsible, role: responsible }
            """, """
              - { from: responsible, role: responsible }
              - { from: lead, role: lead }
            """);

        var task = Compile(CooperatingTask, reordered).Tasks!.Single();

        Assert.Equal("responsible", task.Assignees.Single(a => a.UnitId == SampleCounty.Id("jx-env")).Role);
    }

    [Fact]
    public void TheVerifierFallback_DecidesWhoVerifiesWhenTheTaskNamesNoOne()
    {
        var byHeadquarters = Compile(CooperatingTask, Changed("task_verifier_fallback: [lead, headquarters]", "task_verifier_fallback: [headquarters]"));

        Assert.All(byHeadquarters.Tasks!.Single().Assignees, a => Assert.Equal(SampleCounty.Id("jx-hq"), a.VerifierUnitId));
    }

    [Fact]
    public void MovingRecurringDatesToTheNextWorkingDay_MovesTheSaturdayReport()
    {
        const string monthly = """
              - { number: "9", title: 月调度, responsible: 化雨镇, deadline: 每月25日前报送 }
            """;

        var kept = Compile(monthly).Tasks!.Single();
        var moved = Compile(monthly, Changed("  on_non_working_day: keep\n  # \"每天\"", "  on_non_working_day: next_working_day\n  # \"每天\"")).Tasks!.Single();

        // 2017-11-25 is a Saturday.
        Assert.Equal(new DateTimeOffset(2017, 11, 26, 0, 0, 0, TimeSpan.FromHours(8)), kept.ObligationDueAts[2]);
        Assert.Equal(new DateTimeOffset(2017, 11, 28, 0, 0, 0, TimeSpan.FromHours(8)), moved.ObligationDueAts[2]);
    }

    [Fact]
    public void DailyReportsOnWorkingDaysOnly_SkipWeekendsAndHolidays()
    {
        const string daily = """
              - { number: "9", title: 日报, responsible: 化雨镇, deadline: 每天17时前报送 }
            """;

        var everyDay = Compile(daily).Tasks!.Single();
        var workingDays = Compile(daily, Changed("daily: every_day", "daily: working_days")).Tasks!.Single();

        Assert.Equal(122, everyDay.ObligationDueAts.Length);
        Assert.Equal(SampleCounty.Calendars.Get("cn").WorkingDaysBetween(new DateOnly(2017, 8, 31), new DateOnly(2017, 12, 31)),
            workingDays.ObligationDueAts.Length);
    }

    [Fact]
    public void TheLedgerRules_DecideTheUnitAndTheDefaultVerifier()
    {
        const string ledger = """
            ledger:
              - { number: L1, name: 寻楼某加工点, town: 寻楼村, disposal: 关停取缔, deadline: 2017年10月31日前 }
            """;

        var standard = Compile("  []", ledger: ledger).Ledger!.Single();
        var changed = Compile("  []", Changed("route_to: town", "route_to: unit").Replace("enterprise: 县环保局", "enterprise: 县公安局", StringComparison.Ordinal), ledger).Ledger!.Single();

        Assert.Equal(("jx-huayu", "jx-env"), (SampleCounty.Code(standard.UnitId), SampleCounty.Code(standard.VerifierUnitId!.Value)));
        Assert.Equal(("jx-huayu-xunlou", "jx-police"), (SampleCounty.Code(changed.UnitId), SampleCounty.Code(changed.VerifierUnitId!.Value)));
    }

    [Fact]
    public void AUnitGroupWord_AddedToTheDefinition_IsUnderstoodInPlans()
    {
        const string task = """
              - { number: "1", title: 秸秆禁烧, responsible: 各乡镇, deadline: 2017年11月30日前 }
            """;
        var problems = new List<InputProblem>();
        SampleCounty.Compile("plan.yaml", Encoding.UTF8.GetBytes(PlanFixture.Plan(task)), problems);
        Assert.Contains(problems, p => p.Reason.Contains("'各乡镇' is not a unit"));

        var compiled = Compile(task, Changed("words: [各镇街,", "words: [各乡镇, 各镇街,"));

        Assert.Equal(13, compiled.Tasks!.Single().Assignees.Count);
    }

    [Fact]
    public void ADefaultVerifierTheOrganisationLacks_IsAnErrorAtTheDefinitionsLine()
    {
        var problems = new List<InputProblem>();
        var definition = SampleCounty.Definition(Changed("enterprise: 县环保局", "enterprise: 县生态环境局"));

        SampleCounty.Compile("plan.yaml", Encoding.UTF8.GetBytes(PlanFixture.Plan("  []", ledger: """
            ledger:
              - { number: L1, name: 某加工点, town: 化雨镇, deadline: 2017年10月31日前 }
            """)), problems, definition);

        var problem = Assert.Single(problems, p => !p.IsWarning);
        Assert.Equal(("compilation/plan-compilation.yaml", "ledger.verifier_by_kind.enterprise"), (problem.File, problem.Field));
        Assert.True(problem.Line > 40);
    }
}

/// <summary>A host refuses to start with a malformed compilation definition.</summary>
public sealed class PlanCompilationCheckTests
{
    [Fact]
    public async Task Start_WithABrokenDefinition_FailsNamingTheFileLineAndField()
    {
        var directory = Directory.CreateTempSubdirectory();
        try
        {
            var path = Path.Combine(directory.FullName, PlanCompilationCatalog.FileName);
            await File.WriteAllTextAsync(path, "compilation: plan-compilation\nversion: 1\ntask_assignments:\n  - { from: lead, role: boss }\n");
            var check = new PlanCompilationCheck(new PlanCompilationCatalog(path),
                Microsoft.Extensions.Logging.Abstractions.NullLogger<PlanCompilationCheck>.Instance);

            var error = await Assert.ThrowsAsync<InputRejectedException>(() => check.StartAsync(CancellationToken.None));

            var problem = Assert.Single(error.Problems);
            Assert.Equal(("compilation/plan-compilation.yaml", 4, "task_assignments[0].role"), (problem.File, problem.Line, problem.Field));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
