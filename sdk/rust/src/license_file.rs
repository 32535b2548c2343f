//! Signed license files, checked offline: [`LicenseFile::verify`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::{
    b64, crypto, json, normalize_license_key, time, MemoryTrustedClock, PublicKeySet,
    RevocationList, TrustedClock,
};

/// The outcome codes of [`LicenseFile::verify`], the same strings as the other Licenz SDKs (`as_str`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LicenseFileCode {
    /// `VALID`: the file holds and the license may be used.
    Valid,
    /// `NO_LICENSE_FILE`: no text at all, or only whitespace: no file was saved yet.
    NoLicenseFile,
    /// `MALFORMED`: not a license file (armor, encoding, header, claims), or a damaged one.
    Malformed,
    /// `LICENSE_KEY_REQUIRED`: the file is encrypted, and no well-formed license key was given to open it.
    LicenseKeyRequired,
    /// `FINGERPRINT_REQUIRED`: the file is bound to a machine, and no fingerprint (nor components) was given.
    FingerprintRequired,
    /// `DECRYPTION_FAILED`: the encrypted file is another license key's.
    DecryptionFailed,
    /// `UNKNOWN_KEY`: signed by a key that is not among the trusted keys.
    UnknownKey,
    /// `BAD_SIGNATURE`: the signature does not hold: altered, or not issued by this server.
    BadSignature,
    /// `ISSUER_MISMATCH`: issued by another account than the one expected.
    IssuerMismatch,
    /// `PRODUCT_MISMATCH`: the file is for another product.
    ProductMismatch,
    /// `LICENSE_KEY_MISMATCH`: the file is for another license key than the one entered.
    LicenseKeyMismatch,
    /// `CLOCK_TAMPERED`: the clock is behind a time already trusted: it was set back.
    ClockTampered,
    /// `NOT_YET_VALID`: issued after the current time.
    NotYetValid,
    /// `FILE_EXPIRED`: the file's time to live is over: check in with the server for a new one.
    FileExpired,
    /// `FINGERPRINT_MISMATCH`: bound to another machine.
    FingerprintMismatch,
    /// `REVOKED`: the license is revoked (or deleted).
    Revoked,
    /// `SUSPENDED`: the license is suspended.
    Suspended,
    /// `NO_MACHINE`: the machine the file is bound to was deactivated.
    NoMachine,
    /// `EXPIRED`: the license expired (and its grace period, if any, ended).
    Expired,
    /// `ENTITLEMENTS_MISSING`: the license lacks an entitlement the application requires.
    EntitlementsMissing,
}

impl LicenseFileCode {
    /// The code as the SDKs and documentation write it: `VALID`, `BAD_SIGNATURE`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "VALID",
            Self::NoLicenseFile => "NO_LICENSE_FILE",
            Self::Malformed => "MALFORMED",
            Self::LicenseKeyRequired => "LICENSE_KEY_REQUIRED",
            Self::FingerprintRequired => "FINGERPRINT_REQUIRED",
            Self::DecryptionFailed => "DECRYPTION_FAILED",
            Self::UnknownKey => "UNKNOWN_KEY",
            Self::BadSignature => "BAD_SIGNATURE",
            Self::IssuerMismatch => "ISSUER_MISMATCH",
            Self::ProductMismatch => "PRODUCT_MISMATCH",
            Self::LicenseKeyMismatch => "LICENSE_KEY_MISMATCH",
            Self::ClockTampered => "CLOCK_TAMPERED",
            Self::NotYetValid => "NOT_YET_VALID",
            Self::FileExpired => "FILE_EXPIRED",
            Self::FingerprintMismatch => "FINGERPRINT_MISMATCH",
            Self::Revoked => "REVOKED",
            Self::Suspended => "SUSPENDED",
            Self::NoMachine => "NO_MACHINE",
            Self::Expired => "EXPIRED",
            Self::EntitlementsMissing => "ENTITLEMENTS_MISSING",
        }
    }
}

impl fmt::Display for LicenseFileCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a bound file recognises its machine: `license.fingerprint_matching`.
pub mod fingerprint_matching {
    /// The fingerprint alone.
    pub const EXACT: &str = "exact";
    /// The fingerprint, or most of the machine's components ([`crate::components_most_match`]).
    pub const MOST_COMPONENTS: &str = "most_components";
}

/// The claims of a license file whose signature holds.
#[derive(Debug, Clone, PartialEq)]
pub struct LicenseFileClaims {
    /// The issuing account, `acct_…` (`iss`).
    pub issuer: String,
    /// The license id, `lic_…` (`sub`).
    pub license_id: String,
    /// When the file was issued (`iat`).
    pub issued_at: SystemTime,
    /// When the file's time to live ends (`exp`): then the application checks in with the server.
    pub expires_at: SystemTime,
    /// The file's unique id (`jti`).
    pub file_id: String,
    /// The revocation list's version when the file was issued (`revocation_version`; 0 when absent).
    pub revocation_version: i64,
    /// The license.
    pub license: LicenseClaims,
}

/// The `license` claim of a license file.
#[derive(Debug, Clone, PartialEq)]
pub struct LicenseClaims {
    /// License id, `lic_…`.
    pub id: String,
    /// The license key, `LIC-XXXXX-XXXXX-XXXXX`.
    pub key: String,
    /// Product id, `prod_…`.
    pub product_id: String,
    /// `subscription`, `perpetual` or `trial`.
    pub license_type: String,
    /// The license's status when the file was issued (`active`).
    pub status: String,
    /// The license's own expiry; `None` for perpetual licenses.
    pub expires_at: Option<SystemTime>,
    /// The license's entitlement codes.
    pub entitlements: Vec<String>,
    /// The license's metadata (a JSON object).
    pub metadata: Value,
    /// The machine fingerprint the file is bound to, when bound.
    pub fingerprint: Option<String>,
    /// The activated machine the file is bound to (`mach_…`), when bound.
    pub machine_id: Option<String>,
    /// The bound machine's named, hashed components, when it has some.
    pub components: Option<BTreeMap<String, String>>,
    /// How a bound file recognises its machine (see [`fingerprint_matching`]); `None` reads as `exact`.
    pub fingerprint_matching: Option<String>,
    /// How long after `expires_at` the license still verifies, flagged as in grace.
    pub grace_period: Option<Duration>,
    /// The longest a file of this license may live.
    pub check_in_interval: Option<Duration>,
}

impl LicenseClaims {
    /// Whether the license grants the entitlement `code`.
    pub fn has_entitlement(&self, code: &str) -> bool {
        self.entitlements.iter().any(|e| e == code)
    }
}

/// What [`LicenseFile::verify`] checks a license file against. Build it with `..Default::default()`.
#[derive(Clone)]
pub struct LicenseFileOptions {
    /// The current time; the system clock when `None`.
    pub now: Option<SystemTime>,
    /// The license key the customer entered. Required to open encrypted files; when given, a file for another key is
    /// refused ([`LicenseFileCode::LicenseKeyMismatch`]).
    pub license_key: Option<String>,
    /// This machine's fingerprint. Required for files bound to a machine.
    pub fingerprint: Option<String>,
    /// This machine's named, hashed components: with them a bound file matching `most_components` also accepts this
    /// machine when its fingerprint changed but most of its components match the file's.
    pub components: Option<BTreeMap<String, String>>,
    /// Entitlement codes the application requires ([`LicenseFileCode::EntitlementsMissing`] names the missing ones).
    pub required_entitlements: Vec<String>,
    /// When set, a file for another product is refused.
    pub product_id: Option<String>,
    /// When set, a file issued by another account (`iss`) is refused.
    pub issuer: Option<String>,
    /// Where the latest trusted time, the highest revocation list version seen and the kept revocation list of each
    /// issuer are remembered. The default is a fresh [`MemoryTrustedClock`] of these options (clones share it).
    pub trusted_clock: Arc<dyn TrustedClock>,
    /// How far the clock may be behind a trusted time before it counts as set back. Default 10 minutes.
    pub clock_tolerance: Duration,
    /// Allowance for clock skew on the file's `iat` and `exp`. Default 2 minutes.
    pub leeway: Duration,
}

impl Default for LicenseFileOptions {
    fn default() -> Self {
        Self {
            now: None,
            license_key: None,
            fingerprint: None,
            components: None,
            required_entitlements: Vec::new(),
            product_id: None,
            issuer: None,
            trusted_clock: Arc::new(MemoryTrustedClock::new()),
            clock_tolerance: Duration::from_secs(600),
            leeway: Duration::from_secs(120),
        }
    }
}

impl fmt::Debug for LicenseFileOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LicenseFileOptions")
            .field("now", &self.now)
            .field("license_key", &self.license_key.as_ref().map(|_| "…"))
            .field("fingerprint", &self.fingerprint)
            .field("components", &self.components)
            .field("required_entitlements", &self.required_entitlements)
            .field("product_id", &self.product_id)
            .field("issuer", &self.issuer)
            .field("clock_tolerance", &self.clock_tolerance)
            .field("leeway", &self.leeway)
            .finish_non_exhaustive()
    }
}

impl LicenseFileOptions {
    /// The key that opens encrypted files for the license key (and the fingerprint when `bound`), or `None` when they
    /// are not given (or the license key is not well-formed).
    fn content_key(&self, bound: bool) -> Option<[u8; 32]> {
        let key = normalize_license_key(self.license_key.as_deref()?)?;
        let fingerprint = if bound {
            Some(self.fingerprint.as_deref()?)
        } else {
            None
        };
        Some(LicenseFile::derive_key(&key, fingerprint))
    }
}

/// The outcome of checking a license file. Never an error: a failure has a code and a reason.
#[derive(Debug, Clone, PartialEq)]
pub struct LicenseFileResult {
    /// What the check found.
    pub code: LicenseFileCode,
    /// The code, in words.
    pub message: String,
    /// The file's claims once its signature has been verified (also for most failures); `None` otherwise.
    pub claims: Option<LicenseFileClaims>,
    /// Valid, but past the license's expiry, within its grace period: the application should urge a renewal.
    pub in_grace: bool,
    /// When the grace period ends, while `in_grace`.
    pub grace_ends_at: Option<SystemTime>,
    /// Valid for this machine by its components rather than its fingerprint, which changed since the file was issued.
    pub matched_by_components: bool,
    /// The version of the issuer's revocation list the file was checked against; 0 when none is kept.
    pub revocation_list_version: i64,
    /// A newer revocation list than the one checked against exists: fetch it when online.
    pub revocation_list_outdated: bool,
}

impl LicenseFileResult {
    /// True only for [`LicenseFileCode::Valid`].
    pub fn is_valid(&self) -> bool {
        self.code == LicenseFileCode::Valid
    }

    /// Whether the file is valid and its license grants the entitlement `code`.
    pub fn has_entitlement(&self, code: &str) -> bool {
        self.is_valid()
            && self
                .claims
                .as_ref()
                .is_some_and(|c| c.license.has_entitlement(code))
    }

    fn fail(code: LicenseFileCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            claims: None,
            in_grace: false,
            grace_ends_at: None,
            matched_by_components: false,
            revocation_list_version: 0,
            revocation_list_outdated: false,
        }
    }
}

/// Whether most of the components both sides name are equal: more than half of them, and at least two (one shared
/// component alone says little). The server's rebinding rule, and the offline check of a `most_components` file.
pub fn components_most_match(
    known: &BTreeMap<String, String>,
    presented: &BTreeMap<String, String>,
) -> bool {
    let mut shared = 0usize;
    let mut equal = 0usize;
    for (name, value) in presented {
        if let Some(other) = known.get(name) {
            shared += 1;
            equal += usize::from(other == value);
        }
    }
    equal >= 2 && equal * 2 > shared
}

/// Signed license files: a compact JWS (`alg` `EdDSA`) armored between `-----BEGIN LICENZ LICENSE-----` and
/// `-----END LICENZ LICENSE-----`, optionally wrapped in a compact JWE (`dir`, `A256GCM`) keyed from the license key.
/// The format is specified in `docs/license-file-format.md`.
#[derive(Debug, Clone, Copy)]
pub struct LicenseFile;

const LINE_LENGTH: usize = 64;
const MAX_FILE_LENGTH: usize = 1 << 20;
const KDF_SALT: &[u8] = b"licenz/license-file/v1";
const KDF_INFO: &[u8] = b"A256GCM";
const KEY_CHECK_LABEL: &[u8] = b"licenz/license-file/key-check";
/// 100 years of 365.25 days: the longest a policy's durations may be.
const MAX_SECONDS: i64 = 3_155_760_000;

const NO_LICENSE_FILE: &str =
    "There is no license file: none was saved yet (the application activates once online, or installs one brought by hand).";
const NOT_A_LICENSE_FILE: &str =
    "Not a license file: expected the lines -----BEGIN LICENZ LICENSE----- … -----END LICENZ LICENSE----- around the encoded license.";
const NOT_A_SIGNED_LICENSE: &str = "The license file is not a signed Licenz license (JWS, EdDSA).";
const NOT_A_JWE: &str = "The license file is not an encrypted Licenz license (JWE, dir, A256GCM).";
const UNREADABLE: &str = "The license file could not be read.";

struct JweFacts {
    bound: bool,
    key_check: Option<String>,
    machine_check: Option<String>,
}

impl LicenseFile {
    /// The first line of a license file.
    pub const BEGIN_LINE: &'static str = "-----BEGIN LICENZ LICENSE-----";
    /// The last line of a license file.
    pub const END_LINE: &'static str = "-----END LICENZ LICENSE-----";
    /// The JWS `typ` header of a license file.
    pub const JWS_TYPE: &'static str = "licenz-license+jwt";

    /// Checks a license file offline: armor, encryption, signature against `keys`, then the claims against `options`
    /// and the clock, in the order of `docs/license-file-format.md` ("Checking a file"); the first failure wins.
    /// Never panics or errors on malformed input: every outcome is a [`LicenseFileResult`].
    pub fn verify(
        text: &str,
        keys: &PublicKeySet,
        options: &LicenseFileOptions,
    ) -> LicenseFileResult {
        if text.trim().is_empty() {
            return LicenseFileResult::fail(LicenseFileCode::NoLicenseFile, NO_LICENSE_FILE);
        }
        if text.len() > MAX_FILE_LENGTH && text.encode_utf16().count() > MAX_FILE_LENGTH {
            return LicenseFileResult::fail(LicenseFileCode::Malformed, NOT_A_LICENSE_FILE);
        }
        let Some(token) = unarmor(text) else {
            return LicenseFileResult::fail(LicenseFileCode::Malformed, NOT_A_LICENSE_FILE);
        };
        if token.bytes().filter(|&b| b == b'.').count() == 4 {
            return match decrypt(token.as_bytes(), options) {
                Ok(jws) => verify_jws(&jws, keys, options),
                Err(failure) => failure,
            };
        }
        verify_jws(token.as_bytes(), keys, options)
    }

    /// The content key of an encrypted file (HKDF-SHA256): input the canonical license key (followed by a line feed
    /// and the fingerprint when bound), salt `licenz/license-file/v1`, info `A256GCM`, 32 bytes.
    pub fn derive_key(license_key: &str, fingerprint: Option<&str>) -> [u8; 32] {
        let material = match fingerprint {
            Some(fingerprint) => format!("{license_key}\n{fingerprint}"),
            None => license_key.to_owned(),
        };
        crypto::hkdf_sha256_32(material.as_bytes(), KDF_SALT, KDF_INFO)
    }

    /// The check value of a content key, as an encrypted file's header carries it (`licenz_key_check`,
    /// `licenz_machine_check`): base64url of the first 8 bytes of HMAC-SHA256(key, `licenz/license-file/key-check`).
    pub fn key_check(content_key: &[u8; 32]) -> String {
        b64::encode_url(&crypto::hmac_sha256(content_key, KEY_CHECK_LABEL)[..8])
    }
}

/// Reads the armor as a file is saved the ordinary ways: LF or CRLF, spaces or tabs around a line, blank lines before,
/// between and after. Nothing else: no other line or character. Returns the encoded token.
fn unarmor(text: &str) -> Option<String> {
    #[derive(PartialEq)]
    enum Stage {
        Before,
        Body,
        After,
    }
    let mut stage = Stage::Before;
    let mut token = String::new();
    let mut last_was_short = false;
    for raw in text.split('\n') {
        let line = raw.trim_matches(|c| c == ' ' || c == '\t' || c == '\r');
        if line.is_empty() {
            continue;
        }
        match stage {
            Stage::Before if line == LicenseFile::BEGIN_LINE => stage = Stage::Body,
            Stage::Body if line == LicenseFile::END_LINE => {
                if token.is_empty() {
                    return None;
                }
                stage = Stage::After;
            }
            Stage::Body if !last_was_short && line.len() <= LINE_LENGTH => {
                if !line.chars().all(b64::is_token_char) {
                    return None;
                }
                token.push_str(line);
                last_was_short = line.len() < LINE_LENGTH;
            }
            _ => return None,
        }
    }
    (stage == Stage::After).then_some(token)
}

fn malformed(message: &str) -> LicenseFileResult {
    LicenseFileResult::fail(LicenseFileCode::Malformed, message)
}

/// Opens a compact JWE (`dir`, `A256GCM`): the decrypted compact JWS, or why it cannot be opened.
#[allow(clippy::result_large_err)] // a failure is the final result, made once
fn decrypt(jwe: &[u8], options: &LicenseFileOptions) -> Result<Vec<u8>, LicenseFileResult> {
    let parts: Vec<&[u8]> = jwe.split(|&b| b == b'.').collect();
    let [encoded_header, encrypted_key, iv, ciphertext, tag] = parts.as_slice() else {
        return Err(malformed(NOT_A_JWE));
    };
    if !encrypted_key.is_empty() {
        return Err(malformed(NOT_A_JWE));
    }
    let iv = b64::decode_url(iv)
        .filter(|iv| iv.len() == 12)
        .ok_or_else(|| malformed(NOT_A_JWE))?;
    let tag = b64::decode_url(tag)
        .filter(|tag| tag.len() == 16)
        .ok_or_else(|| malformed(NOT_A_JWE))?;
    let header = b64::decode_url(encoded_header).ok_or_else(|| malformed(NOT_A_JWE))?;
    let header = json::parse(&header).ok_or_else(|| malformed(UNREADABLE))?;
    let facts = read_jwe_header(&header).ok_or_else(|| malformed(NOT_A_JWE))?;
    let ciphertext = b64::decode_url(ciphertext).ok_or_else(|| malformed(NOT_A_JWE))?;
    let Some(content_key) = options.content_key(facts.bound) else {
        return Err(match options.license_key.as_deref() {
            None => LicenseFileResult::fail(
                LicenseFileCode::LicenseKeyRequired,
                "The license file is encrypted for its license key: pass the key the customer entered (LicenseFileOptions::license_key).",
            ),
            Some(key) if normalize_license_key(key).is_none() => LicenseFileResult::fail(
                LicenseFileCode::LicenseKeyRequired,
                "The license file is encrypted for its license key, and the key given is not one (LIC-XXXXX-XXXXX-XXXXX): check it for typos.",
            ),
            Some(_) => LicenseFileResult::fail(
                LicenseFileCode::FingerprintRequired,
                "The license file is encrypted for one machine: pass this machine's fingerprint (LicenseFileOptions::fingerprint).",
            ),
        });
    };
    crypto::aes256gcm_open(&content_key, &iv, &ciphertext, &tag, encoded_header)
        .ok_or_else(|| why_not_opened(&facts, &content_key, options))
}

/// Why the key did not open the file, by the header's check values: another license key's file; a bound file of
/// another machine; or, when both keys are the file's own, a damaged file.
fn why_not_opened(
    facts: &JweFacts,
    content_key: &[u8; 32],
    options: &LicenseFileOptions,
) -> LicenseFileResult {
    let another_keys = || {
        LicenseFileResult::fail(
            LicenseFileCode::DecryptionFailed,
            "The encrypted license file is another license key's: it cannot be opened with this one.",
        )
    };
    let damaged = || {
        malformed("The encrypted license file is damaged: it was made for this license key (and machine), but its contents were changed since. Check it out again.")
    };
    let elsewhere = || {
        LicenseFileResult::fail(
            LicenseFileCode::FingerprintMismatch,
            "The encrypted license file is bound to another machine.",
        )
    };
    if let (Some(key_check), Some(license_key_key)) = (&facts.key_check, options.content_key(false))
    {
        if &LicenseFile::key_check(&license_key_key) != key_check {
            return another_keys();
        }
        if !facts.bound {
            return damaged();
        }
        if let Some(machine_check) = &facts.machine_check {
            return if &LicenseFile::key_check(content_key) == machine_check {
                damaged()
            } else {
                elsewhere()
            };
        }
    }
    if facts.bound {
        elsewhere()
    } else {
        another_keys()
    }
}

fn read_jwe_header(root: &Value) -> Option<JweFacts> {
    let object = root.as_object()?;
    if json::string(root, "alg") != Some("dir")
        || json::string(root, "enc") != Some("A256GCM")
        || object.contains_key("crit")
        || object.contains_key("zip")
    {
        return None;
    }
    let bound = match object.get("licenz_bound") {
        None => false,
        Some(Value::Bool(true)) => true,
        Some(_) => return None,
    };
    Some(JweFacts {
        bound,
        key_check: json::string(root, "licenz_key_check").map(str::to_owned),
        machine_check: json::string(root, "licenz_machine_check").map(str::to_owned),
    })
}

/// The `kid` of a JWS header of type `typ` (EdDSA, no `crit`), or `None` when the header is not one.
pub(crate) fn read_jws_header(header: &[u8], typ: &str) -> Option<String> {
    let root = json::parse(header)?;
    let object = root.as_object()?;
    if json::string(&root, "alg") != Some("EdDSA")
        || json::string(&root, "typ") != Some(typ)
        || object.contains_key("crit")
    {
        return None;
    }
    json::string(&root, "kid")
        .filter(|kid| !kid.is_empty())
        .map(str::to_owned)
}

fn verify_jws(jws: &[u8], keys: &PublicKeySet, options: &LicenseFileOptions) -> LicenseFileResult {
    let parts: Vec<&[u8]> = jws.split(|&b| b == b'.').collect();
    let [encoded_header, encoded_claims, encoded_signature] = parts.as_slice() else {
        return malformed(NOT_A_SIGNED_LICENSE);
    };
    let (Some(header), Some(payload), Some(signature)) = (
        b64::decode_url(encoded_header),
        b64::decode_url(encoded_claims),
        b64::decode_url(encoded_signature),
    ) else {
        return malformed(NOT_A_SIGNED_LICENSE);
    };
    if json::parse(&header).is_none() {
        return malformed(UNREADABLE);
    }
    let Some(kid) = read_jws_header(&header, LicenseFile::JWS_TYPE) else {
        return malformed(NOT_A_SIGNED_LICENSE);
    };
    if !keys.contains(&kid) {
        return LicenseFileResult::fail(
            LicenseFileCode::UnknownKey,
            format!(
                "The license file is signed by key '{kid}', which is not among the trusted keys."
            ),
        );
    }
    let signed = &jws[..encoded_header.len() + 1 + encoded_claims.len()];
    if signature.len() != 64 || !keys.verify(&kid, signed, &signature) {
        return LicenseFileResult::fail(
            LicenseFileCode::BadSignature,
            "The license file's signature does not match: it was altered or not issued by this server.",
        );
    }
    match json::parse(&payload) {
        None => malformed(UNREADABLE),
        Some(root) => match read_claims(&root) {
            None => malformed("The license file's claims are incomplete."),
            Some(claims) => check(claims, keys, options),
        },
    }
}

/// Unix seconds within what the claims may hold, as milliseconds.
fn seconds(value: &Value, name: &str) -> Option<i64> {
    value
        .get(name)?
        .as_i64()
        .filter(|s| (0..=time::MAX_UNIX_SECONDS).contains(s))
        .map(|s| s * 1000)
}

/// A member that may be absent or null (`Ok(None)`); `Err` when it is there as something else.
fn optional<'a, T>(
    value: &'a Value,
    name: &str,
    read: impl FnOnce(&'a Value) -> Option<T>,
) -> Result<Option<T>, ()> {
    match value.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(member) => read(member).map(Some).ok_or(()),
    }
}

fn duration(value: &Value) -> Option<Duration> {
    value
        .as_i64()
        .filter(|s| (0..=MAX_SECONDS).contains(s))
        .map(|s| Duration::from_secs(s.unsigned_abs()))
}

fn read_claims(root: &Value) -> Option<LicenseFileClaims> {
    root.as_object()?;
    let issuer = json::string(root, "iss")?;
    let sub = json::string(root, "sub")?;
    let jti = json::string(root, "jti")?;
    let iat = seconds(root, "iat")?;
    let exp = seconds(root, "exp")?;
    let license = root.get("license").filter(|l| l.is_object())?;
    let id = json::string(license, "id")?;
    let key = json::string(license, "key")?;
    let product_id = json::string(license, "product_id")?;
    let license_type = json::string(license, "type")?;
    let status = json::string(license, "status")?;
    let entitlements = license.get("entitlements")?.as_array()?;
    let metadata = license.get("metadata").filter(|m| m.is_object())?;
    if sub != id {
        return None;
    }
    let expires_at = optional(license, "expires_at", |v| {
        v.as_str().and_then(time::parse_iso8601)
    })
    .ok()?;
    let entitlements = entitlements
        .iter()
        .map(|e| e.as_str().map(str::to_owned))
        .collect::<Option<Vec<_>>>()?;
    let fingerprint = optional(license, "fingerprint", Value::as_str).ok()?;
    let matching = optional(license, "fingerprint_matching", Value::as_str).ok()?;
    let grace_period = optional(license, "grace_period", duration).ok()?;
    let check_in_interval = optional(license, "check_in_interval", duration).ok()?;
    // Files issued before revocation lists carry no version: none is known to be behind.
    let revocation_version = match root.get("revocation_version") {
        None => 0,
        Some(version) => version.as_i64().filter(|v| *v >= 0)?,
    };
    let (machine_id, components) = match license.get("machine") {
        None | Some(Value::Null) => (None, None),
        Some(machine) => {
            machine.as_object()?;
            let id = json::string(machine, "id")?.to_owned();
            let components = optional(machine, "components", |parts| {
                parts
                    .as_object()?
                    .iter()
                    .map(|(name, value)| Some((name.clone(), value.as_str()?.to_owned())))
                    .collect::<Option<BTreeMap<_, _>>>()
            })
            .ok()?;
            (Some(id), components)
        }
    };
    Some(LicenseFileClaims {
        issuer: issuer.to_owned(),
        license_id: sub.to_owned(),
        issued_at: time::from_millis(iat),
        expires_at: time::from_millis(exp),
        file_id: jti.to_owned(),
        revocation_version,
        license: LicenseClaims {
            id: id.to_owned(),
            key: key.to_owned(),
            product_id: product_id.to_owned(),
            license_type: license_type.to_owned(),
            status: status.to_owned(),
            expires_at: expires_at.map(time::from_millis),
            entitlements,
            metadata: metadata.clone(),
            fingerprint: fingerprint.map(str::to_owned),
            machine_id,
            components,
            fingerprint_matching: matching.map(str::to_owned),
            grace_period,
            check_in_interval,
        },
    })
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn check(
    claims: LicenseFileClaims,
    keys: &PublicKeySet,
    options: &LicenseFileOptions,
) -> LicenseFileResult {
    let clock = options.trusted_clock.as_ref();
    // The issuer's revocation list kept here, and whether a newer one exists (this file, or another, says so).
    let revocations = RevocationList::kept(clock, &claims.issuer, keys);
    let mut seen = clock.read_revocation_version(&claims.issuer);
    if claims.revocation_version > seen {
        clock.advance_revocation_version(&claims.issuer, claims.revocation_version);
        seen = claims.revocation_version;
    }
    let list_version = revocations.as_ref().map_or(0, |list| list.version);
    let result =
        |code: LicenseFileCode, message: String, claims: LicenseFileClaims| LicenseFileResult {
            code,
            message,
            claims: Some(claims),
            in_grace: false,
            grace_ends_at: None,
            matched_by_components: false,
            revocation_list_version: list_version,
            revocation_list_outdated: seen > list_version,
        };

    if let Some(issuer) = options
        .issuer
        .as_deref()
        .filter(|issuer| *issuer != claims.issuer)
    {
        let message = format!(
            "The license file was issued by {}, not {issuer}.",
            claims.issuer
        );
        return result(LicenseFileCode::IssuerMismatch, message, claims);
    }
    if let Some(product) = options
        .product_id
        .as_deref()
        .filter(|product| *product != claims.license.product_id)
    {
        let message = format!(
            "The license file is for product {}, not {product}.",
            claims.license.product_id
        );
        return result(LicenseFileCode::ProductMismatch, message, claims);
    }
    if let Some(entered) = options.license_key.as_deref() {
        if normalize_license_key(entered).as_deref() != Some(claims.license.key.as_str()) {
            return result(
                LicenseFileCode::LicenseKeyMismatch,
                "The license file is for another license key.".into(),
                claims,
            );
        }
    }

    let now = time::to_millis(options.now.unwrap_or_else(SystemTime::now));
    let iat = time::to_millis(claims.issued_at);
    let exp = time::to_millis(claims.expires_at);
    let leeway = millis(options.leeway);
    let trusted = clock.read(&claims.issuer);
    clock.advance(&claims.issuer, claims.issued_at);
    if let Some(last) = trusted.map(time::to_millis) {
        if now < last.saturating_sub(millis(options.clock_tolerance)) {
            let message = format!(
                "The clock ({}) is behind a time already trusted ({}): it appears to have been set back.",
                time::format(now),
                time::format(last)
            );
            return result(LicenseFileCode::ClockTampered, message, claims);
        }
    }
    if iat > now.saturating_add(leeway) {
        let message = format!(
            "The license file was issued at {}, after the current time {}.",
            time::format(iat),
            time::format(now)
        );
        return result(LicenseFileCode::NotYetValid, message, claims);
    }
    if now >= exp.saturating_add(leeway) {
        let message = format!(
            "The license file expired at {}; check in with the server for a new one.",
            time::format(exp)
        );
        return result(LicenseFileCode::FileExpired, message, claims);
    }

    let license = &claims.license;
    let most_components =
        license.fingerprint_matching.as_deref() == Some(fingerprint_matching::MOST_COMPONENTS);
    let mut matched_by_components = false;
    if let Some(bound) = &license.fingerprint {
        if options.fingerprint.as_ref() != Some(bound) {
            // A reinstall or a new disk changes the fingerprint; under most_components the machine is still known by the rest.
            if most_components
                && matches!((&license.components, &options.components), (Some(known), Some(presented)) if components_most_match(known, presented))
            {
                matched_by_components = true;
            } else if options.fingerprint.is_none() && options.components.is_none() {
                return result(
                    LicenseFileCode::FingerprintRequired,
                    "The license file is bound to a machine: pass this machine's fingerprint (LicenseFileOptions::fingerprint).".into(),
                    claims,
                );
            } else {
                let message = if most_components {
                    "The license file is bound to another machine: neither its fingerprint nor most of its components match this one."
                } else {
                    "The license file is bound to another machine."
                };
                return result(LicenseFileCode::FingerprintMismatch, message.into(), claims);
            }
        }
    }

    match license.status.as_str() {
        "revoked" => {
            return result(
                LicenseFileCode::Revoked,
                "The license was revoked.".into(),
                claims,
            )
        }
        "suspended" => {
            return result(
                LicenseFileCode::Suspended,
                "The license is suspended.".into(),
                claims,
            )
        }
        _ => {}
    }
    if let Some((code, message)) = revocations.as_ref().and_then(|list| list.refusal(&claims)) {
        return result(code, message, claims);
    }

    let mut grace_ends_at = None;
    if let Some(expiry) = license.expires_at.map(time::to_millis) {
        if now >= expiry {
            let grace = license.grace_period.map_or(0, millis);
            let ends = expiry.saturating_add(grace);
            if now >= ends {
                let message = if grace > 0 {
                    format!(
                        "The license expired at {}, and its grace period ended at {}.",
                        time::format(expiry),
                        time::format(ends)
                    )
                } else {
                    format!("The license expired at {}.", time::format(expiry))
                };
                return result(LicenseFileCode::Expired, message, claims);
            }
            grace_ends_at = Some(ends);
        }
    }

    let missing: Vec<&str> = options
        .required_entitlements
        .iter()
        .filter(|code| !license.has_entitlement(code))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        let message = format!(
            "The license lacks the entitlement{} {}.",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        );
        return result(LicenseFileCode::EntitlementsMissing, message, claims);
    }

    let message = match grace_ends_at {
        Some(ends) => format!(
            "The license file is valid: the license expired at {} and is in its grace period until {}.",
            license.expires_at.map(time::to_millis).map(time::format).unwrap_or_default(),
            time::format(ends)
        ),
        None => "The license file is valid.".to_owned(),
    };
    let mut valid = result(LicenseFileCode::Valid, message, claims);
    valid.in_grace = grace_ends_at.is_some();
    valid.grace_ends_at = grace_ends_at.map(time::from_millis);
    valid.matched_by_components = matched_by_components;
    valid
}
