using System.Text.Json.Serialization;

namespace Licenz.Server.Http;

/// <summary>The error codes of the API page: the SDK's (<see cref="LicenzErrorCodes"/>), so server and client cannot drift apart.</summary>
public static class ErrorCodes
{
    public const string BadRequest = LicenzErrorCodes.BadRequest;
    public const string Unauthorized = LicenzErrorCodes.Unauthorized;
    public const string InvalidApiKey = LicenzErrorCodes.InvalidApiKey;
    public const string Forbidden = LicenzErrorCodes.Forbidden;
    public const string NotFound = LicenzErrorCodes.NotFound;
    public const string Conflict = LicenzErrorCodes.Conflict;
    public const string MachineLimitExceeded = LicenzErrorCodes.MachineLimitExceeded;
    public const string UsageLimitExceeded = LicenzErrorCodes.UsageLimitExceeded;
    public const string TransferLimitExceeded = LicenzErrorCodes.TransferLimitExceeded;
    public const string NoMachine = LicenzErrorCodes.NoMachine;
    public const string RateLimited = LicenzErrorCodes.RateLimited;
    public const string InternalError = LicenzErrorCodes.InternalError;
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
