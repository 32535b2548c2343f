//! An account's signed revocation list: [`RevocationList`].

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use crate::license_file::{read_jws_header, LicenseFileClaims, LicenseFileCode};
use crate::{b64, json, time, PublicKeySet, TrustedClock};

const MAX_LENGTH: usize = 16 << 20;

/// An account's signed revocation list: the licenses revoked, suspended or deleted and the machines deactivated, so
/// that an application refuses them offline before their license files' time to live ends. Served without
/// authentication at `/.well-known/licenz-revocations.jwt` as a compact JWS (`typ` `licenz-revocations+jwt`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationList {
    /// The signed list as it was read: what to store, or to carry to another machine.
    pub text: String,
    /// The account whose list it is (`iss`).
    pub issuer: String,
    /// When the server signed it (`iat`).
    pub issued_at: SystemTime,
    /// Its version: it only ever grows.
    pub version: i64,
    /// The listed licenses and their state (`revoked`, `suspended` or `deleted`), by license id.
    pub licenses: BTreeMap<String, String>,
    /// The deactivated machines (`mach_…`): every license file bound to one of them is revoked.
    pub machines: BTreeSet<String>,
}

impl RevocationList {
    /// The JWS `typ` header of a revocation list.
    pub const JWS_TYPE: &'static str = "licenz-revocations+jwt";

    /// Reads and checks a revocation list: a compact JWS signed by one of `keys`, of type `licenz-revocations+jwt`,
    /// with well-formed claims. Surrounding whitespace is ignored.
    ///
    /// # Errors
    /// Why the list does not hold, in words.
    pub fn verify(text: &str, keys: &PublicKeySet) -> Result<Self, String> {
        let token = text.trim();
        if token.is_empty() || token.len() > MAX_LENGTH {
            return Err("There is no revocation list: the text is empty.".into());
        }
        let parts: Vec<&str> = token.split('.').collect();
        let decoded = match parts.as_slice() {
            [h, p, s] => b64::decode_url(h.as_bytes())
                .zip(b64::decode_url(p.as_bytes()))
                .zip(b64::decode_url(s.as_bytes()))
                .map(|((h, p), s)| (h, p, s)),
            _ => None,
        };
        let Some((header, payload, signature)) = decoded else {
            return Err(NOT_A_LIST.into());
        };
        let Some(kid) = read_jws_header(&header, Self::JWS_TYPE) else {
            return Err(NOT_A_LIST.into());
        };
        if !keys.contains(&kid) {
            return Err(format!("The revocation list is signed by key '{kid}', which is not among the trusted keys."));
        }
        let signed = &token.as_bytes()[..parts[0].len() + 1 + parts[1].len()];
        if signature.len() != 64 || !keys.verify(&kid, signed, &signature) {
            return Err("The revocation list's signature does not match: it was altered or not issued by this server.".into());
        }
        Self::read_claims(token, &payload)
            .ok_or_else(|| "The revocation list's claims are incomplete.".into())
    }

    fn read_claims(token: &str, payload: &[u8]) -> Option<Self> {
        let root = json::parse(payload)?;
        root.as_object()?;
        let issuer = json::string(&root, "iss")?.to_owned();
        let issued_at = root
            .get("iat")?
            .as_i64()
            .filter(|s| (0..=time::MAX_UNIX_SECONDS).contains(s))?;
        let version = root.get("version")?.as_i64().filter(|v| *v >= 0)?;
        let mut licenses = BTreeMap::new();
        for license in root.get("licenses")?.as_array()? {
            license.as_object()?;
            licenses.insert(
                json::string(license, "id")?.to_owned(),
                json::string(license, "status")?.to_owned(),
            );
        }
        let mut machines = BTreeSet::new();
        for machine in root.get("machines")?.as_array()? {
            machines.insert(machine.as_str()?.to_owned());
        }
        Some(Self {
            text: token.to_owned(),
            issuer,
            issued_at: time::from_millis(issued_at * 1000),
            version,
            licenses,
            machines,
        })
    }

    /// Keeps this (verified) list in `clock` for its issuer if it is newer than the list kept there, and records its
    /// version as seen. A list never replaces a newer one: an old list cannot bring a revoked license back. Returns
    /// whether it was kept.
    pub fn keep(&self, clock: &dyn TrustedClock, keys: &PublicKeySet) -> bool {
        if matches!(Self::kept(clock, &self.issuer, keys), Some(kept) if kept.version >= self.version)
        {
            return false;
        }
        clock.store_revocation_list(&self.issuer, &self.text);
        clock.advance_revocation_version(&self.issuer, self.version);
        true
    }

    /// The list kept in `clock` for `issuer`, if it still holds under `keys` (a list that does not is as good as none).
    pub(crate) fn kept(
        clock: &dyn TrustedClock,
        issuer: &str,
        keys: &PublicKeySet,
    ) -> Option<Self> {
        let text = clock.read_revocation_list(issuer)?;
        Self::verify(&text, keys)
            .ok()
            .filter(|list| list.issuer == issuer)
    }

    /// Why this list refuses a file with `claims`, or `None` when it names neither its license nor its machine — or
    /// when the file was issued at this version or a later one: the server issued it knowing what the list says (a
    /// license reinstated since the list was kept gets files again).
    pub(crate) fn refusal(&self, claims: &LicenseFileClaims) -> Option<(LicenseFileCode, String)> {
        if claims.issuer != self.issuer || claims.revocation_version >= self.version {
            return None;
        }
        if let Some(state) = self.licenses.get(&claims.license_id) {
            return Some(if state == "suspended" {
                (
                    LicenseFileCode::Suspended,
                    format!("The license was suspended after the file was issued (revocation list version {}).", self.version),
                )
            } else {
                (
                    LicenseFileCode::Revoked,
                    format!("The license was {state} after the file was issued (revocation list version {}).", self.version),
                )
            });
        }
        let machine = claims
            .license
            .machine_id
            .as_ref()
            .filter(|m| self.machines.contains(*m))?;
        Some((
            LicenseFileCode::NoMachine,
            format!(
                "Machine {machine}, which the file is bound to, was deactivated after the file was issued (revocation list version {}).",
                self.version
            ),
        ))
    }
}

const NOT_A_LIST: &str =
    "Not a Licenz revocation list: expected a compact JWS (EdDSA) of type licenz-revocations+jwt.";
