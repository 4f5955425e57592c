using System.Globalization;
using System.Text.Json.Nodes;
using Accountability.Plans;
using NJsonSchema;
using YamlDotNet.RepresentationModel;

namespace Accountability.Tests.Plans;

/// <summary>Every plan file shipped in workflows/ validates against the schema and loads; the compilation definition
/// loads; the schema and the loader agree on the fields.</summary>
public sealed class PlanWorkflowFilesTests
{
    private static readonly string SchemaPath = Path.Combine(RepositoryPaths.Workflows, "schemas", "plan.schema.json");

    public static TheoryData<string> YamlPlans() => new(Directory.GetFiles(RepositoryPaths.Sample("plans"), "*.yaml").Select(Path.GetFileName)!);

    public static TheoryData<string> AllPlans() => new(Directory.GetFiles(RepositoryPaths.Sample("plans")).Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(YamlPlans))]
    public async Task EveryYamlPlan_ValidatesAgainstTheSchema(string file)
    {
        var schema = await JsonSchema.FromFileAsync(SchemaPath);
        var stream = new YamlStream();
        stream.Load(new StringReader(await File.ReadAllTextAsync(RepositoryPaths.Sample("plans", file))));

        var errors = schema.Validate(ToJson(stream.Documents[0].RootNode)!.ToJsonString());

        Assert.Empty(errors.Select(e => $"{e.Path}: {e.Kind}"));
    }

    [Theory]
    [MemberData(nameof(AllPlans))]
    public void EveryPlan_LoadsAndCompilesAgainstTheSampleCounty(string file)
    {
        var problems = new List<InputProblem>();

        var compiled = SampleCounty.Compile(file, File.ReadAllBytes(RepositoryPaths.Sample("plans", file)), problems);

        Assert.DoesNotContain(problems, p => !p.IsWarning);
        Assert.NotNull(compiled);
        Assert.True(compiled.Tasks!.Count >= 9);
    }

    [Fact]
    public async Task TheSchema_RejectsWhatTheLoaderRejects()
    {
        var schema = await JsonSchema.FromFileAsync(SchemaPath);

        Assert.NotEmpty(schema.Validate("""{"tasks": [{"number": "1", "title": "x", "lead": "县环保局", "deadline": "长期坚持", "dealine": "x"}]}"""));
        Assert.NotEmpty(schema.Validate("""{"tasks": [{"number": "1", "title": "x", "deadline": "长期坚持"}]}"""));
        Assert.NotEmpty(schema.Validate("""{"ledger": [{"number": "L1", "name": "x", "town": "化雨镇", "deadline": "x", "disposal": "拆了"}]}"""));
        Assert.Empty(schema.Validate("""{"tasks": [{"number": 1, "title": "x", "responsible": ["各镇街"], "deadline": "长期坚持"}]}"""));
    }

    [Fact]
    public async Task TheSchema_NamesExactlyTheFieldsTheLoaderKnows()
    {
        var schema = JsonNode.Parse(await File.ReadAllTextAsync(SchemaPath))!;
        string[] Keys(JsonNode? node) => node!["properties"]!.AsObject().Select(p => p.Key).Where(k => k != "$schema").Order().ToArray();

        Assert.Equal(PlanFileReader.TopKeys.Order(), Keys(schema));
        Assert.Equal(PlanFileReader.CampaignKeys.Order(), Keys(schema["definitions"]!["campaign"]));
        Assert.Equal(PlanFileReader.TaskKeys.Order(), Keys(schema["definitions"]!["task"]));
        Assert.Equal(PlanFileReader.LedgerKeys.Order(), Keys(schema["definitions"]!["ledgerItem"]));
    }

    [Fact]
    public void TheCompilationDefinition_Loads()
    {
        var problems = new List<InputProblem>();

        var definition = PlanCompilationCatalog.Load(Path.Combine(RepositoryPaths.Workflows, "compilation", PlanCompilationCatalog.FileName), problems);

        Assert.Empty(problems);
        Assert.NotNull(definition);
    }

    [Theory]
    [InlineData(PlanFixture.HundredDays)]
    [InlineData(PlanFixture.AutumnWinter)]
    public void TheWorkbookSample_IsTheYamlSampleConverted(string sample)
    {
        var yaml = PlanFileReader.Read(sample + ".yaml", File.ReadAllBytes(RepositoryPaths.Sample("plans", sample + ".yaml")), [])!;
        using var converted = new MemoryStream();
        PlanWorkbookWriter.Write(yaml, converted);

        var fromConverted = PlanFileReader.Read("x.xlsx", converted.ToArray(), [])!;
        var fromShipped = PlanFileReader.Read("x.xlsx", File.ReadAllBytes(RepositoryPaths.Sample("plans", sample + ".xlsx")), [])!;

        Assert.Equal(Describe(fromConverted), Describe(fromShipped));
        Assert.Equal(yaml.Tasks!.Select(t => (t.Number, t.Title, t.Lead, t.Responsible, t.Cooperating, t.Deadline)),
            fromShipped.Tasks!.Select(t => (t.Number, t.Title, t.Lead, t.Responsible, t.Cooperating, t.Deadline)));
    }

    private static string Describe(PlanFile plan) => string.Join('\n',
        (plan.Tasks ?? []).Select(t => string.Join('|', t.Number, t.Clause, t.Category, t.Title, t.Target, t.Measures, t.Lead, t.Responsible,
            t.Cooperating, t.Deadline, string.Join(';', t.Milestones), string.Join(';', t.EvidenceKinds), t.Verifier, t.Weight)).Concat(
        (plan.Ledger ?? []).Select(l => string.Join('|', l.Number, l.Kind, l.Name, l.Town, l.ProblemType, l.DisposalClass, l.Measures,
            l.ResponsiblePerson, l.Deadline, l.Source, l.FoundLevel, l.Verifier))));

    /// <summary>YAML as JSON the way YAML 1.2's core schema reads plain scalars: integers, booleans, null, else text.</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s when long.TryParse(s.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s when decimal.TryParse(s.Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: "true" or "false" } s => JsonValue.Create(s.Value == "true"),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" } => null,
        YamlScalarNode s => JsonValue.Create(s.Value),
        _ => null,
    };
}
