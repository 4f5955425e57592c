using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Accountability.Imports;
using Accountability.Web.Hosting;

namespace Accountability.Tests.Browser;

/// <summary>Every coded reason the engine gives can be shown in both languages: each code has a <c>Problem_{Code}</c>
/// resource in Text.resx and Text.en.resx, and every placeholder there names an argument the engine supplies with that
/// code (a placeholder it does not supply would reach the page as "{value}"). The reasons are found by reflection over
/// <see cref="Reasons"/>, the one place codes are made, and each is invoked to see the code and arguments it gives.</summary>
public sealed partial class ProblemResourceTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static readonly string ResourceFolder = Path.Combine(RepositoryPaths.Root, "src", "Accountability.Web", "Resources");

    [Fact]
    public void EveryReason_GivesACodeAnEnglishSentenceAndNoEmptyArgument()
    {
        var reasons = AllReasons();

        Assert.True(reasons.Count > 50, $"only {reasons.Count} reasons found");
        Assert.All(reasons, r =>
        {
            Assert.False(string.IsNullOrWhiteSpace(r.Reason.Code), r.Method);
            Assert.False(string.IsNullOrWhiteSpace(r.Reason.Text), r.Method);
            Assert.NotNull(r.Reason.Arguments);
            Assert.All(r.Reason.Arguments!, a => Assert.False(string.IsNullOrEmpty(a.Value), $"{r.Method}: {a.Key}"));
        });
    }

    [Theory]
    [InlineData("Text.resx")]
    [InlineData("Text.en.resx")]
    public void EveryCode_HasAResourceWhosePlaceholdersAreArgumentsTheEngineGives(string file)
    {
        var resources = Resources(file);
        var failures = new List<string>();
        foreach (var (method, reason) in AllReasons())
        {
            if (!resources.TryGetValue("Problem_" + reason.Code, out var text))
            {
                failures.Add($"{method}: no Problem_{reason.Code}");
                continue;
            }

            failures.AddRange(Display.Placeholder().Matches(text).Select(m => m.Groups[1].Value)
                .Where(name => !reason.Arguments!.ContainsKey(name))
                .Select(name => $"{method}: Problem_{reason.Code} names {{{name}}}, which it is not given"));
            if (PositionalPlaceholder().IsMatch(text))
            {
                failures.Add($"Problem_{reason.Code}: a positional placeholder is never filled");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("Text.resx")]
    [InlineData("Text.en.resx")]
    public void EveryProblemResource_BelongsToACodeTheEngineGives(string file)
    {
        var codes = AllReasons().Select(r => "Problem_" + r.Reason.Code).ToHashSet(StringComparer.Ordinal);

        var orphans = Resources(file).Keys.Where(k => k.StartsWith("Problem_", StringComparison.Ordinal) && !codes.Contains(k)).ToList();

        Assert.Empty(orphans);
    }

    [Fact]
    public void Problem_ReadBackFromJson_KeepsItsCodeAndArguments()
    {
        // A background import's problems are stored as JSON and shown later on the operation's page.
        var problem = InputProblem.Of("plan.xlsx", "重点任务分工表", 4, "完成时限", Reasons.NotADeadline("明年再说"));

        var read = JsonSerializer.Deserialize<InputProblem>(JsonSerializer.Serialize(problem, Web), Web)!;

        Assert.Equal((problem.ToString(), "NotADeadline", "明年再说"), (read.ToString(), read.Code, read.Arguments!["value"]));
    }

    private static List<(string Method, ProblemReason Reason)> AllReasons() =>
        typeof(Reasons).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.ReturnType == typeof(ProblemReason))
            .Select(m => (m.Name, (ProblemReason)m.Invoke(null, m.GetParameters().Select(p => Sample(p.ParameterType)).ToArray())!))
            .ToList();

    /// <summary>A value of each parameter type the reasons take, such as a problem would give.</summary>
    private static object Sample(Type type) => type switch
    {
        _ when type == typeof(string) => "x",
        _ when type == typeof(int) || type == typeof(int?) => 3,
        _ when type == typeof(bool) => true,
        _ when type == typeof(DateOnly) => new DateOnly(2017, 9, 1),
        _ when type == typeof(string[]) || type == typeof(IEnumerable<string>) => new[] { "序号", "重点任务" },
        _ when type == typeof(IReadOnlyCollection<int>) => new[] { 2019, 2020 },
        _ when type == typeof(IReadOnlyList<DateOnly>) => new[] { new DateOnly(2017, 10, 1) },
        _ when type == typeof(ProblemReason) => Reasons.NotADate("x"),
        _ => throw new InvalidOperationException($"no sample value for {type}; add one"),
    };

    private static Dictionary<string, string> Resources(string file) =>
        XDocument.Load(Path.Combine(ResourceFolder, file)).Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string)d.Element("value")!, StringComparer.Ordinal);

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex PositionalPlaceholder();
}
