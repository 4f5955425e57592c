using Accountability.Access;
using Accountability.Audit;
using Accountability.Database;
using Accountability.Organization;

namespace Accountability.Tests;

public sealed class CompositionTests
{
    [Fact]
    public async Task Engine_BuildsWithValidationAndRegistersEveryUseCaseAndStore()
    {
        // TestEngine builds the container with ValidateOnBuild: a missing dependency fails here, not at a user's click.
        await using var engine = await TestEngine.CreateAsync();

        var expected = typeof(IUseCase).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && (typeof(IUseCase).IsAssignableFrom(t) || typeof(IStore).IsAssignableFrom(t)))
            .ToList();
        Assert.All(expected, type => Assert.NotNull(engine.Services.GetService(type)));
        Assert.Contains(typeof(ImportOrganization), expected);
        Assert.Contains(typeof(SignIn), expected);
        Assert.Contains(typeof(VerifyAuditLog), expected);
        Assert.Contains(typeof(PersonStore), expected);
        Assert.NotNull(engine.Services.GetService(typeof(AccessPolicy)));
        Assert.NotNull(engine.Services.GetService(typeof(MigrationRunner)));
    }
}
