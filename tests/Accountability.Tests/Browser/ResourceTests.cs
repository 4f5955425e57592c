using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Accountability.Tests.Browser;

/// <summary>Every text a page asks for exists in Chinese and in English, and the two files name the same keys: a
/// missing key would show its name on the page.</summary>
public sealed partial class ResourceTests
{
    private static readonly string Web = Path.Combine(RepositoryPaths.Root, "src", "Accountability.Web");

    [Fact]
    public void ResourceFiles_NameTheSameKeys()
    {
        var chinese = Keys("Text.resx");
        var english = Keys("Text.en.resx");

        Assert.Empty(chinese.Except(english));
        Assert.Empty(english.Except(chinese));
    }

    [Fact]
    public void EveryKeyThePagesUse_IsInTheResources()
    {
        var known = Keys("Text.resx");
        var used = Directory.EnumerateFiles(Path.Combine(Web, "Pages"), "*", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(Web, "Hosting"), "*.cs"))
            .Where(f => f.EndsWith(".cshtml", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
            .SelectMany(f => UsePattern().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Key: m.Groups[1].Value)))
            .Where(u => !u.Key.EndsWith('_'))
            .ToList();

        Assert.NotEmpty(used);
        var missing = used.Where(u => !known.Contains(u.Key)).Select(u => $"{u.File}: {u.Key}").Distinct().ToList();
        Assert.True(missing.Count == 0, "missing: " + string.Join("; ", missing));
    }

    private static HashSet<string> Keys(string file) =>
        XDocument.Load(Path.Combine(Web, "Resources", file)).Root!.Elements("data").Select(d => (string)d.Attribute("name")!).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex("""(?:\bT|\btext)\["([A-Za-z0-9_.]+)"[\],]""")]
    private static partial Regex UsePattern();
}
