using Accountability.Access;
using Accountability.Assignments;
using Accountability.Calendar;
using Accountability.Database;
using Accountability.Notices;
using Accountability.Workflows;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Accountability;

public static class AccountabilityServiceCollectionExtensions
{
    /// <summary>The engine: every use case and store, the access policy, the clock, and the database the host opened.</summary>
    public static IServiceCollection AddAccountability(this IServiceCollection services, IConfiguration configuration,
        AccountabilityDatabase database)
    {
        // Factories, not instances: the container then disposes them at shutdown, which stops an embedded cluster.
        services.AddSingleton(_ => database);
        services.AddSingleton(sp => sp.GetRequiredService<AccountabilityDatabase>().DataSource);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AccessPolicy>();
        services.AddSingleton<MigrationRunner>();
        services.Configure<WorkflowsOptions>(configuration.GetSection(WorkflowsOptions.Section));
        services.AddSingleton<CalendarCatalog>();
        services.AddSingleton<Plans.PlanCompilationCatalog>();
        services.AddHostedService<Plans.PlanCompilationCheck>();
        services.AddSingleton<Scoring.RulebookCatalog>();
        services.AddAccountabilityCyclesAndNotices(configuration);
        services.AddAssignmentWorkflow(configuration);

        services.Scan(scan => scan
            .FromAssemblyOf<IUseCase>()
            .AddClasses(c => c.AssignableTo<IUseCase>(), publicOnly: true).AsSelf().WithSingletonLifetime()
            .AddClasses(c => c.AssignableTo<IStore>(), publicOnly: true).AsSelf().WithSingletonLifetime()
            .AddClasses(c => c.AssignableTo<Cycles.IPeriodicSweep>(), publicOnly: true).As<Cycles.IPeriodicSweep>().WithSingletonLifetime()
            .AddClasses(c => c.AssignableTo<Cycles.IPeriodScorer>(), publicOnly: true).As<Cycles.IPeriodScorer>().WithSingletonLifetime());

        return services;
    }
}
