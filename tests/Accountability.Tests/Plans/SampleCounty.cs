using Accountability.Calendar;
using Accountability.Organization;
using Accountability.Plans;

namespace Accountability.Tests.Plans;

/// <summary>The sample county and the shipped calendars without a database: for compiler tests that need neither
/// storage nor a clock.</summary>
public static class SampleCounty
{
    private static readonly Lazy<List<DirectoryUnit>> Units = new(() =>
    {
        var path = RepositoryPaths.Sample("organization", "jinxiang-county.yaml");
        var file = OrganizationFileReader.Read(path, File.ReadAllBytes(path), [])!;
        var ids = file.Units.Select((u, i) => (u.Code, Id: (long)i + 1)).ToDictionary(u => u.Code, u => u.Id);
        return file.Units.Select(u => new DirectoryUnit(ids[u.Code], u.Code, u.Name, u.Kind.ToDatabase(),
            u.ParentCode is { } p ? ids[p] : null, u.RankingCategory, u.Aliases.ToArray(), u.SortOrder)).ToList();
    });

    public static readonly CalendarCatalog Calendars = new(Path.Combine(RepositoryPaths.Workflows, "calendars"));

    public static string DefinitionText => File.ReadAllText(Path.Combine(RepositoryPaths.Workflows, "compilation", PlanCompilationCatalog.FileName));

    public static PlanCompilationDefinition Definition(string? text = null)
    {
        var problems = new List<InputProblem>();
        var definition = PlanCompilationCatalog.Parse("compilation/plan-compilation.yaml",
            System.Text.Encoding.UTF8.GetBytes(text ?? DefinitionText), problems);
        Assert.Empty(problems);
        return definition!;
    }

    public static UnitDirectory Directory(PlanCompilationDefinition definition) => new(Units.Value, definition.UnitGroups);

    public static long Id(string code) => Units.Value.Single(u => u.Code == code).Id;

    public static string Code(long id) => Units.Value.Single(u => u.Id == id).Code;

    /// <summary>Reads and compiles; null when the file has an error (problems then says which).</summary>
    public static CompiledPlan? Compile(string fileName, byte[] bytes, List<InputProblem> problems, PlanCompilationDefinition? definition = null)
    {
        definition ??= Definition();
        var file = PlanFileReader.Read(fileName, bytes, problems);
        if (file is null)
        {
            return null;
        }

        var compiled = new PlanCompiler(Directory(definition), definition, Calendars, problems)
            .Compile(file, file.Campaign?.Code ?? "fuzz", null, TestEngine.Start);
        return problems.Any(p => !p.IsWarning) ? null : compiled;
    }
}
