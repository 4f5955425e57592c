using System.Text;
using Accountability.Audit;
using Accountability.Imports;
using Accountability.Organization;
using CsCheck;
using Dapper;

namespace Accountability.Tests.Organization;

public sealed class ImportOrganizationTests : IAsyncLifetime
{
    private TestEngine _engine = null!;

    public async Task InitializeAsync() => _engine = await TestEngine.CreateAsync();

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private Task<OrganizationImportResult> ImportAsync(string fileName, string yaml, bool dryRun = false) =>
        _engine.Get<ImportOrganization>().RunAsync(fileName, Encoding.UTF8.GetBytes(yaml), AuditActor.Cli, dryRun);

    [Fact]
    public async Task Import_TheSampleCounty_CreatesItsUnitsPostsPeopleAndRoles()
    {
        var path = RepositoryPaths.Sample("organization", "jinxiang-county.yaml");

        var result = await _engine.Get<ImportOrganization>().RunAsync(path, await File.ReadAllBytesAsync(path), AuditActor.Cli);

        Assert.Equal(0, result.UnitsUpdated);
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var towns = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM unit WHERE ranking_category = 'towns'");
        var parks = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM unit WHERE kind = 'park'");
        Assert.Equal(13, towns);
        Assert.Equal(2, parks);
        var departments = (await connection.QueryAsync<string>("SELECT name FROM unit WHERE kind = 'department'")).ToList();
        foreach (var name in new[] { "县环境保护局", "县公安局", "县国土资源局", "县工商行政管理局", "县质量技术监督局", "县畜牧兽医局", "县经济和信息化局", "县发展和改革局", "县监察局" })
        {
            Assert.Contains(name, departments);
        }

        Assert.Equal("镇党委书记", await connection.ExecuteScalarAsync<string>(
            "SELECT holder_title FROM unit_post p JOIN unit u ON u.id = p.unit_id WHERE u.code = 'jx-huayu' AND p.post = 'party_secretary'"));
        Assert.Equal("化雨镇", await connection.ExecuteScalarAsync<string>("""
            SELECT parent.name FROM unit v JOIN unit parent ON parent.id = v.parent_id WHERE v.code = 'jx-huayu-xunlou'
            """));
        Assert.Equal("unit_operator", await connection.ExecuteScalarAsync<string>("""
            SELECT m.role FROM membership m JOIN person p ON p.id = m.person_id JOIN unit u ON u.id = m.unit_id
            WHERE p.login = 'huayu.operator' AND u.code = 'jx-huayu'
            """));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_event WHERE kind = 'organization.imported'"));
    }

    [Fact]
    public async Task Import_TheSampleWorkbook_GivesTheSameOrganisationAsTheYaml()
    {
        var yaml = RepositoryPaths.Sample("organization", "jinxiang-county.yaml");
        var xlsx = RepositoryPaths.Sample("organization", "jinxiang-county.xlsx");
        await using var other = await TestEngine.CreateAsync();

        await _engine.Get<ImportOrganization>().RunAsync(yaml, await File.ReadAllBytesAsync(yaml), AuditActor.Cli);
        await other.Get<ImportOrganization>().RunAsync(xlsx, await File.ReadAllBytesAsync(xlsx), AuditActor.Cli);

        Assert.Equal(await SnapshotAsync(_engine), await SnapshotAsync(other));
    }

    [Fact]
    public async Task Import_TheSameFileTwice_UpdatesInPlaceAndAddsNothing()
    {
        var path = RepositoryPaths.Sample("organization", "jinxiang-county.yaml");
        var bytes = await File.ReadAllBytesAsync(path);
        var first = await _engine.Get<ImportOrganization>().RunAsync(path, bytes, AuditActor.Cli);
        var before = await SnapshotAsync(_engine);

        var second = await _engine.Get<ImportOrganization>().RunAsync(path, bytes, AuditActor.Cli);

        Assert.Equal(0, second.UnitsAdded);
        Assert.Equal(first.UnitsAdded, second.UnitsUpdated);
        Assert.Equal(0, second.PeopleAdded);
        Assert.Equal(before, await SnapshotAsync(_engine));
    }

    [Fact]
    public async Task Validate_DryRun_ReportsButWritesNothing()
    {
        var result = await ImportAsync("org.yaml", "units:\n  - { code: c, name: 县, kind: county }\n", dryRun: true);

        Assert.True(result.DryRun);
        Assert.Equal(1, result.UnitsAdded);
        Assert.Equal(0, await CountUnitsAsync());
    }

    [Fact]
    public async Task Import_WithEveryKindOfError_ListsThemAllWithLineAndFieldAndWritesNothing()
    {
        const string yaml = """
            units:
              - code: c
                name: 金乡县
                kind: county
              - code: t1
                name: 化雨镇
                kind: town
                parent: nowhere
              - code: t1
                name: 羊山镇
                kind: town
                parent: c
              - code: a
                name: 甲
                kind: village
                parent: b
              - code: b
                name: 乙
                kind: village
                parent: a
              - code: x
                kind: town
                parent: c
              - code: y
                name: 某地
                kind: planet
                parent: c
                colour: red
            people:
              - login: op
                name: 张三
                memberships:
                  - { unit: t1, role: unit_operator }
                  - { unit: ghost, role: unit_operator }
                  - { unit: c, role: emperor }
              - login: OP
                name: 李四
            """;

        var error = await Assert.ThrowsAsync<InputRejectedException>(() => ImportAsync("county.yaml", yaml));

        var problems = error.Problems.Select(p => p.ToString()).ToList();
        Assert.Contains(problems, p => p.Contains("county.yaml:5 units[1].parent") && p.Contains("unknown parent 'nowhere'"));
        Assert.Contains(problems, p => p.Contains("county.yaml:9 units[2].code") && p.Contains("duplicate code 't1' (first used at line 5)"));
        Assert.Contains(problems, p => p.Contains("county.yaml:13 units[3].parent") && p.Contains("parent cycle: a → b → a"));
        Assert.Contains(problems, p => p.Contains("county.yaml:21 units[5].name") && p.Contains("is required"));
        Assert.Contains(problems, p => p.Contains("units[6].kind") && p.Contains("unknown unit kind 'planet'"));
        Assert.Contains(problems, p => p.Contains("county.yaml:28 units[6].colour") && p.Contains("unknown field"));
        Assert.Contains(problems, p => p.Contains("memberships[1].unit") && p.Contains("unknown unit 'ghost'"));
        Assert.Contains(problems, p => p.Contains("memberships[2].role") && p.Contains("unknown role 'emperor'"));
        Assert.Contains(problems, p => p.Contains("people[1].login") && p.Contains("duplicate login 'OP'"));
        Assert.Equal(0, await CountUnitsAsync());
    }

    [Fact]
    public async Task Import_AFileSavedInGbk_IsRefusedAsNotUtf8()
    {
        var gbk = Accountability.Imports.TextDecoding.Gb18030.GetBytes("units:\n  - { code: c, name: 金乡县, kind: county }\n");

        var error = await Assert.ThrowsAsync<InputRejectedException>(
            () => _engine.Get<ImportOrganization>().RunAsync("county.yaml", gbk, AuditActor.Cli));

        var problem = Assert.Single(error.Problems);
        Assert.Contains("not UTF-8", problem.Reason);
        Assert.Equal("county.yaml", problem.File);
        Assert.Equal(0, await CountUnitsAsync());
    }

    [Fact]
    public async Task Import_MalformedYaml_NamesTheLine()
    {
        var error = await Assert.ThrowsAsync<InputRejectedException>(() => ImportAsync("bad.yaml", "units:\n  - code: [unclosed\n"));

        Assert.Contains("not valid YAML", Assert.Single(error.Problems).Reason);
    }

    [Fact]
    public async Task Import_AWorkbookDamagedInsideASheet_IsRefusedNamingTheFileAndWritesNothing()
    {
        var bytes = File.ReadAllBytes(RepositoryPaths.Sample("organization", "jinxiang-county.xlsx"));
        // The compressed data of the first sheet overwritten: the workbook still lists its sheets, the rows cannot be read.
        var sheet = System.Text.Encoding.ASCII.GetBytes("xl/worksheets/sheet1.xml");
        var data = bytes.AsSpan().IndexOf(sheet) + sheet.Length;
        bytes.AsSpan(data + 16, 64).Fill(0xFF);

        var error = await Assert.ThrowsAsync<InputRejectedException>(() =>
            _engine.Get<ImportOrganization>().RunAsync("county.xlsx", bytes, AuditActor.Cli));

        Assert.Equal("county.xlsx", Assert.Single(error.Problems).File);
        Assert.Equal(0, await CountUnitsAsync());
    }

    [Fact]
    public void Read_ARandomlyDamagedWorkbook_NeverThrows()
    {
        var original = File.ReadAllBytes(RepositoryPaths.Sample("organization", "jinxiang-county.xlsx"));
        Gen.Select(Gen.Int[0, original.Length - 1], Gen.Byte).Array[1, 8].Sample(changes =>
        {
            var bytes = (byte[])original.Clone();
            foreach (var (at, value) in changes)
            {
                bytes[at] = value;
            }

            var problems = new List<InputProblem>();
            var file = OrganizationFileReader.Read("county.xlsx", bytes, problems);
            Assert.True(file is not null || problems.Any(p => !p.IsWarning), "a refused file must say why");
        }, iter: 300, threads: 1);
    }

    [Fact]
    public async Task Import_AWorkbookWithBadRows_NamesTheSheetRowAndColumn()
    {
        var bytes = Workbook.Create(("单位", new[]
        {
            new object?[] { "单位编码", "单位名称", "类型", "上级单位编码" },
            new object?[] { "c", "金乡县", "县", null },
            new object?[] { "t", "化雨镇", "镇", "missing" },
            new object?[] { "u", null, "镇", "c" },
        }));

        var error = await Assert.ThrowsAsync<InputRejectedException>(
            () => _engine.Get<ImportOrganization>().RunAsync("county.xlsx", bytes, AuditActor.Cli));

        var problems = error.Problems.Select(p => p.ToString()).ToList();
        Assert.Contains(problems, p => p.Contains("county.xlsx [单位] row 3 上级单位编码") && p.Contains("unknown parent 'missing'"));
        Assert.Contains(problems, p => p.Contains("county.xlsx [单位] row 4 单位名称") && p.Contains("is required"));
        // The codes the upload page says them with, in the reader's language.
        Assert.Contains(error.Problems, p => p is { Line: 3, Code: "UnknownUnitCode" } && p.Arguments!["value"] == "missing");
        Assert.Contains(error.Problems, p => p is { Line: 4, Field: "单位名称", Code: "Required" });
        Assert.Equal(0, await CountUnitsAsync());
    }

    [Fact]
    public async Task Import_AnUnsupportedOrCorruptFile_IsRefused()
    {
        var unsupported = await Assert.ThrowsAsync<InputRejectedException>(() => ImportAsync("county.txt", "hello"));
        var corrupt = await Assert.ThrowsAsync<InputRejectedException>(
            () => _engine.Get<ImportOrganization>().RunAsync("county.xlsx", [1, 2, 3, 4], AuditActor.Cli));

        Assert.Contains("unsupported file type", Assert.Single(unsupported.Problems).Reason);
        Assert.Contains("not a readable workbook", Assert.Single(corrupt.Problems).Reason);
    }

    private async Task<int> CountUnitsAsync()
    {
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM unit");
    }

    private static async Task<string> SnapshotAsync(TestEngine engine)
    {
        await using var connection = await engine.Database.DataSource.OpenConnectionAsync();
        var units = await connection.QueryAsync<string>("""
            SELECT u.code || '|' || u.name || '|' || u.kind || '|' || coalesce(p.code, '') || '|' || coalesce(u.ranking_category, '')
                   || '|' || array_to_string(u.aliases, ',') || '|' || u.sort_order
            FROM unit u LEFT JOIN unit p ON p.id = u.parent_id ORDER BY u.code
            """);
        var posts = await connection.QueryAsync<string>("""
            SELECT u.code || '|' || p.post || '|' || p.holder_name || '|' || coalesce(p.holder_title, '')
            FROM unit_post p JOIN unit u ON u.id = p.unit_id ORDER BY 1
            """);
        var people = await connection.QueryAsync<string>("""
            SELECT p.login || '|' || p.display_name || '|' || u.code || '|' || m.role
            FROM person p JOIN membership m ON m.person_id = p.id JOIN unit u ON u.id = m.unit_id ORDER BY 1
            """);
        return string.Join('\n', units.Concat(posts).Concat(people));
    }
}
