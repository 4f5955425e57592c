using System.Globalization;
using System.Text.RegularExpressions;
using Accountability.Web.Resources;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.Extensions.Localization;

namespace Accountability.Web.Hosting;

/// <summary>
/// How pages show instants, dates and coded values. Instants are shown in the campaigns' zone (China Standard Time:
/// every campaign of a county runs in it, and the pages say so once in the footer of each table that needs it); codes
/// (states, lights, consequence kinds) go through the resource files so that both languages name them.
/// </summary>
public static partial class Display
{
    public static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public static string Time(DateTimeOffset? instant) =>
        instant is { } i ? TimeZoneInfo.ConvertTime(i, Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "";

    public static string Date(DateTimeOffset? instant) =>
        instant is { } i ? TimeZoneInfo.ConvertTime(i, Zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "";

    /// <summary>A deadline "by the end of 8 September" is stored as the instant 9 September begins; shown as the day it
    /// names.</summary>
    public static string Due(DateTimeOffset? instant)
    {
        if (instant is not { } i)
        {
            return "";
        }

        var local = TimeZoneInfo.ConvertTime(i, Zone);
        return (local.TimeOfDay == TimeSpan.Zero ? local.AddDays(-1) : local).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), Zone).DateTime);

    /// <summary>A period key as readers name it: 2017年10月 in Chinese, the key itself (2017-10, 2017-W43) in English.</summary>
    public static string Period(string key) =>
        CultureInfo.CurrentUICulture.Name.StartsWith("en", StringComparison.Ordinal) ? key : Accountability.Cycles.CycleDefinition.Label(key);

    public static string Number(decimal? value) => value?.ToString("0.##", CultureInfo.InvariantCulture) ?? "";

    public static string Signed(decimal value) => value > 0 ? "+" + Number(value) : Number(value);

    /// <summary>The resource text for <paramref name="prefix"/>_<paramref name="code"/>, or the code itself when the
    /// resources do not know it (a state a newer workflow added, say) — never the resource key.</summary>
    public static string Label(this IStringLocalizer<Text> text, string prefix, string? code)
    {
        if (string.IsNullOrEmpty(code))
        {
            return "";
        }

        var found = text[prefix + "_" + code];
        return found.ResourceNotFound ? code : found.Value;
    }

    /// <summary>Why a rule refused an action, in the reader's language: the resource text named after the rule
    /// (<c>Refusal_ExtensionMustBeFiledBeforeDueDateRule</c>) in Chinese, the engine's own sentence (which names dates
    /// and states) in English or for a rule the resources do not know.</summary>
    public static string Refusal(this IStringLocalizer<Text> text, string? rule, string message)
    {
        if (string.IsNullOrEmpty(rule) || CultureInfo.CurrentUICulture.Name.StartsWith("en", StringComparison.Ordinal))
        {
            return message;
        }

        var found = text["Refusal_" + rule];
        return found.ResourceNotFound ? message : found.Value;
    }

    /// <summary>Why an input was refused, in the reader's language: the resource <c>Problem_{Code}</c> with its
    /// <c>{name}</c> placeholders filled from the problem's arguments; the engine's English reason for a problem without a
    /// code (or with one the resources do not know).</summary>
    public static string ProblemReason(this IStringLocalizer<Text> text, InputProblem problem)
    {
        if (problem.Code is null)
        {
            return problem.Reason;
        }

        var found = text["Problem_" + problem.Code];
        if (found.ResourceNotFound)
        {
            return problem.Reason;
        }

        var arguments = problem.Arguments;
        return Placeholder().Replace(found.Value, m => arguments is not null && arguments.TryGetValue(m.Groups[1].Value, out var value) ? value : m.Value);
    }

    /// <summary>Where in its file a problem is: 第 7 行 in Chinese, "row 7" (a sheet) or "line 7" (YAML, CSV) in English.</summary>
    public static string ProblemLine(this IStringLocalizer<Text> text, InputProblem problem) => problem.Line is { } line
        ? text[problem.Sheet is null ? "ProblemAtLine" : "ProblemAtRow", line]
        : "";

    /// <summary>A resource placeholder naming an argument: <c>{value}</c>, <c>{first}</c>.</summary>
    [GeneratedRegex(@"\{([A-Za-z][A-Za-z0-9]*)\}")]
    public static partial Regex Placeholder();

    /// <summary>A campaign's rulebook as readers know it: its title (《…量化问责办法》), linked to the rulebook page.</summary>
    public static IHtmlContent RulebookLink(Accountability.Scoring.RulebookCatalog catalog, string code)
    {
        var latest = catalog.All.Where(r => r.Code == code).MaxBy(r => r.Version);
        return latest is null
            ? new HtmlString(System.Net.WebUtility.HtmlEncode(code))
            : new HtmlString($"<a href=\"/rulebooks?rulebook={Uri.EscapeDataString(latest.Citation)}\">{System.Net.WebUtility.HtmlEncode(latest.Name)}</a>");
    }

    public static IHtmlContent Light(this IStringLocalizer<Text> text, string? light) => light is null
        ? HtmlString.Empty
        : Badge("light light-" + light, text.Label("Light", light));

    public static IHtmlContent State(this IStringLocalizer<Text> text, string state) =>
        Badge("state state-" + StateTone(state), text.Label("State", state));

    public static IHtmlContent Badge(string cssClass, string label)
    {
        var span = new TagBuilder("span");
        span.AddCssClass(cssClass);
        span.InnerHtml.Append(label);
        return span;
    }

    /// <summary>The colour family a state is shown in: waiting on the unit, waiting on the verifier, late, done.</summary>
    public static string StateTone(string state) => state switch
    {
        "overdue" or "returned" or "reopened" => "late",
        "submitted" or "under_verification" or "public_notice" or "extension_pending" => "review",
        "closed" or "closed_long_term" or "closed_unfounded" => "done",
        "cancelled" => "cancelled",
        _ => "open",
    };

    /// <summary>The timeline's name for an audit event kind: the action, the timer that fired, or the refusal.</summary>
    public static string EventName(this IStringLocalizer<Text> text, string kind)
    {
        const string prefix = "assignment.";
        const string timer = "assignment.timer.";
        const string refused = ".refused";
        if (kind.StartsWith(timer, StringComparison.Ordinal))
        {
            return text["TimerFired", text.Label("Timer", kind[timer.Length..])];
        }

        if (kind.StartsWith(prefix, StringComparison.Ordinal) && kind.EndsWith(refused, StringComparison.Ordinal))
        {
            return text["ActionRefused", text.Label("Action", kind[prefix.Length..^refused.Length])];
        }

        return kind.StartsWith(prefix, StringComparison.Ordinal) ? text.Label("Action", kind[prefix.Length..]) : text.Label("Audit", kind);
    }
}
