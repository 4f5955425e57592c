using System.Globalization;
using System.Security.Cryptography;
using Accountability.Imports;
using Accountability.Workflows;
using Microsoft.Extensions.Options;
using YamlDotNet.RepresentationModel;

namespace Accountability.Calendar;

/// <summary>
/// The working-day calendars shipped in <c>workflows/calendars</c>, one YAML file per calendar and year
/// (<c>cn-2017.yaml</c> ... ). Loaded once and validated: a malformed file is refused at start-up with its file, line
/// and field, rather than producing wrong deadlines later.
/// </summary>
public sealed class CalendarCatalog
{
    private readonly Lazy<IReadOnlyDictionary<string, WorkingDayCalendar>> _calendars;

    public CalendarCatalog(IOptions<WorkflowsOptions> options)
        : this(Path.Combine(options.Value.Directory, "calendars"))
    {
    }

    public CalendarCatalog(string directory) =>
        _calendars = new Lazy<IReadOnlyDictionary<string, WorkingDayCalendar>>(() => LoadOrThrow(directory));

    /// <summary>The calendar with this code (campaigns name it; the default is <c>cn</c>).</summary>
    public WorkingDayCalendar Get(string code) =>
        _calendars.Value.TryGetValue(code, out var calendar)
            ? calendar
            : throw new NotFoundException($"No working-day calendar '{code}' in workflows/calendars (known: {string.Join(", ", _calendars.Value.Keys)}).");

    public IReadOnlyCollection<string> Codes => _calendars.Value.Keys.ToList();

    private static Dictionary<string, WorkingDayCalendar> LoadOrThrow(string directory)
    {
        var problems = new List<InputProblem>();
        var calendars = Load(directory, problems);
        return problems.Any(p => !p.IsWarning) ? throw new InputRejectedException(problems) : calendars;
    }

    /// <summary>Reads every calendar file in <paramref name="directory"/>, adding a problem for each error found.</summary>
    public static Dictionary<string, WorkingDayCalendar> Load(string directory, List<InputProblem> problems)
    {
        var files = Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.yaml").Order(StringComparer.Ordinal).ToList()
            : [];
        if (files.Count == 0)
        {
            problems.Add(new InputProblem(directory, null, null, null, "no calendar files (*.yaml) found"));
            return [];
        }

        var byCode = new Dictionary<string, (List<CalendarDay> Days, HashSet<int> Years, IncrementalHash Digest)>();
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            var name = Path.Combine("calendars", Path.GetFileName(file));
            var yaml = new YamlInput(name, problems);
            var root = yaml.LoadRoot(bytes);
            if (root is null)
            {
                continue;
            }

            yaml.RejectUnknownKeys(root, "", "calendar", "year", "source", "holidays", "make_up_workdays");
            var code = yaml.Required(root, "calendar", "calendar");
            var yearText = yaml.Required(root, "year", "year");
            if (code is null || yearText is null)
            {
                continue;
            }

            if (!int.TryParse(yearText, CultureInfo.InvariantCulture, out var year))
            {
                yaml.Error(YamlInput.Line(root), "year", $"'{yearText}' is not a year");
                continue;
            }

            if (!byCode.TryGetValue(code, out var entry))
            {
                entry = ([], [], IncrementalHash.CreateHash(HashAlgorithmName.SHA256));
                byCode[code] = entry;
            }

            if (!entry.Years.Add(year))
            {
                yaml.Error(YamlInput.Line(root), "year", $"calendar '{code}' already has a file for {year}");
                continue;
            }

            entry.Digest.AppendData(bytes);
            var seen = new Dictionary<DateOnly, int>();
            void Add(DateOnly date, DayKind kind, string? label, YamlNode at, string field)
            {
                if (date.Year != year)
                {
                    yaml.ErrorAt(at, field, $"{date:yyyy-MM-dd} is not in {year}");
                }
                else if (seen.TryGetValue(date, out var line))
                {
                    yaml.ErrorAt(at, field, $"{date:yyyy-MM-dd} is listed twice (also at line {line})");
                }
                else
                {
                    seen[date] = YamlInput.Line(at);
                    entry.Days.Add(new CalendarDay(date, kind, label));
                }
            }

            var holidays = yaml.Sequence(root, "holidays", "holidays");
            for (var i = 0; i < holidays.Count; i++)
            {
                var path = $"holidays[{i}]";
                if (holidays[i] is not YamlMappingNode holiday)
                {
                    yaml.ErrorAt(holidays[i], path, "must be a mapping with name and from/to or days");
                    continue;
                }

                yaml.RejectUnknownKeys(holiday, path, "name", "from", "to", "days");
                var label = yaml.Required(holiday, "name", $"{path}.name");
                var from = Date(yaml, holiday, "from", path);
                var to = Date(yaml, holiday, "to", path);
                var days = yaml.Strings(holiday, "days", $"{path}.days");
                if (from is not null && to is not null)
                {
                    if (to < from)
                    {
                        yaml.ErrorAt(holiday, $"{path}.to", "ends before it starts");
                    }
                    else if (from.Value.Year != year || to.Value.Year != year)
                    {
                        // Once, not once per day of the range (which may run to the end of the calendar).
                        yaml.ErrorAt(holiday, from.Value.Year != year ? $"{path}.from" : $"{path}.to",
                            $"{(from.Value.Year != year ? from : to):yyyy-MM-dd} is not in {year}");
                    }
                    else
                    {
                        for (var d = from.Value; d <= to; d = d.AddDays(1))
                        {
                            Add(d, DayKind.Holiday, label, holiday, path);
                        }
                    }
                }
                else if (days.Count > 0)
                {
                    foreach (var text in days)
                    {
                        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                        {
                            Add(d, DayKind.Holiday, label, holiday, $"{path}.days");
                        }
                        else
                        {
                            yaml.ErrorAt(holiday, $"{path}.days", $"'{text}' is not a date (yyyy-mm-dd)");
                        }
                    }
                }
                else if (from is null && to is null)
                {
                    yaml.ErrorAt(holiday, path, "give from and to, or days");
                }
            }

            var makeUps = yaml.Sequence(root, "make_up_workdays", "make_up_workdays");
            for (var i = 0; i < makeUps.Count; i++)
            {
                var path = $"make_up_workdays[{i}]";
                if (makeUps[i] is not YamlMappingNode makeUp)
                {
                    yaml.ErrorAt(makeUps[i], path, "must be a mapping with date and for");
                    continue;
                }

                yaml.RejectUnknownKeys(makeUp, path, "date", "for");
                var date = Date(yaml, makeUp, "date", path, required: true);
                var reason = yaml.Scalar(makeUp, "for", $"{path}.for");
                if (date is { } d)
                {
                    if (d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
                    {
                        yaml.ErrorAt(makeUp, $"{path}.date", $"{d:yyyy-MM-dd} is a {d.DayOfWeek}: a make-up workday is a weekend day");
                    }

                    Add(d, DayKind.MakeUpWorkday, reason, makeUp, $"{path}.date");
                }
            }
        }

        return byCode.ToDictionary(c => c.Key, c =>
        {
            var digest = Convert.ToHexString(c.Value.Digest.GetHashAndReset()).ToLowerInvariant()[..12];
            c.Value.Digest.Dispose();
            return new WorkingDayCalendar(c.Key, $"{c.Key}:{digest}", c.Value.Days, c.Value.Years);
        });
    }

    private static DateOnly? Date(YamlInput yaml, YamlMappingNode map, string key, string path, bool required = false)
    {
        var text = required ? yaml.Required(map, key, $"{path}.{key}") : yaml.Scalar(map, key, $"{path}.{key}");
        if (text is null)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        yaml.ErrorAt(map, $"{path}.{key}", $"'{text}' is not a date (yyyy-mm-dd)");
        return null;
    }
}
