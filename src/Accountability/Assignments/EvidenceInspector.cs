using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Accountability.Assignments;

/// <summary>Limits for evidence files (section <c>Evidence</c>), checked at start-up.</summary>
public sealed class EvidenceOptions
{
    public const string Section = "Evidence";

    public long MaxFileBytes { get; set; } = 20L * 1024 * 1024;

    public int MaxFilesPerAction { get; set; } = 20;

    public long MaxBytesPerAction { get; set; } = 100L * 1024 * 1024;

    /// <summary>Content types accepted, from <see cref="EvidenceInspector.KnownTypes"/>.</summary>
    public List<string> AllowedTypes { get; set; } = [.. EvidenceInspector.KnownTypes.Keys];

    public IEnumerable<string> Problems()
    {
        // PostgreSQL's bytea holds at most 1 GiB; a request body that large would not reach us anyway.
        if (MaxFileBytes is < 1 or > 512L * 1024 * 1024)
        {
            yield return $"{Section}:MaxFileBytes must be between 1 and 536870912 (is {MaxFileBytes})";
        }

        if (MaxFilesPerAction < 1)
        {
            yield return $"{Section}:MaxFilesPerAction must be at least 1 (is {MaxFilesPerAction})";
        }

        if (MaxBytesPerAction < MaxFileBytes)
        {
            yield return $"{Section}:MaxBytesPerAction must be at least MaxFileBytes (is {MaxBytesPerAction})";
        }

        foreach (var type in AllowedTypes.Where(t => !EvidenceInspector.KnownTypes.ContainsKey(t)))
        {
            yield return $"{Section}:AllowedTypes: '{type}' is not a type the inspector recognises ({string.Join(", ", EvidenceInspector.KnownTypes.Keys)})";
        }
    }
}

/// <summary>An inspected file: what its bytes are, their digest and size.</summary>
public sealed record InspectedEvidence(string Kind, string FileName, string ContentType, byte[] Sha256, byte[] Content);

/// <summary>
/// Decides what a file is from its bytes (magic numbers, and for Office files the parts inside the package), never
/// from the name or the type the client claimed. Images, PDF, OFD and Office documents pass; executables, scripts,
/// archives and Office files carrying macros do not.
/// </summary>
public static class EvidenceInspector
{
    /// <summary>Content type → file name extensions that may carry it.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> KnownTypes = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["image/jpeg"] = [".jpg", ".jpeg", ".jfif"],
        ["image/png"] = [".png"],
        ["image/gif"] = [".gif"],
        ["image/webp"] = [".webp"],
        ["image/heic"] = [".heic", ".heif"],
        ["application/pdf"] = [".pdf"],
        ["application/ofd"] = [".ofd"],
        ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"] = [".docx"],
        ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"] = [".xlsx"],
        ["application/vnd.openxmlformats-officedocument.presentationml.presentation"] = [".pptx"],
        ["application/msword"] = [".doc", ".wps"],
        ["application/vnd.ms-excel"] = [".xls", ".et"],
        ["application/vnd.ms-powerpoint"] = [".ppt", ".dps"],
    };

    /// <summary>Checks every file against the limits; adds a problem (field <c>files[i]</c>) for each refusal.</summary>
    public static List<InspectedEvidence> InspectAll(IReadOnlyList<EvidenceUpload> files, EvidenceOptions options, List<InputProblem> problems)
    {
        var result = new List<InspectedEvidence>();
        if (files.Count > options.MaxFilesPerAction)
        {
            problems.Add(new InputProblem("request", null, null, "files", $"at most {options.MaxFilesPerAction} files per action ({files.Count} given)"));
        }

        if (files.Sum(f => (long)f.Content.Length) > options.MaxBytesPerAction)
        {
            problems.Add(new InputProblem("request", null, null, "files", $"at most {options.MaxBytesPerAction} bytes of files per action"));
        }

        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            var name = CleanName(file.FileName);
            var field = $"files[{i}] ({name})";
            if (file.Content.Length == 0)
            {
                problems.Add(new InputProblem("request", null, null, field, "the file is empty"));
                continue;
            }

            if (file.Content.Length > options.MaxFileBytes)
            {
                problems.Add(new InputProblem("request", null, null, field, $"{file.Content.Length} bytes is over the limit of {options.MaxFileBytes}"));
                continue;
            }

            var (type, refusal) = Detect(file.Content);
            if (type is null || !options.AllowedTypes.Contains(type))
            {
                problems.Add(new InputProblem("request", null, null, field, refusal ?? $"{type} files are not accepted here"));
                continue;
            }

            var extension = Path.GetExtension(name).ToLowerInvariant();
            if (extension.Length > 0 && !KnownTypes[type].Contains(extension))
            {
                problems.Add(new InputProblem("request", null, null, field,
                    $"the name ends in {extension} but the content is {type} (expected {string.Join(" or ", KnownTypes[type])})"));
                continue;
            }

            var kind = string.IsNullOrWhiteSpace(file.Kind) ? "general" : file.Kind.Trim();
            result.Add(new InspectedEvidence(kind, name, type, SHA256.HashData(file.Content), file.Content));
        }

        return result;
    }

    /// <summary>The content type the bytes are, or null with the reason they are refused.</summary>
    public static (string? Type, string? Refusal) Detect(byte[] bytes)
    {
        var b = bytes.AsSpan();
        if (b.StartsWith((byte[])[0xFF, 0xD8, 0xFF]))
        {
            return ("image/jpeg", null);
        }

        if (b.StartsWith((byte[])[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return ("image/png", null);
        }

        if (b.StartsWith("GIF87a"u8) || b.StartsWith("GIF89a"u8))
        {
            return ("image/gif", null);
        }

        if (b.Length >= 12 && b.StartsWith("RIFF"u8) && b[8..12].SequenceEqual("WEBP"u8))
        {
            return ("image/webp", null);
        }

        if (b.Length >= 12 && b[4..8].SequenceEqual("ftyp"u8)
            && Encoding.ASCII.GetString(b[8..12]) is "heic" or "heix" or "heim" or "heis" or "hevc" or "mif1" or "msf1")
        {
            return ("image/heic", null);
        }

        if (b.StartsWith("%PDF-"u8))
        {
            return ("application/pdf", null);
        }

        if (b.StartsWith((byte[])[0x50, 0x4B, 0x03, 0x04]))
        {
            return Package(bytes);
        }

        if (b.StartsWith((byte[])[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]))
        {
            return CompoundDocument(bytes);
        }

        if (b.StartsWith("MZ"u8) || b.StartsWith((byte[])[0x7F, 0x45, 0x4C, 0x46]) || b.StartsWith("#!"u8)
            || b.StartsWith((byte[])[0xCF, 0xFA, 0xED, 0xFE]) || b.StartsWith((byte[])[0xCA, 0xFE, 0xBA, 0xBE]))
        {
            return (null, "executable files are never accepted");
        }

        return (null, "not an accepted file type: images (JPEG, PNG, GIF, WebP, HEIC), PDF, OFD or Office documents");
    }

    private static (string?, string?) Package(byte[] bytes)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
            var names = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (names.Contains("OFD.xml"))
            {
                return ("application/ofd", null);
            }

            if (!names.Contains("[Content_Types].xml"))
            {
                return (null, "archives (zip) are not accepted; attach the documents themselves");
            }

            if (names.Any(n => n.EndsWith("vbaProject.bin", StringComparison.OrdinalIgnoreCase) || n.EndsWith(".exe", StringComparison.OrdinalIgnoreCase)
                               || n.Contains("activeX", StringComparison.OrdinalIgnoreCase)))
            {
                return (null, "Office documents with macros or embedded programs are not accepted; save it without macros (.docx, .xlsx, .pptx)");
            }

            return names.Contains("word/document.xml") ? ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", null)
                : names.Contains("xl/workbook.xml") ? ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", null)
                : names.Contains("ppt/presentation.xml") ? ("application/vnd.openxmlformats-officedocument.presentationml.presentation", null)
                : (null, "an Office package of an unknown kind is not accepted");
        }
        catch (InvalidDataException)
        {
            return (null, "the file looks like an Office document or archive but cannot be read");
        }
    }

    private static (string?, string?) CompoundDocument(byte[] bytes)
    {
        // Stream names in the compound file's directory are UTF-16LE; macros live in a "_VBA_PROJECT" stream.
        static bool Has(byte[] haystack, string name) => haystack.AsSpan().IndexOf(Encoding.Unicode.GetBytes(name)) >= 0;
        if (Has(bytes, "_VBA_PROJECT") || Has(bytes, "Macros"))
        {
            return (null, "Office documents with macros are not accepted; save it without macros");
        }

        return Has(bytes, "WordDocument") ? ("application/msword", null)
            : Has(bytes, "Workbook") || Has(bytes, "Book") ? ("application/vnd.ms-excel", null)
            : Has(bytes, "PowerPoint Document") ? ("application/vnd.ms-powerpoint", null)
            : (null, "a compound document of an unknown kind is not accepted");
    }

    /// <summary>The last path segment, without control characters, at most 200 characters.</summary>
    public static string CleanName(string name)
    {
        var last = name.Replace('\\', '/').Split('/').LastOrDefault(s => s.Length > 0) ?? "file";
        var clean = new string(last.Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (clean.Length == 0)
        {
            clean = "file";
        }

        return clean.Length <= 200 ? clean : clean[..(200 - Path.GetExtension(clean).Length)] + Path.GetExtension(clean);
    }
}
