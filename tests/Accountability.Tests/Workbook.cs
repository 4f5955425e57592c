using MiniExcelLibs;

namespace Accountability.Tests;

/// <summary>Builds small .xlsx files in memory for tests, through the same library the importers read with.</summary>
public static class Workbook
{
    public static byte[] Create(params (string Sheet, object?[][] Rows)[] sheets)
    {
        var workbook = new Dictionary<string, object>();
        foreach (var (sheet, rows) in sheets)
        {
            workbook[sheet] = rows.Select(r =>
            {
                var row = new Dictionary<string, object?>();
                for (var i = 0; i < r.Length; i++)
                {
                    row[ColumnName(i)] = r[i];
                }

                return row;
            }).ToList();
        }

        using var stream = new MemoryStream();
        stream.SaveAs(workbook, printHeader: false);
        return stream.ToArray();
    }

    private static string ColumnName(int index) => index < 26 ? ((char)('A' + index)).ToString() : "A" + (char)('A' + index - 26);
}
