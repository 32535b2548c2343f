using System.Text.Json.Serialization;
using Licenz.Server.Http;

namespace Licenz.Server.Events;

/// <summary>Source-generated JSON for this feature's requests and responses (options as <see cref="HttpJsonContext"/>).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = false,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    Converters = [typeof(UtcTimestampConverter), typeof(ApiEnumConverterFactory)])]
[JsonSerializable(typeof(EventDto))]
[JsonSerializable(typeof(ListEnvelope<EventDto>))]
public sealed partial class EventsJsonContext : JsonSerializerContext;
