using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Http;

public static class ApiResponses
{
    /// <summary>Writes <c>{"error": …}</c> with the error's status. Headers already set (rate limits) are kept.</summary>
    public static Task WriteErrorAsync(HttpContext context, ApiError error)
    {
        var response = context.Response;
        response.StatusCode = error.Status;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = null;
        var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        return JsonSerializer.SerializeAsync(response.Body, new ErrorEnvelope(error), options.GetTypeInfo<ErrorEnvelope>(), context.RequestAborted);
    }

    public static Task WriteErrorAsync(HttpContext context, int status, string code, string message) =>
        WriteErrorAsync(context, new ApiError(code, message, status));

    private static System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> GetTypeInfo<T>(this JsonSerializerOptions options) =>
        (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
}
