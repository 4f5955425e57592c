using Accountability.Cycles;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Accountability.Notices;

public static class NoticesServiceCollectionExtensions
{
    /// <summary>Options of the cycles and notices capabilities, and the outbox transports (the relay itself is an
    /// <see cref="IPeriodicSweep"/>, found by scanning).</summary>
    public static IServiceCollection AddAccountabilityCyclesAndNotices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions();
        services.Configure<CyclesOptions>(configuration.GetSection(CyclesOptions.Section));
        services.Configure<LookBackOptions>(configuration.GetSection(LookBackOptions.Section));
        services.Configure<NoticesOptions>(configuration.GetSection(NoticesOptions.Section));
        services.AddHttpClient(WebhookTransport.ClientName);
        services.AddSingleton<IOutboxTransport, WebhookTransport>();
        services.AddSingleton<IOutboxTransport, EmailTransport>();
        return services;
    }
}
