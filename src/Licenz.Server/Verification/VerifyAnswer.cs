using System.Buffers;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Licenz.Server.Api;
using Licenz.Server.Signing;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Verification;

/// <summary>
/// The verify endpoint's <c>200</c> answer, <c>{"data": {…}}</c>: the same JSON, type information and
/// OpenAPI description as <c>TypedResults.Ok</c>. The body of every verify answer is buffered by
/// <see cref="SignedResponseMiddleware"/> (it is digested and signed before the headers go out), so the
/// answer is serialised straight into that buffer in one synchronous pass, without the pipe, the
/// resumable serialiser and the writer a streamed JSON result costs on the server's busiest path.
/// </summary>
public sealed class VerifyAnswer(VerifyResult result) : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<DataEnvelope<VerifyResult>>, IEndpointMetadataProvider
{
    private const string ContentType = "application/json; charset=utf-8";

    public DataEnvelope<VerifyResult> Value { get; } = new(result);

    object IValueHttpResult.Value => Value;

    public int StatusCode => StatusCodes.Status200OK;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public Task ExecuteAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCode;
        var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var typeInfo = (JsonTypeInfo<DataEnvelope<VerifyResult>>)options.GetTypeInfo(typeof(DataEnvelope<VerifyResult>));
        if (response.Body is not IBufferWriter<byte> buffer)
        {
            return response.WriteAsJsonAsync(Value, typeInfo, ContentType, context.RequestAborted);
        }

        response.ContentType = ContentType;
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Encoder = options.Encoder,
            Indented = options.WriteIndented,
            MaxDepth = options.MaxDepth,
        });
        JsonSerializer.Serialize(writer, Value, typeInfo);
        return Task.CompletedTask;
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(DataEnvelope<VerifyResult>), ["application/json"]));
}
