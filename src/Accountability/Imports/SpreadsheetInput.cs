using System.Globalization;
using MiniExcelLibs;
using MiniExcelLibs.Csv;

namespace Accountability.Imports;

/// <summary>One data row of a sheet: its row number as Excel shows it, and its cells by column letter.</summary>
public sealed record SheetRow(int Number, IReadOnlyDictionary<string, string> Cells)
{
    public string? this[string? column] =>
        column is not null && Cells.TryGetValue(column, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

    public bool IsBlank => Cells.Values.All(string.IsNullOrWhiteSpace);
}

/// <summary>A sheet whose header row has been found: the column letter of each known header, and the rows below.</summary>
public sealed record SheetTable(string Sheet, int HeaderRow, IReadOnlyDictionary<string, string> Columns, IEnumerable<SheetRow> Rows);

/// <summary>
/// Reads .xlsx (through MiniExcel, a maintained library: no hand-written XML) and .csv (UTF-8 or GB18030) the same
/// way. Rows stream: a large sheet is never held in memory. Headers are matched after removing spaces and line breaks
/// because planners' tables often wrap "完成\n时限" in a cell; the header row need not be the first (tables carry a
/// title such as "附件1 重点任务分工表" above it).
/// </summary>
public static class SpreadsheetInput
{
    public static bool IsSpreadsheet(string fileName) =>
        Path.GetExtension(fileName).ToLowerInvariant() is ".xlsx" or ".csv";

    public static IReadOnlyList<string> SheetNames(string fileName, byte[] bytes) =>
        IsCsv(fileName) ? [Path.GetFileNameWithoutExtension(fileName)] : MiniExcel.GetSheetNames(new MemoryStream(bytes));

    /// <summary>Raw rows with Excel row numbers (1-based).</summary>
    public static IEnumerable<SheetRow> Rows(string fileName, byte[] bytes, string? sheet)
    {
        var stream = new MemoryStream(bytes, writable: false);
        IEnumerable<dynamic> rows = IsCsv(fileName)
            ? MiniExcel.Query(stream, useHeaderRow: false, excelType: ExcelType.CSV,
                configuration: new CsvConfiguration { StreamReaderFunc = s => new StreamReader(s, TextDecoding.DetectCsv(bytes)) })
            : MiniExcel.Query(stream, useHeaderRow: false, sheetName: sheet, excelType: ExcelType.XLSX,
                // Planners merge a 牵头单位 or 类别 cell over the rows it applies to: every row must see the value.
                configuration: new MiniExcelLibs.OpenXml.OpenXmlConfiguration { FillMergedCells = true });

        var number = 0;
        foreach (IDictionary<string, object?> row in rows)
        {
            number++;
            yield return new SheetRow(number, row.ToDictionary(c => c.Key, c => CellText(c.Value)));
        }
    }

    /// <summary>Finds the header row among the first rows (the first row holding every required header) and maps each
    /// known header, given with its accepted spellings, to its column. Null when no row holds the required headers.</summary>
    public static SheetTable? Table(string fileName, byte[] bytes, string sheet,
        IReadOnlyDictionary<string, string[]> headers, IReadOnlyCollection<string> required, int searchRows = 10)
    {
        using var enumerator = Rows(fileName, bytes, sheet).GetEnumerator();
        var consumed = 0;
        while (consumed < searchRows && enumerator.MoveNext())
        {
            consumed++;
            var row = enumerator.Current;
            var columns = new Dictionary<string, string>();
            foreach (var (column, text) in row.Cells)
            {
                var normalized = NormalizeHeader(text);
                foreach (var (key, spellings) in headers)
                {
                    if (!columns.ContainsKey(key) && spellings.Any(s => NormalizeHeader(s) == normalized))
                    {
                        columns[key] = column;
                    }
                }
            }

            if (required.All(columns.ContainsKey))
            {
                return new SheetTable(sheet, row.Number, columns, Rest(Rows(fileName, bytes, sheet).Skip(row.Number)));
            }
        }

        return null;

        static IEnumerable<SheetRow> Rest(IEnumerable<SheetRow> rows) => rows.Where(r => !r.IsBlank);
    }

    public static string NormalizeHeader(string text) =>
        new string(text.Where(c => !char.IsWhiteSpace(c) && c != '*').ToArray()).Replace('（', '(').Replace('）', ')');

    private static bool IsCsv(string fileName) => Path.GetExtension(fileName).Equals(".csv", StringComparison.OrdinalIgnoreCase);

    private static string CellText(object? value) => value switch
    {
        null => "",
        DateTime d => d.TimeOfDay == TimeSpan.Zero
            ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : d.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
        double n => n.ToString(CultureInfo.InvariantCulture),
        decimal n => n.ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
