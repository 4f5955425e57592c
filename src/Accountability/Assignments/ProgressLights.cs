using System.Globalization;
using System.Text.Json;

namespace Accountability.Assignments;

/// <summary>Thresholds for the progress lights (亮灯). Local rules differ, so they come from configuration
/// (section <c>ProgressLights</c>); the defaults are the common rule: 10 to 30 points behind scheduled progress is
/// yellow, more than 30 behind is red, and nothing reported three months after issue is red.</summary>
public sealed class ProgressLightOptions
{
    public const string Section = "ProgressLights";

    /// <summary>Points behind scheduled progress (序时进度) from which the light is yellow.</summary>
    public int YellowFromPointsBehind { get; set; } = 10;

    /// <summary>Points behind scheduled progress beyond which the light is red.</summary>
    public int RedBeyondPointsBehind { get; set; } = 30;

    /// <summary>Months after issue at which an item with no progress reported is red.</summary>
    public int NotStartedRedAfterMonths { get; set; } = 3;

    public IEnumerable<string> Problems()
    {
        if (YellowFromPointsBehind is < 0 or > 100)
        {
            yield return $"{Section}:YellowFromPointsBehind must be between 0 and 100 (is {YellowFromPointsBehind})";
        }

        if (RedBeyondPointsBehind < YellowFromPointsBehind || RedBeyondPointsBehind > 100)
        {
            yield return $"{Section}:RedBeyondPointsBehind must be between YellowFromPointsBehind and 100 (is {RedBeyondPointsBehind})";
        }

        if (NotStartedRedAfterMonths < 1)
        {
            yield return $"{Section}:NotStartedRedAfterMonths must be at least 1 (is {NotStartedRedAfterMonths})";
        }
    }
}

/// <summary>
/// Green, yellow or red from scheduled progress and reported progress. Scheduled progress at a date runs linearly
/// from 0% at issue through each milestone (<c>[{"on": "2017-10-31", "percent": 30}]</c>) to 100% at the due date.
/// Items awaiting verification are green; final states have no light.
/// </summary>
public static class ProgressLights
{
    public const string Green = "green";
    public const string Yellow = "yellow";
    public const string Red = "red";

    private static readonly HashSet<string> WorkingStates = new(StringComparer.Ordinal)
    {
        "issued", "acknowledged", "in_progress", "extension_pending", "overdue", "returned", "reopened",
    };

    /// <summary>Whether moving between these states can change the light (it depends on the state only through
    /// whether the item is open and still being worked on).</summary>
    public static bool StateMatters(string from, bool fromOpen, string to, bool toOpen) =>
        fromOpen != toOpen || WorkingStates.Contains(from) != WorkingStates.Contains(to);

    public static string? Compute(AssignmentFacts item, string state, bool open, CampaignFacts campaign, DateTimeOffset now,
        ProgressLightOptions options)
    {
        if (!open)
        {
            return null;
        }

        if (!WorkingStates.Contains(state))
        {
            return Green;
        }

        var today = campaign.Today(now);
        var issued = campaign.Today(item.IssuedAt);
        if (item.ProgressReportedAt is null && item.ProgressPercent == 0
            && today >= issued.AddMonths(options.NotStartedRedAfterMonths))
        {
            return Red;
        }

        DateOnly? due = item.EffectiveDue is { } d ? campaign.Today(d.AddTicks(-1)) : null;
        var behind = ScheduledPercent(item.Milestones, issued, due, today) - item.ProgressPercent;
        return behind > options.RedBeyondPointsBehind ? Red : behind >= options.YellowFromPointsBehind ? Yellow : Green;
    }

    /// <summary>Expected percent done by the end of <paramref name="today"/>.</summary>
    public static double ScheduledPercent(string? milestonesJson, DateOnly issued, DateOnly? due, DateOnly today)
    {
        var points = new List<(DateOnly On, double Percent)> { (issued, 0) };
        points.AddRange(Milestones(milestonesJson).OrderBy(m => m.On));
        if (due is { } d && points[^1].Percent < 100 && d > points[^1].On)
        {
            points.Add((d, 100));
        }

        if (today <= points[0].On)
        {
            return 0;
        }

        for (var i = 1; i < points.Count; i++)
        {
            if (today <= points[i].On)
            {
                var (fromDay, fromPercent) = points[i - 1];
                var (toDay, toPercent) = points[i];
                var span = toDay.DayNumber - fromDay.DayNumber;
                return span <= 0 ? toPercent : fromPercent + (toPercent - fromPercent) * (today.DayNumber - fromDay.DayNumber) / span;
            }
        }

        return points[^1].Percent;
    }

    public static IEnumerable<(DateOnly On, double Percent)> Milestones(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            yield break;
        }

        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var element in document.RootElement.EnumerateArray())
        {
            if (element.TryGetProperty("on", out var on) && on.ValueKind == JsonValueKind.String
                && DateOnly.TryParseExact(on.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                && element.TryGetProperty("percent", out var percent) && percent.TryGetDouble(out var value))
            {
                yield return (date, Math.Clamp(value, 0, 100));
            }
        }
    }
}
