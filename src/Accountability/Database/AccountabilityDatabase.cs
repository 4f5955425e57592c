using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Accountability.Database;

/// <summary>
/// The database the engine runs on: the configured one (<c>ConnectionStrings:Accountability</c>), or a private
/// embedded cluster when none is configured. Opening it applies pending migrations. Disposing it closes the data
/// source and stops the embedded cluster if this process started it.
/// </summary>
public sealed class AccountabilityDatabase : IAsyncDisposable
{
    private readonly EmbeddedPostgres? _embedded;

    private AccountabilityDatabase(NpgsqlDataSource dataSource, EmbeddedPostgres? embedded)
    {
        DataSource = dataSource;
        _embedded = embedded;
    }

    /// <summary><see cref="NpgsqlDataSource"/> is the only connection factory in the engine.</summary>
    public NpgsqlDataSource DataSource { get; }

    public bool IsEmbedded => _embedded is not null;

    public string ConnectionString => DataSource.ConnectionString;

    public static async Task<AccountabilityDatabase> OpenAsync(IConfiguration configuration, ILoggerFactory? loggerFactory = null,
        bool migrate = true, CancellationToken cancellationToken = default)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        var connectionString = configuration.GetConnectionString(ConnectionStringNames.Accountability);
        EmbeddedPostgres? embedded = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var options = configuration.GetSection(EmbeddedDatabaseOptions.Section).Get<EmbeddedDatabaseOptions>() ?? new();
            embedded = await EmbeddedPostgres.StartAsync(options, loggerFactory.CreateLogger<EmbeddedPostgres>(), cancellationToken);
            connectionString = embedded.ConnectionString;
        }

        var database = new AccountabilityDatabase(CreateDataSource(connectionString, loggerFactory), embedded);
        if (migrate)
        {
            try
            {
                await new MigrationRunner(database.DataSource, loggerFactory.CreateLogger<MigrationRunner>()).MigrateAsync(cancellationToken);
            }
            catch
            {
                await database.DisposeAsync();
                throw;
            }
        }

        return database;
    }

    public static NpgsqlDataSource CreateDataSource(string connectionString, ILoggerFactory? loggerFactory = null)
    {
        DapperConfiguration.Configure();
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.UseLoggerFactory(loggerFactory ?? NullLoggerFactory.Instance);
        builder.EnableDynamicJson();
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
        }
    }
}
