using System.Text.Json.Serialization;

namespace Licenz.Server.Api;

/// <summary>The error codes of the API page.</summary>
public static class ErrorCodes
{
    public const string BadRequest = "bad_request";
    public const string Unauthorized = "unauthorized";
    public const string InvalidApiKey = "invalid_api_key";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string RateLimited = "rate_limited";
    public const string InternalError = "internal_error";
}

/// <summary><c>{"error": {"code", "message", "status"}}</c>.</summary>
public sealed record ErrorEnvelope(ApiError Error);

/// <param name="Code">Machine-readable code from the API page.</param>
/// <param name="Message">What went wrong, for a human.</param>
/// <param name="Status">The HTTP status, repeated for clients that only see the body.</param>
/// <param name="Field">For <c>bad_request</c>: the request field or parameter at fault, when there is one.</param>
public sealed record ApiError(
    string Code,
    string Message,
    int Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Field = null);

/// <summary>A client error raised where returning a result is awkward (body parsing, validation helpers).</summary>
public sealed class ApiException(int status, string code, string message, string? field = null) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string? Field { get; } = field;

    public ApiError ToError() => new(Code, Message, Status, Field);

    public static ApiException BadRequest(string message, string? field = null) =>
        new(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, message, field);

    public static ApiException NotFound(string message) =>
        new(StatusCodes.Status404NotFound, ErrorCodes.NotFound, message);
}
