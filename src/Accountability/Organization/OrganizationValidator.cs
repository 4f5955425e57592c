using Accountability.Imports;

namespace Accountability.Organization;

/// <summary>The units already stored, as the validator needs them: code, parent code and kind.</summary>
public sealed record ExistingUnit(string Code, string? ParentCode, string Kind);

/// <summary>
/// Checks an organisation file against itself and the units already stored: duplicate codes and logins, unknown
/// parents, parent cycles, a county with a parent or another unit without one, memberships naming unknown units.
/// Every problem is reported, each with its file, row or line, and field.
/// </summary>
public static class OrganizationValidator
{
    public static void Validate(OrganizationFile file, IReadOnlyCollection<ExistingUnit> existing, List<InputProblem> problems)
    {
        var isSheet = file.UnitSheet is not null;
        void Error(string? sheet, int? line, string yamlField, string sheetField, ProblemReason reason) =>
            problems.Add(InputProblem.Of(file.FileName, sheet, line, sheet is null ? yamlField : sheetField, reason));

        var seen = new Dictionary<string, UnitDefinition>(StringComparer.Ordinal);
        for (var i = 0; i < file.Units.Count; i++)
        {
            var unit = file.Units[i];
            if (!seen.TryAdd(unit.Code, unit))
            {
                Error(file.UnitSheet, unit.Line, $"units[{i}].code", "单位编码", Reasons.DuplicateUnitCode(unit.Code, seen[unit.Code].Line, isSheet));
            }
        }

        // The hierarchy after the import: stored units, overridden by the file.
        var parentOf = existing.ToDictionary(u => u.Code, u => u.ParentCode, StringComparer.Ordinal);
        foreach (var unit in seen.Values)
        {
            parentOf[unit.Code] = unit.ParentCode;
        }

        for (var i = 0; i < file.Units.Count; i++)
        {
            var unit = file.Units[i];
            if (unit.Kind == UnitKind.County && unit.ParentCode is not null)
            {
                // A county under a city is legitimate in a multi-county install; only insist the parent exists.
            }
            else if (unit.Kind != UnitKind.County && unit.ParentCode is null)
            {
                Error(file.UnitSheet, unit.Line, $"units[{i}].parent", "上级单位编码", Reasons.ParentRequired(unit.Code, unit.Kind.ToDatabase()));
            }

            if (unit.ParentCode is { } parent)
            {
                if (parent == unit.Code)
                {
                    Error(file.UnitSheet, unit.Line, $"units[{i}].parent", "上级单位编码", Reasons.OwnParent(unit.Code));
                }
                else if (!parentOf.ContainsKey(parent))
                {
                    Error(file.UnitSheet, unit.Line, $"units[{i}].parent", "上级单位编码", Reasons.UnknownParent(parent));
                }
            }
        }

        // Cycles: follow parents from each unit of the file; report each cycle once, at its first unit in the file.
        var reported = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < file.Units.Count; i++)
        {
            var unit = file.Units[i];
            var path = new List<string> { unit.Code };
            var current = unit.ParentCode;
            while (current is not null && current != unit.Code && path.Count <= parentOf.Count && parentOf.TryGetValue(current, out var next))
            {
                if (path.Contains(current))
                {
                    break; // a cycle further up, reported from one of its own members
                }

                path.Add(current);
                current = next;
            }

            if (current == unit.Code && path.Count > 1 && !path.Any(reported.Contains))
            {
                reported.UnionWith(path);
                Error(file.UnitSheet, unit.Line, $"units[{i}].parent", "上级单位编码", Reasons.ParentCycle(path.Append(unit.Code)));
            }
        }

        var knownCodes = parentOf.Keys.ToHashSet(StringComparer.Ordinal);
        var logins = new Dictionary<string, PersonDefinition>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < file.People.Count; i++)
        {
            var person = file.People[i];
            if (!logins.TryAdd(person.Login, person))
            {
                Error(file.PeopleSheet, person.Line, $"people[{i}].login", "登录名", Reasons.DuplicateLogin(person.Login, logins[person.Login].Line, isSheet));
            }

            for (var j = 0; j < person.Memberships.Count; j++)
            {
                var membership = person.Memberships[j];
                if (!knownCodes.Contains(membership.UnitCode))
                {
                    Error(file.PeopleSheet, membership.Line, $"people[{i}].memberships[{j}].unit", "单位编码", Reasons.UnknownUnitCode(membership.UnitCode));
                }
            }
        }
    }
}
