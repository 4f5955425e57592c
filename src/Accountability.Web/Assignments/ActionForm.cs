using System.Globalization;
using System.Text.Json;
using Accountability.Assignments;

namespace Accountability.Web.Assignments;

/// <summary>
/// The body of an action, read the same way whether it came as JSON (<c>{"note": "...", "files": [{"kind": "现场照片",
/// "fileName": "a.jpg", "contentBase64": "..."}]}</c>) or as multipart/form-data (fields by name, file parts named
/// <c>files</c>, and an optional <c>kinds</c> field per file, or a single <c>kind</c> for all). Headers: If-Match (the
/// row version seen) and Idempotency-Key. A malformed field is a 422 naming it.
/// </summary>
public sealed class ActionForm
{
    private readonly Dictionary<string, List<string>> _fields = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<EvidenceUpload> _files = [];
    private readonly List<InputProblem> _problems = [];

    public int? ExpectedVersion { get; private set; }

    public string? IdempotencyKey { get; private set; }

    public IReadOnlyList<EvidenceUpload> Files => _files;

    public RouteValueDictionary RouteValues { get; private set; } = [];

    public static async Task<ActionForm> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var form = new ActionForm { IdempotencyKey = request.Headers["Idempotency-Key"].FirstOrDefault(), RouteValues = request.RouteValues };
        if (request.Headers.IfMatch.FirstOrDefault() is { } ifMatch)
        {
            var text = ifMatch.Replace("W/", "", StringComparison.Ordinal).Trim('"', ' ');
            if (int.TryParse(text, CultureInfo.InvariantCulture, out var version))
            {
                form.ExpectedVersion = version;
            }
            else
            {
                form._problems.Add(new InputProblem("request", null, null, "If-Match", $"'{ifMatch}' is not a row version (an ETag such as \"3\")"));
            }
        }

        if (request.HasFormContentType)
        {
            var body = await request.ReadFormAsync(cancellationToken);
            foreach (var (key, values) in body)
            {
                form._fields[key] = values.Where(v => v is not null).Select(v => v!).ToList();
            }

            var kinds = form.All("kinds");
            var kind = form.Text("kind");
            for (var i = 0; i < body.Files.Count; i++)
            {
                var file = body.Files[i];
                using var stream = new MemoryStream();
                await file.CopyToAsync(stream, cancellationToken);
                form._files.Add(new EvidenceUpload(i < kinds.Count ? kinds[i] : kind ?? "general", file.FileName, stream.ToArray()));
            }
        }
        else if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
                form.ReadJson(document.RootElement);
            }
            catch (JsonException e)
            {
                form._problems.Add(new InputProblem("request", null, null, null, $"the body is not JSON: {e.Message}"));
            }
        }

        return form;
    }

    private void ReadJson(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            _problems.Add(new InputProblem("request", null, null, null, "the body must be a JSON object"));
            return;
        }

        foreach (var property in root.EnumerateObject())
        {
            if (property.NameEquals("files") && property.Value.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var file in property.Value.EnumerateArray())
                {
                    var field = $"files[{i++}]";
                    var name = file.TryGetProperty("fileName", out var n) ? n.GetString() : null;
                    var content = file.TryGetProperty("contentBase64", out var c) ? c.GetString() : null;
                    var kind = file.TryGetProperty("kind", out var k) ? k.GetString() : null;
                    try
                    {
                        _files.Add(new EvidenceUpload(kind ?? "general", name ?? "file", Convert.FromBase64String(content ?? "")));
                    }
                    catch (FormatException)
                    {
                        _problems.Add(new InputProblem("request", null, null, field, "contentBase64 is not base64"));
                    }
                }

                continue;
            }

            _fields[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.Null => [],
                JsonValueKind.String => [property.Value.GetString()!],
                JsonValueKind.Array => property.Value.EnumerateArray().Select(v => v.ToString()).ToList(),
                _ => [property.Value.GetRawText()],
            };
        }
    }

    private List<string> All(string name) => _fields.TryGetValue(name, out var values) ? values : [];

    public string? Text(string name) => All(name).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();

    public string RequiredText(string name)
    {
        var value = Text(name);
        if (value is null)
        {
            _problems.Add(new InputProblem("request", null, null, name, "is required"));
        }

        return value ?? "";
    }

    public int? Int(string name)
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        _problems.Add(new InputProblem("request", null, null, name, $"'{text}' is not a whole number"));
        return null;
    }

    public long? Long(string name)
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        if (long.TryParse(text, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        _problems.Add(new InputProblem("request", null, null, name, $"'{text}' is not a whole number"));
        return null;
    }

    public bool? Bool(string name)
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        _problems.Add(new InputProblem("request", null, null, name, $"'{text}' is not true or false"));
        return null;
    }

    public DateOnly? Date(string name)
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        _problems.Add(new InputProblem("request", null, null, name, $"'{text}' is not a date (yyyy-mm-dd)"));
        return null;
    }

    public T? Enum<T>(string name) where T : struct, Enum
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        if (System.Enum.TryParse<T>(text.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var value) && System.Enum.IsDefined(value))
        {
            return value;
        }

        _problems.Add(new InputProblem("request", null, null, name,
            $"'{text}' is not one of: {string.Join(", ", System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}"));
        return null;
    }

    /// <summary>The request for <paramref name="assignmentId"/>; throws 422 with every malformed field first.</summary>
    public ActionRequest Request(long assignmentId)
    {
        ThrowIfInvalid();
        return new ActionRequest(assignmentId, ExpectedVersion, IdempotencyKey);
    }

    public void ThrowIfInvalid()
    {
        if (_problems.Count > 0)
        {
            throw new InputRejectedException(_problems);
        }
    }

    /// <summary>The answer: the item, its version as ETag, and whether it is a replay of an earlier answer.</summary>
    public static IResult Reply(HttpContext context, ActionResult result)
    {
        context.Response.Headers.ETag = $"\"{result.Item.Version}\"";
        if (result.Replayed)
        {
            context.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return Results.Ok(result.Item);
    }
}
