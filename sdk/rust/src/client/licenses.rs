//! Licenses: `/licenses`.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use reqwest::Method;
use serde_json::{json, Map, Value};

use super::models::{
    LicenseCreateOptions, LicenseFileCheckout, LicenseFileCheckoutOptions, LicenseInfo,
    LicenseUpdateOptions, Page, VerificationResult, VerifyOptions,
};
use super::{error_codes, id_segment, nonce, with_query, Client, Error};
use crate::ResponseSignatureCode;

/// Licenses: `/licenses`. Reached through [`Client::licenses`].
#[derive(Debug, Clone, Copy)]
pub struct LicensesClient<'a> {
    pub(super) client: &'a Client,
}

/// One page of licenses, newest first: [`LicensesClient::list`]. Set filters, then `.await` it (or call
/// [`ListLicenses::send`]).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ListLicenses<'a> {
    client: &'a Client,
    product_id: Option<String>,
    status: Option<String>,
    email: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

impl<'a> ListLicenses<'a> {
    /// Only the licenses of this product (`prod_…`).
    pub fn product_id(mut self, product_id: impl Into<String>) -> Self {
        self.product_id = Some(product_id.into());
        self
    }

    /// Only the licenses in this status (`active`, `suspended`, `revoked`, `expired`).
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// Only the licenses of this customer email.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// The page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Where to start: the `next_cursor` of the previous page.
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }

    /// Sends the request.
    ///
    /// # Errors
    /// The server's error answer, or a failure to reach it.
    pub async fn send(self) -> Result<Page<LicenseInfo>, Error> {
        let limit = self.limit.map(|l| l.to_string());
        let path = with_query(
            "licenses",
            &[
                ("product_id", self.product_id.as_deref()),
                ("status", self.status.as_deref()),
                ("email", self.email.as_deref()),
                ("limit", limit.as_deref()),
                ("cursor", self.cursor.as_deref()),
            ],
        );
        let response = self.client.send(Method::GET, &path, None, true).await?;
        if !response.is_success() {
            return Err(response.to_error());
        }
        let mut page = response.read_page::<LicenseInfo>()?;
        for license in &mut page.data {
            license.rate_limit = page.rate_limit;
        }
        Ok(page)
    }
}

impl<'a> IntoFuture for ListLicenses<'a> {
    type Output = Result<Page<LicenseInfo>, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

fn to_body(value: &impl serde::Serialize) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|e| {
        Error::new(
            error_codes::INVALID_ARGUMENT,
            format!("The request cannot be written as JSON: {e}"),
        )
        .with_source(e)
    })
}

impl<'a> LicensesClient<'a> {
    /// One page of licenses, newest first; filters are set on the returned request:
    /// `client.licenses().list().product_id("prod_…").limit(50).await?`.
    pub fn list(&self) -> ListLicenses<'a> {
        ListLicenses {
            client: self.client,
            product_id: None,
            status: None,
            email: None,
            limit: None,
            cursor: None,
        }
    }

    /// A license by id (`lic_…`) or by key, in any form a customer might type it.
    ///
    /// # Errors
    /// `not_found` when there is no such license; any other error answer or failure to reach the server.
    pub async fn get(&self, id_or_key: &str) -> Result<LicenseInfo, Error> {
        let path = format!("licenses/{}", id_segment(id_or_key, "license id or key")?);
        self.license(Method::GET, &path, None).await
    }

    /// Creates a license and its key.
    ///
    /// # Errors
    /// The server's error answer (`bad_request` naming the field at fault, …), or a failure to reach it.
    pub async fn create(&self, options: &LicenseCreateOptions) -> Result<LicenseInfo, Error> {
        self.license(Method::POST, "licenses", Some(to_body(options)?))
            .await
    }

    /// Changes a license's email, expiry or metadata; what is left `None` stays as it is.
    ///
    /// # Errors
    /// The server's error answer, or a failure to reach it.
    pub async fn update(
        &self,
        id_or_key: &str,
        options: &LicenseUpdateOptions,
    ) -> Result<LicenseInfo, Error> {
        let path = format!("licenses/{}", id_segment(id_or_key, "license id or key")?);
        self.license(Method::PATCH, &path, Some(to_body(options)?))
            .await
    }

    /// Suspends an active license: it stops verifying until reinstated.
    ///
    /// # Errors
    /// The server's error answer, or a failure to reach it.
    pub async fn suspend(&self, id_or_key: &str) -> Result<LicenseInfo, Error> {
        self.act(id_or_key, "suspend", None).await
    }

    /// Reinstates a suspended license.
    ///
    /// # Errors
    /// The server's error answer, or a failure to reach it.
    pub async fn reinstate(&self, id_or_key: &str) -> Result<LicenseInfo, Error> {
        self.act(id_or_key, "reinstate", None).await
    }

    /// Revokes a license permanently.
    ///
    /// # Errors
    /// The server's error answer, or a failure to reach it.
    pub async fn revoke(&self, id_or_key: &str) -> Result<LicenseInfo, Error> {
        self.act(id_or_key, "revoke", None).await
    }

    /// Extends a subscription or trial license by `days`, or by its product's length when `None`.
    ///
    /// # Errors
    /// The server's error answer, or a failure to reach it.
    pub async fn renew(&self, id_or_key: &str, days: Option<u32>) -> Result<LicenseInfo, Error> {
        let body = days
            .map(|days| to_body(&json!({ "days": days })))
            .transpose()?;
        self.act(id_or_key, "renew", body).await
    }

    /// Verifies a license key online. The request carries a fresh random nonce; the answer is trusted only when its
    /// Ed25519 signature (RFC 9421) holds for a trusted key (the client's verification keys, or the server's JWKS),
    /// its `Content-Digest` matches the body, and it answers this very nonce.
    ///
    /// # Errors
    /// `invalid_response_signature` when the answer's signature, digest or nonce does not hold (never a verdict);
    /// the server's error answer; a failure to reach it.
    pub async fn verify(
        &self,
        license_key: &str,
        options: &VerifyOptions,
    ) -> Result<VerificationResult, Error> {
        if license_key.trim().is_empty() {
            return Err(Error::new(
                error_codes::INVALID_ARGUMENT,
                "The license key is required.",
            ));
        }
        let nonce = nonce()?;
        let mut body = Map::new();
        body.insert("key".into(), Value::from(license_key));
        if let Some(product_id) = &options.product_id {
            body.insert("product_id".into(), Value::from(product_id.as_str()));
        }
        body.insert("nonce".into(), Value::from(nonce.as_str()));
        if let Some(fingerprint) = &options.fingerprint {
            body.insert("fingerprint".into(), Value::from(fingerprint.as_str()));
        }
        if !options.entitlements.is_empty() {
            body.insert(
                "entitlements".into(),
                Value::from(options.entitlements.clone()),
            );
        }
        let response = self
            .client
            .send(Method::POST, "licenses/verify", Some(to_body(&body)?), true)
            .await?;
        if !response.is_success() {
            // An error is never taken as a verdict on the license, so it need not be trusted.
            return Err(response.to_error());
        }
        let signature = self.client.check_signature(&response, &nonce).await?;
        if !signature.is_valid() {
            return Err(response.signature_failure(signature.code, &signature.message));
        }
        let mut result: VerificationResult = response.read()?;
        if result.nonce.as_deref() != Some(nonce.as_str()) {
            return Err(response.signature_failure(
                ResponseSignatureCode::NonceMismatch,
                "The signed body echoes another nonce than the one sent: it answers another request.",
            ));
        }
        let (Some(signed_date), Some(key_id)) = (signature.signed_date, signature.key_id) else {
            return Err(response.signature_failure(
                ResponseSignatureCode::Malformed,
                "The signed Date is not an HTTP-date.",
            ));
        };
        result.signed_date = signed_date;
        result.signing_key_id = key_id;
        result.rate_limit = response.rate_limit;
        Ok(result)
    }

    /// Checks out a signed license file for offline verification with [`crate::LicenseFile::verify`]. An admin key may
    /// name the license by id or key; a verify-only key presents the license key.
    ///
    /// # Errors
    /// `no_machine` when a bound file is asked for a fingerprint not activated on the license; `invalid_argument`
    /// for a time to live that is not a positive whole number of seconds; any other error answer or failure to reach
    /// the server.
    pub async fn check_out_license_file(
        &self,
        id_or_key: &str,
        options: &LicenseFileCheckoutOptions,
    ) -> Result<LicenseFileCheckout, Error> {
        let path = format!(
            "licenses/{}/license-file",
            id_segment(id_or_key, "license id or key")?
        );
        let mut body = Map::new();
        if let Some(ttl) = options.ttl {
            if ttl.subsec_nanos() != 0 || ttl.as_secs() == 0 || ttl.as_secs() > i32::MAX as u64 {
                return Err(Error::new(
                    error_codes::INVALID_ARGUMENT,
                    "The time to live must be a positive whole number of seconds.",
                ));
            }
            body.insert("ttl".into(), Value::from(ttl.as_secs()));
        }
        if let Some(fingerprint) = &options.fingerprint {
            body.insert("fingerprint".into(), Value::from(fingerprint.as_str()));
        }
        if options.encrypt {
            body.insert("encrypt".into(), Value::Bool(true));
        }
        let (mut checkout, rate_limit) = self
            .client
            .call::<LicenseFileCheckout>(Method::POST, &path, Some(to_body(&body)?))
            .await?;
        checkout.rate_limit = rate_limit;
        Ok(checkout)
    }

    async fn act(
        &self,
        id_or_key: &str,
        action: &str,
        body: Option<Vec<u8>>,
    ) -> Result<LicenseInfo, Error> {
        let path = format!(
            "licenses/{}/{action}",
            id_segment(id_or_key, "license id or key")?
        );
        self.license(Method::POST, &path, body).await
    }

    async fn license(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<LicenseInfo, Error> {
        let (mut license, rate_limit) = self.client.call::<LicenseInfo>(method, path, body).await?;
        license.rate_limit = rate_limit;
        Ok(license)
    }
}
