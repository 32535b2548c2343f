//! The REST API client: [`Client`].

mod error;
mod licenses;
mod machines;
pub(crate) mod models;
mod products;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde::Deserialize;

pub use error::{error_codes, Error, RateLimit};
pub use licenses::{LicensesClient, ListLicenses};
pub use machines::MachinesClient;
pub use products::ProductsClient;

use crate::{PublicKeySet, ResponseSignature, ResponseSignatureResult};

/// The shortest time between two JWKS fetches caused by answers naming an unknown key.
const JWKS_REFETCH_COOLDOWN: Duration = Duration::from_secs(60);

/// The API's base URL when none is configured.
pub const DEFAULT_BASE_URL: &str = "https://api.licenz.io/v1";

/// The Licenz API client. Cheap to clone (clones share their connection pool and cached JWKS).
///
/// ```no_run
/// # async fn run() -> Result<(), licenz_sdk::Error> {
/// use licenz_sdk::Client;
///
/// let client = Client::new("YOUR_API_KEY");
/// let licenses = client.licenses().list().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    authorization: String,
    verification_keys: Option<PublicKeySet>,
    account_id: Option<String>,
    jwks_max_age: Duration,
    jwks: Mutex<Option<(PublicKeySet, Instant)>>,
    last_unknown_key_fetch: Mutex<Option<Instant>>,
    max_rate_limit_retries: u32,
    max_rate_limit_wait: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client of the hosted API ([`DEFAULT_BASE_URL`]) with an API key from Dashboard → Settings → API Keys.
    ///
    /// # Panics
    /// When the key is empty or holds characters an API key never has (spaces, line breaks, non-ASCII), or when the
    /// TLS backend cannot be initialized. Use [`Client::builder`] to get an [`Error`] instead.
    pub fn new(api_key: impl Into<String>) -> Self {
        match Self::builder(api_key).build() {
            Ok(client) => client,
            Err(error) => panic!("licenz_sdk::Client::new: {error}"),
        }
    }

    /// A builder, for a self-hosted server's base URL, its certificate, shipped verification keys, …
    pub fn builder(api_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            api_key: api_key.into(),
            base_url: None,
            root_certificates: Vec::new(),
            verification_keys: None,
            account_id: None,
            timeout: Duration::from_secs(100),
            jwks_max_age: Duration::from_secs(3600),
            max_rate_limit_retries: 2,
            max_rate_limit_wait: Duration::from_secs(30),
        }
    }

    /// The API's base URL.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// Licenses: `/licenses`.
    pub fn licenses(&self) -> LicensesClient<'_> {
        LicensesClient { client: self }
    }

    /// Machines: `/machines`.
    pub fn machines(&self) -> MachinesClient<'_> {
        MachinesClient { client: self }
    }

    /// Products: `/products`.
    pub fn products(&self) -> ProductsClient<'_> {
        ProductsClient { client: self }
    }

    /// The server's JWKS (`{base}/.well-known/jwks.json`, of the configured account), fetched without authentication.
    ///
    /// # Errors
    /// The server cannot be reached, answers an error, or its JWKS cannot be read.
    pub async fn fetch_jwks(&self) -> Result<PublicKeySet, Error> {
        let path = with_query(
            ".well-known/jwks.json",
            &[("account", self.inner.account_id.as_deref())],
        );
        let response = self.send(Method::GET, &path, None, false).await?;
        if !response.is_success() {
            return Err(response.to_error());
        }
        let text = String::from_utf8_lossy(&response.body);
        PublicKeySet::from_jwks(&text).map_err(|problem| {
            Error::new(
                error_codes::INVALID_RESPONSE,
                format!("The server's JWKS could not be read: {problem}"),
            )
            .with_status(response.status, response.rate_limit)
        })
    }

    /// The account's signed revocation list (`{base}/.well-known/licenz-revocations.jwt`), fetched without
    /// authentication, as its text: check it with [`crate::RevocationList::verify`].
    ///
    /// # Errors
    /// The server cannot be reached or answers an error.
    pub async fn fetch_revocation_list(&self) -> Result<String, Error> {
        let path = with_query(
            ".well-known/licenz-revocations.jwt",
            &[("account", self.inner.account_id.as_deref())],
        );
        let response = self.send(Method::GET, &path, None, false).await?;
        if !response.is_success() {
            return Err(response.to_error());
        }
        Ok(String::from_utf8_lossy(&response.body).into_owned())
    }

    /// Checks a signed answer with the shipped keys, or the server's JWKS: fetched when the kept one is older than the
    /// maximum age, and once more when the answer names a key not yet known (a rotation).
    async fn check_signature(
        &self,
        response: &ApiResponse,
        nonce: &str,
    ) -> Result<ResponseSignatureResult, Error> {
        if let Some(keys) = &self.inner.verification_keys {
            return Ok(response.check_signature(nonce, keys));
        }
        let kept = self.kept_jwks();
        let fresh = kept.is_none();
        let keys = match kept {
            Some(keys) => keys,
            None => self.refresh_jwks().await?,
        };
        let result = response.check_signature(nonce, &keys);
        if result.code == crate::ResponseSignatureCode::UnknownKey
            && !fresh
            && self.claim_unknown_key_fetch()
        {
            return Ok(response.check_signature(nonce, &self.refresh_jwks().await?));
        }
        Ok(result)
    }

    /// True for one caller per minute: answers naming a key not yet known (a rotation) cause one JWKS fetch, and
    /// forged ones not many.
    fn claim_unknown_key_fetch(&self) -> bool {
        let Ok(mut last) = self.inner.last_unknown_key_fetch.lock() else {
            return false;
        };
        if last.is_some_and(|at| at.elapsed() < JWKS_REFETCH_COOLDOWN) {
            return false;
        }
        *last = Some(Instant::now());
        true
    }

    fn kept_jwks(&self) -> Option<PublicKeySet> {
        let guard = self.inner.jwks.lock().ok()?;
        guard
            .as_ref()
            .filter(|(_, at)| at.elapsed() < self.inner.jwks_max_age)
            .map(|(keys, _)| keys.clone())
    }

    async fn refresh_jwks(&self) -> Result<PublicKeySet, Error> {
        let keys = self.fetch_jwks().await?;
        if let Ok(mut guard) = self.inner.jwks.lock() {
            *guard = Some((keys.clone(), Instant::now()));
        }
        Ok(keys)
    }

    /// Sends a request to `path` (relative to the base URL) and reads the whole answer. A 429 is sent again after the
    /// wait the server asks for, while that wait and the number of tries are within the configured bounds.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        authenticate: bool,
    ) -> Result<ApiResponse, Error> {
        let mut retries = 0;
        loop {
            let response = self
                .send_once(method.clone(), path, body.clone(), authenticate)
                .await?;
            if response.status != 429 || retries >= self.inner.max_rate_limit_retries {
                return Ok(response);
            }
            match response.wait() {
                Some(wait) if wait <= self.inner.max_rate_limit_wait => {
                    tokio::time::sleep(wait).await
                }
                _ => return Ok(response),
            }
            retries += 1;
        }
    }

    async fn send_once(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        authenticate: bool,
    ) -> Result<ApiResponse, Error> {
        let url = self.inner.base_url.join(path).map_err(|e| {
            Error::new(
                error_codes::INVALID_ARGUMENT,
                format!("Cannot make a URL of '{path}': {e}"),
            )
            .with_source(e)
        })?;
        let mut request = self
            .inner
            .http
            .request(method, url.clone())
            .header("Accept", "application/json");
        if authenticate {
            request = request.header("Authorization", &self.inner.authorization);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body);
        }
        let network = |e: reqwest::Error| {
            let code = if e.is_timeout() {
                error_codes::TIMEOUT
            } else {
                error_codes::NETWORK_ERROR
            };
            let message = if e.is_timeout() {
                format!(
                    "The server at {} did not answer in time.",
                    self.inner.base_url
                )
            } else {
                format!(
                    "The server at {} could not be reached: {}",
                    self.inner.base_url,
                    describe(&e)
                )
            };
            Error::new(code, message).with_source(e)
        };
        let response = request.send().await.map_err(network)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(network)?.to_vec();
        Ok(ApiResponse::new(status, headers, body, url))
    }

    /// Sends a request and reads the `data` of its envelope.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<(T, Option<RateLimit>), Error> {
        let response = self.send(method, path, body, true).await?;
        if !response.is_success() {
            return Err(response.to_error());
        }
        Ok((response.read::<T>()?, response.rate_limit))
    }
}

/// The error and its causes, in one line.
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Configures a [`Client`]: `Client::builder("KEY").base_url("https://licenz.example.com/api/v1")?.build()?`.
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientBuilder {
    api_key: String,
    base_url: Option<Url>,
    root_certificates: Vec<reqwest::Certificate>,
    verification_keys: Option<PublicKeySet>,
    account_id: Option<String>,
    timeout: Duration,
    jwks_max_age: Duration,
    max_rate_limit_retries: u32,
    max_rate_limit_wait: Duration,
}

impl ClientBuilder {
    /// The API's base URL: a self-hosted server's `https://your-domain.com/api/v1`. Must be `https://`: the API refuses
    /// plain HTTP, and the key must not travel in clear.
    ///
    /// # Errors
    /// `invalid_configuration` when the URL is not an absolute `https://` URL.
    pub fn base_url(mut self, url: &str) -> Result<Self, Error> {
        self.base_url = Some(parse_base_url(url)?);
        Ok(self)
    }

    /// Trusts this certificate (PEM, one or more `CERTIFICATE` blocks) as a root besides the system's: a
    /// self-hosted server's own certificate.
    ///
    /// # Errors
    /// `invalid_configuration` when the text holds no PEM certificate.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        let text = String::from_utf8_lossy(pem);
        let mut found = false;
        let mut rest = text.as_ref();
        while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
            let Some(length) = rest[start..].find("-----END CERTIFICATE-----") else {
                break;
            };
            let end = start + length + "-----END CERTIFICATE-----".len();
            let certificate = reqwest::Certificate::from_pem(&rest.as_bytes()[start..end])
                .map_err(|e| {
                    Error::new(
                        error_codes::INVALID_CONFIGURATION,
                        format!("The certificate is not valid PEM: {e}"),
                    )
                    .with_source(e)
                })?;
            self.root_certificates.push(certificate);
            found = true;
            rest = &rest[end..];
        }
        if !found {
            return Err(Error::new(
                error_codes::INVALID_CONFIGURATION,
                "The certificate text holds no -----BEGIN CERTIFICATE----- block.",
            ));
        }
        Ok(self)
    }

    /// The keys that sign verification answers, shipped with the application (`PublicKeySet::from_jwks`), so that
    /// nothing on the network can substitute keys. Without them the client fetches the server's JWKS.
    pub fn verification_keys(mut self, keys: PublicKeySet) -> Self {
        self.verification_keys = Some(keys);
        self
    }

    /// The account (`acct_…`) whose JWKS and revocation list to fetch; the server's default one otherwise.
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into()).filter(|a: &String| !a.trim().is_empty());
        self
    }

    /// How long one request may take before it fails as `timeout` (default 100 seconds).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many times a request answered 429 (rate limited) is sent again, each after the wait the server asks for
    /// (`Retry-After`, else `X-RateLimit-Reset`). Default 2; 0 never retries.
    pub fn max_rate_limit_retries(mut self, retries: u32) -> Self {
        self.max_rate_limit_retries = retries;
        self
    }

    /// The longest wait for a rate-limit retry (default 30 seconds): when the server asks for a longer one, the 429
    /// surfaces at once as `rate_limited`.
    pub fn max_rate_limit_wait(mut self, wait: Duration) -> Self {
        self.max_rate_limit_wait = wait;
        self
    }

    /// How long a fetched JWKS is kept before it is fetched again (default 1 hour).
    pub fn jwks_max_age(mut self, max_age: Duration) -> Self {
        self.jwks_max_age = max_age;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// `invalid_configuration` when the API key is empty or holds characters an API key never has, or when the HTTP
    /// client cannot be built.
    pub fn build(self) -> Result<Client, Error> {
        let api_key = self.api_key.trim();
        if api_key.is_empty() {
            return Err(Error::new(
                error_codes::INVALID_CONFIGURATION,
                "The API key is required: the key from Dashboard → Settings → API Keys.",
            ));
        }
        if api_key.bytes().any(|b| !(b'!'..=b'~').contains(&b)) {
            return Err(Error::new(
                error_codes::INVALID_CONFIGURATION,
                "The API key contains characters an API key never has (spaces, line breaks, non-ASCII).",
            ));
        }
        let base_url = match self.base_url {
            Some(url) => url,
            None => parse_base_url(DEFAULT_BASE_URL)?,
        };
        let mut http = reqwest::Client::builder()
            .use_rustls_tls()
            .https_only(true)
            .timeout(self.timeout)
            .user_agent(concat!("licenz-sdk-rust/", env!("CARGO_PKG_VERSION")));
        for certificate in self.root_certificates {
            http = http.add_root_certificate(certificate);
        }
        let http = http.build().map_err(|e| {
            Error::new(
                error_codes::INVALID_CONFIGURATION,
                format!("The HTTP client cannot be built: {}", describe(&e)),
            )
            .with_source(e)
        })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                authorization: format!("Bearer {api_key}"),
                verification_keys: self.verification_keys,
                account_id: self.account_id.map(|a| a.trim().to_owned()),
                jwks_max_age: self.jwks_max_age,
                jwks: Mutex::new(None),
                last_unknown_key_fetch: Mutex::new(None),
                max_rate_limit_retries: self.max_rate_limit_retries,
                max_rate_limit_wait: self.max_rate_limit_wait,
            }),
        })
    }
}

/// An absolute `https://` URL, its query and fragment dropped, ending with `/` so that relative paths append.
fn parse_base_url(text: &str) -> Result<Url, Error> {
    let invalid = || {
        Error::new(
            error_codes::INVALID_CONFIGURATION,
            format!("The base URL must be an absolute https:// URL (the API refuses plain HTTP); got '{text}'."),
        )
    };
    let mut url = Url::parse(text.trim()).map_err(|_| invalid())?;
    if url.scheme() != "https" || url.host_str().is_none() {
        return Err(invalid());
    }
    url.set_query(None);
    url.set_fragment(None);
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// Percent-encodes everything but the unreserved characters (RFC 3986), as .NET's `Uri.EscapeDataString`.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A license or machine id (or key) as one path segment.
pub(crate) fn id_segment(id: &str, what: &str) -> Result<String, Error> {
    if id.trim().is_empty() || id == "." || id == ".." {
        return Err(Error::new(
            error_codes::INVALID_ARGUMENT,
            format!("'{id}' is not a {what}."),
        ));
    }
    Ok(escape(id))
}

/// `path?name=value&…`, leaving out the parameters without a value.
pub(crate) fn with_query(path: &str, parameters: &[(&str, Option<&str>)]) -> String {
    let mut text = path.to_owned();
    let mut separator = '?';
    for (name, value) in parameters {
        if let Some(value) = value {
            text.push(separator);
            text.push_str(name);
            text.push('=');
            text.push_str(&escape(value));
            separator = '&';
        }
    }
    text
}

/// A random nonce: 16 bytes, base64url (22 characters the server accepts).
pub(crate) fn nonce() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    if !crate::crypto::random(&mut bytes) {
        return Err(Error::new(
            error_codes::NETWORK_ERROR,
            "The system's random generator failed.",
        ));
    }
    Ok(crate::b64::encode_url(&bytes))
}

#[derive(Deserialize)]
struct DataEnvelope<T> {
    data: Option<T>,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: Option<ErrorBody>,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    field: Option<String>,
}

/// An answer of the API with its body read.
struct ApiResponse {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    url: Url,
    rate_limit: Option<RateLimit>,
}

impl ApiResponse {
    fn new(status: u16, headers: HeaderMap, body: Vec<u8>, url: Url) -> Self {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let rate_limit = RateLimit::parse(
            header("x-ratelimit-limit").as_deref(),
            header("x-ratelimit-remaining").as_deref(),
            header("x-ratelimit-reset").as_deref(),
        );
        Self {
            status,
            headers,
            body,
            url,
            rate_limit,
        }
    }

    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A header as received (several lines joined by ", "), or `None`.
    fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    fn described(&self) -> String {
        match self.header("content-type") {
            Some(kind) if !kind.to_ascii_lowercase().contains("json") => {
                format!(" (it sent {kind})")
            }
            _ => String::new(),
        }
    }

    fn invalid(&self, problem: &str) -> Error {
        Error::new(
            error_codes::INVALID_RESPONSE,
            format!(
                "The server answered HTTP {}, but {problem}{}.",
                self.status,
                self.described()
            ),
        )
        .with_status(self.status, self.rate_limit)
    }

    fn read<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let envelope: DataEnvelope<T> = serde_json::from_slice(&self.body)
            .map_err(|e| self.invalid(&format!("it is not the JSON the API sends ({e})")))?;
        envelope
            .data
            .ok_or_else(|| self.invalid("its body has no \"data\""))
    }

    fn read_page<T: DeserializeOwned>(&self) -> Result<models::Page<T>, Error> {
        #[derive(Deserialize)]
        struct ListEnvelope<T> {
            data: Option<Vec<T>>,
            pagination: Option<models::PageInfo>,
        }
        let envelope: ListEnvelope<T> = serde_json::from_slice(&self.body)
            .map_err(|e| self.invalid(&format!("it is not the JSON the API sends ({e})")))?;
        match envelope {
            ListEnvelope {
                data: Some(data),
                pagination: Some(pagination),
            } => Ok(models::Page {
                data,
                pagination,
                rate_limit: self.rate_limit,
            }),
            _ => Err(self.invalid("its body is not a list with \"data\" and \"pagination\"")),
        }
    }

    /// The error envelope as an [`Error`]; an answer without one (a proxy's page, say) is `invalid_response`.
    fn to_error(&self) -> Error {
        let retry_after = if self.status == 429 {
            self.wait()
        } else {
            None
        };
        let error = serde_json::from_slice::<ErrorEnvelope>(&self.body)
            .ok()
            .and_then(|e| e.error);
        if let Some(ErrorBody {
            code: Some(code),
            message: Some(message),
            field,
        }) = error
        {
            if !code.is_empty() {
                return Error::new(&code, format!("{message}{}", self.base_url_hint()))
                    .with_status(self.status, self.rate_limit)
                    .with_field(field)
                    .with_retry_after(retry_after);
            }
        }
        Error::new(
            error_codes::INVALID_RESPONSE,
            format!(
                "The server answered HTTP {} without the Licenz error envelope{}: is the base URL the API's?{}",
                self.status,
                self.described(),
                self.base_url_hint()
            ),
        )
        .with_status(self.status, self.rate_limit)
        .with_retry_after(retry_after)
    }

    /// For a 404 outside any `/v1/` path: a self-hosted server's address given without its API path.
    fn base_url_hint(&self) -> String {
        if self.status != 404 || self.url.path().contains("/v1/") {
            return String::new();
        }
        let mut origin = self.url.clone();
        origin.set_path("");
        origin.set_query(None);
        format!(
            " The request went to {}: the base URL lacks the API's path. A self-hosted server's API is at {}api/v1.",
            self.url.as_str().split('?').next().unwrap_or_default(),
            origin
        )
    }

    /// How long the server asks the client to wait: `Retry-After` when given (seconds, or an HTTP-date), else until
    /// `X-RateLimit-Reset`.
    fn wait(&self) -> Option<Duration> {
        let now = crate::time::to_millis(std::time::SystemTime::now());
        let until = |at_millis: i64| {
            Duration::from_millis(u64::try_from(at_millis.saturating_sub(now)).unwrap_or(0))
        };
        if let Some(value) = self.header("retry-after") {
            let value = value.trim();
            if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
                return value.parse::<u64>().ok().map(Duration::from_secs);
            }
            if let Some(at) = crate::time::parse_http_date(value) {
                return Some(until(crate::time::to_millis(at)));
            }
        }
        self.rate_limit
            .and_then(|limit| limit.reset)
            .map(|reset| until(crate::time::to_millis(reset)))
    }

    fn check_signature(&self, nonce: &str, keys: &PublicKeySet) -> ResponseSignatureResult {
        ResponseSignature::verify(
            self.status,
            self.header("content-digest").as_deref(),
            self.header("date").as_deref(),
            self.header("signature-input").as_deref(),
            self.header("signature").as_deref(),
            &self.body,
            Some(nonce),
            keys,
        )
    }

    /// A verification answer that fails its checks: never a result.
    fn signature_failure(&self, code: crate::ResponseSignatureCode, detail: &str) -> Error {
        Error::new(
            error_codes::INVALID_RESPONSE_SIGNATURE,
            format!("The verification response failed its signature check ({code}): {detail} It was not trusted."),
        )
        .with_status(self.status, self.rate_limit)
        .with_signature_code(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn response(status: u16, headers: &[(&'static str, &'static str)], body: &str) -> ApiResponse {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let url = Url::parse("https://licenz.example.com/api/v1/licenses/lic_x").expect("url");
        ApiResponse::new(status, map, body.as_bytes().to_vec(), url)
    }

    #[test]
    fn an_error_envelope_is_a_typed_error_with_the_rate_limit() {
        let answer = response(
            429,
            &[
                ("x-ratelimit-limit", "500"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1705319400"),
                ("retry-after", "12"),
            ],
            r#"{"error":{"code":"rate_limited","message":"Too many requests","status":429}}"#,
        );
        let error = answer.to_error();
        assert_eq!(error.code(), "rate_limited");
        assert_eq!(error.message(), "Too many requests");
        assert_eq!(error.status(), Some(429));
        assert_eq!(error.retry_after(), Some(Duration::from_secs(12)));
        let limit = error.rate_limit().expect("rate limit");
        assert_eq!((limit.limit, limit.remaining), (Some(500), Some(0)));
        assert_eq!(
            limit.reset,
            Some(std::time::UNIX_EPOCH + Duration::from_secs(1_705_319_400))
        );

        let bad = response(
            400,
            &[],
            r#"{"error":{"code":"bad_request","message":"email is required","status":400,"field":"email"}}"#,
        );
        assert_eq!(bad.to_error().field(), Some("email"));

        let unlimited = response(
            404,
            &[("x-ratelimit-limit", "unlimited")],
            r#"{"error":{"code":"not_found","message":"No such license."}}"#,
        );
        let error = unlimited.to_error();
        assert_eq!(error.code(), "not_found");
        assert!(error.rate_limit().expect("rate limit").is_unlimited());
    }

    #[test]
    fn an_answer_without_the_envelope_is_an_invalid_response() {
        let page = response(
            502,
            &[("content-type", "text/html")],
            "<html>Bad gateway</html>",
        );
        let error = page.to_error();
        assert_eq!(error.code(), error_codes::INVALID_RESPONSE);
        assert!(error.message().contains("text/html"), "{error}");
        assert!(page.read::<serde_json::Value>().is_err());
        let data = response(200, &[], r#"{"data":{"id":"x"}}"#);
        assert_eq!(data.read::<serde_json::Value>().expect("data")["id"], "x");
        let hint = ApiResponse::new(
            404,
            HeaderMap::new(),
            b"{}".to_vec(),
            Url::parse("https://h.example/licenses").expect("url"),
        );
        assert!(
            hint.to_error()
                .message()
                .contains("https://h.example/api/v1"),
            "{}",
            hint.to_error()
        );
    }

    #[test]
    fn paths_are_escaped() {
        assert_eq!(escape("LIC-AB CD/ä"), "LIC-AB%20CD%2F%C3%A4");
        assert!(id_segment("..", "id").is_err());
        assert!(id_segment(" ", "id").is_err());
        assert_eq!(
            with_query(
                "licenses",
                &[("a", Some("x y")), ("b", None), ("c", Some("1"))]
            ),
            "licenses?a=x%20y&c=1"
        );
    }
}
