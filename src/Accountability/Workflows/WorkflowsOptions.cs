namespace Accountability.Workflows;

/// <summary>Where the declarative data lives: calendars, workflow definitions, rulebooks, samples. The repository's
/// <c>workflows/</c> folder is copied next to every host's binaries, so the default works from a checkout, a test run
/// and a published server alike.</summary>
public sealed class WorkflowsOptions
{
    public const string Section = "Workflows";

    public string Directory { get; set; } = Path.Combine(AppContext.BaseDirectory, "workflows");
}
