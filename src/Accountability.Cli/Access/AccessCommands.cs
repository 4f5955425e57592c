using System.CommandLine;
using Accountability.Access;
using Accountability.Cli.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Accountability.Cli.Access;

public static class AccessCommands
{
    public static IEnumerable<Command> Create()
    {
        var login = new Option<string>("--login") { Description = "Login name", Required = true };
        var name = new Option<string?>("--name") { Description = "Display name (defaults to the login)" };
        var createAdmin = new Command("create", "Create the first administrator (asks for the password; reads it from stdin when piped)")
        {
            login, name,
        };
        createAdmin.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            var loginValue = parse.GetValue(login)!;
            var id = await services.GetRequiredService<BootstrapAdministrator>().CreateFirstAsync(
                loginValue, parse.GetValue(name) ?? loginValue, CliHost.ReadPassword(confirm: true), token);
            AnsiConsole.MarkupLineInterpolated($"[green]Administrator {loginValue} created[/] (person {id}).");
            return 0;
        }, ct));
        var admin = new Command("admin", "Administrators") { createAdmin };

        var personLogin = new Option<string>("--login") { Description = "Login name", Required = true };
        var setPassword = new Command("password", "Set a person's password (asks for it; reads it from stdin when piped)") { personLogin };
        setPassword.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            var loginValue = parse.GetValue(personLogin)!;
            var set = await services.GetRequiredService<SetPassword>().RunAsync(null, loginValue, CliHost.ReadPassword(confirm: true), token);
            AnsiConsole.MarkupLineInterpolated(
                $"[green]Password set for {loginValue}.[/] Their signed-in sessions end; API tokens revoked: {set.TokensRevoked}.");
            return 0;
        }, ct));
        var person = new Command("person", "People") { setPassword };
        return [admin, person];
    }
}
