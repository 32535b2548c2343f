using System.Text.Json.Serialization;
using Licenz.Server.Http;

namespace Licenz.Server.Products;

/// <summary>Source-generated JSON for this feature's requests and responses (options as <see cref="HttpJsonContext"/>).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = false,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    Converters = [typeof(UtcTimestampConverter), typeof(ApiEnumConverterFactory)])]
[JsonSerializable(typeof(CreateProductRequest))]
[JsonSerializable(typeof(UpdateProductRequest))]
[JsonSerializable(typeof(ProductDto))]
[JsonSerializable(typeof(DataEnvelope<ProductDto>))]
[JsonSerializable(typeof(ListEnvelope<ProductDto>))]
public sealed partial class ProductsJsonContext : JsonSerializerContext;
