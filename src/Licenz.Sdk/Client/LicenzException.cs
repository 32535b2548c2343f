namespace Licenz;

/// <summary>
/// Every failure of a call to the API: an error answer of the server (<c>{"error": {"code", "message", "status"}}</c>),
/// a server that cannot be reached, an answer that is not the API's, or a verification response whose signature
/// does not hold. <see cref="Code"/> says which; the codes are listed in <see cref="LicenzErrorCodes"/>.
/// </summary>
public sealed class LicenzException : Exception
{
    /// <summary>Creates the exception; the SDK raises it, applications may create it in their own tests.</summary>
    /// <param name="code">Machine-readable code, one of <see cref="LicenzErrorCodes"/>.</param>
    /// <param name="message">What went wrong, for a human.</param>
    /// <param name="status">The HTTP status of the answer, or null when there was none.</param>
    /// <param name="field">For <c>bad_request</c>: the request field or parameter at fault, when the server named one.</param>
    /// <param name="rateLimit">The rate-limit headers of the answer, when it had them.</param>
    /// <param name="retryAfter">For <c>rate_limited</c>: how long until the server accepts requests again.</param>
    /// <param name="innerException">The underlying failure, for network errors.</param>
    public LicenzException(
        string code,
        string message,
        int? status = null,
        string? field = null,
        RateLimit? rateLimit = null,
        TimeSpan? retryAfter = null,
        Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        Code = code;
        Status = status;
        Field = field;
        RateLimit = rateLimit;
        RetryAfter = retryAfter;
    }

    /// <summary>Machine-readable code: the server's (<c>bad_request</c>, <c>not_found</c>, …) or the client's (<c>network_error</c>, …).</summary>
    public string Code { get; }

    /// <summary>The HTTP status of the answer; null when no answer was received (network errors, time-outs).</summary>
    public int? Status { get; }

    /// <summary>For <c>bad_request</c>: the request field or parameter at fault, when the server named one.</summary>
    public string? Field { get; }

    /// <summary>The rate-limit headers of the answer, when it carried them.</summary>
    public RateLimit? RateLimit { get; }

    /// <summary>For <c>rate_limited</c>: how long until the server accepts requests again (<c>Retry-After</c>).</summary>
    public TimeSpan? RetryAfter { get; }
}

/// <summary>The values of <see cref="LicenzException.Code"/>.</summary>
public static class LicenzErrorCodes
{
    /// <summary>400: invalid request body or parameters (see <see cref="LicenzException.Field"/>).</summary>
    public const string BadRequest = "bad_request";

    /// <summary>401: missing API key.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>401: the API key is unknown, revoked or expired.</summary>
    public const string InvalidApiKey = "invalid_api_key";

    /// <summary>403: the API key lacks the permission for the request.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>404: no such resource.</summary>
    public const string NotFound = "not_found";

    /// <summary>
    /// 409: another request changed or deleted the same resource (or took the same unique value, such as a product code)
    /// at the same time, so this request changed nothing. Read the resource again and retry; the client does not retry by itself.
    /// </summary>
    public const string Conflict = "conflict";

    /// <summary>422: the license's machine limit is reached; the message says the limit and how to free a seat.</summary>
    public const string MachineLimitExceeded = "machine_limit_exceeded";

    /// <summary>422: the change would take the license's uses past its limit (or below zero); nothing was changed.</summary>
    public const string UsageLimitExceeded = "usage_limit_exceeded";

    /// <summary>422: the license has used its self-service transfers for the last 30 days; the message says when the next is allowed.</summary>
    public const string TransferLimitExceeded = "transfer_limit_exceeded";

    /// <summary>422: a license file bound to a machine was asked for, but no machine with that fingerprint is activated on the license: activate it first.</summary>
    public const string NoMachine = "no_machine";

    /// <summary>429: too many requests, still so after the retries the client allows (<see cref="LicenzClientOptions.MaxRateLimitRetries"/>).</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>500: the server failed.</summary>
    public const string InternalError = "internal_error";

    /// <summary>The server could not be reached: connection refused, name not resolved, TLS certificate not trusted, connection lost.</summary>
    public const string NetworkError = "network_error";

    /// <summary>The server did not answer within <see cref="LicenzClientOptions.Timeout"/>.</summary>
    public const string Timeout = "timeout";

    /// <summary>The answer is not the Licenz API's: not JSON, or not the shape the API documents (a proxy's error page, say).</summary>
    public const string InvalidResponse = "invalid_response";

    /// <summary>
    /// A verification response whose signature, digest or nonce does not hold: altered, forged or replayed on its
    /// way. The message names the <see cref="ResponseSignatureCodes"/> value. Never trust such an answer.
    /// </summary>
    public const string InvalidResponseSignature = "invalid_response_signature";
}
