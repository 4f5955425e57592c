using Accountability.Database;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Accountability.Tests;

/// <summary>The engine as the hosts compose it, on a database of its own and a fake clock that starts at a fixed
/// instant (2017-09-01 09:00 in Shanghai, when the seeds' campaigns ran).</summary>
public sealed class TestEngine : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2017, 9, 1, 1, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _services;

    private TestEngine(TestDatabase database, AccountabilityDatabase engineDatabase, FakeTimeProvider time)
    {
        Database = database;
        Time = time;
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Accountability"] = database.ConnectionString })
            .Build();
        _services = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<TimeProvider>(time)
            .AddAccountability(configuration, engineDatabase)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public TestDatabase Database { get; }

    public FakeTimeProvider Time { get; }

    public IServiceProvider Services => _services;

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    public static async Task<TestEngine> CreateAsync()
    {
        var database = await TestCluster.CreateDatabaseAsync();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Accountability"] = database.ConnectionString })
            .Build();
        var engineDatabase = await AccountabilityDatabase.OpenAsync(configuration, migrate: false);
        return new TestEngine(database, engineDatabase, new FakeTimeProvider(Start));
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Database.DisposeAsync();
    }
}
