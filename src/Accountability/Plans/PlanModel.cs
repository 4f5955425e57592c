namespace Accountability.Plans;

/// <summary>Where a definition came from, so that every problem found later can name its file, sheet, row or line,
/// and field: a YAML path (<c>tasks[3].deadline</c>) or the sheet's own header (<c>完成时限</c>).</summary>
public sealed record Origin(string File, string? Sheet, int? Line, string Path, IReadOnlyDictionary<string, string>? Headers = null)
{
    public string Field(string key) => Headers is not null
        ? Headers.GetValueOrDefault(key) ?? key
        : Path.Length == 0 ? key : $"{Path}.{key}";

    public InputProblem Error(string key, ProblemReason reason) => InputProblem.Of(File, Sheet, Line, Field(key), reason);

    public InputProblem Warning(string key, ProblemReason reason) => InputProblem.Of(File, Sheet, Line, Field(key), reason, isWarning: true);
}

/// <summary>One cycle of the campaign's cadence, in the shape of docs/formats/cadence.md.</summary>
public sealed record CycleDefinition(string Cycle, string Every, CycleTime? ReportBy, CycleTime Close);

/// <summary>A point in a period: <c>day</c> of the month, or <c>weekday</c>, and a <c>time</c> (HH:mm).</summary>
public sealed record CycleTime(int? Day, string? Weekday, string? Time);

/// <summary>The campaign section as written. Absent values stay null: the compiler applies defaults, or keeps what
/// an earlier version stored.</summary>
public sealed record CampaignSection(
    string? Code,
    string? Name,
    string? DocumentNumber,
    string? Headquarters,
    DateOnly? StartsOn,
    DateOnly? EndsOn,
    string? TimeZone,
    string? Calendar,
    string? Workflow,
    string? Rulebook,
    int? PublicNoticeDays,
    IReadOnlyList<CycleDefinition>? Cadence,
    Origin Origin);

/// <summary>Scheduled progress (序时进度): by <see cref="On"/> (a date phrase), <see cref="Percent"/> done.</summary>
public sealed record MilestoneDefinition(string On, int Percent);

/// <summary>A row of the task allocation table (重点任务分工表). Unit fields hold the phrase as written
/// ("各镇街、县公安局"); the compiler resolves them against the organisation.</summary>
public sealed record TaskDefinition(
    string Number,
    string? Clause,
    string Title,
    string? Measures,
    string? Category,
    string? Target,
    string? Lead,
    string? Responsible,
    string? Cooperating,
    string? Deadline,
    IReadOnlyList<MilestoneDefinition> Milestones,
    IReadOnlyList<string> EvidenceKinds,
    string? Verifier,
    decimal? Weight,
    Origin Origin);

/// <summary>A ledger item (台账条目): an enterprise (一企一档) or a problem, with one number, one owner, one deadline.</summary>
public sealed record LedgerItemDefinition(
    string Number,
    string Kind,
    string Name,
    string? Town,
    string? ProblemType,
    string? DisposalClass,
    string? Measures,
    string? ResponsiblePerson,
    string? Deadline,
    string? Source,
    string? FoundLevel,
    string? Verifier,
    Origin Origin);

/// <summary>
/// A plan file as read, before it is checked against the organisation and compiled. A section that is null was not
/// in the file (a CSV holds one table): re-importing leaves what is stored for it as it is. An empty list was given
/// and is empty: every stored task (or ledger item) is cancelled.
/// </summary>
public sealed record PlanFile(
    string FileName,
    CampaignSection? Campaign,
    IReadOnlyList<TaskDefinition>? Tasks,
    IReadOnlyList<LedgerItemDefinition>? Ledger);

public static class PlanVocabulary
{
    public const string ShutDown = "shut_down";
    public const string Upgrade = "upgrade";
    public const string Relocate = "relocate";

    /// <summary>关停取缔 / 整改提升 / 整合搬迁, as planners write them, or the identifiers.</summary>
    public static string? ParseDisposal(string? text) => Normalize(text) switch
    {
        null => null,
        "shut_down" or "关停取缔" or "清理取缔" or "取缔" or "关停" or "取缔关停" or "关闭取缔" or "取缔类" or "关停取缔类" or "清理取缔类" => ShutDown,
        "upgrade" or "整改提升" or "整改" or "提升改造" or "升级改造" or "整改提升类" or "整治提升" => Upgrade,
        "relocate" or "整合搬迁" or "搬迁" or "搬迁入园" or "整合搬迁类" or "搬迁改造" => Relocate,
        _ => "?",
    };

    public static string DisposalToChinese(string disposal) => disposal switch
    {
        ShutDown => "关停取缔",
        Upgrade => "整改提升",
        Relocate => "整合搬迁",
        _ => disposal,
    };

    public static string? ParseLedgerKind(string? text) => Normalize(text) switch
    {
        null => null,
        "enterprise" or "企业" or "企业台账" => "enterprise",
        "problem" or "问题" or "问题台账" => "problem",
        "complaint" or "举报" or "投诉" or "信访" or "群众举报" => "complaint",
        _ => "?",
    };

    public static string LedgerKindToChinese(string kind) => kind switch
    {
        "enterprise" => "企业",
        "problem" => "问题",
        "complaint" => "举报",
        _ => kind,
    };

    /// <summary>The level that found a problem, for rules that weigh it (county, city, province, central).</summary>
    public static string? ParseFoundLevel(string? text) => Normalize(text) switch
    {
        null => null,
        "county" or "县" or "县级" or "县督查" => "county",
        "city" or "市" or "市级" or "市督查" => "city",
        "province" or "省" or "省级" or "省督察" or "省环保督察" => "province",
        "central" or "中央" or "国家" or "中央督察" or "中央环保督察" or "环保部" => "central",
        _ => "?",
    };

    public static string FoundLevelToChinese(string level) => level switch
    {
        "county" => "县级",
        "city" => "市级",
        "province" => "省级",
        "central" => "中央",
        _ => level,
    };

    private static string? Normalize(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Trim().ToLowerInvariant();
}
