//! The error of every API call: [`Error`], and the rate-limit state: [`RateLimit`].

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::{time, ResponseSignatureCode};

/// The values of [`Error::code`]: the server's codes, and the client's own.
pub mod error_codes {
    /// 400: invalid request body or parameters (see [`super::Error::field`]).
    pub const BAD_REQUEST: &str = "bad_request";
    /// 401: missing API key.
    pub const UNAUTHORIZED: &str = "unauthorized";
    /// 401: the API key is unknown, revoked or expired.
    pub const INVALID_API_KEY: &str = "invalid_api_key";
    /// 403: the API key lacks the permission for the request.
    pub const FORBIDDEN: &str = "forbidden";
    /// 404: no such resource.
    pub const NOT_FOUND: &str = "not_found";
    /// 409: another request changed the same resource at the same time; nothing was changed.
    pub const CONFLICT: &str = "conflict";
    /// 422: the license's machine limit is reached.
    pub const MACHINE_LIMIT_EXCEEDED: &str = "machine_limit_exceeded";
    /// 422: the change would take the license's uses past its limit.
    pub const USAGE_LIMIT_EXCEEDED: &str = "usage_limit_exceeded";
    /// 422: the license has used its self-service transfers for the last 30 days.
    pub const TRANSFER_LIMIT_EXCEEDED: &str = "transfer_limit_exceeded";
    /// 422: a bound license file was asked for a machine that is not activated on the license.
    pub const NO_MACHINE: &str = "no_machine";
    /// 429: too many requests.
    pub const RATE_LIMITED: &str = "rate_limited";
    /// 500: the server failed.
    pub const INTERNAL_ERROR: &str = "internal_error";
    /// The server could not be reached: connection refused, name not resolved, TLS certificate not trusted, …
    pub const NETWORK_ERROR: &str = "network_error";
    /// The server did not answer in time.
    pub const TIMEOUT: &str = "timeout";
    /// The answer is not the Licenz API's: not JSON, or not the shape the API documents.
    pub const INVALID_RESPONSE: &str = "invalid_response";
    /// A verification answer whose signature, digest or nonce does not hold: never trust it.
    pub const INVALID_RESPONSE_SIGNATURE: &str = "invalid_response_signature";
    /// The client was configured wrongly (an empty API key, an `http://` base URL, a certificate that is not PEM, …).
    pub const INVALID_CONFIGURATION: &str = "invalid_configuration";
    /// An argument cannot be sent (an empty license key or id, …).
    pub const INVALID_ARGUMENT: &str = "invalid_argument";
}

/// Every failure of a call to the API: an error answer of the server (`{"error": {"code", "message", …}}`), a server
/// that cannot be reached, an answer that is not the API's, or a verification answer whose signature does not hold.
/// [`Error::code`] says which (see [`error_codes`]).
#[derive(Debug)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    code: String,
    message: String,
    status: Option<u16>,
    field: Option<String>,
    rate_limit: Option<RateLimit>,
    retry_after: Option<Duration>,
    signature_code: Option<ResponseSignatureCode>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    pub(crate) fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                code: code.to_owned(),
                message: message.into(),
                status: None,
                field: None,
                rate_limit: None,
                retry_after: None,
                signature_code: None,
                source: None,
            }),
        }
    }

    pub(crate) fn with_status(mut self, status: u16, rate_limit: Option<RateLimit>) -> Self {
        self.inner.status = Some(status);
        self.inner.rate_limit = rate_limit;
        self
    }

    pub(crate) fn with_field(mut self, field: Option<String>) -> Self {
        self.inner.field = field;
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.inner.retry_after = retry_after;
        self
    }

    pub(crate) fn with_signature_code(mut self, code: ResponseSignatureCode) -> Self {
        self.inner.signature_code = Some(code);
        self
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// Machine-readable code: the server's (`bad_request`, `not_found`, …) or the client's (`network_error`, …).
    pub fn code(&self) -> &str {
        &self.inner.code
    }

    /// What went wrong, for a human: the server's message for an error answer.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The HTTP status of the answer; `None` when no answer was received.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// For `bad_request`: the request field or parameter at fault, when the server named one.
    pub fn field(&self) -> Option<&str> {
        self.inner.field.as_deref()
    }

    /// The rate-limit headers (`X-RateLimit-*`) of the answer, when it carried them.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        self.inner.rate_limit.as_ref()
    }

    /// For `rate_limited`: how long until the server accepts requests again (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// For `invalid_response_signature`: what the signature check found.
    pub fn signature_code(&self) -> Option<ResponseSignatureCode> {
        self.inner.signature_code
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.inner.code, self.inner.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The rate-limit headers of a response: `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`. On
/// plans without a limit the server sends `unlimited`: then `limit` and `remaining` are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window; `None` when unlimited.
    pub limit: Option<u32>,
    /// Requests left in the current window; `None` when unlimited.
    pub remaining: Option<u32>,
    /// When the current window ends and the budget is renewed.
    pub reset: Option<SystemTime>,
}

impl RateLimit {
    /// True when the account's plan has no request limit.
    pub fn is_unlimited(&self) -> bool {
        self.limit.is_none()
    }

    /// Reads the headers' values; `None` when there is no readable `X-RateLimit-Limit` (a number or `unlimited`).
    pub(crate) fn parse(
        limit: Option<&str>,
        remaining: Option<&str>,
        reset: Option<&str>,
    ) -> Option<Self> {
        fn count(text: Option<&str>) -> Option<Option<u32>> {
            let value = text?.trim();
            if value.eq_ignore_ascii_case("unlimited") {
                return Some(None);
            }
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            value.parse::<u32>().ok().map(Some)
        }
        let limit = count(limit)?;
        let reset = reset
            .map(str::trim)
            .filter(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|r| r.parse::<i64>().ok())
            .filter(|s| *s <= time::MAX_UNIX_SECONDS)
            .map(|s| time::from_millis(s * 1000));
        Some(Self {
            limit,
            remaining: count(remaining).flatten(),
            reset,
        })
    }
}
