using System.Globalization;
using Accountability.Imports;
using Accountability.Workflows;
using Microsoft.Extensions.Options;
using YamlDotNet.RepresentationModel;

namespace Accountability.Plans;

/// <summary>A phrase that names every unit of a ranking category ("各镇街" → towns).</summary>
public sealed record UnitGroup(string Category, IReadOnlyList<string> Words);

/// <summary>"Units in the task's <see cref="From"/> column get an assignment with <see cref="Role"/>."</summary>
public sealed record AssignmentRule(string From, string Role);

public enum NonWorkingDayRule
{
    Keep,
    NextWorkingDay,
    PreviousWorkingDay,
}

/// <summary>A unit phrase of the definition and the line it sits on, resolved against the organisation when used.</summary>
public sealed record DefinitionUnit(string Phrase, int Line, string Field);

/// <summary>workflows/compilation/plan-compilation.yaml as the compiler applies it.</summary>
public sealed record PlanCompilationDefinition(
    string File,
    string Code,
    int Version,
    IReadOnlyList<UnitGroup> UnitGroups,
    IReadOnlyList<AssignmentRule> TaskAssignments,
    IReadOnlyList<string> TaskVerifierFallback,
    NonWorkingDayRule DeadlineOnNonWorkingDay,
    NonWorkingDayRule RecurrenceOnNonWorkingDay,
    bool DailyOnWorkingDaysOnly,
    int MaxObligations,
    string LedgerRouteTo,
    string LedgerRole,
    IReadOnlyDictionary<string, DefinitionUnit> LedgerVerifierByKind)
{
    public static readonly string[] UnitColumns = ["lead", "responsible", "cooperating"];
    public static readonly string[] Roles = ["lead", "responsible", "cooperating"];
    public static readonly string[] VerifierFallbacks = ["lead", "headquarters"];
    public static readonly string[] LedgerKinds = ["enterprise", "problem", "complaint"];
}

/// <summary>
/// Loads the compilation definition from <c>workflows/compilation/plan-compilation.yaml</c> once, and refuses a
/// malformed one with every problem (file, line, field) rather than compiling plans wrongly.
/// </summary>
public sealed class PlanCompilationCatalog
{
    public const string FileName = "plan-compilation.yaml";

    private readonly Lazy<PlanCompilationDefinition> _definition;

    public PlanCompilationCatalog(IOptions<WorkflowsOptions> options)
        : this(Path.Combine(options.Value.Directory, "compilation", FileName))
    {
    }

    public PlanCompilationCatalog(string path) => _definition = new Lazy<PlanCompilationDefinition>(() =>
    {
        var problems = new List<InputProblem>();
        var definition = Load(path, problems);
        return definition is null || problems.Any(p => !p.IsWarning) ? throw new InputRejectedException(problems) : definition;
    });

    public PlanCompilationDefinition Definition => _definition.Value;

    public static PlanCompilationDefinition? Load(string path, List<InputProblem> problems)
    {
        var name = Path.Combine("compilation", Path.GetFileName(path));
        if (!File.Exists(path))
        {
            problems.Add(new InputProblem(name, null, null, null, $"the plan compilation definition is missing ({path})"));
            return null;
        }

        return Parse(name, File.ReadAllBytes(path), problems);
    }

    public static PlanCompilationDefinition? Parse(string name, byte[] bytes, List<InputProblem> problems)
    {
        var before = problems.Count(p => !p.IsWarning);
        var yaml = new YamlInput(name, problems);
        var root = yaml.LoadRoot(bytes);
        if (root is null)
        {
            return null;
        }

        yaml.RejectUnknownKeys(root, "", "compilation", "version", "unit_groups", "task_assignments", "task_verifier_fallback",
            "deadlines", "recurrence", "ledger");
        var code = yaml.Required(root, "compilation", "compilation") ?? "";
        var version = Integer(yaml, root, "version", "version", 1, int.MaxValue, required: true) ?? 0;

        var groups = new List<UnitGroup>();
        var seenWords = new Dictionary<string, int>();
        var groupNodes = yaml.Sequence(root, "unit_groups", "unit_groups");
        for (var i = 0; i < groupNodes.Count; i++)
        {
            var path = $"unit_groups[{i}]";
            if (groupNodes[i] is not YamlMappingNode map)
            {
                yaml.ErrorAt(groupNodes[i], path, "must be a mapping with category and words");
                continue;
            }

            yaml.RejectUnknownKeys(map, path, "category", "words");
            var category = yaml.Required(map, "category", $"{path}.category");
            var words = yaml.Strings(map, "words", $"{path}.words");
            if (words.Count == 0)
            {
                yaml.ErrorAt(map, $"{path}.words", "give at least one word");
            }

            foreach (var word in words)
            {
                if (!seenWords.TryAdd(word, YamlInput.Line(map)))
                {
                    yaml.ErrorAt(map, $"{path}.words", $"'{word}' already names a group at line {seenWords[word]}");
                }
            }

            if (category is not null)
            {
                groups.Add(new UnitGroup(category, words));
            }
        }

        var rules = new List<AssignmentRule>();
        var ruleNodes = yaml.Sequence(root, "task_assignments", "task_assignments");
        if (ruleNodes.Count == 0)
        {
            yaml.Error(YamlInput.Line(root), "task_assignments", "give at least one rule: without one no task is ever assigned");
        }

        for (var i = 0; i < ruleNodes.Count; i++)
        {
            var path = $"task_assignments[{i}]";
            if (ruleNodes[i] is not YamlMappingNode map)
            {
                yaml.ErrorAt(ruleNodes[i], path, "must be a mapping with from and role");
                continue;
            }

            yaml.RejectUnknownKeys(map, path, "from", "role");
            var from = OneOf(yaml, map, "from", $"{path}.from", PlanCompilationDefinition.UnitColumns, required: true);
            var role = OneOf(yaml, map, "role", $"{path}.role", PlanCompilationDefinition.Roles, required: true);
            if (from is not null && rules.Any(r => r.From == from))
            {
                yaml.ErrorAt(map, $"{path}.from", $"'{from}' already has a rule");
            }

            if (from is not null && role is not null)
            {
                rules.Add(new AssignmentRule(from, role));
            }
        }

        var fallback = yaml.Strings(root, "task_verifier_fallback", "task_verifier_fallback");
        foreach (var item in fallback.Where(f => !PlanCompilationDefinition.VerifierFallbacks.Contains(f)))
        {
            yaml.Error(YamlInput.Line(root), "task_verifier_fallback",
                $"'{item}' is not one of: {string.Join(", ", PlanCompilationDefinition.VerifierFallbacks)}");
        }

        var deadlineRule = NonWorkingDayRule.Keep;
        if (Mapping(yaml, root, "deadlines") is { } deadlines)
        {
            yaml.RejectUnknownKeys(deadlines, "deadlines", "on_non_working_day");
            deadlineRule = NonWorkingDay(yaml, deadlines, "deadlines.on_non_working_day");
        }

        var recurrenceRule = NonWorkingDayRule.Keep;
        var dailyWorkingOnly = false;
        var maxObligations = 400;
        if (Mapping(yaml, root, "recurrence") is { } recurrence)
        {
            yaml.RejectUnknownKeys(recurrence, "recurrence", "on_non_working_day", "daily", "max_obligations");
            recurrenceRule = NonWorkingDay(yaml, recurrence, "recurrence.on_non_working_day");
            dailyWorkingOnly = OneOf(yaml, recurrence, "daily", "recurrence.daily", ["every_day", "working_days"]) == "working_days";
            maxObligations = Integer(yaml, recurrence, "max_obligations", "recurrence.max_obligations", 1, 100_000) ?? 400;
        }

        var routeTo = "town";
        var ledgerRole = "responsible";
        var verifierByKind = new Dictionary<string, DefinitionUnit>();
        if (Mapping(yaml, root, "ledger") is { } ledger)
        {
            yaml.RejectUnknownKeys(ledger, "ledger", "route_to", "role", "verifier_by_kind");
            routeTo = OneOf(yaml, ledger, "route_to", "ledger.route_to", ["town", "unit"]) ?? "town";
            ledgerRole = OneOf(yaml, ledger, "role", "ledger.role", PlanCompilationDefinition.Roles) ?? "responsible";
            if (Mapping(yaml, ledger, "verifier_by_kind") is { } byKind)
            {
                foreach (var (keyNode, valueNode) in byKind.Children)
                {
                    var kind = (keyNode as YamlScalarNode)?.Value ?? "";
                    var field = $"ledger.verifier_by_kind.{kind}";
                    if (!PlanCompilationDefinition.LedgerKinds.Contains(kind))
                    {
                        yaml.ErrorAt(keyNode, field, $"unknown kind; expected one of: {string.Join(", ", PlanCompilationDefinition.LedgerKinds)}");
                    }
                    else if (valueNode is YamlScalarNode { Value: { Length: > 0 } unit })
                    {
                        verifierByKind[kind] = new DefinitionUnit(unit.Trim(), YamlInput.Line(valueNode), field);
                    }
                    else if (valueNode is not YamlScalarNode)
                    {
                        yaml.ErrorAt(valueNode, field, "must be a unit name, code or alias");
                    }
                }
            }
        }

        if (problems.Count(p => !p.IsWarning) > before)
        {
            return null;
        }

        return new PlanCompilationDefinition(name, code, version, groups, rules, fallback, deadlineRule, recurrenceRule,
            dailyWorkingOnly, maxObligations, routeTo, ledgerRole, verifierByKind);
    }

    private static YamlMappingNode? Mapping(YamlInput yaml, YamlMappingNode map, string key)
    {
        switch (YamlInput.Child(map, key))
        {
            case YamlMappingNode m:
                return m;
            case null or YamlScalarNode { Value: null or "" }:
                return null;
            case var other:
                yaml.ErrorAt(other, key, "must be a mapping");
                return null;
        }
    }

    private static NonWorkingDayRule NonWorkingDay(YamlInput yaml, YamlMappingNode map, string field) =>
        OneOf(yaml, map, "on_non_working_day", field, ["keep", "next_working_day", "previous_working_day"]) switch
        {
            "next_working_day" => NonWorkingDayRule.NextWorkingDay,
            "previous_working_day" => NonWorkingDayRule.PreviousWorkingDay,
            _ => NonWorkingDayRule.Keep,
        };

    private static string? OneOf(YamlInput yaml, YamlMappingNode map, string key, string field, string[] allowed, bool required = false)
    {
        var value = required ? yaml.Required(map, key, field) : yaml.Scalar(map, key, field);
        if (value is not null && !allowed.Contains(value))
        {
            yaml.ErrorAt(YamlInput.Child(map, key)!, field, $"'{value}' is not one of: {string.Join(", ", allowed)}");
            return null;
        }

        return value;
    }

    private static int? Integer(YamlInput yaml, YamlMappingNode map, string key, string field, int min, int max, bool required = false)
    {
        var text = required ? yaml.Required(map, key, field) : yaml.Scalar(map, key, field);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            yaml.ErrorAt(YamlInput.Child(map, key)!, field, $"'{text}' is not a whole number from {min} to {max}");
            return null;
        }

        return value;
    }
}
