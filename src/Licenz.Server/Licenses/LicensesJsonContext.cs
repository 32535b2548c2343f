using System.Text.Json.Serialization;
using Licenz.Server.Http;

namespace Licenz.Server.Licenses;

/// <summary>Source-generated JSON for this feature's requests and responses (options as <see cref="HttpJsonContext"/>).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = false,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    Converters = [typeof(UtcTimestampConverter), typeof(ApiEnumConverterFactory)])]
[JsonSerializable(typeof(CreateLicenseRequest))]
[JsonSerializable(typeof(UpdateLicenseRequest))]
[JsonSerializable(typeof(RenewLicenseRequest))]
[JsonSerializable(typeof(LicenseEntitlementsRequest))]
[JsonSerializable(typeof(LicenseUsageRequest))]
[JsonSerializable(typeof(DataEnvelope<LicenseUsageDto>))]
[JsonSerializable(typeof(LicenseDto))]
[JsonSerializable(typeof(DataEnvelope<LicenseDto>))]
[JsonSerializable(typeof(ListEnvelope<LicenseDto>))]
[JsonSerializable(typeof(LicenseFileRequest))]
[JsonSerializable(typeof(DataEnvelope<LicenseFileDto>))]
[JsonSerializable(typeof(List<DateTime>))]
public sealed partial class LicensesJsonContext : JsonSerializerContext;
