using System.Text.Json;
using System.Text.Json.Serialization;

namespace Licenz.Server.Http;

/// <summary>
/// Source-generated JSON for the envelopes every feature shares. Each feature has its own context with these same
/// options (the attribute is not inherited), for its requests and responses; <see cref="Apply"/> chains them all.
/// Requests are strict: unknown fields, duplicate fields and nulls where a value is required are errors.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = false,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    Converters = [typeof(UtcTimestampConverter), typeof(ApiEnumConverterFactory)])]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(DataEnvelope<DeletedResource>))]
public sealed partial class HttpJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Makes the framework's JSON options behave like these contexts: the resolvers supply the metadata, but naming,
    /// strictness and converters come from the options instance they are used with.
    /// </summary>
    public static void Apply(JsonSerializerOptions options, params IEnumerable<JsonSerializerContext> features)
    {
        var generated = Default.Options;
        options.TypeInfoResolverChain.Insert(0, Default);
        foreach (var feature in features)
        {
            options.TypeInfoResolverChain.Insert(1, feature);
        }

        options.PropertyNamingPolicy = generated.PropertyNamingPolicy;
        options.UnmappedMemberHandling = generated.UnmappedMemberHandling;
        options.RespectNullableAnnotations = generated.RespectNullableAnnotations;
        options.RespectRequiredConstructorParameters = generated.RespectRequiredConstructorParameters;
        options.AllowDuplicateProperties = generated.AllowDuplicateProperties;
        options.NumberHandling = generated.NumberHandling;
        options.PropertyNameCaseInsensitive = false;
        foreach (var converter in generated.Converters)
        {
            options.Converters.Add(converter);
        }
    }
}
