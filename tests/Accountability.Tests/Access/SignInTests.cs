using Accountability.Access;
using Accountability.Audit;
using Accountability.Organization;
using Dapper;

namespace Accountability.Tests.Access;

public sealed class SignInTests : IAsyncLifetime
{
    private TestEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        await OrganizationFixture.ImportSampleAsync(_engine);
        await _engine.Get<SetPassword>().RunAsync(null, "huayu.operator", "correct horse battery");
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task SignIn_WithTheRightPassword_ReturnsTheActorWithTheirRoles()
    {
        var result = await _engine.Get<SignIn>().RunAsync("HuaYu.Operator", "correct horse battery");

        Assert.True(result.Succeeded);
        var membership = Assert.Single(result.Actor!.Memberships);
        Assert.Equal(Role.UnitOperator, membership.Role);
    }

    [Fact]
    public async Task SignIn_WrongPasswordAndUnknownLogin_GetTheSameAnswer()
    {
        var wrongPassword = await _engine.Get<SignIn>().RunAsync("huayu.operator", "wrong password!");
        var unknownLogin = await _engine.Get<SignIn>().RunAsync("nobody.here", "correct horse battery");

        Assert.Equal(SignInFailure.InvalidCredentials, wrongPassword.Failure);
        Assert.Equal(wrongPassword, unknownLogin);
    }

    [Fact]
    public async Task SignIn_AfterRepeatedFailures_IsRefusedEvenWithTheRightPasswordUntilTheDelayPasses()
    {
        var signIn = _engine.Get<SignIn>();
        for (var i = 0; i < SignIn.FreeFailures; i++)
        {
            await signIn.RunAsync("huayu.operator", "guess " + i);
        }

        var blocked = await signIn.RunAsync("huayu.operator", "correct horse battery");
        Assert.Equal(SignInFailure.Throttled, blocked.Failure);
        Assert.True(blocked.RetryAfter > _engine.Time.GetUtcNow());

        _engine.Time.Advance(TimeSpan.FromSeconds(2));
        var afterDelay = await signIn.RunAsync("huayu.operator", "correct horse battery");
        Assert.True(afterDelay.Succeeded);
    }

    [Fact]
    public async Task SignIn_ManyGuessesSentAtOnce_GetNoMoreTriesThanGuessesSentOneAfterAnother()
    {
        var signIn = _engine.Get<SignIn>();

        // A burst of guesses in parallel, as a script would send them: none may slip past the check while the others
        // are still being verified. The clock stands still, so once blocked, every later guess is refused.
        var results = await Task.WhenAll(Enumerable.Range(0, 12)
            .Select(i => Task.Run(() => signIn.RunAsync("huayu.operator", "guess " + i))));

        Assert.Equal(SignIn.FreeFailures, results.Count(r => r.Failure == SignInFailure.InvalidCredentials));
        Assert.Equal(12 - SignIn.FreeFailures, results.Count(r => r.Failure == SignInFailure.Throttled));
    }

    [Fact]
    public async Task SignIn_ForAnUnknownLogin_IsThrottledTheSameWay()
    {
        var signIn = _engine.Get<SignIn>();
        for (var i = 0; i < SignIn.FreeFailures; i++)
        {
            await signIn.RunAsync("ghost", "guess " + i);
        }

        Assert.Equal(SignInFailure.Throttled, (await signIn.RunAsync("ghost", "again")).Failure);
    }

    [Fact]
    public async Task SetPassword_StoresOnlyAPbkdf2HashWithAtLeast210000Iterations()
    {
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var stored = await connection.ExecuteScalarAsync<string>("SELECT password_hash FROM person WHERE login = 'huayu.operator'");

        var parts = stored!.Split('$');
        Assert.Equal("pbkdf2-sha512", parts[0]);
        Assert.True(int.Parse(parts[1]) >= 210_000);
        Assert.DoesNotContain("correct horse battery", stored);
    }

    [Fact]
    public async Task SetPassword_ByAnAdministrator_IsAuditedWithWhoDidIt_AndRefusedToAnyoneElse()
    {
        var adminId = await _engine.Get<BootstrapAdministrator>().CreateFirstAsync("admin", "管理员", "a long enough password");
        var admin = (await _engine.Get<PersonStore>().LoadActorAsync(adminId))!;
        var operatorActor = await OrganizationFixture.ActorAsync(_engine, "huayu.operator");
        var setPassword = _engine.Get<SetPassword>();

        // Whoever may set a password may then sign in as that person: the log must say who set it.
        await setPassword.RunAsync(admin, "huayu.leader", "a new long password");
        await Assert.ThrowsAsync<AccessDeniedException>(() => setPassword.RunAsync(operatorActor, "huayu.leader", "an operator's own choice"));

        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var events = (await connection.QueryAsync<(string Actor, string Payload)>(
            "SELECT actor, payload::text FROM audit_event WHERE kind = 'person.password_set' ORDER BY seq")).ToList();
        var set = Assert.Single(events, e => e.Payload.Contains("huayu.leader", StringComparison.Ordinal));
        Assert.Equal($"person:{adminId}", set.Actor);
        Assert.DoesNotContain("a new long password", set.Payload);
        Assert.True((await _engine.Get<SignIn>().RunAsync("huayu.leader", "a new long password")).Succeeded);
    }

    [Fact]
    public async Task SetPassword_RevokesEveryApiTokenOfThatPersonAndChangesTheirSecurityStamp_AndAuditsHowMany()
    {
        var tokens = _engine.Get<ApiTokens>();
        var people = _engine.Get<PersonStore>();
        var person = (await people.FindByLoginAsync("huayu.operator"))!;
        var leader = (await people.FindByLoginAsync("huayu.leader"))!;
        var first = await tokens.IssueAsync(person.Id, "laptop");
        var second = await tokens.IssueAsync(person.Id, "script");
        var untouched = await tokens.IssueAsync(leader.Id, "leader");

        var set = await _engine.Get<SetPassword>().RunAsync(null, "huayu.operator", "a brand new long password");

        Assert.Null(await tokens.AuthenticateAsync(first));
        Assert.Null(await tokens.AuthenticateAsync(second));
        Assert.NotNull(await tokens.AuthenticateAsync(untouched));
        Assert.Equal(2, set.TokensRevoked);
        Assert.NotEqual(person.SecurityStamp, set.SecurityStamp);
        Assert.Null(await people.LoadActorAsync(person.Id, person.SecurityStamp));
        Assert.NotNull(await people.LoadActorAsync(person.Id, set.SecurityStamp));
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>(
            "SELECT (payload ->> 'tokensRevoked')::int FROM audit_event WHERE kind = 'person.password_set' ORDER BY seq DESC LIMIT 1"));
    }

    [Fact]
    public async Task SetPassword_TooShort_IsRefusedByItsRule()
    {
        var error = await Assert.ThrowsAsync<BusinessRuleBrokenException>(() => _engine.Get<SetPassword>().RunAsync(null, "huayu.operator", "short"));

        Assert.Equal(nameof(PasswordMustBeLongEnoughRule), error.Rule);
    }

    [Fact]
    public async Task SignIn_ForAPersonImportedWithoutPassword_Fails()
    {
        var result = await _engine.Get<SignIn>().RunAsync("yangshan.operator", "");

        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task Token_AuthenticatesUntilItExpiresOrIsRevoked()
    {
        var tokens = _engine.Get<ApiTokens>();
        var personId = (await _engine.Get<PersonStore>().FindByLoginAsync("huayu.operator"))!.Id;
        var token = await tokens.IssueAsync(personId, "test", TimeSpan.FromHours(1));

        Assert.Equal("huayu.operator", (await tokens.AuthenticateAsync(token))?.Login);
        Assert.Null(await tokens.AuthenticateAsync(token + "x"));
        Assert.Null(await tokens.AuthenticateAsync("not-a-token"));

        _engine.Time.Advance(TimeSpan.FromHours(2));
        Assert.Null(await tokens.AuthenticateAsync(token));

        var second = await tokens.IssueAsync(personId, "test");
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var id = await connection.ExecuteScalarAsync<long>("SELECT max(id) FROM api_token");
        Assert.True(await tokens.RevokeAsync(personId, id));
        Assert.Null(await tokens.AuthenticateAsync(second));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM api_token WHERE token_sha256 = convert_to(@t, 'UTF8')", new { t = second }));
    }

    [Fact]
    public async Task Bootstrap_WithTheSetupCode_CreatesTheOnlyFirstAdministrator()
    {
        var bootstrap = _engine.Get<BootstrapAdministrator>();
        var code = await bootstrap.IssueSetupCodeAsync();
        Assert.NotNull(code);

        var wrong = await Assert.ThrowsAsync<BusinessRuleBrokenException>(
            () => bootstrap.CompleteSetupAsync("0000-0000-0000", "admin", "管理员", "a long enough password"));
        Assert.Equal(nameof(SetupCodeMustMatchRule), wrong.Rule);

        await bootstrap.CompleteSetupAsync(code!, "admin", "管理员", "a long enough password");
        Assert.True((await _engine.Get<SignIn>().RunAsync("admin", "a long enough password")).Actor!.Holds(Role.Administrator));

        Assert.Null(await bootstrap.IssueSetupCodeAsync());
        var second = await Assert.ThrowsAsync<BusinessRuleBrokenException>(
            () => bootstrap.CreateFirstAsync("admin2", "二号", "a long enough password"));
        Assert.Equal(nameof(NoAdministratorMayExistYetRule), second.Rule);
    }

    [Fact]
    public async Task Bootstrap_WithAnExpiredCode_IsRefused()
    {
        var bootstrap = _engine.Get<BootstrapAdministrator>();
        var code = await bootstrap.IssueSetupCodeAsync();
        _engine.Time.Advance(BootstrapAdministrator.CodeLifetime + TimeSpan.FromMinutes(1));

        await Assert.ThrowsAsync<BusinessRuleBrokenException>(
            () => bootstrap.CompleteSetupAsync(code!, "admin", "管理员", "a long enough password"));
    }
}

public static class OrganizationFixture
{
    public static async Task ImportSampleAsync(TestEngine engine)
    {
        var path = RepositoryPaths.Sample("organization", "jinxiang-county.yaml");
        await engine.Get<ImportOrganization>().RunAsync(path, await File.ReadAllBytesAsync(path), AuditActor.Cli);
    }

    public static async Task<long> UnitIdAsync(TestEngine engine, string code)
    {
        await using var connection = await engine.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT id FROM unit WHERE code = @code", new { code });
    }

    public static async Task<Actor> ActorAsync(TestEngine engine, string login)
    {
        var person = await engine.Get<PersonStore>().FindByLoginAsync(login) ?? throw new InvalidOperationException(login);
        return (await engine.Get<PersonStore>().LoadActorAsync(person.Id))!;
    }
}
