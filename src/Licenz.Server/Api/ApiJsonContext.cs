using System.Text.Json;
using System.Text.Json.Serialization;
using Licenz.Server.ApiKeys;
using Licenz.Server.Licenses;
using Licenz.Server.Products;
using Licenz.Server.Signing;
using Licenz.Server.Verification;

namespace Licenz.Server.Api;

/// <summary>
/// Source-generated JSON for every request and response. Requests are strict: unknown fields,
/// duplicate fields and nulls where a value is required are errors, never silently ignored.
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
[JsonSerializable(typeof(Licenz.Server.Signing.JwksDto))]
[JsonSerializable(typeof(Licenz.Server.Accounts.AccountDto))]
[JsonSerializable(typeof(Licenz.Server.Events.EventDto))]
[JsonSerializable(typeof(ListEnvelope<Licenz.Server.Events.EventDto>))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(DataEnvelope<DeletedResource>))]
[JsonSerializable(typeof(CreateProductRequest))]
[JsonSerializable(typeof(UpdateProductRequest))]
[JsonSerializable(typeof(DataEnvelope<ProductDto>))]
[JsonSerializable(typeof(ListEnvelope<ProductDto>))]
[JsonSerializable(typeof(CreateLicenseRequest))]
[JsonSerializable(typeof(UpdateLicenseRequest))]
[JsonSerializable(typeof(RenewLicenseRequest))]
[JsonSerializable(typeof(DataEnvelope<LicenseDto>))]
[JsonSerializable(typeof(ListEnvelope<LicenseDto>))]
[JsonSerializable(typeof(VerifyRequest))]
[JsonSerializable(typeof(DataEnvelope<VerifyResult>))]
[JsonSerializable(typeof(LicenseFileRequest))]
[JsonSerializable(typeof(DataEnvelope<LicenseFileDto>))]
[JsonSerializable(typeof(DataEnvelope<SigningKeyDto>))]
[JsonSerializable(typeof(DataEnvelope<IReadOnlyList<SigningKeyDto>>))]
[JsonSerializable(typeof(CreateApiKeyRequest))]
[JsonSerializable(typeof(DataEnvelope<ApiKeyDto>))]
[JsonSerializable(typeof(DataEnvelope<CreatedApiKeyDto>))]
[JsonSerializable(typeof(ListEnvelope<ApiKeyDto>))]
public sealed partial class ApiJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Makes the framework's JSON options behave like this context: the resolver supplies the metadata,
    /// but naming, strictness and converters come from the options instance it is used with.
    /// </summary>
    public static void Apply(JsonSerializerOptions options)
    {
        var generated = Default.Options;
        options.TypeInfoResolverChain.Insert(0, Default);
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
