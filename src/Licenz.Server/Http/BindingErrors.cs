using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Http;

/// <summary>The framework's binding failures (<see cref="BadHttpRequestException"/>) as errors that name the field or parameter.</summary>
public static class BindingErrors
{
    public static ApiError Describe(HttpContext context, BadHttpRequestException exception)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        if (QueryParameterRules.Describe(context, exception) is { } query)
        {
            return query;
        }

        if (metadata?.GetMetadata<IAcceptsMetadata>() is { RequestType: { } type })
        {
            var body = context.Features.Get<JsonRequestBody>();
            if (body is null || body.Bytes.IsEmpty)
            {
                return JsonBodyErrors.Missing();
            }

            var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            return JsonBodyErrors.Describe(body.Bytes, options.GetTypeInfo(type), exception.InnerException as JsonException);
        }

        return new ApiError(ErrorCodes.BadRequest, "The request could not be read: " + exception.Message, StatusCodes.Status400BadRequest);
    }
}
