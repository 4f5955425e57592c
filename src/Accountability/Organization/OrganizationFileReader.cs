using System.Text.RegularExpressions;
using Accountability.Imports;
using YamlDotNet.RepresentationModel;

namespace Accountability.Organization;

/// <summary>
/// Reads an organisation file: YAML (docs/formats/organization.md) or a workbook with a 单位 sheet and an optional
/// 人员 sheet (.xlsx, or .csv holding the 单位 table). Shape problems are collected, never thrown; consistency
/// (parents, cycles, duplicates) is checked afterwards by <see cref="OrganizationValidator"/>.
/// </summary>
public static partial class OrganizationFileReader
{
    public const string UnitSheet = "单位";
    public const string PeopleSheet = "人员";

    public static readonly IReadOnlyDictionary<string, string[]> UnitHeaders = new Dictionary<string, string[]>
    {
        ["code"] = ["单位编码", "编码", "code"],
        ["name"] = ["单位名称", "名称", "name"],
        ["kind"] = ["类型", "单位类型", "kind"],
        ["parent"] = ["上级单位编码", "上级编码", "上级单位", "parent"],
        ["category"] = ["排名类别", "category"],
        ["aliases"] = ["别名", "aliases"],
        ["sort"] = ["排序", "sort"],
        ["deputy_in_charge"] = ["分管负责人", "deputy_in_charge"],
        ["government_head"] = ["主要负责人", "government_head"],
        ["party_secretary"] = ["党委书记", "party_secretary"],
    };

    public static readonly IReadOnlyDictionary<string, string[]> PeopleHeaders = new Dictionary<string, string[]>
    {
        ["login"] = ["登录名", "login"],
        ["name"] = ["姓名", "name"],
        ["phone"] = ["电话", "手机", "phone"],
        ["email"] = ["邮箱", "email"],
        ["unit"] = ["单位编码", "单位", "unit"],
        ["role"] = ["角色", "role"],
    };

    public static OrganizationFile? Read(string fileName, byte[] bytes, List<InputProblem> problems)
    {
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        return extension switch
        {
            ".yaml" or ".yml" => ReadYaml(fileName, bytes, problems),
            ".xlsx" or ".csv" => ReadWorkbookOrExplain(),
            _ => Refuse(),
        };

        OrganizationFile? ReadWorkbookOrExplain()
        {
            try
            {
                return ReadWorkbook(fileName, bytes, problems);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Rows stream as they are read, so a sheet damaged inside throws only when its rows are reached; the
                // parsers of the format throw what they like, and the user gets a problem, not a crash.
                problems.Add(InputProblem.Of(fileName, null, null, null, Reasons.WorkbookUnreadable(e.Message)));
                return null;
            }
        }

        OrganizationFile? Refuse()
        {
            problems.Add(InputProblem.Of(fileName, null, null, null, Reasons.UnsupportedFileType(extension)));
            return null;
        }
    }

    private static OrganizationFile? ReadYaml(string fileName, byte[] bytes, List<InputProblem> problems)
    {
        var yaml = new YamlInput(fileName, problems);
        var root = yaml.LoadRoot(bytes);
        if (root is null)
        {
            return null;
        }

        yaml.RejectUnknownKeys(root, "", "units", "people");
        var units = new List<UnitDefinition>();
        var unitNodes = yaml.Sequence(root, "units", "units");
        for (var i = 0; i < unitNodes.Count; i++)
        {
            var path = $"units[{i}]";
            if (unitNodes[i] is not YamlMappingNode map)
            {
                yaml.ErrorAt(unitNodes[i], path, Reasons.NotAMapping("each unit must be a mapping with code, name, kind...", "code, name, kind, ..."));
                continue;
            }

            yaml.RejectUnknownKeys(map, path, "code", "name", "kind", "parent", "category", "aliases", "sort", "posts");
            var code = yaml.Required(map, "code", $"{path}.code");
            var name = yaml.Required(map, "name", $"{path}.name");
            var kindText = yaml.Required(map, "kind", $"{path}.kind");
            var kind = ParseKind(kindText, YamlInput.Line(map), $"{path}.kind", yaml.Error);
            var sortText = yaml.Scalar(map, "sort", $"{path}.sort");
            var sort = 0;
            if (sortText is not null && !int.TryParse(sortText, out sort))
            {
                yaml.ErrorAt(map, $"{path}.sort", Reasons.NotAWholeNumber(sortText));
            }

            var posts = new Dictionary<LeadershipPost, PostHolder>();
            if (YamlInput.Child(map, "posts") is YamlMappingNode postMap)
            {
                foreach (var (keyNode, valueNode) in postMap.Children)
                {
                    var key = ((YamlScalarNode)keyNode).Value;
                    if (!OrganizationNames.TryParsePost(key, out var post))
                    {
                        yaml.ErrorAt(keyNode, $"{path}.posts.{key}", Reasons.NotOneOf("unknown post; expected deputy_in_charge, government_head or party_secretary",
                            key ?? "", "deputy_in_charge, government_head, party_secretary"));
                        continue;
                    }

                    var holder = valueNode switch
                    {
                        YamlScalarNode { Value: { } v } when !string.IsNullOrWhiteSpace(v) => ParseHolder(v),
                        YamlMappingNode m => yaml.Required(m, "name", $"{path}.posts.{key}.name") is { } n
                            ? new PostHolder(n, yaml.Scalar(m, "title", $"{path}.posts.{key}.title"))
                            : null,
                        _ => null,
                    };
                    if (holder is null)
                    {
                        yaml.ErrorAt(valueNode, $"{path}.posts.{key}", Reasons.HolderNameRequired());
                        continue;
                    }

                    posts[post] = holder;
                }
            }
            else if (YamlInput.Child(map, "posts") is { } other and not YamlScalarNode { Value: null or "" })
            {
                yaml.ErrorAt(other, $"{path}.posts", Reasons.NotAMapping("must be a mapping of post to holder", "deputy_in_charge, government_head, party_secretary"));
            }

            if (code is not null && name is not null && kind is not null)
            {
                units.Add(new UnitDefinition(code, name, kind.Value, yaml.Scalar(map, "parent", $"{path}.parent"),
                    OrganizationNames.NormalizeCategory(yaml.Scalar(map, "category", $"{path}.category")),
                    yaml.Strings(map, "aliases", $"{path}.aliases"), sort, posts, YamlInput.Line(map)));
            }
        }

        var people = new List<PersonDefinition>();
        var personNodes = yaml.Sequence(root, "people", "people");
        for (var i = 0; i < personNodes.Count; i++)
        {
            var path = $"people[{i}]";
            if (personNodes[i] is not YamlMappingNode map)
            {
                yaml.ErrorAt(personNodes[i], path, Reasons.NotAMapping("each person must be a mapping with login, name, memberships", "login, name, memberships"));
                continue;
            }

            yaml.RejectUnknownKeys(map, path, "login", "name", "phone", "email", "memberships");
            var login = yaml.Required(map, "login", $"{path}.login");
            var name = yaml.Required(map, "name", $"{path}.name");
            var memberships = new List<MembershipDefinition>();
            var membershipNodes = yaml.Sequence(map, "memberships", $"{path}.memberships");
            for (var j = 0; j < membershipNodes.Count; j++)
            {
                var mpath = $"{path}.memberships[{j}]";
                if (membershipNodes[j] is not YamlMappingNode m)
                {
                    yaml.ErrorAt(membershipNodes[j], mpath, Reasons.NotAMapping("each membership must be a mapping with unit and role", "unit, role"));
                    continue;
                }

                yaml.RejectUnknownKeys(m, mpath, "unit", "role");
                var unit = yaml.Required(m, "unit", $"{mpath}.unit");
                var roleText = yaml.Required(m, "role", $"{mpath}.role");
                if (roleText is not null && !OrganizationNames.TryParseRole(roleText, out _))
                {
                    yaml.ErrorAt(m, $"{mpath}.role", Reasons.NotOneOf($"unknown role '{roleText}'; expected one of: {Access.RoleNames.AllowedList}",
                        roleText, Access.RoleNames.AllowedList));
                }
                else if (unit is not null && roleText is not null)
                {
                    OrganizationNames.TryParseRole(roleText, out var role);
                    memberships.Add(new MembershipDefinition(unit, role, YamlInput.Line(m)));
                }
            }

            if (login is not null && name is not null)
            {
                people.Add(new PersonDefinition(login, name, yaml.Scalar(map, "phone", $"{path}.phone"),
                    yaml.Scalar(map, "email", $"{path}.email"), memberships, YamlInput.Line(map)));
            }
        }

        return new OrganizationFile(fileName, null, null, units, people);
    }

    private static OrganizationFile? ReadWorkbook(string fileName, byte[] bytes, List<InputProblem> problems)
    {
        IReadOnlyList<string> sheets;
        try
        {
            sheets = SpreadsheetInput.SheetNames(fileName, bytes);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException or InvalidOperationException
                                      or System.Xml.XmlException or ArgumentException)
        {
            problems.Add(InputProblem.Of(fileName, null, null, null, Reasons.WorkbookUnreadable(e.Message)));
            return null;
        }

        var isCsv = fileName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        var unitSheet = isCsv ? sheets[0] : sheets.FirstOrDefault(s => s.Trim() == UnitSheet) ?? (sheets.Count > 0 ? sheets[0] : null);
        if (unitSheet is null)
        {
            problems.Add(InputProblem.Of(fileName, null, null, null, Reasons.NoSheet(UnitSheet)));
            return null;
        }

        var units = new List<UnitDefinition>();
        var table = SpreadsheetInput.Table(fileName, bytes, unitSheet, UnitHeaders, ["code", "name", "kind"]);
        if (table is null)
        {
            problems.Add(InputProblem.Of(fileName, unitSheet, null, null, Reasons.NoHeaderRow("单位编码", "单位名称", "类型")));
            return null;
        }

        foreach (var row in table.Rows)
        {
            string? Cell(string key) => row[table.Columns.GetValueOrDefault(key)];
            void Error(string key, ProblemReason reason) =>
                problems.Add(InputProblem.Of(fileName, unitSheet, row.Number, UnitHeaders[key][0], reason));

            var code = Cell("code");
            var name = Cell("name");
            var kindText = Cell("kind");
            if (code is null)
            {
                Error("code", Reasons.Required());
            }

            if (name is null)
            {
                Error("name", Reasons.Required());
            }

            var kind = ParseKind(kindText, row.Number, UnitHeaders["kind"][0],
                (line, field, reason) => problems.Add(InputProblem.Of(fileName, unitSheet, line, field, reason)));
            var sort = 0;
            if (Cell("sort") is { } sortText && !int.TryParse(sortText, out sort))
            {
                Error("sort", Reasons.NotAWholeNumber(sortText));
            }

            var posts = new Dictionary<LeadershipPost, PostHolder>();
            foreach (var post in Enum.GetValues<LeadershipPost>())
            {
                if (Cell(post.ToDatabase()) is { } holder)
                {
                    posts[post] = ParseHolder(holder);
                }
            }

            if (code is not null && name is not null && kind is not null)
            {
                units.Add(new UnitDefinition(code, name, kind.Value, Cell("parent"),
                    OrganizationNames.NormalizeCategory(Cell("category")), SplitList(Cell("aliases")), sort, posts, row.Number));
            }
        }

        var people = new List<PersonDefinition>();
        var peopleSheet = isCsv ? null : sheets.FirstOrDefault(s => s.Trim() == PeopleSheet);
        if (peopleSheet is not null)
        {
            var peopleTable = SpreadsheetInput.Table(fileName, bytes, peopleSheet, PeopleHeaders, ["login", "name"]);
            if (peopleTable is null)
            {
                problems.Add(InputProblem.Of(fileName, peopleSheet, null, null, Reasons.NoHeaderRow("登录名", "姓名")));
            }
            else
            {
                // One row per membership; the same login on several rows collects its memberships.
                var byLogin = new Dictionary<string, (PersonDefinition Person, List<MembershipDefinition> Memberships)>(StringComparer.OrdinalIgnoreCase);
                foreach (var row in peopleTable.Rows)
                {
                    string? Cell(string key) => row[peopleTable.Columns.GetValueOrDefault(key)];
                    var login = Cell("login");
                    var name = Cell("name");
                    if (login is null || name is null)
                    {
                        problems.Add(InputProblem.Of(fileName, peopleSheet, row.Number, login is null ? "登录名" : "姓名", Reasons.Required()));
                        continue;
                    }

                    if (!byLogin.TryGetValue(login, out var entry))
                    {
                        entry = (new PersonDefinition(login, name, Cell("phone"), Cell("email"), [], row.Number), []);
                        byLogin[login] = entry;
                    }

                    var unit = Cell("unit");
                    var roleText = Cell("role");
                    if (unit is null && roleText is null)
                    {
                        continue;
                    }

                    if (!OrganizationNames.TryParseRole(roleText, out var role))
                    {
                        problems.Add(InputProblem.Of(fileName, peopleSheet, row.Number, "角色", Reasons.NotOneOf(
                            $"unknown role '{roleText}'; expected one of: {Access.RoleNames.AllowedList} (or 经办人, 单位负责人, 验收人, 督查, 纪检, 领导, 指挥部, 管理员)",
                            roleText ?? "", "经办人、单位负责人、验收人、督查、纪检、领导、指挥部、管理员")));
                    }
                    else if (unit is null)
                    {
                        problems.Add(InputProblem.Of(fileName, peopleSheet, row.Number, "单位编码", Reasons.RequiredWithRole()));
                    }
                    else
                    {
                        entry.Memberships.Add(new MembershipDefinition(unit, role, row.Number));
                    }
                }

                people.AddRange(byLogin.Values.Select(e => e.Person with { Memberships = e.Memberships }));
            }
        }

        return new OrganizationFile(fileName, unitSheet, peopleSheet, units, people);
    }

    private static UnitKind? ParseKind(string? text, int? line, string field, Action<int?, string?, ProblemReason> error)
    {
        if (text is null)
        {
            error(line, field, Reasons.Required());
            return null;
        }

        if (OrganizationNames.TryParseKind(text, out var kind))
        {
            return kind;
        }

        error(line, field, Reasons.NotOneOf($"unknown unit kind '{text}'; expected one of: {OrganizationNames.KindList}", text, OrganizationNames.KindList));
        return null;
    }

    /// <summary>"李明（副镇长）", "李明 副镇长" or just "李明".</summary>
    private static PostHolder ParseHolder(string text)
    {
        var match = HolderPattern().Match(text.Trim());
        return match.Success
            ? new PostHolder(match.Groups["name"].Value.Trim(), match.Groups["title"].Value.Trim())
            : new PostHolder(text.Trim(), null);
    }

    internal static IReadOnlyList<string> SplitList(string? text) =>
        text is null ? [] : text.Split(['、', '，', ',', ';', '；'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [GeneratedRegex(@"^(?<name>[^（(\s]+)\s*[（(]\s*(?<title>[^）)]+)[）)]$|^(?<name>\S+)\s+(?<title>.+)$")]
    private static partial Regex HolderPattern();
}
