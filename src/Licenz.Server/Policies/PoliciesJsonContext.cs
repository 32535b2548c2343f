using System.Text.Json.Serialization;
using Licenz.Server.Events;
using Licenz.Server.Http;

namespace Licenz.Server.Policies;

/// <summary>Source-generated JSON for this feature's requests and responses (options as <see cref="HttpJsonContext"/>).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = false,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    Converters = [typeof(UtcTimestampConverter), typeof(ApiEnumConverterFactory)])]
[JsonSerializable(typeof(CreatePolicyRequest))]
[JsonSerializable(typeof(UpdatePolicyRequest))]
[JsonSerializable(typeof(PolicyDto))]
[JsonSerializable(typeof(DataEnvelope<PolicyDto>))]
[JsonSerializable(typeof(ListEnvelope<PolicyDto>))]
public sealed partial class PoliciesJsonContext : JsonSerializerContext;

public static class PoliciesSetup
{
    public static IServiceCollection AddPolicies(this IServiceCollection services) =>
        services.AddEventSource<Policy, PolicyDto>("policy", p => (p.Id, p.AccountId), (p, _) => p.ToDto(), PoliciesJsonContext.Default.PolicyDto);
}
