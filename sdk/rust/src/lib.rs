//! # licenz_sdk
//!
//! The Rust SDK of [Licenz](https://api.licenz.io), a self-hostable software licensing server:
//!
//! - [`Client`]: the REST API (`Authorization: Bearer …`, JSON envelopes, typed [`Error`]s with the server's code,
//!   message and rate limit), with online verification whose signed answers are checked (RFC 9421, Ed25519).
//! - [`LicenseFile::verify`]: signed (and optionally encrypted) license files checked offline, with the codes and
//!   check order of `docs/license-file-format.md`.
//! - [`RevocationList`], [`ResponseSignature`], [`PublicKeySet`], [`TrustedClock`].
//!
//! ```no_run
//! # async fn run() -> Result<(), licenz_sdk::Error> {
//! use licenz_sdk::Client;
//!
//! let client = Client::new("YOUR_API_KEY");
//! let licenses = client.licenses().list().await?;
//! # Ok(()) }
//! ```
//!
//! Offline:
//!
//! ```no_run
//! use licenz_sdk::{LicenseFile, LicenseFileOptions, PublicKeySet};
//!
//! # fn run(jwks: &str, file: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let keys = PublicKeySet::from_jwks(jwks)?;
//! let options = LicenseFileOptions { license_key: Some("LIC-TESTV-ECT0R-0001H".into()), ..Default::default() };
//! let result = LicenseFile::verify(file, &keys, &options);
//! if !result.is_valid() {
//!     eprintln!("{}: {}", result.code, result.message);
//! }
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod b64;
mod client;
mod crypto;
mod json;
mod keys;
mod license_file;
mod license_key;
mod response_signature;
mod revocation;
mod structured_fields;
mod time;
mod trusted_clock;

pub use client::models::{
    verification_codes, LicenseCreateOptions, LicenseFileCheckout, LicenseFileCheckoutOptions,
    LicenseInfo, LicenseSummary, LicenseUpdateOptions, MachineActivationOptions, MachineInfo, Page,
    PageInfo, ProductCreateOptions, ProductInfo, VerificationResult, VerifyOptions,
};
pub use client::{
    error_codes, Client, ClientBuilder, Error, LicensesClient, ListLicenses, MachinesClient,
    ProductsClient, RateLimit, DEFAULT_BASE_URL,
};
pub use keys::{JwksError, PublicKeySet};
pub use license_file::{
    components_most_match, fingerprint_matching, LicenseClaims, LicenseFile, LicenseFileClaims,
    LicenseFileCode, LicenseFileOptions, LicenseFileResult,
};
pub use license_key::normalize_license_key;
pub use response_signature::{ResponseSignature, ResponseSignatureCode, ResponseSignatureResult};
pub use revocation::RevocationList;
pub use trusted_clock::{MemoryTrustedClock, TrustedClock};
