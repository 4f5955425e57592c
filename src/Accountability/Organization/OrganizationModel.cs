using Accountability.Access;

namespace Accountability.Organization;

/// <summary>Kinds of unit in the county-town-village hierarchy. Stored snake_case.</summary>
public enum UnitKind
{
    County,

    /// <summary>A headquarters office (指挥部办公室) or similar coordinating body.</summary>
    Office,

    /// <summary>A county department (县直部门): environment, public security, land...</summary>
    Department,
    Town,
    Street,
    Park,
    Village,
    GridCell,
}

/// <summary>The leadership posts consequences fall on.</summary>
public enum LeadershipPost
{
    /// <summary>分管负责人</summary>
    DeputyInCharge,

    /// <summary>主要负责人 (镇长, 局长, 主任...)</summary>
    GovernmentHead,

    /// <summary>党委书记 / 党组书记</summary>
    PartySecretary,
}

public sealed record PostHolder(string Name, string? Title);

public sealed record UnitDefinition(
    string Code,
    string Name,
    UnitKind Kind,
    string? ParentCode,
    string? RankingCategory,
    IReadOnlyList<string> Aliases,
    int SortOrder,
    IReadOnlyDictionary<LeadershipPost, PostHolder> Posts,
    int? Line);

public sealed record MembershipDefinition(string UnitCode, Role Role, int? Line);

public sealed record PersonDefinition(
    string Login,
    string Name,
    string? Phone,
    string? Email,
    IReadOnlyList<MembershipDefinition> Memberships,
    int? Line);

/// <summary>An organisation file as read, before it is checked against itself and the database.</summary>
public sealed record OrganizationFile(string FileName, string? UnitSheet, string? PeopleSheet,
    IReadOnlyList<UnitDefinition> Units, IReadOnlyList<PersonDefinition> People);

public static class OrganizationNames
{
    public static string ToDatabase(this UnitKind kind) => kind switch
    {
        UnitKind.GridCell => "grid_cell",
        _ => kind.ToString().ToLowerInvariant(),
    };

    public static UnitKind ParseKind(string value) => TryParseKind(value, out var kind)
        ? kind
        : throw new ArgumentException($"Unknown unit kind '{value}'.", nameof(value));

    /// <summary>Accepts the identifier (town, grid_cell) or the Chinese word planners use (镇, 网格).</summary>
    public static bool TryParseKind(string? value, out UnitKind kind)
    {
        kind = default;
        var v = value?.Trim().ToLowerInvariant();
        UnitKind? parsed = v switch
        {
            "county" or "县" or "县级" or "区" or "县区" => UnitKind.County,
            "office" or "指挥部" or "办公室" or "指挥部办公室" => UnitKind.Office,
            "department" or "部门" or "县直部门" => UnitKind.Department,
            "town" or "镇" or "乡" or "乡镇" => UnitKind.Town,
            "street" or "街道" => UnitKind.Street,
            "park" or "园区" or "开发区" => UnitKind.Park,
            "village" or "村" or "社区" or "村居" => UnitKind.Village,
            "grid_cell" or "grid" or "网格" => UnitKind.GridCell,
            _ => null,
        };
        if (parsed is { } p)
        {
            kind = p;
            return true;
        }

        return false;
    }

    /// <summary>The word a planner writes in a sheet; <see cref="TryParseKind"/> reads it back.</summary>
    public static string ToChinese(this UnitKind kind) => kind switch
    {
        UnitKind.County => "县",
        UnitKind.Office => "指挥部",
        UnitKind.Department => "部门",
        UnitKind.Town => "镇",
        UnitKind.Street => "街道",
        UnitKind.Park => "园区",
        UnitKind.Village => "村",
        UnitKind.GridCell => "网格",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string RoleToChinese(Role role) => role switch
    {
        Role.Administrator => "管理员",
        Role.Planner => "指挥部",
        Role.UnitOperator => "经办人",
        Role.UnitLeader => "单位负责人",
        Role.Verifier => "验收人",
        Role.Inspector => "督查",
        Role.Discipline => "纪检",
        Role.Leader => "领导",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static string? CategoryToChinese(string? category) => category switch
    {
        "towns" => "镇街",
        "parks" => "园区",
        "departments" => "部门",
        _ => category,
    };

    public const string KindList = "county (县), office (指挥部), department (部门), town (镇), street (街道), park (园区), village (村), grid_cell (网格)";

    public static string ToDatabase(this LeadershipPost post) => post switch
    {
        LeadershipPost.DeputyInCharge => "deputy_in_charge",
        LeadershipPost.GovernmentHead => "government_head",
        LeadershipPost.PartySecretary => "party_secretary",
        _ => throw new ArgumentOutOfRangeException(nameof(post)),
    };

    public static bool TryParsePost(string? value, out LeadershipPost post)
    {
        post = default;
        LeadershipPost? parsed = value?.Trim() switch
        {
            "deputy_in_charge" or "分管负责人" => LeadershipPost.DeputyInCharge,
            "government_head" or "主要负责人" => LeadershipPost.GovernmentHead,
            "party_secretary" or "党委书记" or "党组书记" => LeadershipPost.PartySecretary,
            _ => null,
        };
        if (parsed is { } p)
        {
            post = p;
            return true;
        }

        return false;
    }

    /// <summary>Ranking categories are identifiers the rulebooks name; the Chinese words map onto them.</summary>
    public static string? NormalizeCategory(string? value) => value?.Trim() switch
    {
        null or "" => null,
        "镇街" or "乡镇街道" or "镇(街道)" => "towns",
        "园区" => "parks",
        "部门" or "县直部门" => "departments",
        var other => other,
    };

    /// <summary>Roles as people write them in a sheet (Chinese) or as identifiers.</summary>
    public static bool TryParseRole(string? value, out Role role)
    {
        var v = value?.Trim();
        Role? parsed = v switch
        {
            "管理员" or "系统管理员" => Role.Administrator,
            "指挥部" or "指挥部办公室" or "计划员" => Role.Planner,
            "经办人" or "单位经办人" => Role.UnitOperator,
            "单位负责人" or "负责人" => Role.UnitLeader,
            "验收人" or "验收" => Role.Verifier,
            "督查" or "督查人员" => Role.Inspector,
            "纪检" or "纪委" or "纪检监察" => Role.Discipline,
            "领导" or "县领导" => Role.Leader,
            _ => null,
        };
        if (parsed is { } p)
        {
            role = p;
            return true;
        }

        return RoleNames.TryParse(v, out role);
    }
}
