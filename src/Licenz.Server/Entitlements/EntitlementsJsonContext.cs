using System.Text.Json.Serialization;
using Licenz.Server.Events;
using Licenz.Server.Http;

namespace Licenz.Server.Entitlements;

/// <summary>Source-generated JSON for this feature's requests and responses (options as <see cref="HttpJsonContext"/>).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = false,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    Converters = [typeof(UtcTimestampConverter), typeof(ApiEnumConverterFactory)])]
[JsonSerializable(typeof(CreateEntitlementRequest))]
[JsonSerializable(typeof(EntitlementDto))]
[JsonSerializable(typeof(DataEnvelope<EntitlementDto>))]
[JsonSerializable(typeof(ListEnvelope<EntitlementDto>))]
public sealed partial class EntitlementsJsonContext : JsonSerializerContext;

public static class EntitlementsSetup
{
    public static IServiceCollection AddEntitlements(this IServiceCollection services) =>
        services.AddEventSource<Entitlement, EntitlementDto>("entitlement", e => (e.Id, e.AccountId), (e, _) => EntitlementsApi.ToDto(e),
            EntitlementsJsonContext.Default.EntitlementDto);
}
