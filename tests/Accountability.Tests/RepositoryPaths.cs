namespace Accountability.Tests;

/// <summary>Finds files of the checkout (samples in workflows/) from wherever the test runner starts.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Workflows => Path.Combine(Root, "workflows");

    public static string Sample(params string[] parts) => Path.Combine([Workflows, "samples", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Accountability.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Tests must run from inside the checkout (no Accountability.sln above " + AppContext.BaseDirectory + ").");
    }
}
