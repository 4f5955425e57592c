using System.Globalization;
using Microsoft.Extensions.Options;

namespace Accountability.Workflows;

/// <summary>
/// Every version of every workflow definition in <c>workflows/definitions/CODE/vN.yaml</c>. An assignment keeps the
/// version it started with, so all versions stay loaded; new assignments start on the latest. Loaded once and
/// validated as a whole: any error stops start-up with its file, line and field.
/// </summary>
public sealed class WorkflowCatalog
{
    private readonly Lazy<Dictionary<(string Code, int Version), WorkflowDefinition>> _definitions;

    public WorkflowCatalog(IOptions<WorkflowsOptions> options)
        : this(Path.Combine(options.Value.Directory, "definitions"))
    {
    }

    public WorkflowCatalog(string directory) =>
        _definitions = new Lazy<Dictionary<(string, int), WorkflowDefinition>>(() =>
        {
            var problems = new List<InputProblem>();
            var definitions = Load(directory, problems);
            return problems.Any(p => !p.IsWarning) ? throw new InputRejectedException(problems) : definitions;
        });

    public IReadOnlyCollection<WorkflowDefinition> All => _definitions.Value.Values;

    public WorkflowDefinition Get(string code, int version) =>
        _definitions.Value.TryGetValue((code, version), out var definition)
            ? definition
            : throw new NotFoundException($"No workflow definition {code} version {version} in workflows/definitions.");

    /// <summary>The version new assignments start on.</summary>
    public WorkflowDefinition Latest(string code) =>
        _definitions.Value.Values.Where(d => d.Code == code).MaxBy(d => d.Version)
        ?? throw new NotFoundException($"No workflow definition '{code}' in workflows/definitions (known: {string.Join(", ", _definitions.Value.Keys.Select(k => k.Code).Distinct())}).");

    /// <summary>Loads and validates now (start-up calls this so that a broken file stops the host at once).</summary>
    public void EnsureLoaded() => _ = _definitions.Value;

    /// <summary>Reads every definition under <paramref name="directory"/>, adding a problem for each error.</summary>
    public static Dictionary<(string Code, int Version), WorkflowDefinition> Load(string directory, List<InputProblem> problems)
    {
        var result = new Dictionary<(string, int), WorkflowDefinition>();
        var files = Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
            : [];
        if (files.Count == 0)
        {
            problems.Add(new InputProblem(directory, null, null, null, "no workflow definitions (CODE/vN.yaml) found"));
            return result;
        }

        foreach (var path in files)
        {
            var name = Path.GetRelativePath(Path.GetDirectoryName(directory) ?? directory, path).Replace('\\', '/');
            var definition = WorkflowDefinitionReader.Read(name, File.ReadAllBytes(path), problems);
            if (definition is null)
            {
                continue;
            }

            var folder = Path.GetFileName(Path.GetDirectoryName(path));
            var expectedFile = "v" + definition.Version.ToString(CultureInfo.InvariantCulture) + ".yaml";
            if (folder != definition.Code || Path.GetFileName(path) != expectedFile)
            {
                problems.Add(new InputProblem(name, null, 1, "workflow",
                    $"workflow {definition.Code} version {definition.Version} belongs in definitions/{definition.Code}/{expectedFile}"));
                continue;
            }

            result[(definition.Code, definition.Version)] = definition;
        }

        return result;
    }
}
