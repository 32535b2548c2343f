using Microsoft.Extensions.Options;

namespace Licenz.Server.Http;

/// <summary>
/// Every failure becomes the <c>{"error": …}</c> envelope: it catches exceptions (the framework's binding failures
/// become a <c>bad_request</c> naming the field, lost races a <c>409 conflict</c>, anything else is a 500 without a
/// stack trace) and dresses the framework's empty error responses (unknown route, wrong method) in the envelope too.
/// </summary>
public sealed class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        // Responses carry API keys and license data: no cache may keep them.
        context.Response.Headers.CacheControl = "no-store";
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
            return;
        }
        catch (Exception exception) when (!context.Response.HasStarted)
        {
            var error = Classify(exception, context);
            if (error.Status >= 500)
            {
                logger.LogError(exception, "Unhandled error on {Method} {Path} (trace {TraceId})",
                    context.Request.Method, context.Request.Path, context.TraceIdentifier);
            }

            await ApiResponses.WriteErrorAsync(context, error);
            return;
        }

        var response = context.Response;
        if (response.StatusCode >= 400 && !response.HasStarted && response.ContentType is null && response.ContentLength is null)
        {
            await ApiResponses.WriteErrorAsync(context, FromStatus(context));
        }
    }

    private static ApiError Classify(Exception exception, HttpContext context) => exception switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            RequestBodies.TooLarge(context.RequestServices.GetRequiredService<IOptions<RequestBodyOptions>>().Value.MaxBytes),
        BadHttpRequestException bad => BindingErrors.Describe(context, bad),
        _ when DatabaseConflicts.Describe(exception) is { } conflict => conflict,
        _ => new ApiError(ErrorCodes.InternalError,
            $"An unexpected error occurred. Quote this reference when reporting it: {context.TraceIdentifier}.",
            StatusCodes.Status500InternalServerError),
    };

    private static ApiError FromStatus(HttpContext context)
    {
        var route = $"{context.Request.Method} {ApiRoutes.PathAsSent(context)}";
        return context.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => new(ErrorCodes.NotFound, $"No such endpoint: {route}.", 404),
            // Like unknown routes: the method and path together name no endpoint. The Allow header says what does.
            StatusCodes.Status405MethodNotAllowed => NotAllowed(context, route),
            StatusCodes.Status401Unauthorized => new(ErrorCodes.Unauthorized, "Missing or invalid API key.", 401),
            StatusCodes.Status403Forbidden => new(ErrorCodes.Forbidden, "This API key lacks the permission for this request.", 403),
            StatusCodes.Status413PayloadTooLarge => new(ErrorCodes.BadRequest, "The request body is too large.", 400),
            // Routing refuses a body the endpoint does not accept before the endpoint's own rules run: say what was sent.
            StatusCodes.Status415UnsupportedMediaType => RequestBodies.Refusal(context.Request, long.MaxValue)
                ?? new(ErrorCodes.BadRequest, "Request bodies must be JSON sent with 'Content-Type: application/json'.", 400),
            StatusCodes.Status429TooManyRequests => new(ErrorCodes.RateLimited, "Too many requests.", 429),
            >= 500 => new(ErrorCodes.InternalError, $"An unexpected error occurred. Reference: {context.TraceIdentifier}.", 500),
            _ => new(ErrorCodes.BadRequest, "The request is invalid.", 400),
        };
    }

    private static ApiError NotAllowed(HttpContext context, string route)
    {
        var allowed = context.Response.Headers.Allow.ToString();
        var hint = string.IsNullOrEmpty(allowed) ? "" : $" This path accepts: {allowed}.";
        return new(ErrorCodes.NotFound, $"No such endpoint: {route}.{hint}", 404);
    }
}
