using System.CommandLine;
using Accountability.Cli.Hosting;
using Accountability.Database;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Accountability.Cli.Database;

public static class DatabaseCommands
{
    public static Command Create()
    {
        var migrate = new Command("migrate", "Apply pending migrations (the server does this at start too)");
        migrate.SetAction((_, ct) => CliHost.RunAsync(async (services, token) =>
        {
            // Opening the database applied them; running again reports that nothing is left to do.
            var ran = await services.GetRequiredService<MigrationRunner>().MigrateAsync(token);
            var database = services.GetRequiredService<AccountabilityDatabase>();
            AnsiConsole.MarkupLineInterpolated($"Database {(database.IsEmbedded ? "(embedded) " : "")}is up to date: {MigrationRunner.Shipped.Count} migrations, {ran.Count} applied now.");
            return 0;
        }, ct));

        var db = new Command("db", "The database");
        db.Subcommands.Add(migrate);
        return db;
    }
}
