using Dapper;
using MiniExcelLibs;
using Npgsql;

namespace Accountability.Organization;

/// <summary>Writes the organisation as a workbook in exactly the format <see cref="ImportOrganization"/> reads (sheets
/// 单位 and 人员), so administrators can keep it in Excel: export, edit, import.</summary>
public sealed class ExportOrganization(NpgsqlDataSource dataSource) : IUseCase
{
    private const string SelectUnits = """
        SELECT u.code, u.name, u.kind, p.code AS parent, u.ranking_category AS category,
               array_to_string(u.aliases, '、') AS aliases, u.sort_order AS sort,
               (SELECT holder_name || coalesce('（' || holder_title || '）', '') FROM unit_post WHERE unit_id = u.id AND post = 'deputy_in_charge') AS deputy,
               (SELECT holder_name || coalesce('（' || holder_title || '）', '') FROM unit_post WHERE unit_id = u.id AND post = 'government_head') AS head,
               (SELECT holder_name || coalesce('（' || holder_title || '）', '') FROM unit_post WHERE unit_id = u.id AND post = 'party_secretary') AS secretary
        FROM unit u LEFT JOIN unit p ON p.id = u.parent_id
        ORDER BY u.id
        """;

    private const string SelectPeople = """
        SELECT p.login, p.display_name AS name, p.phone, p.email, u.code AS unit, m.role
        FROM person p
        LEFT JOIN membership m ON m.person_id = p.id AND m.unit_id IS NOT NULL
        LEFT JOIN unit u ON u.id = m.unit_id
        ORDER BY p.id, m.id
        """;

    private sealed record UnitRow(string Code, string Name, string Kind, string? Parent, string? Category, string Aliases, int Sort,
        string? Deputy, string? Head, string? Secretary);

    private sealed record PersonRow(string Login, string Name, string? Phone, string? Email, string? Unit, string? Role);

    public async Task WriteAsync(Stream output, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var units = (await connection.QueryAsync<UnitRow>(SelectUnits)).Select(u => new Dictionary<string, object?>
        {
            ["单位编码"] = u.Code, ["单位名称"] = u.Name, ["类型"] = OrganizationNames.ParseKind(u.Kind).ToChinese(),
            ["上级单位编码"] = u.Parent, ["排名类别"] = OrganizationNames.CategoryToChinese(u.Category), ["别名"] = u.Aliases, ["排序"] = u.Sort,
            ["分管负责人"] = u.Deputy, ["主要负责人"] = u.Head, ["党委书记"] = u.Secretary,
        }).ToList();
        var people = (await connection.QueryAsync<PersonRow>(SelectPeople)).Select(p => new Dictionary<string, object?>
        {
            ["登录名"] = p.Login, ["姓名"] = p.Name, ["电话"] = p.Phone, ["邮箱"] = p.Email,
            ["单位编码"] = p.Unit,
            ["角色"] = p.Role is null ? null : OrganizationNames.RoleToChinese(Access.RoleNames.Parse(p.Role)),
        }).ToList();
        var sheets = new Dictionary<string, object>
        {
            [OrganizationFileReader.UnitSheet] = units,
            [OrganizationFileReader.PeopleSheet] = people,
        };
        await output.SaveAsAsync(sheets, cancellationToken: cancellationToken);
    }

}
