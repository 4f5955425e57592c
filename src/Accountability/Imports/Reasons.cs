using System.Globalization;

namespace Accountability.Imports;

/// <summary>
/// The coded reasons of the input problems people meet on the upload pages (plans, the organisation): each method gives
/// the English sentence the CLI and the API have always shown, a message code and the values the message names. Several
/// methods share a code where only the English wording differs (<c>Duplicate</c> for a task number, a ledger number, a
/// unit code or a login): pages say the same thing for all of them, and the field column says which.
/// Pages render resource <c>Problem_{Code}</c> with <c>{name}</c> placeholders filled from the arguments; a test invokes
/// every method here and checks both resource files against the codes and arguments it gets back.
/// </summary>
public static class Reasons
{
    private const string LoaderForms = Plans.DeadlinePhrase.AcceptedForms;

    // The file as a whole

    public static ProblemReason UnsupportedFileType(string extension) =>
        Coded("UnsupportedFileType", $"unsupported file type '{extension}'; use .yaml, .yml, .xlsx or .csv", ("extension", extension));

    public static ProblemReason FileUnreadable(string detail) =>
        Coded("FileUnreadable", $"the file cannot be read: {detail}", ("detail", detail));

    public static ProblemReason WorkbookUnreadable(string detail) =>
        Coded("FileUnreadable", $"not a readable workbook: {detail}", ("detail", detail));

    public static ProblemReason NotUtf8(int offset) =>
        Coded("NotUtf8", $"the file is not UTF-8 text (first invalid byte at offset {offset}); " +
                         "if it was saved by a Chinese editor as GBK/ANSI, save it again as UTF-8", ("offset", offset));

    public static ProblemReason InvalidYaml(string detail) => Coded("InvalidYaml", $"not valid YAML: {detail}", ("detail", detail));

    public static ProblemReason YamlRootNotMapping() =>
        Coded("YamlRootNotMapping", "the file must hold a YAML mapping (key: value lines) at the top level");

    public static ProblemReason NoSheet(string expected) =>
        Coded("NoSheet", $"the workbook has no sheet; expected '{expected}'", ("expected", expected));

    /// <summary>A sheet whose header row was not found; <paramref name="headers"/> are the headers it needs.</summary>
    public static ProblemReason NoHeaderRow(params string[] headers) =>
        Coded("NoHeaderRow", $"no header row with {EnglishList(headers)} in the first 10 rows", ("headers", string.Join("、", headers)));

    public static ProblemReason NoPlanHeaderRow() =>
        Coded("NoPlanHeaderRow", "no header row found in the first 10 rows: a task allocation table needs 序号, 重点任务 and 完成时限 " +
                                 "(with 牵头单位, 责任单位, 配合单位); an enterprise ledger needs 企业名称, 所属镇街 and 完成时限");

    public static ProblemReason NoPlanFound(string campaignSheet, string taskSheet, string ledgerSheet) =>
        Coded("NoPlanFound", $"no plan found: expected sheets {campaignSheet}, {taskSheet} and/or {ledgerSheet}",
            ("sheets", $"{campaignSheet}、{taskSheet}、{ledgerSheet}"));

    public static ProblemReason NoPlanSections() =>
        Coded("NoPlanFound", "the file has none of campaign, tasks, ledger", ("sheets", "campaign、tasks、ledger"));

    public static ProblemReason SecondTaskTable() => Coded("SecondTable", "a second task allocation table; put every task on one sheet");

    public static ProblemReason SecondLedger() => Coded("SecondTable", "a second ledger; put every ledger item on one sheet");

    // The shape of a value

    public static ProblemReason Required() => Coded("Required", "is required");

    public static ProblemReason RequiredWithRole() => Coded("RequiredWithRole", "is required with a role");

    public static ProblemReason NotSingleValue() => Coded("NotSingleValue", "must be a single value, not a list or mapping");

    public static ProblemReason ListItemNotSingleValue() => Coded("NotSingleValue", "each item must be a single value");

    public static ProblemReason NotAList() => Coded("NotAList", "must be a list");

    /// <summary>A YAML node that should be a mapping; <paramref name="keys"/> are the keys it should hold, and
    /// <paramref name="english"/> the sentence the loader has always given for it.</summary>
    public static ProblemReason NotAMapping(string english, string keys) => Coded("NotAMapping", english, ("keys", keys));

    public static ProblemReason UnknownField(IEnumerable<string> expected) =>
        Coded("UnknownField", $"unknown field; expected one of: {string.Join(", ", expected)}", ("expected", string.Join(", ", expected)));

    public static ProblemReason UnknownItem(IEnumerable<string> expected) =>
        Coded("UnknownItem", $"unknown item; expected one of: {string.Join(", ", expected)}", ("expected", string.Join(", ", expected)));

    /// <summary>A value outside a fixed list (a role, a unit kind, a post); <paramref name="english"/> is the loader's
    /// sentence, <paramref name="expected"/> the values it accepts.</summary>
    public static ProblemReason NotOneOf(string english, string value, string expected) =>
        Coded("NotOneOf", english, ("value", value), ("expected", expected));

    public static ProblemReason NotADate(string value) =>
        Coded("NotADate", $"'{value}' is not a date (yyyy-mm-dd or 2017年9月1日)", ("value", value));

    public static ProblemReason NotAWholeNumber(string value) => Coded("NotAWholeNumber", $"'{value}' is not a whole number", ("value", value));

    public static ProblemReason NotANumberOfDays(string value, int min, int max) =>
        Coded("NotInRange", $"'{value}' is not a number of days from {min} to {max}", ("value", value), ("min", min), ("max", max));

    public static ProblemReason NotAPercentage(string value) =>
        Coded("NotInRange", $"'{value}' is not a percentage from 0 to 100", ("value", value), ("min", 0), ("max", 100));

    public static ProblemReason NotAWeight(string value) =>
        Coded("NotInRange", $"'{value}' is not a weight (a number from 0 to 9999)", ("value", value), ("min", 0), ("max", 9999));

    public static ProblemReason DuplicateTaskNumber(string number, int? first, bool inSheet) =>
        Coded("Duplicate", $"task number '{number}' is used twice (first at {Where(first, inSheet)})", ("value", number), ("first", first));

    public static ProblemReason DuplicateLedgerNumber(string number, int? first, bool inSheet) =>
        Coded("Duplicate", $"ledger number '{number}' is used twice (first at {Where(first, inSheet)})", ("value", number), ("first", first));

    public static ProblemReason DuplicateUnitCode(string code, int? first, bool inSheet) =>
        Coded("Duplicate", $"duplicate code '{code}' (first used at {Where(first, inSheet)})", ("value", code), ("first", first));

    public static ProblemReason DuplicateLogin(string login, int? first, bool inSheet) =>
        Coded("Duplicate", $"duplicate login '{login}' (first used at {Where(first, inSheet)})", ("value", login), ("first", first));

    // The campaign

    public static ProblemReason RequiredForNewCampaign() => Coded("RequiredForNewCampaign", "is required for a new campaign");

    public static ProblemReason CampaignDoesNotExist(string campaign, string campaignSheet) =>
        Coded("CampaignDoesNotExist",
            $"campaign '{campaign}' does not exist yet: import its plan with the campaign section (YAML or the {campaignSheet} sheet) first",
            ("campaign", campaign), ("sheet", campaignSheet));

    public static ProblemReason CampaignMismatch(string inFile, string requested) =>
        Coded("CampaignMismatch", $"the file is for campaign '{inFile}', not '{requested}'", ("campaign", inFile), ("requested", requested));

    public static ProblemReason CampaignNotNamed() =>
        Coded("CampaignNotNamed",
            "name the campaign: a code in the campaign section (行动编码 on the 行动方案 sheet), or the campaign option for a file without one");

    public static ProblemReason NotACampaignCode(string value) =>
        Coded("NotACampaignCode", $"'{value}' is not a campaign code (no spaces, at most 64 characters)", ("value", value));

    public static ProblemReason EndsBeforeStart(DateOnly ends, DateOnly starts) =>
        Coded("EndsBeforeStart", $"{Day(ends)} is before the start, {Day(starts)}", ("ends", ends), ("starts", starts));

    public static ProblemReason NotATimeZone(string value) =>
        Coded("NotATimeZone", $"'{value}' is not a time zone (an IANA name such as Asia/Shanghai)", ("value", value));

    public static ProblemReason UnknownCalendar(string calendar, IEnumerable<string> known) =>
        Coded("UnknownCalendar", $"no working-day calendar '{calendar}' in workflows/calendars (known: {string.Join(", ", known)})",
            ("calendar", calendar), ("known", string.Join(", ", known)));

    public static ProblemReason CalendarLacksYear(string calendar, int year) =>
        Coded("CalendarLacksYear",
            $"the calendar '{calendar}' has no data for {year}: working days there count weekends only (add workflows/calendars/{calendar}-{year}.yaml)",
            ("calendar", calendar), ("year", year));

    public static ProblemReason DateOutsideCalendar(DateOnly date, string calendar) =>
        Coded("CalendarLacksYear", $"{Day(date)} is in a year the calendar '{calendar}' does not cover: holidays there are unknown",
            ("calendar", calendar), ("year", date.Year));

    public static ProblemReason SeriesOutsideCalendar(string value, IReadOnlyCollection<int> years, string calendar) =>
        Coded("CalendarLacksYear", $"dates of '{value}' fall in {string.Join(", ", years)}, which the calendar '{calendar}' does not cover",
            ("calendar", calendar), ("year", string.Join("、", years)));

    public static ProblemReason UnknownRulebook(string rulebook, IEnumerable<string> known) =>
        Coded("UnknownRulebook", $"no rulebook '{rulebook}' in workflows/rulebooks (known: {string.Join(", ", known)})",
            ("rulebook", rulebook), ("known", string.Join(", ", known)));

    public static ProblemReason RulebookNotInForce(string rulebook, DateOnly starts) =>
        Coded("RulebookNotInForce",
            $"no version of rulebook '{rulebook}' is in force on {Day(starts)}, when the campaign starts; its periods cannot be scored until one is",
            ("rulebook", rulebook), ("starts", starts));

    public static ProblemReason RulebookWithoutCampaign() =>
        Coded("RulebookWithoutCampaign", "a rulebook can be chosen only for a file with a campaign section");

    // The cadence (调度周期)

    public static ProblemReason PeriodRequired() => Coded("Required", "is required (每月, 每周 or 每天)");

    public static ProblemReason NotAPeriod(string value) =>
        Coded("NotAPeriod", $"'{value}' is not a period; expected month (每月), week (每周) or day (每天)", ("value", value));

    public static ProblemReason CloseRequired() =>
        Coded("Required", "is required: when the period is closed (e.g. day 1 at 09:00 of the next month)");

    public static ProblemReason CycleGivenTwice(string cycle, int count) =>
        Coded("CycleGivenTwice", $"cycle '{cycle}' is given {count} times", ("value", cycle), ("count", count));

    public static ProblemReason DayOfMonthRequired() => Coded("DayOfMonthRequired", "a monthly cycle needs the day of the month");

    public static ProblemReason NotADayOfMonth(string value) =>
        Coded("NotADayOfMonth", $"'{value}' is not a day of the month (1–31; a close day 1–28, so that every month has it)", ("value", value));

    public static ProblemReason WeekdayRequired() => Coded("WeekdayRequired", "a weekly cycle needs the weekday");

    public static ProblemReason NotAWeekday(string value) =>
        Coded("NotAWeekday", $"'{value}' is not a weekday (monday…sunday, 周一…周日)", ("value", value));

    /// <summary>A day of the month, or a weekday (<paramref name="what"/>), given for a cycle that has none.</summary>
    public static ProblemReason DoesNotFitCycle(string what, string every) =>
        Coded("DoesNotFitCycle", $"{what} does not fit a cycle every {every}", ("every", every));

    public static ProblemReason TimeOfDayRequired() => Coded("Required", "the time of day is required (HH:mm)");

    public static ProblemReason NotATimeOfDay(string value) => Coded("NotATimeOfDay", $"'{value}' is not a time of day (HH:mm)", ("value", value));

    // Deadlines and milestones

    public static ProblemReason DeadlineRequired() => Coded("DeadlineRequired", $"is required: write {LoaderForms}");

    public static ProblemReason DeadlineEmpty() => Coded("DeadlineRequired", "is empty; write " + LoaderForms);

    public static ProblemReason LedgerDeadlineRequired() =>
        Coded("LedgerDeadlineRequired", "is required: a ledger item has one deadline (a date or 交办后N个工作日内)");

    public static ProblemReason NotADeadline(string value) =>
        Coded("NotADeadline", $"'{value}' is not a deadline this loader understands; write {LoaderForms}", ("value", value));

    public static ProblemReason DeadlineNotUnderstood(string value) => Coded("NotADeadline", $"'{value}' is not understood", ("value", value));

    /// <summary>A date phrase naming a day that does not exist; <paramref name="why"/> says which part is wrong.</summary>
    public static ProblemReason ImpossibleDate(string value, string why) => Coded("NoSuchDate", $"'{value}': {why}", ("value", value));

    public static ProblemReason NotADayCount(string value, int count) =>
        Coded("NotADeadline", $"'{value}': {count} is not a usable number of days", ("value", value));

    public static ProblemReason NotASingleDate(string value) => Coded("NotASingleDate", $"'{value}' must be a single date", ("value", value));

    public static ProblemReason LedgerDeadlineLongTerm(string value) =>
        Coded("LedgerDeadlineNotSingle", $"'{value}': a ledger item has one deadline, it cannot be long-term", ("value", value));

    public static ProblemReason LedgerDeadlineRecurring(string value) =>
        Coded("LedgerDeadlineNotSingle", $"'{value}': a ledger item has one deadline, it cannot recur", ("value", value));

    public static ProblemReason SeveralDeadlineDates(string value, DateOnly last) =>
        Coded("SeveralDeadlineDates",
            $"'{value}' names several dates; the last, {Day(last)}, is the deadline (give the others as milestones)",
            ("value", value), ("date", last));

    public static ProblemReason NotAWorkingDay(DateOnly date, string description) =>
        Coded("NotAWorkingDay", $"{Day(date)} is {description}, not a working day", ("date", date));

    public static ProblemReason SeriesOnDaysOff(string value, IReadOnlyList<DateOnly> offDays, int total)
    {
        var shown = string.Join(", ", offDays.Take(4).Select(Day)) + (offDays.Count > 4 ? ", ..." : "");
        return Coded("NotAWorkingDay",
            $"{offDays.Count} of the {total} dates of '{value}' {(offDays.Count == 1 ? "is not a working day" : "are not working days")} ({shown})",
            ("date", shown));
    }

    public static ProblemReason BeforeCampaignStart(DateOnly date, DateOnly starts, DateOnly ends) =>
        Coded("OutsideCampaign", $"{Day(date)} is before the campaign starts ({Day(starts)})", ("date", date), ("starts", starts), ("ends", ends));

    public static ProblemReason AfterCampaignEnd(DateOnly date, DateOnly starts, DateOnly ends) =>
        Coded("OutsideCampaign", $"{Day(date)} is after the campaign ends ({Day(ends)})", ("date", date), ("starts", starts), ("ends", ends));

    public static ProblemReason SeriesEmpty(string value, DateOnly starts, DateOnly ends) =>
        Coded("SeriesEmpty", $"'{value}': no date of this series falls between {Day(starts)} and {Day(ends)}",
            ("value", value), ("starts", starts), ("ends", ends));

    public static ProblemReason TooManyObligations(string value, int max) =>
        Coded("TooManyObligations", $"'{value}' makes more than {max} obligations over the campaign (the compilation definition's limit)",
            ("value", value), ("max", max));

    /// <summary>A milestone whose date could not be read: the date's own reason, said of the milestone.</summary>
    public static ProblemReason Milestone(ProblemReason dateReason) => dateReason with { Text = "milestone " + dateReason.Text };

    public static ProblemReason MilestoneWithoutPercent(string value) =>
        Coded("NotAMilestone", $"milestone '{value}' has no percentage (write e.g. '2017-10-31 30%' or '10月底前完成30%')", ("value", value));

    public static ProblemReason MilestoneOverHundred(string value, int percent) =>
        Coded("NotAMilestone", $"milestone '{value}': {percent}% is more than 100%", ("value", value));

    public static ProblemReason MilestoneOutOfOrder(DateOnly on, int percent, DateOnly previousOn, int previousPercent) =>
        Coded("MilestoneOutOfOrder",
            $"milestone {Day(on)} {percent}% must come after {Day(previousOn)} {previousPercent}% with at least as much progress",
            ("date", on), ("percent", percent), ("previousDate", previousOn), ("previousPercent", previousPercent));

    public static ProblemReason MilestoneAfterDeadline(DateOnly on, DateOnly due) =>
        Coded("MilestoneAfterDeadline", $"milestone {Day(on)} falls after the deadline {Day(due)}", ("date", on), ("deadline", due));

    // Units

    public static ProblemReason UnknownUnit(string value) =>
        Coded("UnknownUnit", $"'{value}' is not a unit of the organisation (no name, code or alias matches)", ("value", value));

    public static ProblemReason UnknownUnitDidYouMean(string value, IEnumerable<string> suggestions) =>
        Coded("UnknownUnitDidYouMean", $"'{value}' is not a unit of the organisation; did you mean {string.Join(", ", suggestions)}?",
            ("value", value), ("suggestions", string.Join("、", suggestions)));

    /// <summary>One unit was wanted (<paramref name="what"/>: the verifier, the town...), the phrase names several.</summary>
    public static ProblemReason NotOneUnit(string value, int count, string what) =>
        Coded("NotOneUnit", $"'{value}' names {count} units; {what} is one unit", ("value", value), ("count", count));

    public static ProblemReason SeveralLeadUnits(int count, string lead) =>
        Coded("SeveralLeadUnits",
            $"names {count} units; the first, {lead}, leads and owns closure, the others are taken as responsible units",
            ("count", count), ("lead", lead));

    public static ProblemReason NoUnitForTask() =>
        Coded("NoUnitForTask", "a task needs a lead unit (牵头单位) or responsible units (责任单位)");

    public static ProblemReason NoAssignment() =>
        Coded("NoAssignment", "no unit gets an assignment for this task under the compilation rules");

    // Ledger items

    public static ProblemReason NotALedgerKind(string value) =>
        Coded("NotOneOf", $"'{value}' is not a kind of ledger item; expected enterprise (企业), problem (问题) or complaint (举报)",
            ("value", value), ("expected", "企业 (enterprise)、问题 (problem)、举报 (complaint)"));

    public static ProblemReason NotADisposalClass(string value) =>
        Coded("NotOneOf", $"'{value}' is not a disposal class; expected 关停取缔 (shut_down), 整改提升 (upgrade) or 整合搬迁 (relocate)",
            ("value", value), ("expected", "关停取缔 (shut_down)、整改提升 (upgrade)、整合搬迁 (relocate)"));

    public static ProblemReason NoDisposalClass() =>
        Coded("NoDisposalClass", "no disposal class (关停取缔, 整改提升 or 整合搬迁) for this enterprise");

    public static ProblemReason NotAFoundLevel(string value) =>
        Coded("NotOneOf", $"'{value}' is not a level; expected county (县级), city (市级), province (省级) or central (中央)",
            ("value", value), ("expected", "县级 (county)、市级 (city)、省级 (province)、中央 (central)"));

    public static ProblemReason TownRequired() => Coded("Required", "is required: the town, street or park the item belongs to");

    public static ProblemReason NotInATown(string unit) =>
        Coded("NotInATown", $"{unit} lies in no town, street or park to assign the item to", ("unit", unit));

    public static ProblemReason NumberOfARecordedProblem(string number) =>
        Coded("NumberOfARecordedProblem",
            $"'{number}' is the number of a problem recorded in this campaign one by one (an inspection, complaint or exposure); give the plan's item a number of its own",
            ("value", number));

    // The organisation

    public static ProblemReason HolderNameRequired() => Coded("Required", "give the holder's name (and optionally title)");

    public static ProblemReason ParentRequired(string unit, string kind) =>
        Coded("ParentRequired", $"'{unit}' is a {kind} and needs a parent unit", ("unit", unit), ("kind", kind));

    public static ProblemReason OwnParent(string unit) => Coded("OwnParent", $"'{unit}' cannot be its own parent", ("unit", unit));

    public static ProblemReason UnknownParent(string parent) =>
        Coded("UnknownUnitCode", $"unknown parent '{parent}': no unit in this file or already stored has that code", ("value", parent));

    public static ProblemReason ParentCycle(IEnumerable<string> path) =>
        Coded("ParentCycle", $"parent cycle: {string.Join(" → ", path)}", ("cycle", string.Join(" → ", path)));

    public static ProblemReason UnknownUnitCode(string code) => Coded("UnknownUnitCode", $"unknown unit '{code}'", ("value", code));

    private static ProblemReason Coded(string code, string text, params (string Name, object? Value)[] arguments) =>
        new(text, code, arguments.ToDictionary(a => a.Name, a => Format(a.Value), StringComparer.Ordinal));

    private static string Format(object? value) => value switch
    {
        null => "",
        DateOnly d => Day(d),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Where(int? line, bool inSheet) => $"{(inSheet ? "row" : "line")} {line}";

    private static string EnglishList(IReadOnlyList<string> items) =>
        items.Count <= 1 ? string.Concat(items) : $"{string.Join(", ", items.Take(items.Count - 1))} and {items[^1]}";
}
