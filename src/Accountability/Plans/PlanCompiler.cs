using System.Globalization;
using System.Text.Json;
using Accountability.Calendar;
using Accountability.Imports;

namespace Accountability.Plans;

/// <summary>The campaign as stored, for a re-import that leaves some of its settings out.</summary>
public sealed record StoredCampaign(long Id, string Code, string Name, string? DocumentNumber, long? HeadquartersUnitId,
    DateOnly StartsOn, DateOnly EndsOn, string TimeZone, string CalendarCode, string WorkflowCode, string? RulebookCode,
    int? PublicNoticeDays, string Cadence, int CurrentPlanVersion);

/// <summary>
/// Checks a plan against the organisation, the calendar and the compilation definition, and compiles it: units
/// resolved, deadlines turned into instants at the end of the day in the campaign's zone, who gets which assignment.
/// Every problem is collected (with its file, sheet, row or line, and field); the caller writes nothing if one is an
/// error. Pure: no database, no clock — the issue instant is a parameter.
/// </summary>
public sealed class PlanCompiler(UnitDirectory units, PlanCompilationDefinition definition, CalendarCatalog calendars,
    List<InputProblem> problems)
{
    public const string DefaultTimeZone = "Asia/Shanghai";
    public const string DefaultCalendar = "cn";
    public const string DefaultWorkflow = "assignment";

    private static readonly JsonSerializerOptions Json = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly Dictionary<string, (DefinitionUnit Phrase, DirectoryUnit? Unit)> _definitionUnits = [];

    public CompiledPlan? Compile(PlanFile file, string code, StoredCampaign? stored, DateTimeOffset issuedAt)
    {
        var campaign = CompileCampaign(file, code, stored);
        if (campaign is null)
        {
            return null;
        }

        var issueDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(issuedAt, campaign.Zone).DateTime);
        var tasks = file.Tasks is null ? null : CompileTasks(file.Tasks, campaign, issueDay);
        var ledger = file.Ledger is null ? null : CompileLedger(file.Ledger, campaign, issueDay);
        return new CompiledPlan(campaign, tasks, ledger, definition);
    }

    private CompiledCampaign? CompileCampaign(PlanFile file, string code, StoredCampaign? stored)
    {
        var section = file.Campaign;
        var origin = section?.Origin ?? new Origin(file.FileName, null, null, "campaign");
        var ok = true;
        void Error(string key, ProblemReason reason)
        {
            problems.Add(origin.Error(key, reason));
            ok = false;
        }

        if (section is null && stored is null)
        {
            problems.Add(InputProblem.Of(file.FileName, null, null, "campaign", Reasons.CampaignDoesNotExist(code, PlanWorkbookReader.CampaignSheet)));
            return null;
        }

        var name = section?.Name ?? stored?.Name;
        if (name is null)
        {
            Error("name", Reasons.RequiredForNewCampaign());
        }

        var starts = section?.StartsOn ?? stored?.StartsOn;
        var ends = section?.EndsOn ?? stored?.EndsOn;
        if (starts is null)
        {
            Error("starts_on", Reasons.RequiredForNewCampaign());
        }

        if (ends is null)
        {
            Error("ends_on", Reasons.RequiredForNewCampaign());
        }

        if (starts is not null && ends is not null && ends < starts)
        {
            Error("ends_on", Reasons.EndsBeforeStart(ends.Value, starts.Value));
        }

        var zoneId = section?.TimeZone ?? stored?.TimeZone ?? DefaultTimeZone;
        if (!TryFindZone(zoneId, out var zone))
        {
            Error("time_zone", Reasons.NotATimeZone(zoneId));
        }

        var calendarCode = section?.Calendar ?? stored?.CalendarCode ?? DefaultCalendar;
        WorkingDayCalendar? calendar = null;
        if (!calendars.Codes.Contains(calendarCode))
        {
            Error("calendar", Reasons.UnknownCalendar(calendarCode, calendars.Codes));
        }
        else
        {
            calendar = calendars.Get(calendarCode);
        }

        long? headquarters = stored?.HeadquartersUnitId;
        if (section?.Headquarters is { } hqText)
        {
            headquarters = Single(hqText, origin, "headquarters", "the headquarters office");
            ok &= headquarters is not null;
        }

        if (!ok || zone is null || calendar is null)
        {
            return null;
        }

        foreach (var year in new[] { starts!.Value.Year, ends!.Value.Year }.Distinct().Where(y => !calendar.Years.Contains(y)))
        {
            problems.Add(origin.Warning("calendar", Reasons.CalendarLacksYear(calendarCode, year)));
        }

        var cadence = section?.Cadence is { } cycles ? Cadence.ToJson(cycles) : stored?.Cadence ?? "[]";
        return new CompiledCampaign(code, name!, section?.DocumentNumber ?? stored?.DocumentNumber, headquarters, starts.Value,
            ends.Value, zoneId, calendarCode, section?.Workflow ?? stored?.WorkflowCode ?? DefaultWorkflow,
            section?.Rulebook ?? stored?.RulebookCode, section?.PublicNoticeDays ?? stored?.PublicNoticeDays, cadence)
        {
            Zone = zone,
            Calendar = calendar,
        };
    }

    private List<CompiledTask> CompileTasks(IReadOnlyList<TaskDefinition> definitions, CompiledCampaign campaign, DateOnly issueDay)
    {
        var result = new List<CompiledTask>(definitions.Count);
        var numbers = new Dictionary<string, Origin>(StringComparer.Ordinal);
        foreach (var task in definitions)
        {
            var origin = task.Origin;
            var errorsBefore = ErrorCount;
            if (!numbers.TryAdd(task.Number, origin))
            {
                problems.Add(origin.Error("number", Reasons.DuplicateTaskNumber(task.Number, numbers[task.Number].Line, numbers[task.Number].Sheet is not null)));
                continue;
            }

            var lead = Resolve(task.Lead, origin, "lead");
            var responsible = Resolve(task.Responsible, origin, "responsible").ToList();
            var cooperating = Resolve(task.Cooperating, origin, "cooperating");
            DirectoryUnit? leadUnit = null;
            if (lead.Count > 0)
            {
                leadUnit = lead[0];
                if (lead.Count > 1)
                {
                    problems.Add(origin.Warning("lead", Reasons.SeveralLeadUnits(lead.Count, leadUnit.Name)));
                    responsible.InsertRange(0, lead.Skip(1).Where(u => responsible.All(r => r.Id != u.Id)));
                }
            }

            if (lead.Count == 0 && responsible.Count == 0 && task.Lead is null && task.Responsible is null)
            {
                problems.Add(origin.Error("responsible", Reasons.NoUnitForTask()));
            }

            long? verifier = task.Verifier is { } v ? Single(v, origin, "verifier", "the verifier") : null;
            var schedule = task.Deadline is null
                ? Missing(origin)
                : Schedule(task.Deadline, campaign, issueDay, origin, allowSeries: true);
            var milestones = Milestones(task, campaign, schedule, origin);

            if (ErrorCount > errorsBefore || schedule is null)
            {
                continue;
            }

            var columns = new Dictionary<string, IReadOnlyList<DirectoryUnit>>
            {
                ["lead"] = leadUnit is null ? [] : [leadUnit],
                ["responsible"] = responsible,
                ["cooperating"] = cooperating,
            };
            var assignees = new List<TaskAssignee>();
            var assigned = new HashSet<long>();
            foreach (var rule in definition.TaskAssignments)
            {
                foreach (var unit in columns[rule.From])
                {
                    if (assigned.Add(unit.Id))
                    {
                        assignees.Add(new TaskAssignee(unit.Id, rule.Role, TaskVerifier(unit.Id, verifier, leadUnit?.Id, campaign.HeadquartersUnitId)));
                    }
                }
            }

            if (assignees.Count == 0)
            {
                problems.Add(origin.Warning("responsible", Reasons.NoAssignment()));
            }

            result.Add(new CompiledTask(task.Number, task.Clause, task.Title, task.Measures, task.Category, task.Target,
                leadUnit?.Id, responsible.Select(u => u.Id).ToArray(), cooperating.Select(u => u.Id).ToArray(), verifier,
                task.Lead, task.Responsible, task.Cooperating, task.Verifier, task.Deadline!, schedule.Due, schedule.LongTerm,
                schedule.RecurrenceJson, schedule.Series, milestones, task.EvidenceKinds.Distinct().ToArray(), task.Weight ?? 1m,
                assignees, origin));
        }

        return result;

        DeadlineSchedule? Missing(Origin origin)
        {
            problems.Add(origin.Error("deadline", Reasons.DeadlineRequired()));
            return null;
        }
    }

    /// <summary>The first candidate that is not the unit's own: no unit verifies its own work.</summary>
    private long? TaskVerifier(long unitId, long? named, long? lead, long? headquarters)
    {
        if (named is { } n && n != unitId)
        {
            return n;
        }

        foreach (var fallback in definition.TaskVerifierFallback)
        {
            var candidate = fallback == "lead" ? lead : headquarters;
            if (candidate is { } c && c != unitId)
            {
                return c;
            }
        }

        return null;
    }

    private string Milestones(TaskDefinition task, CompiledCampaign campaign, DeadlineSchedule? schedule, Origin origin)
    {
        var list = new List<(DateOnly On, int Percent)>();
        foreach (var milestone in task.Milestones)
        {
            var day = DeadlinePhrase.ParseDay(milestone.On, campaign.StartsOn, out var error);
            if (day is null)
            {
                problems.Add(origin.Error("milestones", Reasons.Milestone(error!)));
                continue;
            }

            if (list.Count > 0 && (day <= list[^1].On || milestone.Percent < list[^1].Percent))
            {
                problems.Add(origin.Error("milestones", Reasons.MilestoneOutOfOrder(day.Value, milestone.Percent, list[^1].On, list[^1].Percent)));
                continue;
            }

            if (schedule?.DueDay is { } due && day > due)
            {
                problems.Add(origin.Warning("milestones", Reasons.MilestoneAfterDeadline(day.Value, due)));
            }

            list.Add((day.Value, milestone.Percent));
        }

        return JsonSerializer.Serialize(list.Select(m => new Dictionary<string, object>
        {
            ["on"] = m.On.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["percent"] = m.Percent,
        }), Json);
    }

    private List<CompiledLedgerItem> CompileLedger(IReadOnlyList<LedgerItemDefinition> items, CompiledCampaign campaign, DateOnly issueDay)
    {
        var result = new List<CompiledLedgerItem>(items.Count);
        var numbers = new Dictionary<string, Origin>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var origin = item.Origin;
            var errorsBefore = ErrorCount;
            if (!numbers.TryAdd(item.Number, origin))
            {
                problems.Add(origin.Error("number", Reasons.DuplicateLedgerNumber(item.Number, numbers[item.Number].Line, numbers[item.Number].Sheet is not null)));
                continue;
            }

            var kind = PlanVocabulary.ParseLedgerKind(item.Kind);
            if (kind == "?")
            {
                problems.Add(origin.Error("kind", Reasons.NotALedgerKind(item.Kind)));
            }

            var disposal = PlanVocabulary.ParseDisposal(item.DisposalClass);
            if (disposal == "?")
            {
                problems.Add(origin.Error("disposal", Reasons.NotADisposalClass(item.DisposalClass!)));
            }
            else if (disposal is null && kind == "enterprise")
            {
                problems.Add(origin.Warning("disposal", Reasons.NoDisposalClass()));
            }

            var level = PlanVocabulary.ParseFoundLevel(item.FoundLevel);
            if (level == "?")
            {
                problems.Add(origin.Error("found_level", Reasons.NotAFoundLevel(item.FoundLevel!)));
            }

            DirectoryUnit? unit = null;
            if (item.Town is null)
            {
                problems.Add(origin.Error("town", Reasons.TownRequired()));
            }
            else if (Single(item.Town, origin, "town", "the town") is { } townId)
            {
                var named = units.Find(townId)!;
                unit = definition.LedgerRouteTo == "town" ? units.TownOf(named) : named;
                if (unit is null)
                {
                    problems.Add(origin.Error("town", Reasons.NotInATown(named.Name)));
                }
            }

            long? verifier = null;
            if (item.Verifier is { } v)
            {
                verifier = Single(v, origin, "verifier", "the verifier");
            }
            else if (kind is not null && definition.LedgerVerifierByKind.TryGetValue(kind, out var byKind))
            {
                verifier = DefinitionUnitId(byKind);
            }

            DeadlineSchedule? schedule = null;
            if (item.Deadline is null)
            {
                problems.Add(origin.Error("deadline", Reasons.LedgerDeadlineRequired()));
            }
            else
            {
                schedule = Schedule(item.Deadline, campaign, issueDay, origin, allowSeries: false);
            }

            if (ErrorCount > errorsBefore || unit is null || schedule?.Due is null || kind is null or "?")
            {
                continue;
            }

            result.Add(new CompiledLedgerItem(item.Number, kind, item.Name, unit.Id, item.Town, item.ProblemType, disposal,
                item.Measures, item.ResponsiblePerson, item.Deadline!, schedule.Due.Value, item.Source, level, verifier, item.Verifier,
                definition.LedgerRole, origin));
        }

        return result;
    }

    private sealed record DeadlineSchedule(DateOnly? DueDay, DateTimeOffset? Due, bool LongTerm, string? RecurrenceJson, DateTimeOffset[] Series);

    private DeadlineSchedule? Schedule(string text, CompiledCampaign campaign, DateOnly issueDay, Origin origin, bool allowSeries)
    {
        var spec = DeadlinePhrase.Parse(text, campaign.StartsOn, out var error);
        var calendar = campaign.Calendar;
        switch (spec)
        {
            case null:
                problems.Add(origin.Error("deadline", error!));
                return null;
            case LongTermDeadline when !allowSeries:
                problems.Add(origin.Error("deadline", Reasons.LedgerDeadlineLongTerm(text)));
                return null;
            case LongTermDeadline:
                return new DeadlineSchedule(null, null, true, null, []);
            case RecurringDeadline when !allowSeries:
                problems.Add(origin.Error("deadline", Reasons.LedgerDeadlineRecurring(text)));
                return null;
            case RecurringDeadline recurring:
                return Series(recurring, text, campaign, origin);
            case FixedDeadline fixedDay:
                if (fixedDay.Earlier.Count > 0)
                {
                    problems.Add(origin.Warning("deadline", Reasons.SeveralDeadlineDates(text, fixedDay.Day)));
                }

                return Single(fixedDay.Day);
            case RelativeDeadline relative:
                var anchor = relative.Anchor == DeadlineAnchor.CampaignStart ? campaign.StartsOn : issueDay;
                var day = relative.Unit switch
                {
                    RelativeUnit.WorkingDays => calendar.AddWorkingDays(anchor, relative.Count),
                    RelativeUnit.Months => anchor.AddMonths(relative.Count),
                    _ => anchor.AddDays(relative.Count),
                };
                return Single(day);
            default:
                problems.Add(origin.Error("deadline", Reasons.DeadlineNotUnderstood(text)));
                return null;
        }

        DeadlineSchedule Single(DateOnly requested)
        {
            var day = Adjust(requested, definition.DeadlineOnNonWorkingDay, calendar);
            if (!calendar.Covers(day))
            {
                problems.Add(origin.Warning("deadline", Reasons.DateOutsideCalendar(day, calendar.Code)));
            }
            else if (!calendar.IsWorkingDay(day))
            {
                problems.Add(origin.Warning("deadline", Reasons.NotAWorkingDay(day, Describe(calendar.Day(day)))));
            }

            if (day < campaign.StartsOn)
            {
                problems.Add(origin.Warning("deadline", Reasons.BeforeCampaignStart(day, campaign.StartsOn, campaign.EndsOn)));
            }
            else if (day > campaign.EndsOn)
            {
                problems.Add(origin.Warning("deadline", Reasons.AfterCampaignEnd(day, campaign.StartsOn, campaign.EndsOn)));
            }

            return new DeadlineSchedule(day, EndOfDay(day, campaign.Zone), false, null, []);
        }
    }

    private DeadlineSchedule? Series(RecurringDeadline recurring, string text, CompiledCampaign campaign, Origin origin)
    {
        var calendar = campaign.Calendar;
        var days = new List<DateOnly>();
        var (start, end) = (campaign.StartsOn, campaign.EndsOn);
        switch (recurring.Every)
        {
            case RecurrenceEvery.Month:
                for (var month = new DateOnly(start.Year, start.Month, 1); month <= end && days.Count <= definition.MaxObligations; month = month.AddMonths(1))
                {
                    var last = DateTime.DaysInMonth(month.Year, month.Month);
                    var day = new DateOnly(month.Year, month.Month, Math.Min(recurring.Day ?? last, last));
                    if (day >= start && day <= end)
                    {
                        days.Add(day);
                    }
                }

                break;
            case RecurrenceEvery.Quarter:
                for (var month = new DateOnly(start.Year, start.Month, 1); month <= end && days.Count <= definition.MaxObligations; month = month.AddMonths(1))
                {
                    var day = new DateOnly(month.Year, month.Month, DateTime.DaysInMonth(month.Year, month.Month));
                    if (month.Month % 3 == 0 && day >= start && day <= end)
                    {
                        days.Add(day);
                    }
                }

                break;
            case RecurrenceEvery.Week:
                for (var day = start; day <= end && days.Count <= definition.MaxObligations; day = day.AddDays(1))
                {
                    if (day.DayOfWeek == recurring.Weekday)
                    {
                        days.Add(day);
                    }
                }

                break;
            default:
                for (var day = start; day <= end && days.Count <= definition.MaxObligations; day = day.AddDays(1))
                {
                    if (!definition.DailyOnWorkingDaysOnly || calendar.IsWorkingDay(day))
                    {
                        days.Add(day);
                    }
                }

                break;
        }

        if (days.Count == 0)
        {
            problems.Add(origin.Error("deadline", Reasons.SeriesEmpty(text, start, end)));
            return null;
        }

        if (days.Count > definition.MaxObligations)
        {
            problems.Add(origin.Error("deadline", Reasons.TooManyObligations(text, definition.MaxObligations)));
            return null;
        }

        var adjusted = days.Select(d => Adjust(d, definition.RecurrenceOnNonWorkingDay, calendar)).Distinct().ToList();
        var offDays = adjusted.Where(d => calendar.Covers(d) && !calendar.IsWorkingDay(d)).ToList();
        if (offDays.Count > 0)
        {
            problems.Add(origin.Warning("deadline", Reasons.SeriesOnDaysOff(text, offDays, adjusted.Count)));
        }

        var uncovered = adjusted.Where(d => !calendar.Covers(d)).Select(d => d.Year).Distinct().ToList();
        if (uncovered.Count > 0)
        {
            problems.Add(origin.Warning("deadline", Reasons.SeriesOutsideCalendar(text, uncovered, calendar.Code)));
        }

        var recurrence = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["every"] = recurring.Every.ToString().ToLowerInvariant(),
            ["day"] = recurring.Day,
            ["weekday"] = recurring.Weekday?.ToString().ToLowerInvariant(),
            ["dates"] = adjusted.Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).ToList(),
        }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value), Json);
        return new DeadlineSchedule(adjusted[^1], null, false, recurrence, adjusted.Select(d => EndOfDay(d, campaign.Zone)).ToArray());
    }

    private static DateOnly Adjust(DateOnly day, NonWorkingDayRule rule, WorkingDayCalendar calendar)
    {
        var step = rule switch
        {
            NonWorkingDayRule.NextWorkingDay => 1,
            NonWorkingDayRule.PreviousWorkingDay => -1,
            _ => 0,
        };
        if (step == 0 || !calendar.Covers(day))
        {
            return day;
        }

        while (!calendar.IsWorkingDay(day))
        {
            day = day.AddDays(step);
        }

        return day;
    }

    /// <summary>"X日前" means by the end of that day: midnight starting the next day, in the campaign's zone.</summary>
    public static DateTimeOffset EndOfDay(DateOnly day, TimeZoneInfo zone)
    {
        var midnight = day.AddDays(1).ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(midnight, zone.GetUtcOffset(midnight)).ToUniversalTime();
    }

    private static bool TryFindZone(string id, out TimeZoneInfo? zone)
    {
        try
        {
            // Only IANA ids: the database computes local months from the campaign's zone (migration 0651) and knows no others.
            return TimeZoneInfo.TryFindSystemTimeZoneById(id, out zone) && zone.HasIanaId;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            // An id such as "../x" reaches the zone files; whatever the platform says, it is not a zone.
            zone = null;
            return false;
        }
    }

    private static string Describe(CalendarDay day) => day.Kind switch
    {
        DayKind.Holiday => $"a holiday ({day.Name})",
        DayKind.Weekend => $"a {day.Date.DayOfWeek}",
        _ => "a day off",
    };

    private IReadOnlyList<DirectoryUnit> Resolve(string? phrase, Origin origin, string field)
    {
        var resolved = units.Resolve(phrase);
        foreach (var token in resolved.Unknown)
        {
            problems.Add(origin.Error(field, units.UnknownReason(token)));
        }

        return resolved.Units;
    }

    private long? Single(string phrase, Origin origin, string field, string what)
    {
        var resolved = Resolve(phrase, origin, field);
        if (!resolved.Count.Equals(1))
        {
            if (resolved.Count > 1)
            {
                problems.Add(origin.Error(field, Reasons.NotOneUnit(phrase, resolved.Count, what)));
            }

            return null;
        }

        return resolved[0].Id;
    }

    /// <summary>A unit the compilation definition names, resolved once; an unknown one is an error at its own line.</summary>
    private long? DefinitionUnitId(DefinitionUnit phrase)
    {
        if (!_definitionUnits.TryGetValue(phrase.Phrase, out var entry))
        {
            var resolved = units.Resolve(phrase.Phrase);
            DirectoryUnit? unit = resolved.Ok && resolved.Units.Count == 1 ? resolved.Units[0] : null;
            if (unit is null)
            {
                problems.Add(InputProblem.Of(definition.File, null, phrase.Line, phrase.Field,
                    resolved.Unknown.Count > 0 ? units.UnknownReason(resolved.Unknown[0]) : $"'{phrase.Phrase}' must name exactly one unit"));
            }

            entry = (phrase, unit);
            _definitionUnits[phrase.Phrase] = entry;
        }

        return entry.Unit?.Id;
    }

    private int ErrorCount => problems.Count(p => !p.IsWarning);
}
