using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Licenz.Internal;

/// <summary><c>{"data": …}</c>.</summary>
internal sealed record DataEnvelope<T>(T? Data) where T : class;

/// <summary><c>{"data": [...], "pagination": {...}}</c>.</summary>
internal sealed record ListEnvelope<T>(List<T>? Data, PageInfo? Pagination);

/// <summary><c>{"error": {"code", "message", "status", "field"}}</c>.</summary>
internal sealed record ErrorEnvelope(ErrorBody? Error);

internal sealed record ErrorBody(string? Code, string? Message, int? Status, string? Field);

internal sealed record LicenseCreateBody(string ProductId, string Email, string Type, DateTimeOffset? ExpiresAt, JsonObject? Metadata);

internal sealed record LicenseUpdateBody(string? Email, DateTimeOffset? ExpiresAt, JsonObject? Metadata);

internal sealed record RenewBody(int Days);

internal sealed record VerifyBody(string Key, string? ProductId, string Nonce, string? Fingerprint, List<string>? Entitlements);

internal sealed record ActivateBody(string Key, string Fingerprint, string? Name, string? Platform, string? Hostname, IReadOnlyDictionary<string, string>? Components);

internal sealed record MachineActionBody(string Key, string Fingerprint);

internal sealed record OfflineActivationBody(string Request, int? Ttl);

internal sealed record OfflineDeactivationBody(string Proof);

internal sealed record LicenseFileBody(int? Ttl, string? Fingerprint, bool? Encrypt);

internal sealed record ProductBody(string? Name, string? Code, JsonObject? Metadata, int? SubscriptionDays, int? TrialDays);

internal sealed record ApiKeyCreateBody(string Type, string Name, DateTimeOffset? ExpiresAt);

/// <summary>
/// The API's JSON, source-generated (the SDK is trimmable): snake_case names; requests leave out what is null,
/// responses may carry fields this version does not know.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(DataEnvelope<LicenseInfo>))]
[JsonSerializable(typeof(ListEnvelope<LicenseInfo>))]
[JsonSerializable(typeof(DataEnvelope<ProductInfo>))]
[JsonSerializable(typeof(ListEnvelope<ProductInfo>))]
[JsonSerializable(typeof(DataEnvelope<ApiKeyInfo>))]
[JsonSerializable(typeof(ListEnvelope<ApiKeyInfo>))]
[JsonSerializable(typeof(DataEnvelope<CreatedApiKey>))]
[JsonSerializable(typeof(DataEnvelope<SigningKeyInfo>))]
[JsonSerializable(typeof(DataEnvelope<List<SigningKeyInfo>>))]
[JsonSerializable(typeof(DataEnvelope<DeleteResult>))]
[JsonSerializable(typeof(DataEnvelope<VerificationResult>))]
[JsonSerializable(typeof(DataEnvelope<LicenseFileCheckout>))]
[JsonSerializable(typeof(DataEnvelope<MachineInfo>))]
[JsonSerializable(typeof(DataEnvelope<OfflineActivation>))]
[JsonSerializable(typeof(ActivateBody))]
[JsonSerializable(typeof(MachineActionBody))]
[JsonSerializable(typeof(OfflineActivationBody))]
[JsonSerializable(typeof(OfflineDeactivationBody))]
[JsonSerializable(typeof(LicenseCreateBody))]
[JsonSerializable(typeof(LicenseUpdateBody))]
[JsonSerializable(typeof(RenewBody))]
[JsonSerializable(typeof(VerifyBody))]
[JsonSerializable(typeof(LicenseFileBody))]
[JsonSerializable(typeof(ProductBody))]
[JsonSerializable(typeof(ApiKeyCreateBody))]
internal sealed partial class ClientJson : JsonSerializerContext
{
    public static byte[] Serialize<T>(T value, JsonTypeInfo<T> typeInfo) => JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
}
