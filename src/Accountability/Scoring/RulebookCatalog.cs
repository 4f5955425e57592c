using Accountability.Workflows;
using Microsoft.Extensions.Options;

namespace Accountability.Scoring;

/// <summary>
/// The rulebooks shipped in <c>workflows/rulebooks</c>, every version of every code. Loaded once and validated as a
/// whole: a malformed file, or two files claiming the same code and version, refuses the start-up with file, line and
/// field. The web host touches <see cref="All"/> while mapping its endpoints, so a bad rulebook stops the server from
/// starting rather than scoring wrongly at the first period close.
/// </summary>
public sealed class RulebookCatalog
{
    public const string Folder = "rulebooks";

    private readonly Lazy<IReadOnlyList<Rulebook>> _rulebooks;

    public RulebookCatalog(IOptions<WorkflowsOptions> options)
        : this(Path.Combine(options.Value.Directory, Folder))
    {
    }

    public RulebookCatalog(string directory) =>
        _rulebooks = new Lazy<IReadOnlyList<Rulebook>>(() => LoadOrThrow(directory));

    private RulebookCatalog(Func<IReadOnlyList<Rulebook>> load) => _rulebooks = new Lazy<IReadOnlyList<Rulebook>>(load);

    /// <summary>The shipped rulebooks with <paramref name="draft"/> in place of every version of its code: what the
    /// simulator scores with when a planner tries a draft before adopting it.</summary>
    public static RulebookCatalog Trying(RulebookCatalog shipped, Rulebook draft) =>
        new(() => [.. shipped.All.Where(r => r.Code != draft.Code), draft]);

    public IReadOnlyList<Rulebook> All => _rulebooks.Value;

    public bool Contains(string? code) => code is not null && All.Any(r => r.Code == code);

    /// <summary>The version of <paramref name="code"/> in force on <paramref name="day"/> (the latest one whose
    /// effective dates cover it).</summary>
    public Rulebook InForce(string code, DateOnly day)
    {
        var versions = All.Where(r => r.Code == code).ToList();
        if (versions.Count == 0)
        {
            throw new NotFoundException($"No rulebook '{code}' in workflows/rulebooks (known: {string.Join(", ", All.Select(r => r.Code).Distinct())}).");
        }

        return versions.Where(r => r.InForceOn(day)).MaxBy(r => r.Version)
               ?? throw new BusinessRuleBrokenException(nameof(RulebookMustBeInForceRule),
                   $"No version of rulebook '{code}' is in force on {day:yyyy-MM-dd} (versions: {string.Join(", ", versions.Select(v => $"{v.Version} from {v.EffectiveFrom:yyyy-MM-dd}"))}).");
    }

    public Rulebook Get(string code, int version) =>
        All.FirstOrDefault(r => r.Code == code && r.Version == version)
        ?? throw new NotFoundException($"No rulebook '{code}' version {version} in workflows/rulebooks.");

    private static List<Rulebook> LoadOrThrow(string directory)
    {
        var problems = new List<InputProblem>();
        var rulebooks = Load(directory, problems);
        return problems.Any(p => !p.IsWarning) ? throw new InputRejectedException(problems) : rulebooks;
    }

    /// <summary>Reads every <c>*.yaml</c> in <paramref name="directory"/>, adding a problem for each error found.</summary>
    public static List<Rulebook> Load(string directory, List<InputProblem> problems)
    {
        var result = new List<Rulebook>();
        if (!Directory.Exists(directory))
        {
            return result;
        }

        foreach (var file in Directory.GetFiles(directory, "*.yaml").Order(StringComparer.Ordinal))
        {
            var name = Path.Combine(Folder, Path.GetFileName(file));
            var rulebook = RulebookReader.Read(name, File.ReadAllBytes(file), problems);
            if (rulebook is null)
            {
                continue;
            }

            if (result.FirstOrDefault(r => r.Code == rulebook.Code && r.Version == rulebook.Version) is { } twin)
            {
                problems.Add(new InputProblem(name, null, 1, "version", $"{rulebook.Citation} is also defined in {twin.File}"));
                continue;
            }

            result.Add(rulebook);
        }

        return result;
    }
}

/// <summary>A period is scored under the version of its campaign's rulebook in force on its first day.</summary>
public sealed class RulebookMustBeInForceRule(Rulebook? rulebook) : IBusinessRule
{
    public bool IsBroken() => rulebook is null;

    public string Message => "No version of the rulebook is in force for the period.";
}
