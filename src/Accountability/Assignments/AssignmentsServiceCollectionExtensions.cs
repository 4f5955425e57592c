using Accountability.Workflows;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Accountability.Assignments;

public static class AssignmentsServiceCollectionExtensions
{
    /// <summary>The workflow catalog, the start policy plan import uses, the action pipeline and the options of the
    /// assignment workflow, each bound by section and validated at start-up (hosts with ValidateOnStart).</summary>
    public static IServiceCollection AddAssignmentWorkflow(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<WorkflowCatalog>();
        services.AddSingleton<IAssignmentStartPolicy, WorkflowAssignmentStartPolicy>();
        services.AddSingleton<AssignmentTransitions>();

        AddValidated<EvidenceOptions>(services, configuration, EvidenceOptions.Section, o => o.Problems());
        AddValidated<ProgressLightOptions>(services, configuration, ProgressLightOptions.Section, o => o.Problems());
        AddValidated<AssignmentTimerOptions>(services, configuration, AssignmentTimerOptions.Section, o => o.Problems());
        // Loading the definitions is the check: a broken file stops the host at start with its file, line and field.
        services.AddSingleton<IValidateOptions<WorkflowDefinitionsCheck>, WorkflowDefinitionsValidation>();
        services.AddOptions<WorkflowDefinitionsCheck>().ValidateOnStart();
        return services;
    }

    private static void AddValidated<T>(IServiceCollection services, IConfiguration configuration, string section,
        Func<T, IEnumerable<string>> problems) where T : class
    {
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new ProblemsValidation<T>(problems));
    }

    private sealed class ProblemsValidation<T>(Func<T, IEnumerable<string>> problems) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var found = problems(options).ToList();
            return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
        }
    }
}

/// <summary>A marker the start-up validation hangs the workflow definitions check on.</summary>
public sealed class WorkflowDefinitionsCheck;

internal sealed class WorkflowDefinitionsValidation(WorkflowCatalog catalog) : IValidateOptions<WorkflowDefinitionsCheck>
{
    public ValidateOptionsResult Validate(string? name, WorkflowDefinitionsCheck options)
    {
        try
        {
            catalog.EnsureLoaded();
            return ValidateOptionsResult.Success;
        }
        catch (InputRejectedException e)
        {
            return ValidateOptionsResult.Fail(e.Problems.Where(p => !p.IsWarning).Select(p => p.ToString()));
        }
    }
}
