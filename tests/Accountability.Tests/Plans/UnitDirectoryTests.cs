using Accountability.Plans;

namespace Accountability.Tests.Plans;

/// <summary>Unit phrases as people write them, resolved against a small organisation without a database.</summary>
public sealed class UnitDirectoryTests
{
    private static readonly DirectoryUnit[] Units =
    [
        new(1, "jx", "金乡县", "county", null, null, [], 0),
        new(2, "jx-env", "县环境保护局", "department", 1, "departments", ["县环保局", "环保局"], 100),
        new(3, "jx-police", "县公安局", "department", 1, "departments", ["公安局"], 101),
        new(4, "jx-huayu", "化雨镇", "town", 1, "towns", [], 16),
        new(5, "jx-yangshan", "羊山镇", "town", 1, "towns", [], 17),
        new(6, "jx-jinxiang", "金乡街道", "street", 1, "towns", [], 1),
        new(7, "jx-edz", "金乡经济开发区", "park", 1, "parks", ["开发区"], 50),
        new(8, "jx-water", "县水务局", "department", 1, "departments", [], 113),
        new(9, "jx-huayu-xunlou", "寻楼村", "village", 4, null, [], 0),
    ];

    private static readonly UnitGroup[] Groups =
    [
        new("towns", ["各镇街", "镇街"]),
        new("parks", ["各园区"]),
        new("departments", ["县直各部门", "县直有关部门"]),
    ];

    private static UnitDirectory Directory() => new(Units, Groups);

    private static long[] Ids(string phrase) => Directory().Resolve(phrase).Units.Select(u => u.Id).ToArray();

    [Fact]
    public void Resolve_NamesCodesAndAliases_FindTheUnit()
    {
        Assert.Equal([2], Ids("县环境保护局"));
        Assert.Equal([2], Ids("县环保局"));
        Assert.Equal([2], Ids("jx-env"));
        Assert.Equal([2], Ids("JX-ENV"));
    }

    [Fact]
    public void Resolve_WithOrWithoutTheCountyPrefix_FindsTheUnit()
    {
        Assert.Equal([3], Ids("县公安局"));
        Assert.Equal([8], Ids("水务局"));
    }

    [Fact]
    public void Resolve_GroupWords_NameEveryUnitOfTheCategoryInDisplayOrder()
    {
        Assert.Equal([6, 4, 5], Ids("各镇街"));
        Assert.Equal([7], Ids("各园区"));
        Assert.Equal([2, 3, 8], Ids("县直有关部门"));
    }

    [Theory]
    [InlineData("各镇街、各园区")]
    [InlineData("各镇街，各园区")]
    [InlineData("各镇街,各园区")]
    [InlineData("各镇街；各园区")]
    [InlineData("各镇街 各园区")]
    [InlineData("各镇街、各园区等")]
    public void Resolve_AList_SplitsOnEverySeparatorPeopleUse(string phrase) => Assert.Equal([6, 4, 5, 7], Ids(phrase));

    [Fact]
    public void Resolve_TheSameUnitTwice_ListsItOnce() => Assert.Equal([4, 6, 5], Ids("化雨镇、各镇街"));

    [Fact]
    public void Resolve_AnUnknownName_ReportsItWithTheClosestKnownNames()
    {
        var directory = Directory();

        var result = directory.Resolve("县环保局、化雨");

        Assert.Equal(["化雨"], result.Unknown);
        Assert.Contains("化雨镇", directory.UnknownReason("化雨").Text);
        Assert.Contains("县公安局", directory.UnknownReason("县公按局").Text);
        Assert.Contains("no name, code or alias matches", directory.UnknownReason("上海市浦东新区").Text);
    }

    [Fact]
    public void TownOf_AVillage_IsItsTown()
    {
        var directory = Directory();

        Assert.Equal(4, directory.TownOf(directory.Find(9)!)!.Id);
        Assert.Null(directory.TownOf(directory.Find(2)!));
    }
}
