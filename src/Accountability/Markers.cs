namespace Accountability;

/// <summary>Marks a use case (a verb: <c>ImportOrganization</c>, <c>AcknowledgeAssignment</c>). Registered by
/// scanning as a singleton: use cases hold no per-request state; the actor is a parameter.</summary>
public interface IUseCase;

/// <summary>Marks a store: the SQL of one capability. Registered by scanning as a singleton.</summary>
public interface IStore;
