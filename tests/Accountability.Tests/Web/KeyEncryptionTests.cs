using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Accountability.Web.Access;
using Dapper;
using Microsoft.Extensions.Configuration;

namespace Accountability.Tests.Web;

/// <summary>Data Protection keys (what session cookies and anti-forgery tokens are sealed with) are stored in
/// PostgreSQL: encrypted to a certificate when one is configured, so a reader of the table cannot mint cookies.</summary>
public sealed class KeyEncryptionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("accountability-keys-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string CertificateFile(bool withPrivateKey, string password)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=accountability data protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(_folder, withPrivateKey ? "keys.pfx" : "public-only.pfx");
        using var publicOnly = withPrivateKey ? null : X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert));
        File.WriteAllBytes(path, (publicOnly ?? certificate).Export(X509ContentType.Pkcs12, password));
        return path;
    }

    private static async Task<List<string>> StoredKeysAsync(WebHost host)
    {
        await using var connection = await host.Engine.Database.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<string>("SELECT xml FROM data_protection_key")).AsList();
    }

    [Fact]
    public async Task WithACertificate_KeysAreStoredEncrypted_AndAnotherNodeWithTheCertificateReadsThem()
    {
        var settings = new Dictionary<string, string>
        {
            ["DataProtection:CertificatePath"] = CertificateFile(withPrivateKey: true, "pfx password"),
            ["DataProtection:CertificatePassword"] = "pfx password",
        };
        await using var host = await WebHost.CreateAsync(settings);
        var cookie = await CookieOfAsync(host, "huayu.operator");

        var keys = await StoredKeysAsync(host);
        Assert.NotEmpty(keys);
        Assert.All(keys, xml =>
        {
            Assert.Contains("EncryptedXmlDecryptor", xml);
            Assert.DoesNotContain("<value>", xml);
        });

        // A second node starts with an empty key cache: it must decrypt the stored key to accept the cookie.
        await using var second = host.SecondNode();
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Cookie", cookie);
        var response = await second.Api().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("化雨镇", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WithoutACertificate_KeysAreStoredAsTheyAre()
    {
        await using var host = await WebHost.CreateAsync();
        await host.SignedInBrowserAsync("huayu.operator");

        Assert.Contains(await StoredKeysAsync(host), xml => xml.Contains("<value>", StringComparison.Ordinal));
    }

    [Fact]
    public void KeyCertificate_MissingOrWithoutItsPrivateKey_StopsTheServerNamingTheSetting()
    {
        static IConfiguration Settings(string path) => new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["DataProtection:CertificatePath"] = path, ["DataProtection:CertificatePassword"] = "p" })
            .Build();

        var missing = Assert.Throws<InvalidOperationException>(() => AccessSetup.KeyCertificate(Settings(Path.Combine(_folder, "nowhere.pfx"))));
        Assert.StartsWith("DataProtection:CertificatePath: cannot load", missing.Message, StringComparison.Ordinal);
        var publicOnly = Assert.Throws<InvalidOperationException>(() => AccessSetup.KeyCertificate(Settings(CertificateFile(withPrivateKey: false, "p"))));
        Assert.Contains("has no private key", publicOnly.Message, StringComparison.Ordinal);
        Assert.Null(AccessSetup.KeyCertificate(new ConfigurationBuilder().Build()));
    }

    /// <summary>Signs in through the real form and answers the session cookie as a browser would send it.</summary>
    private static async Task<string> CookieOfAsync(WebHost host, string login)
    {
        var client = host.Api();
        var form = await client.GetAsync("/signin");
        var antiforgery = string.Join("; ", form.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        var signIn = new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Login"] = login, ["Password"] = await host.PasswordForAsync(login),
                ["__RequestVerificationToken"] = WebHost.AntiforgeryToken(await form.Content.ReadAsStringAsync()),
            }),
        };
        signIn.Headers.Add("Cookie", antiforgery);
        var signedIn = await client.SendAsync(signIn);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return string.Join("; ", signedIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
    }
}
