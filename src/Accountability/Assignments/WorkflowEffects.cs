using System.Globalization;
using System.Text.Json;
using Accountability.Notices;
using Accountability.Workflows;

namespace Accountability.Assignments;

/// <summary>A scoring event to write. <see cref="TaskId"/> is the assignment's task (none for ledger items): weighted
/// rules read the weight through it.</summary>
public sealed record ScoreRow(long CampaignId, long UnitId, long AssignmentId, string Kind, string? Level, DateTimeOffset At,
    string DetailJson, long? TaskId = null);

/// <summary>A notice to write; <see cref="Audience"/> is the part the unit plays (the workflow's <c>notify:</c> target),
/// which says who there reads it.</summary>
public sealed record NoticeRow(long UnitId, long CampaignId, long? AssignmentId, string Kind, string Title, string Body,
    string? Link, string DedupeKey, NoticeAudience Audience = NoticeAudience.Unit);

public sealed record ChaserRow(long AssignmentId, long UnitId, string Colour, string Message, DateTimeOffset At, long? IssuedBy);

/// <summary>What a transition's effects amount to for one item: scoring events, notices (before recipients and
/// dedupe keys are fixed) and at most one chaser. Pure: the action and the sweep both write what this returns.</summary>
public sealed record PlannedEffects(List<ScoreRow> Scores, List<(NotifyEffect Effect, long UnitId)> Notices, ChaserRow? Chaser);

public static class WorkflowEffects
{
    /// <summary>Evaluates <paramref name="effects"/> (their <c>when</c> conditions) against the context after the
    /// transition. <paramref name="chaserMessage"/> and <paramref name="chaserColour"/> come from a manual chaser.</summary>
    public static PlannedEffects Plan(WorkflowContext context, IEnumerable<WorkflowEffect> effects, string trigger,
        long? actingPerson, string? chaserMessage = null, string? chaserColour = null, Dictionary<(string, long?, long?, long?), string>? details = null)
    {
        var item = context.Item;
        var scores = new List<ScoreRow>();
        var notices = new List<(NotifyEffect, long)>();
        ChaserRow? chaser = null;
        foreach (var effect in effects)
        {
            if (effect.When is { } when && !WorkflowRules.Holds(when, context))
            {
                continue;
            }

            switch (effect)
            {
                case ScoreEffect score:
                    var level = score.Kind is "not_rectified_in_time" or "relapse" ? item.FoundLevel : null;
                    scores.Add(new ScoreRow(item.CampaignId, item.UnitId, item.Id, score.Kind, level, context.Now,
                        details is null ? Detail(item, trigger) : CachedDetail(item, trigger, details), item.TaskId));
                    break;
                case NotifyEffect notify when Recipient(notify.To, item, context.Campaign) is { } unit:
                    notices.Add((notify, unit));
                    break;
                case ChaserEffect:
                    var colours = context.Definition.ChaserColours;
                    var colour = chaserColour ?? (item.ChaserLevel < colours.Count ? colours[item.ChaserLevel] : null);
                    if (colour is null && actingPerson is not null)
                    {
                        colour = colours[^1];
                    }

                    if (colour is not null)
                    {
                        chaser = new ChaserRow(item.Id, item.UnitId, colour,
                            chaserMessage ?? $"催办：{item.Number} {item.Title} 已逾期，请立即办理并反馈。", context.Now, actingPerson);
                    }

                    break;
            }
        }

        return new PlannedEffects(scores, notices, chaser);
    }

    /// <summary>The item after a chaser: the escalation timer counts from it, the ladder climbs one step.</summary>
    public static AssignmentFacts WithChaser(AssignmentFacts item, ChaserRow chaser, IReadOnlyList<string> colours)
    {
        var index = colours.ToList().IndexOf(chaser.Colour);
        return item with
        {
            LastChasedAt = chaser.At,
            ChaserLevel = Math.Max(item.ChaserLevel, index < 0 ? item.ChaserLevel + 1 : index + 1),
        };
    }

    /// <summary>Who in the recipient unit acts on a notice to this target.</summary>
    public static NoticeAudience Audience(NotifyTarget target) => target switch
    {
        NotifyTarget.Verifier => NoticeAudience.Verifier,
        NotifyTarget.Headquarters => NoticeAudience.Headquarters,
        _ => NoticeAudience.Unit,
    };

    public static long? Recipient(NotifyTarget target, AssignmentFacts item, CampaignFacts campaign) => target switch
    {
        NotifyTarget.Unit => item.UnitId,
        NotifyTarget.Verifier => item.VerifierUnitId,
        NotifyTarget.Headquarters => campaign.HeadquartersUnitId,
        _ => null,
    };

    private static string CachedDetail(AssignmentFacts item, string trigger, Dictionary<(string, long?, long?, long?), string> details)
    {
        var key = (trigger, item.EffectiveDue?.UtcTicks, item.VerifierUnitId, item.VerifiedBy);
        if (!details.TryGetValue(key, out var detail))
        {
            detail = Detail(item, trigger);
            details[key] = detail;
        }

        return detail;
    }

    public static string Detail(AssignmentFacts item, string trigger) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["trigger"] = trigger,
            ["due_at"] = item.EffectiveDue,
            ["verifier_unit_id"] = item.VerifierUnitId,
            ["verified_by"] = item.VerifiedBy,
        });

    /// <summary>Fills {number} {title} {unit} {due} {state} {count} in a definition's text.</summary>
    public static string Render(string template, AssignmentFacts item, CampaignFacts campaign, string stateLabel, int count = 1) =>
        template.Replace("{number}", item.Number, StringComparison.Ordinal)
            .Replace("{title}", item.Title, StringComparison.Ordinal)
            .Replace("{unit}", item.UnitName, StringComparison.Ordinal)
            .Replace("{due}", DueText(item.EffectiveDue, campaign), StringComparison.Ordinal)
            .Replace("{state}", stateLabel, StringComparison.Ordinal)
            .Replace("{count}", count.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>A due time as people say it: the day it ends ("2017-10-31" for 2017-11-01 00:00).</summary>
    public static string DueText(DateTimeOffset? due, CampaignFacts campaign) =>
        due is { } d ? campaign.Today(d.AddTicks(-1)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "—";
}
