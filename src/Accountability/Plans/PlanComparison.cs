using System.Globalization;
using System.Text.Json.Nodes;

namespace Accountability.Plans;

/// <summary>A task as stored, to compare with the version being imported.</summary>
public sealed record StoredTask(long Id, string Number, string? Clause, string Title, string? Measures, string? Category,
    string? Target, long? LeadUnitId, long[] ResponsibleUnitIds, long[] CooperatingUnitIds, long? VerifierUnitId,
    string? DeadlineText, DateTimeOffset? DueAt, bool LongTerm, string? Recurrence, string Milestones, string[] EvidenceKinds,
    decimal Weight, int? CancelledVersion);

public sealed record StoredLedgerItem(long Id, string Number, string Kind, string Name, long TownUnitId, string? ProblemType,
    string? DisposalClass, string? Measures, string? ResponsiblePerson, string? DeadlineText, DateTimeOffset? DueAt,
    string? Source, string? FoundLevel, long? VerifierUnitId, int? CancelledVersion);

/// <summary>Describes what a new plan version changes, field by field, in words a planner reads in the diff.</summary>
public static class PlanComparison
{
    public static List<string> CampaignChanges(StoredCampaign stored, CompiledCampaign now, UnitDirectory units)
    {
        var changes = new List<string>();
        Compare(changes, "name", stored.Name, now.Name);
        Compare(changes, "document_number", stored.DocumentNumber, now.DocumentNumber);
        Compare(changes, "headquarters", Name(units, stored.HeadquartersUnitId), Name(units, now.HeadquartersUnitId));
        Compare(changes, "starts_on", Day(stored.StartsOn), Day(now.StartsOn));
        Compare(changes, "ends_on", Day(stored.EndsOn), Day(now.EndsOn));
        Compare(changes, "time_zone", stored.TimeZone, now.TimeZoneId);
        Compare(changes, "calendar", stored.CalendarCode, now.CalendarCode);
        Compare(changes, "workflow", stored.WorkflowCode, now.WorkflowCode);
        Compare(changes, "rulebook", stored.RulebookCode, now.RulebookCode);
        Compare(changes, "public_notice_days", stored.PublicNoticeDays?.ToString(CultureInfo.InvariantCulture),
            now.PublicNoticeDays?.ToString(CultureInfo.InvariantCulture));
        if (!SameJson(stored.Cadence, now.CadenceJson))
        {
            changes.Add($"cadence: {stored.Cadence} → {now.CadenceJson}");
        }

        return changes;
    }

    public static List<string> TaskChanges(StoredTask stored, CompiledTask now, UnitDirectory units, TimeZoneInfo zone)
    {
        var changes = new List<string>();
        if (stored.CancelledVersion is { } cancelled)
        {
            changes.Add($"restored (cancelled in version {cancelled})");
        }

        Compare(changes, "title", stored.Title, now.Title);
        Compare(changes, "clause", stored.Clause, now.Clause);
        Compare(changes, "measures", stored.Measures, now.Measures);
        Compare(changes, "category", stored.Category, now.Category);
        Compare(changes, "target", stored.Target, now.Target);
        Compare(changes, "lead", Name(units, stored.LeadUnitId), Name(units, now.LeadUnitId));
        CompareUnits(changes, "responsible", stored.ResponsibleUnitIds, now.ResponsibleUnitIds, units);
        CompareUnits(changes, "cooperating", stored.CooperatingUnitIds, now.CooperatingUnitIds, units);
        Compare(changes, "verifier", Name(units, stored.VerifierUnitId), Name(units, now.VerifierUnitId));
        if (stored.DeadlineText != now.DeadlineText || stored.DueAt != now.DueAt || stored.LongTerm != now.LongTerm
            || !SameJson(stored.Recurrence, now.RecurrenceJson))
        {
            changes.Add($"deadline: {Deadline(stored.DeadlineText, stored.DueAt, zone)} → {Deadline(now.DeadlineText, now.DueAt, zone)}");
        }

        if (!SameJson(stored.Milestones, now.MilestonesJson))
        {
            changes.Add($"milestones: {stored.Milestones} → {now.MilestonesJson}");
        }

        Compare(changes, "evidence", string.Join("、", stored.EvidenceKinds), string.Join("、", now.EvidenceKinds));
        if (stored.Weight != now.Weight)
        {
            changes.Add($"weight: {stored.Weight.ToString(CultureInfo.InvariantCulture)} → {now.Weight.ToString(CultureInfo.InvariantCulture)}");
        }

        return changes;
    }

    public static List<string> LedgerChanges(StoredLedgerItem stored, CompiledLedgerItem now, UnitDirectory units, TimeZoneInfo zone)
    {
        var changes = new List<string>();
        if (stored.CancelledVersion is { } cancelled)
        {
            changes.Add($"restored (cancelled in version {cancelled})");
        }

        Compare(changes, "kind", stored.Kind, now.Kind);
        Compare(changes, "name", stored.Name, now.Name);
        Compare(changes, "town", Name(units, stored.TownUnitId), Name(units, now.UnitId));
        Compare(changes, "problem_type", stored.ProblemType, now.ProblemType);
        Compare(changes, "disposal", stored.DisposalClass, now.DisposalClass);
        Compare(changes, "measures", stored.Measures, now.Measures);
        Compare(changes, "responsible_person", stored.ResponsiblePerson, now.ResponsiblePerson);
        if (stored.DeadlineText != now.DeadlineText || stored.DueAt != now.DueAt)
        {
            changes.Add($"deadline: {Deadline(stored.DeadlineText, stored.DueAt, zone)} → {Deadline(now.DeadlineText, now.DueAt, zone)}");
        }

        Compare(changes, "source", stored.Source, now.Source);
        Compare(changes, "found_level", stored.FoundLevel, now.FoundLevel);
        Compare(changes, "verifier", Name(units, stored.VerifierUnitId), Name(units, now.VerifierUnitId));
        return changes;
    }

    /// <summary>jsonb comes back re-serialised; compare meaning, not text.</summary>
    public static bool SameJson(string? a, string? b)
    {
        if (string.IsNullOrWhiteSpace(a) || string.IsNullOrWhiteSpace(b))
        {
            return string.IsNullOrWhiteSpace(a) == string.IsNullOrWhiteSpace(b);
        }

        return JsonNode.DeepEquals(JsonNode.Parse(a), JsonNode.Parse(b));
    }

    private static void CompareUnits(List<string> changes, string field, long[] before, long[] after, UnitDirectory units)
    {
        var added = after.Except(before).Select(id => "+" + Name(units, id)).ToList();
        var removed = before.Except(after).Select(id => "−" + Name(units, id)).ToList();
        if (added.Count + removed.Count > 0)
        {
            var shown = added.Concat(removed).ToList();
            changes.Add($"{field}: {string.Join(" ", shown.Take(12))}{(shown.Count > 12 ? $" (+{shown.Count - 12} more)" : "")}");
        }
    }

    private static void Compare(List<string> changes, string field, string? before, string? after)
    {
        if (!string.Equals(before ?? "", after ?? "", StringComparison.Ordinal))
        {
            changes.Add($"{field}: {Show(before)} → {Show(after)}");
        }

        static string Show(string? text) => string.IsNullOrEmpty(text) ? "(none)" : text.Length > 60 ? text[..57] + "..." : text;
    }

    private static string? Name(UnitDirectory units, long? id) => id is { } i ? units.Find(i)?.Name ?? $"#{i}" : null;

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Deadline(string? text, DateTimeOffset? due, TimeZoneInfo zone) => due is { } d
        ? $"{text} (due {TimeZoneInfo.ConvertTime(d, zone).AddTicks(-1):yyyy-MM-dd})"
        : text ?? "(none)";
}
