using System.Text.Json.Serialization;
using Licenz.Server.Http;

namespace Licenz.Server.Verification;

/// <summary>Source-generated JSON for this feature's requests and responses (options as <see cref="HttpJsonContext"/>).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = false,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    Converters = [typeof(UtcTimestampConverter), typeof(ApiEnumConverterFactory)])]
[JsonSerializable(typeof(VerifyRequest))]
[JsonSerializable(typeof(DataEnvelope<VerifyResult>))]
[JsonSerializable(typeof(IReadOnlyList<VerificationCheck>))]
public sealed partial class VerificationJsonContext : JsonSerializerContext;
