using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Accountability.Access;
using Accountability.Tests.Plans;
using Accountability.Tests.Web;

namespace Accountability.Tests.Organization;

/// <summary>The organisation upload page on the real server: a confirmation imports once, however often it is sent.</summary>
public sealed partial class OrganizationImportPageTests : IAsyncLifetime
{
    private WebHost _host = null!;

    public async Task InitializeAsync() => _host = await WebHost.CreateAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ConfirmImport_Twice_ImportsOnceAndBothConfirmationsShowTheFirstImport()
    {
        await _host.Engine.Get<BootstrapAdministrator>().CreateFirstAsync("admin", "系统管理员", "a long enough password");
        var browser = await _host.SignedInBrowserAsync("admin");
        var confirm = await CheckSampleAsync(browser);
        const string imports = "SELECT count(*) FROM audit_event WHERE kind = 'organization.imported'";
        var before = await PlanFixture.CountAsync(_host.Engine, imports);

        // A double click: the second post races the first.
        var answers = await Task.WhenAll(
            browser.PostAsync("/admin/organization/import?handler=Apply", new FormUrlEncodedContent(confirm)),
            browser.PostAsync("/admin/organization/import?handler=Apply", new FormUrlEncodedContent(confirm)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Redirect, a.StatusCode));
        Assert.Equal(answers[0].Headers.Location, answers[1].Headers.Location);
        var page = WebUtility.HtmlDecode(await FinishedOperationPageAsync(browser, answers[0].Headers.Location!.ToString()));
        Assert.Equal(before + 1, await PlanFixture.CountAsync(_host.Engine, imports));
        Assert.Contains("operation-done", page);
        Assert.Contains("已导入 jinxiang-county.yaml", page);
        Assert.Equal(1, await PlanFixture.CountAsync(_host.Engine, "SELECT count(*) FROM page_operation WHERE kind = 'organization-import'"));
    }

    /// <summary>Checks the sample county through the page's form and returns the fields of its confirmation form.</summary>
    private static async Task<Dictionary<string, string>> CheckSampleAsync(HttpClient browser)
    {
        var form = await browser.GetStringAsync("/admin/organization/import");
        using var content = new MultipartFormDataContent();
        content.Add(new StringContent(WebHost.AntiforgeryToken(form)), "__RequestVerificationToken");
        var file = new ByteArrayContent(await File.ReadAllBytesAsync(RepositoryPaths.Sample("organization", "jinxiang-county.yaml")));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/yaml");
        content.Add(file, "file", "jinxiang-county.yaml");
        var checkedPage = await (await browser.PostAsync("/admin/organization/import?handler=Check", content)).Content.ReadAsStringAsync();
        var confirmation = ConfirmForm().Match(checkedPage).Value;
        Assert.NotEmpty(confirmation);
        var fields = HiddenField().Matches(confirmation).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        fields["__RequestVerificationToken"] = WebHost.AntiforgeryToken(checkedPage);
        return fields;
    }

    /// <summary>The operation's page once its work has finished (the page polls the same way); the page itself when
    /// the confirmation did not start an operation.</summary>
    private static async Task<string> FinishedOperationPageAsync(HttpClient browser, string location)
    {
        if (!location.StartsWith("/operations/", StringComparison.Ordinal))
        {
            return await browser.GetStringAsync(location);
        }

        return await WebHost.FinishedOperationPageAsync(browser, location);
    }

    [GeneratedRegex("""<form method="post" action="[^"]*handler=Apply[^"]*">.*?</form>""", RegexOptions.Singleline)]
    private static partial Regex ConfirmForm();

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]*)" />""")]
    private static partial Regex HiddenField();
}
