namespace Accountability.Scoring;

/// <summary>
/// The fixed words rulebooks are written in: the scoring event kinds (docs/scoring-events.md), the measures derived
/// from the frozen snapshot, the consequence kinds and the leadership posts they fall on. A rulebook naming anything
/// else is refused when it is loaded.
/// </summary>
public static class ScoringVocabulary
{
    public static readonly IReadOnlyList<string> EventKinds =
    [
        "acknowledged_late", "overdue", "extension_refused_after_due", "returned", "returned_as_false", "closed_on_time",
        "closed_late", "chaser_ignored", "problem_found", "not_rectified_in_time", "repeat_problem", "media_exposure",
        "complaint_substantiated", "relapse", "veto",
    ];

    /// <summary>Event kinds that mark a condition lasting from the event until the item is submitted or closed, so
    /// that they can be scored per day.</summary>
    public static readonly IReadOnlyList<string> LastingKinds = ["overdue", "not_rectified_in_time", "relapse"];

    /// <summary>Derived at the cut-off from the snapshot, per unit: items with a yellow or red light, items open past
    /// their due time, and whether the unit reported nothing in the period (调度未报).</summary>
    public static readonly IReadOnlyDictionary<string, string> Measures = new Dictionary<string, string>
    {
        ["light_yellow"] = "黄灯事项",
        ["light_red"] = "红灯事项",
        ["overdue_open"] = "逾期未完成事项",
        ["no_report"] = "未按时报送进展",
    };

    /// <summary>Conditions that make a unit's data unusable for ranking (it is ranked last).</summary>
    public static readonly IReadOnlyList<string> UnusableConditions = ["no_report", "veto"];

    /// <summary>The kinds the ranking bulletin's columns count whatever the rulebook scores.</summary>
    public static readonly IReadOnlyList<string> BulletinKinds =
        ["overdue", "problem_found", "repeat_problem", "not_rectified_in_time", "relapse", "complaint_substantiated"];

    public static readonly IReadOnlyList<string> Levels = ["county", "city", "province", "central"];

    public static readonly IReadOnlyDictionary<string, string> Posts = new Dictionary<string, string>
    {
        ["deputy_in_charge"] = "分管负责人",
        ["government_head"] = "主要负责人（行政）",
        ["party_secretary"] = "党组织书记",
    };

    /// <summary>Consequence kinds, in rising severity, with their Chinese names and the document each issues.</summary>
    public static readonly IReadOnlyList<ConsequenceKind> Consequences =
    [
        new("commendation", "通报表扬", 0, "commendation"),
        new("warning", "预警提醒", 1, null),
        new("supervision_order", "挂牌督办", 2, "supervision_order"),
        new("rectification_notice", "限期整改", 3, "rectification_notice"),
        new("written_self_criticism", "书面检查", 4, "rectification_notice"),
        new("criticism", "通报批评", 5, "criticism"),
        new("admonishment_talk", "约谈", 6, "admonishment_notice"),
        new("formal_caution", "诫勉", 7, "referral"),
        new("accountability", "问责", 8, "referral"),
    ];

    public static ConsequenceKind Consequence(string kind) => Consequences.First(c => c.Code == kind);

    public static bool IsReferral(string kind) => Consequence(kind).Document == "referral";

    /// <summary>Where an outcome falls: a post's Chinese name, or the unit itself.</summary>
    public static string PostName(string? post) => post is null ? "单位" : Posts[post];

    public const string UnitPost = "unit";
}

/// <summary>A consequence kind: code, Chinese name, severity (for ordering) and the document kind it issues.</summary>
public sealed record ConsequenceKind(string Code, string Name, int Severity, string? Document);
