using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Html;

namespace Accountability.Web.Hosting;

/// <summary>One line of a chart: its name and a value per period (null where the unit was not ranked).</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<decimal?> Values);

/// <summary>
/// Charts drawn on the server as SVG: no script, no library to keep up to date, printable, and readable by a screen
/// reader (a title and description; the page also shows the figures as a table). Colours are chosen to stay apart for
/// the common colour-vision deficiencies.
/// </summary>
public static class Charts
{
    private static readonly string[] Palette =
    [
        "#0b5cad", "#d1495b", "#2a9d8f", "#e9a03b", "#6a4c93", "#1b998b", "#c2185b", "#5d6d7e", "#8c6d1f", "#00798c", "#ef6f6c", "#3d5a80",
        "#7b2cbf", "#588157", "#b56576", "#33658a",
    ];

    public static string Colour(int index) => Palette[index % Palette.Length];

    /// <summary>A line per series over the periods. With <paramref name="invert"/> smaller is higher (rank 1 on top).</summary>
    public static IHtmlContent Lines(string id, string title, string description, IReadOnlyList<string> periods, IReadOnlyList<ChartSeries> series,
        bool invert, string yLabel, decimal? min = null, decimal? max = null)
    {
        // The first and last periods sit inset from the plot's edges so that their labels (2017年10月) are not cut off.
        const int width = 760, height = 320, left = 52, right = 16, top = 16, bottom = 44, inset = 40;
        var values = series.SelectMany(s => s.Values).OfType<decimal>().ToList();
        var low = min ?? (values.Count == 0 ? 0 : values.Min());
        var high = max ?? (values.Count == 0 ? 1 : values.Max());
        if (high - low < 1)
        {
            (low, high) = (low - 1, high + 1);
        }

        double X(int i) => periods.Count <= 1
            ? left + (width - left - right) / 2.0
            : left + inset + i * (width - left - right - 2 * inset) / (double)(periods.Count - 1);
        double Y(decimal v)
        {
            var share = (double)((v - low) / (high - low));
            return invert ? top + share * (height - top - bottom) : height - bottom - share * (height - top - bottom);
        }

        var svg = new StringBuilder(4096);
        svg.Append(CultureInfo.InvariantCulture, $"<svg id=\"{id}\" class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title id=\"{id}-t\">{E(title)}</title><desc id=\"{id}-d\">{E(description)}</desc>");

        // Horizontal grid with five labelled steps.
        for (var step = 0; step <= 4; step++)
        {
            var v = low + (high - low) * step / 4;
            var y = Y(v);
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{left}\" x2=\"{width - right}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\" class=\"grid-line\"/><text x=\"{left - 8}\" y=\"{y + 4:0.#}\" class=\"axis\" text-anchor=\"end\">{Display.Number(Math.Round(v, 1))}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"12\" y=\"{top + (height - top - bottom) / 2}\" class=\"axis-title\" transform=\"rotate(-90 12 {top + (height - top - bottom) / 2})\" text-anchor=\"middle\">{E(yLabel)}</text>");
        for (var i = 0; i < periods.Count; i++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(i):0.#}\" y=\"{height - bottom + 20}\" class=\"axis\" text-anchor=\"middle\">{E(periods[i])}</text>");
        }

        for (var s = 0; s < series.Count; s++)
        {
            var colour = Colour(s);
            var points = series[s].Values.Select((v, i) => (v, i)).Where(p => p.v is not null).Select(p => (X: X(p.i), Y: Y(p.v!.Value), V: p.v!.Value, p.i)).ToList();
            if (points.Count > 1)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\" points=\"{string.Join(' ', points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.X:0.#},{p.Y:0.#}")))}\"/>");
            }

            foreach (var p in points)
            {
                svg.Append(CultureInfo.InvariantCulture,
                    $"<circle cx=\"{p.X:0.#}\" cy=\"{p.Y:0.#}\" r=\"4\" fill=\"{colour}\"><title>{E(series[s].Name)} · {E(periods[p.i])}：{Display.Number(p.V)}</title></circle>");
            }
        }

        svg.Append("</svg>");
        return new HtmlString(svg.ToString());
    }

    private static string E(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);
}
