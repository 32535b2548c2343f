using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Licenz.Server.Events;

/// <param name="ResourceType">The event type's first part: <c>license</c> in <c>license.suspended</c>.</param>
/// <param name="Describe">The entity's id, its account and how the API shows it (JSON) at a given time.</param>
public sealed record EventSource(Type EntityType, string ResourceType, Func<object, DateTime, EventSubject> Describe);

public readonly record struct EventSubject(string Id, string AccountId, string Data);

/// <summary>
/// The entities whose changes are events. Each feature registers its own with
/// <see cref="EventSourceExtensions.AddEventSource{TEntity, TDto}"/>.
/// </summary>
public sealed class EventSources(IEnumerable<EventSource> sources)
{
    private readonly Dictionary<Type, EventSource> _sources = sources.ToDictionary(s => s.EntityType);

    public bool TryGet(Type entity, out EventSource source) => _sources.TryGetValue(entity, out source!);
}

public static class EventSourceExtensions
{
    /// <summary>Makes every change of <typeparamref name="TEntity"/> an event whose data is <paramref name="toDto"/>'s answer.</summary>
    public static IServiceCollection AddEventSource<TEntity, TDto>(
        this IServiceCollection services, string resourceType, Func<TEntity, (string Id, string AccountId)> identify,
        Func<TEntity, DateTime, TDto> toDto, JsonTypeInfo<TDto> json)
        where TEntity : class
    {
        services.AddSingleton<EventSources>();
        services.AddSingleton(new EventSource(typeof(TEntity), resourceType, (entity, now) =>
        {
            var typed = (TEntity)entity;
            var (id, accountId) = identify(typed);
            return new EventSubject(id, accountId, JsonSerializer.Serialize(toDto(typed, now), json));
        }));
        return services;
    }
}
