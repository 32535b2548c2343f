namespace Licenz.Server.Http;

/// <summary>An error envelope as an endpoint result, so handlers can name it in their <c>Results&lt;…&gt;</c>.</summary>
public sealed class ApiErrorResult(ApiError error) : IResult, IStatusCodeHttpResult, IValueHttpResult<ErrorEnvelope>
{
    public ApiError Error { get; } = error;

    public int? StatusCode => Error.Status;

    public ErrorEnvelope Value => new(Error);

    public Task ExecuteAsync(HttpContext httpContext) => ApiResponses.WriteErrorAsync(httpContext, Error);

    public static ApiErrorResult NotFound(string message) => new(new(ErrorCodes.NotFound, message, StatusCodes.Status404NotFound));

    /// <summary>422: the request is well-formed, but a limit of the license refuses it (machine_limit_exceeded, …).</summary>
    public static ApiErrorResult LimitExceeded(string code, string message) => Unprocessable(code, message);

    /// <summary>422: the request is well-formed, but the state of the license refuses it (a limit reached, no such machine activated, …).</summary>
    public static ApiErrorResult Unprocessable(string code, string message) => new(new(code, message, StatusCodes.Status422UnprocessableEntity));

    public static ApiErrorResult BadRequest(string message, string? field = null) =>
        new(new(ErrorCodes.BadRequest, message, StatusCodes.Status400BadRequest, field));
}
