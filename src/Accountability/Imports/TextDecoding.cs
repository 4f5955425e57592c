using System.Text;

namespace Accountability.Imports;

/// <summary>Turns the bytes of an uploaded text file into text. Chinese Excel saves CSV in GBK (GB18030 is its
/// superset), so CSV falls back to GB18030 when the bytes are not valid UTF-8; YAML must be UTF-8.</summary>
public static class TextDecoding
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    static TextDecoding() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static Encoding Gb18030 => Encoding.GetEncoding("GB18030");

    /// <summary>UTF-8 text (a byte-order mark is allowed and dropped), or null when the bytes are not UTF-8.</summary>
    public static string? TryUtf8(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>The encoding a CSV file was saved in: UTF-8 when its bytes are valid UTF-8, else GB18030.</summary>
    public static Encoding DetectCsv(ReadOnlySpan<byte> bytes) => TryUtf8(bytes) is null ? Gb18030 : Encoding.UTF8;

    /// <summary>Explains a YAML file that is not UTF-8, guessing GBK when the bytes decode as such.</summary>
    public static ProblemReason NotUtf8Reason(ReadOnlySpan<byte> bytes) => Reasons.NotUtf8(FirstInvalidUtf8Offset(bytes));

    private static int FirstInvalidUtf8Offset(ReadOnlySpan<byte> bytes)
    {
        var status = System.Text.Unicode.Utf8.ToUtf16(bytes, new char[bytes.Length], out var read, out _,
            replaceInvalidSequences: false);
        return status == System.Buffers.OperationStatus.Done ? -1 : read;
    }
}
