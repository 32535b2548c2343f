using System.Text.Json;
using System.Text.Json.Serialization;

namespace Licenz.Internal;

internal sealed record JwksDocument(IReadOnlyList<JwkDocument> Keys);

internal sealed record JwkDocument(string Kty, string Crv, string Kid, string Alg, string Use, string X);

/// <summary>JOSE header of a license file's JWS.</summary>
internal sealed record JwsHeader(string Alg, string Typ, string Kid);

/// <summary>JOSE header of an encrypted license file's JWE.</summary>
internal sealed record JweHeader(
    string Alg,
    string Enc,
    string Cty,
    [property: JsonPropertyName("licenz_bound"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Bound,
    [property: JsonPropertyName("licenz_key_check"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? KeyCheck = null,
    [property: JsonPropertyName("licenz_machine_check"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? MachineCheck = null);

/// <summary>The claims of a license file, in the order they are written.</summary>
internal sealed record LicenseFilePayload(
    string Iss,
    string Sub,
    long Iat,
    long Exp,
    string Jti,
    long RevocationVersion,
    LicensePayload License);

internal sealed record LicensePayload(
    string Id,
    string Key,
    string ProductId,
    string Type,
    string Status,
    string? ExpiresAt,
    IReadOnlyList<string> Entitlements,
    JsonElement Metadata,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Fingerprint,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MachinePayload? Machine,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FingerprintMatching,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? GracePeriod,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? CheckInInterval);

/// <summary>The machine a bound license file was issued for.</summary>
internal sealed record MachinePayload(
    string Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SortedDictionary<string, string>? Components);

/// <summary>The claims of a revocation list, in the order they are written.</summary>
internal sealed record RevocationListPayload(
    string Iss,
    long Iat,
    long Version,
    IReadOnlyList<RevokedLicensePayload> Licenses,
    IReadOnlyList<string> Machines);

/// <summary>A license on a revocation list.</summary>
internal sealed record RevokedLicensePayload(string Id, string Status);

/// <summary>What an offline activation request carries (<see cref="OfflineActivationRequest"/>), in the order it is written.</summary>
internal sealed record ActivationRequestPayload(
    string Key,
    string Fingerprint,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SortedDictionary<string, string>? Components,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Platform,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Hostname,
    string Nonce);

/// <summary>What an offline deactivation proof carries (<see cref="OfflineDeactivationProof"/>), in the order it is written.</summary>
internal sealed record DeactivationProofPayload(string LicenseId, string Jti, string Fingerprint, string Nonce);

/// <summary>How a <see cref="SignedResponse"/> is stored.</summary>
internal sealed record SignedResponseDocument(int Status, string? ContentDigest, string? Date, string? SignatureInput, string? Signature, string? Body, string? Nonce);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SignedResponseDocument))]
[JsonSerializable(typeof(JwksDocument))]
[JsonSerializable(typeof(JwsHeader))]
[JsonSerializable(typeof(JweHeader))]
[JsonSerializable(typeof(LicenseFilePayload))]
[JsonSerializable(typeof(RevocationListPayload))]
[JsonSerializable(typeof(ActivationRequestPayload))]
[JsonSerializable(typeof(DeactivationProofPayload))]
internal sealed partial class SdkJson : JsonSerializerContext
{
    /// <summary>
    /// For JOSE headers and claims: characters that HTML escaping would turn into \u002B and the like are
    /// written as themselves (the token is never embedded in HTML), so headers read as their RFCs show them.
    /// </summary>
    public static SdkJson Jose { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
