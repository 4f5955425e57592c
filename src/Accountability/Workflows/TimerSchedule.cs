using System.Globalization;
using Accountability.Assignments;

namespace Accountability.Workflows;

/// <summary>A timer instance: which timer, when. Its <see cref="Key"/> is what an item remembers once a timer that
/// keeps the state (a reminder, a chaser) has fired, so that it never fires twice.</summary>
public readonly record struct PendingTimer(string Kind, DateTimeOffset At)
{
    public string Key => FiredKey(Kind, At);

    public static string FiredKey(string kind, DateTimeOffset at) =>
        kind + "@" + at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Turns relative timers ("3 working days before the due date at 09:00") into instants in the campaign's zone on its
/// working-day calendar, and picks an item's next timer. Deadlines that fall at midnight are the end of the previous
/// day ("due 2017-10-31" is stored as 2017-11-01 00:00): day arithmetic counts from that previous day, so "1 working
/// day after the due date" is the first working day after the 31st.
/// </summary>
public static class TimerSchedule
{
    /// <summary>Where the item's next timer lives: open states use next_timer_*, final states (closed items waiting
    /// for a look-back) use recheck_*, because final states never carry a next timer.</summary>
    public readonly record struct NextTimers(PendingTimer? Next, PendingTimer? Recheck);

    public static DateTimeOffset? AnchorOf(TimerAnchor anchor, AssignmentFacts item) => anchor switch
    {
        TimerAnchor.Issued => item.IssuedAt,
        TimerAnchor.Due => item.EffectiveDue,
        TimerAnchor.Chased => item.LastChasedAt,
        TimerAnchor.Accepted => item.VerifiedAt,
        TimerAnchor.Closed => item.ClosedAt,
        TimerAnchor.LookedBack => item.LastLookBackAt ?? item.ClosedAt,
        TimerAnchor.Sampled => item.LookBackSampledAt,
        _ => null,
    };

    /// <summary>When <paramref name="timer"/> falls for this item, or null when its anchor or setting is missing.</summary>
    public static DateTimeOffset? InstantOf(TimerDefinition timer, AssignmentFacts item, CampaignFacts campaign)
    {
        if (AnchorOf(timer.From, item) is not { } anchor)
        {
            return null;
        }

        var days = timer.Days;
        if (timer.DaysSetting is not null)
        {
            days = Setting(timer.DaysSetting, campaign);
            if (days is null)
            {
                return null;
            }
        }

        return Offset(anchor, days ?? 0, timer.WorkingDays, timer.At, timer.FixedTime, campaign);
    }

    public static int? Setting(string name, CampaignFacts campaign) => name switch
    {
        "public_notice_days" => campaign.PublicNoticeDays is > 0 ? campaign.PublicNoticeDays : null,
        _ => null,
    };

    public static DateTimeOffset Offset(DateTimeOffset anchor, int days, bool workingDays, TimeOfDayRule at,
        TimeOnly fixedTime, CampaignFacts campaign)
    {
        if (days == 0 && at == TimeOfDayRule.AnchorTime)
        {
            return anchor;
        }

        var local = TimeZoneInfo.ConvertTime(anchor, campaign.Zone);
        var date = DateOnly.FromDateTime(local.DateTime);
        var time = TimeOnly.FromTimeSpan(local.TimeOfDay);
        var endOfDay = time == TimeOnly.MinValue;
        if (endOfDay)
        {
            date = date.AddDays(-1);
        }

        var target = !workingDays ? date.AddDays(days)
            : days >= 0 ? campaign.Calendar.AddWorkingDays(date, days)
            : SubtractWorkingDays(campaign, date, -days);

        return at switch
        {
            TimeOfDayRule.EndOfDay => campaign.EndOfDay(target),
            TimeOfDayRule.Fixed => campaign.Local(target, fixedTime),
            _ => endOfDay ? campaign.EndOfDay(target) : campaign.Local(target, time),
        };
    }

    /// <summary>The <paramref name="count"/>-th working day before <paramref name="start"/>.</summary>
    public static DateOnly SubtractWorkingDays(CampaignFacts campaign, DateOnly start, int count)
    {
        var date = start;
        while (count > 0)
        {
            date = date.AddDays(-1);
            if (campaign.Calendar.IsWorkingDay(date))
            {
                count--;
            }
        }

        return date;
    }

    /// <summary>
    /// The earliest timer still to fire for the item in <paramref name="state"/>. A timer that changes the state
    /// fires whenever the item is in a state that has it (an item returned after its due date becomes overdue at
    /// once); a timer that keeps the state fires once per instance (<see cref="AssignmentFacts.TimersFired"/>).
    /// Timers with <c>until</c> are dropped once that instant has passed.
    /// </summary>
    public static NextTimers Next(WorkflowDefinition definition, string state, AssignmentFacts item, CampaignFacts campaign,
        DateTimeOffset now, Dictionary<(TimerDefinition, DateTimeOffset, long), DateTimeOffset?>? instants = null)
    {
        PendingTimer? best = null;
        var bestOrder = int.MaxValue;
        foreach (var timer in definition.TimersIn(state))
        {
            if (Cached(timer, item, campaign, instants) is not { } at)
            {
                continue;
            }

            if (timer.Until is { } until && AnchorOf(until, item) is { } limit && (at >= limit || now >= limit))
            {
                continue;
            }

            var pending = new PendingTimer(timer.Kind, at);
            if (!ChangesState(definition, state, timer.Kind) && item.TimersFired.Contains(pending.Key))
            {
                continue;
            }

            if (best is null || at < best.Value.At || (at == best.Value.At && timer.Order < bestOrder))
            {
                best = pending;
                bestOrder = timer.Order;
            }
        }

        return definition.IsOpen(state) ? new NextTimers(best, null) : new NextTimers(null, best);
    }

    /// <summary>A sweep computes the same few instants for thousands of items (they share due dates): it passes a cache
    /// keyed by timer, anchor and campaign.</summary>
    private static DateTimeOffset? Cached(TimerDefinition timer, AssignmentFacts item, CampaignFacts campaign,
        Dictionary<(TimerDefinition, DateTimeOffset, long), DateTimeOffset?>? instants)
    {
        if (instants is null || AnchorOf(timer.From, item) is not { } anchor)
        {
            return InstantOf(timer, item, campaign);
        }

        var key = (timer, anchor, campaign.Id);
        if (!instants.TryGetValue(key, out var at))
        {
            at = InstantOf(timer, item, campaign);
            instants[key] = at;
        }

        return at;
    }

    /// <summary>True when firing <paramref name="kind"/> in <paramref name="state"/> can move the item elsewhere.</summary>
    public static bool ChangesState(WorkflowDefinition definition, string state, string kind) =>
        definition.Routes(state, kind).Any(r => r.By.Contains(WorkflowParty.Timer) && r.To is not null && r.To != state);

    /// <summary>True when the timer has expired for this item (its <c>until</c> instant has passed).</summary>
    public static bool Expired(TimerDefinition timer, AssignmentFacts item, DateTimeOffset at, DateTimeOffset now) =>
        timer.Until is { } until && AnchorOf(until, item) is { } limit && (at >= limit || now >= limit);
}
