using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Accountability.Imports;

/// <summary>
/// Reads a YAML file as a node tree that keeps line numbers, so that every problem can name its line and field.
/// Loaders walk the tree with these helpers and add <see cref="InputProblem"/>s instead of throwing.
/// </summary>
public sealed class YamlInput(string file, List<InputProblem> problems)
{
    public string File { get; } = file;
    public List<InputProblem> Problems { get; } = problems;

    /// <summary>The root mapping, or null (with a problem recorded) when the bytes are not UTF-8 or not YAML.</summary>
    public YamlMappingNode? LoadRoot(byte[] bytes)
    {
        var text = TextDecoding.TryUtf8(bytes);
        if (text is null)
        {
            Error(null, null, TextDecoding.NotUtf8Reason(bytes));
            return null;
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            Error((int)e.Start.Line, null, Reasons.InvalidYaml(e.InnerException?.Message ?? e.Message));
            return null;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            Error(1, null, Reasons.YamlRootNotMapping());
            return null;
        }

        return root;
    }

    public static int Line(YamlNode node) => (int)node.Start.Line;

    public void Error(int? line, string? field, ProblemReason reason) => Problems.Add(InputProblem.Of(File, null, line, field, reason));

    public void Warning(int? line, string? field, ProblemReason reason) =>
        Problems.Add(InputProblem.Of(File, null, line, field, reason, isWarning: true));

    public void ErrorAt(YamlNode node, string? field, ProblemReason reason) => Error(Line(node), field, reason);

    public static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    /// <summary>A scalar's text; null when absent or explicitly empty; a problem when it is a list or mapping.</summary>
    public string? Scalar(YamlMappingNode map, string key, string fieldPath)
    {
        var node = Child(map, key);
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode scalar:
                var value = scalar.Value?.Trim();
                return string.IsNullOrEmpty(value) || (scalar.Style == ScalarStyle.Plain && value is "~" or "null") ? null : value;
            default:
                ErrorAt(node, fieldPath, Reasons.NotSingleValue());
                return null;
        }
    }

    public string? Required(YamlMappingNode map, string key, string fieldPath)
    {
        var value = Scalar(map, key, fieldPath);
        if (value is null && Child(map, key) is not (YamlSequenceNode or YamlMappingNode))
        {
            Error(Line(map), fieldPath, Reasons.Required());
        }

        return value;
    }

    /// <summary>The items of a list; a single scalar counts as a one-item list (people write both).</summary>
    public IReadOnlyList<YamlNode> Sequence(YamlMappingNode map, string key, string fieldPath)
    {
        return Child(map, key) switch
        {
            null => [],
            YamlSequenceNode seq => seq.Children.ToList(),
            YamlScalarNode { Value: null or "" } => [],
            YamlScalarNode scalar => [scalar],
            var other => Fail(other),
        };

        IReadOnlyList<YamlNode> Fail(YamlNode node)
        {
            ErrorAt(node, fieldPath, Reasons.NotAList());
            return [];
        }
    }

    public IReadOnlyList<string> Strings(YamlMappingNode map, string key, string fieldPath)
    {
        var result = new List<string>();
        foreach (var item in Sequence(map, key, fieldPath))
        {
            if (item is YamlScalarNode { Value: { } v } && !string.IsNullOrWhiteSpace(v))
            {
                result.Add(v.Trim());
            }
            else if (item is not YamlScalarNode)
            {
                ErrorAt(item, fieldPath, Reasons.ListItemNotSingleValue());
            }
        }

        return result;
    }

    /// <summary>Reports keys the format does not know: a misspelt field must not be silently ignored.</summary>
    public void RejectUnknownKeys(YamlMappingNode map, string fieldPath, params string[] known)
    {
        foreach (var key in map.Children.Keys.OfType<YamlScalarNode>())
        {
            if (key.Value is { } k && !known.Contains(k) && !k.StartsWith('$'))
            {
                ErrorAt(key, fieldPath.Length == 0 ? k : $"{fieldPath}.{k}", Reasons.UnknownField(known));
            }
        }
    }
}
