using System.Text.Json.Serialization;
using Licenz.Server.Http;

namespace Licenz.Server.Signing;

/// <summary>Source-generated JSON for this feature's requests and responses (options as <see cref="HttpJsonContext"/>).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = false,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    Converters = [typeof(UtcTimestampConverter), typeof(ApiEnumConverterFactory)])]
[JsonSerializable(typeof(JwksDto))]
[JsonSerializable(typeof(SigningKeyDto))]
[JsonSerializable(typeof(DataEnvelope<SigningKeyDto>))]
[JsonSerializable(typeof(DataEnvelope<IReadOnlyList<SigningKeyDto>>))]
public sealed partial class SigningJsonContext : JsonSerializerContext;
