using Accountability.Access;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Accountability.Web.Hosting;

/// <summary>While no administrator exists, writes a one-time setup code to the log once the server listens. There
/// is no default password: whoever can read this server's log can create the first administrator at /setup.</summary>
public sealed partial class SetupCodeAnnouncer(BootstrapAdministrator bootstrap, IServer server,
    IHostApplicationLifetime lifetime, ILogger<SetupCodeAnnouncer> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => _ = AnnounceAsync());
        return Task.CompletedTask;
    }

    private async Task AnnounceAsync()
    {
        var code = await bootstrap.IssueSetupCodeAsync(lifetime.ApplicationStopping);
        if (code is not null)
        {
            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "";
            LogSetupCode(logger, $"{address}/setup", code);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "No administrator exists yet. Open {SetupUrl} and enter the one-time setup code {SetupCode} (valid 24 hours; a restart issues a new one).")]
    private static partial void LogSetupCode(ILogger logger, string setupUrl, string setupCode);
}
