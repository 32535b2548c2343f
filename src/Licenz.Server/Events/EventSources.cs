using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Licenz.Server.Events;

/// <param name="ResourceType">The event type's first part: <c>license</c> in <c>license.suspended</c>.</param>
/// <param name="Describe">The entity's id, its account and how the API shows it (JSON) at a given time.</param>
public sealed record EventSource(Type EntityType, string ResourceType, Func<object, DateTime, EventSubject> Describe);

/// <param name="KeyHash">For a license, the keyed hash of its key (<see cref="LicenzEvent.KeyHash"/>); null for other resources.</param>
public readonly record struct EventSubject(string Id, string AccountId, string Data, byte[]? KeyHash = null);

/// <summary>
/// The entities whose changes are events. Each feature registers its own with
/// <c>EventSourceExtensions.AddEventSource</c>.
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
        where TEntity : class =>
        services.AddEventSource(resourceType, identify, _ => toDto, json);

    /// <summary>
    /// Makes every change of <typeparamref name="TEntity"/> an event whose data is the answer of the function
    /// <paramref name="toDto"/> makes from the server's services (a license's event opens its sealed key to show it
    /// masked), and which carries <paramref name="keyHash"/>'s answer for invalidation.
    /// </summary>
    public static IServiceCollection AddEventSource<TEntity, TDto>(
        this IServiceCollection services, string resourceType, Func<TEntity, (string Id, string AccountId)> identify,
        Func<IServiceProvider, Func<TEntity, DateTime, TDto>> toDto, JsonTypeInfo<TDto> json, Func<TEntity, byte[]?>? keyHash = null)
        where TEntity : class
    {
        services.AddSingleton<EventSources>();
        services.AddSingleton(provider =>
        {
            var describe = toDto(provider);
            return new EventSource(typeof(TEntity), resourceType, (entity, now) =>
            {
                var typed = (TEntity)entity;
                var (id, accountId) = identify(typed);
                return new EventSubject(id, accountId, JsonSerializer.Serialize(describe(typed, now), json), keyHash?.Invoke(typed));
            });
        });
        return services;
    }
}
