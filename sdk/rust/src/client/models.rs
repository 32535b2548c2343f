//! What the API answers, and what some requests take. Times are ISO-8601 strings as the API sends them
//! (`2026-01-15T10:30:00Z`).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::RateLimit;

/// A license, as the API answers it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct LicenseInfo {
    /// License id, `lic_…`.
    pub id: String,
    /// The license key, `LIC-XXXXX-XXXXX-XXXXX`.
    pub key: String,
    /// Product id, `prod_…`.
    pub product_id: String,
    /// The customer's email.
    #[serde(default)]
    pub email: String,
    /// `subscription`, `perpetual` or `trial`.
    #[serde(rename = "type", default)]
    pub license_type: String,
    /// `active`, `suspended`, `revoked` or `expired`.
    pub status: String,
    /// When the license expires; `None` for perpetual licenses.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// The license's metadata.
    #[serde(default)]
    pub metadata: Value,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it last changed.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// When it was suspended, while suspended.
    #[serde(default)]
    pub suspended_at: Option<String>,
    /// When it was revoked.
    #[serde(default)]
    pub revoked_at: Option<String>,
    /// When it was last verified.
    #[serde(default)]
    pub last_validated_at: Option<String>,
    /// Its policy, when it has one.
    #[serde(default)]
    pub policy_id: Option<String>,
    /// How many machines it may be activated on; `None` for no limit.
    #[serde(default)]
    pub max_machines: Option<i64>,
    /// How many machines are activated.
    #[serde(default)]
    pub machines_count: i64,
    /// The rate limit as of the response this came in.
    #[serde(skip)]
    pub rate_limit: Option<RateLimit>,
}

/// A product, as the API answers it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ProductInfo {
    /// Product id, `prod_…`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its short code.
    #[serde(default)]
    pub code: String,
    /// Its metadata.
    #[serde(default)]
    pub metadata: Value,
    /// Days a new subscription license lasts.
    #[serde(default)]
    pub subscription_days: i64,
    /// Days a new trial license lasts.
    #[serde(default)]
    pub trial_days: i64,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it last changed.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// The rate limit as of the response this came in.
    #[serde(skip)]
    pub rate_limit: Option<RateLimit>,
}

/// A machine activated on a license.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct MachineInfo {
    /// Machine id, `mach_…`.
    pub id: String,
    /// Its license.
    pub license_id: String,
    /// Its license's product.
    #[serde(default)]
    pub product_id: String,
    /// Its fingerprint.
    pub fingerprint: String,
    /// Its name, when given.
    #[serde(default)]
    pub name: Option<String>,
    /// Its platform, when given.
    #[serde(default)]
    pub platform: Option<String>,
    /// Its host name, when given.
    #[serde(default)]
    pub hostname: Option<String>,
    /// Its named, hashed components.
    #[serde(default)]
    pub components: BTreeMap<String, String>,
    /// When it was activated.
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it last changed.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Its last heartbeat.
    #[serde(default)]
    pub last_heartbeat_at: Option<String>,
    /// When its next heartbeat is due, under a policy that requires them.
    #[serde(default)]
    pub heartbeat_due_at: Option<String>,
    /// The rate limit as of the response this came in.
    #[serde(skip)]
    pub rate_limit: Option<RateLimit>,
}

/// A license file checked out for offline verification ([`crate::LicenseFile::verify`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct LicenseFileCheckout {
    /// The armored license file, to save as it is.
    pub license_file: String,
    /// Its license.
    pub license_id: String,
    /// The key that signed it.
    #[serde(default)]
    pub key_id: String,
    /// When it was issued.
    #[serde(default)]
    pub issued_at: Option<String>,
    /// When its time to live ends.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Whether it is encrypted (for the license key, and the fingerprint when bound).
    #[serde(default)]
    pub encrypted: bool,
    /// The fingerprint it is bound to, when bound.
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// The machine it is bound to, when bound.
    #[serde(default)]
    pub machine_id: Option<String>,
    /// The rate limit as of the response this came in.
    #[serde(skip)]
    pub rate_limit: Option<RateLimit>,
}

/// The license a verification answer is about.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct LicenseSummary {
    /// License id.
    pub id: String,
    /// License key.
    pub key: String,
    /// Product id.
    pub product_id: String,
    /// License type.
    #[serde(rename = "type", default)]
    pub license_type: String,
    /// License status.
    pub status: String,
    /// When the license expires.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Its metadata.
    #[serde(default)]
    pub metadata: Value,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Its policy.
    #[serde(default)]
    pub policy_id: Option<String>,
    /// Its effective entitlement codes.
    #[serde(default)]
    pub entitlements: Vec<String>,
}

/// The codes of [`VerificationResult::code`].
pub mod verification_codes {
    /// The license is valid.
    pub const VALID: &str = "VALID";
    /// No such license key.
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// The license is suspended.
    pub const SUSPENDED: &str = "SUSPENDED";
    /// The license expired.
    pub const EXPIRED: &str = "EXPIRED";
    /// The license is revoked.
    pub const REVOKED: &str = "REVOKED";
    /// The license is another product's.
    pub const PRODUCT_SCOPE_MISMATCH: &str = "PRODUCT_SCOPE_MISMATCH";
    /// The license's uses are exhausted.
    pub const USAGE_EXCEEDED: &str = "USAGE_EXCEEDED";
    /// More machines than the license allows.
    pub const TOO_MANY_MACHINES: &str = "TOO_MANY_MACHINES";
    /// No machine with that fingerprint is activated on the license.
    pub const NO_MACHINE: &str = "NO_MACHINE";
    /// The fingerprint is not the one the license is scoped to.
    pub const FINGERPRINT_SCOPE_MISMATCH: &str = "FINGERPRINT_SCOPE_MISMATCH";
    /// The license requires a fingerprint.
    pub const FINGERPRINT_SCOPE_REQUIRED: &str = "FINGERPRINT_SCOPE_REQUIRED";
    /// The machine's heartbeat stopped.
    pub const HEARTBEAT_DEAD: &str = "HEARTBEAT_DEAD";
    /// The license lacks a required entitlement.
    pub const ENTITLEMENTS_MISSING: &str = "ENTITLEMENTS_MISSING";
}

/// A signed verification answer whose signature, digest and nonce were checked.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct VerificationResult {
    /// Whether the license is valid.
    pub valid: bool,
    /// `VALID`, or why not (see [`verification_codes`]).
    pub code: String,
    /// The code, in words.
    #[serde(default)]
    pub detail: String,
    /// The nonce the request carried (checked equal to the one sent).
    #[serde(default)]
    pub nonce: Option<String>,
    /// When the server verified it.
    #[serde(default)]
    pub verified_at: Option<String>,
    /// The account (`acct_…`).
    #[serde(default)]
    pub account_id: Option<String>,
    /// The license, when the key is known.
    #[serde(default)]
    pub license: Option<LicenseSummary>,
    /// Valid, past the license's expiry, within its grace period.
    #[serde(default)]
    pub in_grace: bool,
    /// When the grace period ends, while in grace.
    #[serde(default)]
    pub grace_ends_at: Option<String>,
    /// The machine verified, when a fingerprint was given.
    #[serde(default)]
    pub machine_id: Option<String>,
    /// The version of the account's revocation list when the answer was made.
    #[serde(default)]
    pub revocation_version: i64,
    /// The signed `Date` of the answer: a time the application may trust.
    #[serde(skip, default = "epoch")]
    pub signed_date: SystemTime,
    /// The key that signed the answer.
    #[serde(skip)]
    pub signing_key_id: String,
    /// The rate limit as of the response.
    #[serde(skip)]
    pub rate_limit: Option<RateLimit>,
}

fn epoch() -> SystemTime {
    SystemTime::UNIX_EPOCH
}

impl VerificationResult {
    /// Whether the license is valid and grants the entitlement `code`.
    pub fn has_entitlement(&self, code: &str) -> bool {
        self.valid
            && self
                .license
                .as_ref()
                .is_some_and(|l| l.entitlements.iter().any(|e| e == code))
    }
}

/// One page of a list, and how to get the next.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// Where the page is in the list.
    pub pagination: PageInfo,
    /// The rate limit as of the response.
    pub rate_limit: Option<RateLimit>,
}

/// Where a page is in its list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PageInfo {
    /// The page size.
    #[serde(default)]
    pub limit: i64,
    /// Whether more items follow.
    #[serde(default)]
    pub has_more: bool,
    /// The cursor of the next page, when there is one.
    #[serde(default)]
    pub next_cursor: Option<String>,
    /// The total count, when the server tells it.
    #[serde(default)]
    pub total: Option<i64>,
}

/// A new license: `POST /licenses`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LicenseCreateOptions {
    /// The product (`prod_…`).
    pub product_id: String,
    /// The customer's email.
    pub email: String,
    /// `subscription`, `perpetual` or `trial` (the server requires it: it picks the product's default policy for it).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub license_type: Option<String>,
    /// When it expires (ISO-8601); the product's length when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Its metadata (a JSON object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// Changes to a license: `PATCH /licenses/{id}`. What is left `None` stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LicenseUpdateOptions {
    /// A new email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A new expiry (ISO-8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// New metadata (a JSON object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// A new product: `POST /products`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProductCreateOptions {
    /// Its name.
    pub name: String,
    /// Its short code; derived from the name when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Its metadata (a JSON object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Days a new subscription license lasts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_days: Option<i64>,
    /// Days a new trial license lasts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trial_days: Option<i64>,
}

/// What an online verification checks besides the key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The product the application is: a license of another product is `PRODUCT_SCOPE_MISMATCH`.
    pub product_id: Option<String>,
    /// The machine's fingerprint: the license must be activated on it.
    pub fingerprint: Option<String>,
    /// Entitlements the license must grant.
    pub entitlements: Vec<String>,
}

/// How to check out a license file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LicenseFileCheckoutOptions {
    /// The file's time to live, in whole seconds; the server's default when `None`.
    pub ttl: Option<Duration>,
    /// Binds the file to the activated machine with this fingerprint.
    pub fingerprint: Option<String>,
    /// Encrypts the file for the license key (and the fingerprint when bound).
    pub encrypt: bool,
}

/// A machine's details at activation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MachineActivationOptions {
    /// Its named, hashed components (board, cpu, disk, os, …).
    pub components: BTreeMap<String, String>,
    /// Its name.
    pub name: Option<String>,
    /// Its platform.
    pub platform: Option<String>,
    /// Its host name.
    pub hostname: Option<String>,
}
