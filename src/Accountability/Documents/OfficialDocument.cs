using System.Globalization;
using System.Net;
using System.Text;

namespace Accountability.Documents;

/// <summary>A block of a document's body.</summary>
public abstract record DocumentBlock;

public sealed record Heading(string Text) : DocumentBlock;

public sealed record Paragraph(string Text) : DocumentBlock;

/// <summary>A table: an optional caption, header cells and rows of cells (already formatted).</summary>
public sealed record DocumentTable(string? Caption, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows) : DocumentBlock;

/// <summary>A form of labelled fields (督办单, 约谈通知书): one row per field.</summary>
public sealed record FieldTable(IReadOnlyList<(string Label, string Value)> Fields) : DocumentBlock;

/// <summary>
/// An official document (公文) in the layout of GB/T 9704: the red masthead (版头) with the issuer, the document number
/// (文号) under it and the red rule; the title; the addressee (主送); the body; the signature (落款) with the date in
/// Chinese numerals; attachments (附件) after. Rendered as one self-contained printable HTML page (A4).
/// </summary>
public sealed record OfficialDocument(
    string Issuer,
    string? Number,
    string Title,
    string? Addressee,
    IReadOnlyList<DocumentBlock> Body,
    string Signatory,
    DateOnly Date,
    IReadOnlyList<(string Title, IReadOnlyList<DocumentBlock> Blocks)> Attachments,
    string? Notice = null)
{
    private const string Style = """
        @page { size: A4; margin: 37mm 26mm 35mm 28mm; }
        body { margin: 0; background: #f3f3f3; }
        .official { box-sizing: border-box; width: 210mm; min-height: 297mm; margin: 0 auto; padding: 37mm 26mm 35mm 28mm; background: #fff;
                    font-family: "FangSong", "仿宋", "STFangsong", "仿宋_GB2312", serif; font-size: 16pt; line-height: 28pt; color: #000; }
        .masthead { text-align: center; color: #c00; }
        .masthead .issuer { font-family: "FZXiaoBiaoSong-B05S", "方正小标宋简体", "SimSun", "宋体", serif; font-size: 26pt; line-height: 36pt;
                            font-weight: bold; }
        .masthead .number { color: #000; font-size: 16pt; margin-top: 12pt; }
        .masthead hr { border: 0; border-top: 2pt solid #c00; margin: 6pt 0 24pt; }
        h1 { font-family: "FZXiaoBiaoSong-B05S", "方正小标宋简体", "SimSun", "宋体", serif; font-size: 22pt; line-height: 34pt; text-align: center;
             font-weight: bold; margin: 0 0 20pt; }
        h2 { font-family: "SimHei", "黑体", sans-serif; font-size: 16pt; font-weight: normal; margin: 8pt 0 0; text-indent: 2em; }
        p { margin: 0; text-indent: 2em; text-align: justify; }
        p.addressee { text-indent: 0; }
        p.notice { text-indent: 0; color: #c00; font-weight: bold; text-align: center; margin-bottom: 12pt; }
        table { border-collapse: collapse; width: 100%; margin: 8pt 0; font-size: 10.5pt; line-height: 14pt; page-break-inside: auto; }
        th, td { border: 0.75pt solid #000; padding: 2pt 3pt; text-align: center; }
        th { font-family: "SimHei", "黑体", sans-serif; font-weight: normal; }
        td.label { width: 24%; font-family: "SimHei", "黑体", sans-serif; }
        tbody td:nth-child(2) { white-space: nowrap; }
        table.fields td:nth-child(2) { white-space: normal; }
        td.value { text-align: left; }
        caption { font-family: "SimHei", "黑体", sans-serif; font-size: 12pt; padding: 4pt; }
        .signature { margin-top: 36pt; text-align: right; padding-right: 4em; }
        .attachment { page-break-before: always; }
        .attachment .label { font-family: "SimHei", "黑体", sans-serif; text-indent: 0; }
        @media print { body { background: #fff; } .official { width: auto; min-height: 0; padding: 0; } }
        """;

    public string ToHtml()
    {
        var html = new StringBuilder(4096);
        html.Append("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(E(Title)).Append("</title>\n<style>\n")
            .Append(Style).Append("\n</style>\n</head>\n<body>\n<article class=\"official\">\n");
        html.Append("<header class=\"masthead\">\n<div class=\"issuer\">").Append(E(Issuer)).Append("</div>\n");
        if (Number is not null)
        {
            html.Append("<div class=\"number\">").Append(E(Number)).Append("</div>\n");
        }

        html.Append("<hr>\n</header>\n");
        if (Notice is not null)
        {
            html.Append("<p class=\"notice\">").Append(E(Notice)).Append("</p>\n");
        }

        html.Append("<h1>").Append(E(Title)).Append("</h1>\n");
        if (Addressee is not null)
        {
            html.Append("<p class=\"addressee\">").Append(E(Addressee)).Append("：</p>\n");
        }

        AppendBlocks(html, Body);
        if (Attachments.Count > 0)
        {
            var list = string.Join("　", Attachments.Select((a, i) => Attachments.Count == 1 ? a.Title : $"{i + 1}. {a.Title}"));
            html.Append("<p>附件：").Append(E(list)).Append("</p>\n");
        }

        html.Append("<div class=\"signature\">\n<div>").Append(E(Signatory)).Append("</div>\n<div>").Append(E(ChineseDate(Date)))
            .Append("</div>\n</div>\n");
        for (var i = 0; i < Attachments.Count; i++)
        {
            html.Append("<section class=\"attachment\">\n<p class=\"label\">附件").Append(Attachments.Count == 1 ? "" : (i + 1).ToString(CultureInfo.InvariantCulture))
                .Append("</p>\n<h1>").Append(E(Attachments[i].Title)).Append("</h1>\n");
            AppendBlocks(html, Attachments[i].Blocks);
            html.Append("</section>\n");
        }

        html.Append("</article>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void AppendBlocks(StringBuilder html, IEnumerable<DocumentBlock> blocks)
    {
        foreach (var block in blocks)
        {
            switch (block)
            {
                case Heading h:
                    html.Append("<h2>").Append(E(h.Text)).Append("</h2>\n");
                    break;
                case Paragraph p:
                    html.Append("<p>").Append(E(p.Text)).Append("</p>\n");
                    break;
                case FieldTable f:
                    html.Append("<table class=\"fields\">\n");
                    foreach (var (label, value) in f.Fields)
                    {
                        html.Append("<tr><td class=\"label\">").Append(E(label)).Append("</td><td class=\"value\">").Append(E(value).Replace("\n", "<br>", StringComparison.Ordinal))
                            .Append("</td></tr>\n");
                    }

                    html.Append("</table>\n");
                    break;
                case DocumentTable t:
                    html.Append("<table>\n");
                    if (t.Caption is not null)
                    {
                        html.Append("<caption>").Append(E(t.Caption)).Append("</caption>\n");
                    }

                    html.Append("<thead><tr>");
                    foreach (var header in t.Headers)
                    {
                        html.Append("<th>").Append(E(header)).Append("</th>");
                    }

                    html.Append("</tr></thead>\n<tbody>\n");
                    foreach (var row in t.Rows)
                    {
                        html.Append("<tr>");
                        foreach (var cell in row)
                        {
                            html.Append("<td>").Append(E(cell)).Append("</td>");
                        }

                        html.Append("</tr>\n");
                    }

                    html.Append("</tbody>\n</table>\n");
                    break;
            }
        }
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static readonly string[] Digits = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

    /// <summary>二〇一七年十一月一日: the year digit by digit, month and day as numbers in words.</summary>
    public static string ChineseDate(DateOnly date)
    {
        var year = string.Concat(date.Year.ToString(CultureInfo.InvariantCulture).Select(c => Digits[c - '0']));
        return $"{year}年{ChineseNumber(date.Month)}月{ChineseNumber(date.Day)}日";
    }

    public static string ChineseNumber(int n) => n switch
    {
        < 10 => Digits[n],
        10 => "十",
        < 20 => "十" + Digits[n % 10],
        _ => Digits[n / 10] + "十" + (n % 10 == 0 ? "" : Digits[n % 10]),
    };
}
