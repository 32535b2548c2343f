//! The public keys an application trusts: [`PublicKeySet`].

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::{b64, crypto};

/// The public keys an application trusts, by `kid`: from the server's JWKS document (`/.well-known/jwks.json`,
/// ideally saved into the application at build time) or from raw Ed25519 keys.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PublicKeySet {
    keys: BTreeMap<String, [u8; 32]>,
}

/// A JWKS document that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksError(String);

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JwksError {}

impl fmt::Debug for PublicKeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKeySet")
            .field("key_ids", &self.key_ids().collect::<Vec<_>>())
            .finish()
    }
}

impl PublicKeySet {
    /// An empty set: it trusts nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a JWKS document. Only `OKP` / `Ed25519` keys with a `kid` (and `use` absent or `sig`) are taken; other
    /// keys are ignored.
    ///
    /// # Errors
    /// The text is not JSON, or not an object with a `"keys"` array.
    pub fn from_jwks(json: &str) -> Result<Self, JwksError> {
        let document: Value = crate::json::parse(json.as_bytes())
            .ok_or_else(|| JwksError("The JWKS document is not valid JSON.".into()))?;
        let list = document
            .as_object()
            .and_then(|root| root.get("keys"))
            .and_then(Value::as_array)
            .ok_or_else(|| {
                JwksError("A JWKS document is an object with a \"keys\" array.".into())
            })?;
        let mut keys = BTreeMap::new();
        for jwk in list {
            let text = |name: &str| jwk.get(name).and_then(Value::as_str);
            if !jwk.is_object() || text("kty") != Some("OKP") || text("crv") != Some("Ed25519") {
                continue;
            }
            if !matches!(text("use"), None | Some("sig")) {
                continue;
            }
            let (Some(kid), Some(x)) = (text("kid"), text("x")) else {
                continue;
            };
            if kid.is_empty() {
                continue;
            }
            if let Some(raw) =
                b64::decode_url(x.as_bytes()).and_then(|raw| <[u8; 32]>::try_from(raw).ok())
            {
                keys.insert(kid.to_owned(), raw);
            }
        }
        Ok(Self { keys })
    }

    /// A set of raw 32-byte Ed25519 public keys, by key id.
    pub fn from_keys<I, K>(keys: I) -> Self
    where
        I: IntoIterator<Item = (K, [u8; 32])>,
        K: Into<String>,
    {
        Self {
            keys: keys
                .into_iter()
                .map(|(kid, key)| (kid.into(), key))
                .collect(),
        }
    }

    /// Adds (or replaces) a raw Ed25519 public key under its JWK thumbprint, which is returned.
    pub fn insert(&mut self, public_key: [u8; 32]) -> String {
        let kid = Self::thumbprint(&public_key);
        self.keys.insert(kid.clone(), public_key);
        kid
    }

    /// The RFC 7638 JWK thumbprint of an Ed25519 public key: the `kid` a Licenz server gives it.
    pub fn thumbprint(public_key: &[u8; 32]) -> String {
        let canonical = format!(
            r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
            b64::encode_url(public_key)
        );
        b64::encode_url(&crypto::sha256(canonical.as_bytes()))
    }

    /// The key ids in the set.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// The raw public key of `kid`.
    pub fn get(&self, kid: &str) -> Option<&[u8; 32]> {
        self.keys.get(kid)
    }

    /// Whether the set holds a key with this id.
    pub fn contains(&self, kid: &str) -> bool {
        self.keys.contains_key(kid)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Writes the set as a JWKS document.
    pub fn to_jwks(&self) -> String {
        // The members in the order a Licenz server writes them.
        let keys: Vec<String> = self
            .keys
            .iter()
            .map(|(kid, key)| {
                format!(
                    r#"{{"kty":"OKP","crv":"Ed25519","kid":{},"alg":"EdDSA","use":"sig","x":"{}"}}"#,
                    Value::from(kid.as_str()),
                    b64::encode_url(key)
                )
            })
            .collect();
        format!(r#"{{"keys":[{}]}}"#, keys.join(","))
    }

    /// Whether `signature` is the Ed25519 signature of key `kid` over `data`. A key of small order verifies nothing.
    pub fn verify(&self, kid: &str, data: &[u8], signature: &[u8]) -> bool {
        self.keys
            .get(kid)
            .is_some_and(|key| crypto::ed25519_verify(key, data, signature))
    }
}
