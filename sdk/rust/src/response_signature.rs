//! Signed verification responses: [`ResponseSignature::verify`].

use std::fmt;
use std::time::SystemTime;

use crate::structured_fields::{self as sf, Bare, Value};
use crate::{b64, crypto, time, PublicKeySet};

/// The outcome codes of [`ResponseSignature::verify`], the same strings as the other Licenz SDKs (`as_str`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponseSignatureCode {
    /// `VALID`: signed by a trusted key; digest and nonce match.
    Valid,
    /// `UNSIGNED`: the response is not signed.
    Unsigned,
    /// `MALFORMED`: the signature headers cannot be read.
    Malformed,
    /// `DIGEST_MISMATCH`: the body does not match its digest.
    DigestMismatch,
    /// `UNKNOWN_KEY`: signed by a key that is not trusted.
    UnknownKey,
    /// `BAD_SIGNATURE`: the signature does not verify.
    BadSignature,
    /// `NONCE_MISMATCH`: the signed nonce is not the caller's: a replayed response.
    NonceMismatch,
}

impl ResponseSignatureCode {
    /// The code as the SDKs write it: `VALID`, `DIGEST_MISMATCH`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "VALID",
            Self::Unsigned => "UNSIGNED",
            Self::Malformed => "MALFORMED",
            Self::DigestMismatch => "DIGEST_MISMATCH",
            Self::UnknownKey => "UNKNOWN_KEY",
            Self::BadSignature => "BAD_SIGNATURE",
            Self::NonceMismatch => "NONCE_MISMATCH",
        }
    }
}

impl fmt::Display for ResponseSignatureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of checking a signed response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseSignatureResult {
    /// What the check found.
    pub code: ResponseSignatureCode,
    /// The code, in words.
    pub message: String,
    /// The key that signed it, when valid.
    pub key_id: Option<String>,
    /// The signed `Date`, when valid and an HTTP-date: a time the application may trust.
    pub signed_date: Option<SystemTime>,
}

impl ResponseSignatureResult {
    /// True only for [`ResponseSignatureCode::Valid`].
    pub fn is_valid(&self) -> bool {
        self.code == ResponseSignatureCode::Valid
    }

    fn fail(code: ResponseSignatureCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            key_id: None,
            signed_date: None,
        }
    }
}

/// Signed verification responses: `Content-Digest` (RFC 9530, sha-256) and an Ed25519 HTTP Message Signature
/// (RFC 9421) labelled `licenz` over `@status`, `content-digest` and `date`, with the caller's `nonce` as a signature
/// parameter. Verified with nothing but the JWKS.
#[derive(Debug, Clone, Copy)]
pub struct ResponseSignature;

const COMPONENTS: [&str; 3] = ["@status", "content-digest", "date"];

impl ResponseSignature {
    /// The signature's label in `Signature-Input` and `Signature`.
    pub const LABEL: &'static str = "licenz";

    /// The `Content-Digest` value of a body: `sha-256=:base64:`.
    pub fn content_digest(body: &[u8]) -> String {
        format!("sha-256=:{}:", b64::encode_std(&crypto::sha256(body)))
    }

    /// Checks a signed response: the digest against the body, the signature against `keys`, and the signed nonce
    /// against the one the caller sent (`expected_nonce`; not checked when `None`). The header values are passed as
    /// received (`None` when absent). Never panics on malformed input.
    #[allow(clippy::too_many_arguments)]
    pub fn verify(
        status: u16,
        content_digest: Option<&str>,
        date: Option<&str>,
        signature_input: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        expected_nonce: Option<&str>,
        keys: &PublicKeySet,
    ) -> ResponseSignatureResult {
        use ResponseSignatureCode as Code;
        let (Some(content_digest), Some(date), Some(signature_input), Some(signature)) =
            (content_digest, date, signature_input, signature)
        else {
            return ResponseSignatureResult::fail(
                Code::Unsigned,
                "The response carries no Content-Digest, Date, Signature-Input or Signature header.",
            );
        };
        let malformed = || {
            ResponseSignatureResult::fail(
                Code::Malformed,
                "The response's signature headers are not well-formed.",
            )
        };
        let (Some(inputs), Some(signatures), Some(digests)) = (
            sf::parse_dictionary(signature_input),
            sf::parse_dictionary(signature),
            sf::parse_dictionary(content_digest),
        ) else {
            return malformed();
        };
        let Some(input) = sf::member(&inputs, Self::LABEL) else {
            return malformed();
        };
        let Value::InnerList(covered) = &input.value else {
            return malformed();
        };
        let Some(Value::Item(Bare::Bytes(signature_bytes))) =
            sf::member(&signatures, Self::LABEL).map(|m| &m.value)
        else {
            return malformed();
        };
        let Some(Value::Item(Bare::Bytes(digest_bytes))) =
            sf::member(&digests, "sha-256").map(|m| &m.value)
        else {
            return malformed();
        };

        let names: Vec<Option<&str>> = covered
            .iter()
            .map(|c| match &c.value {
                Value::Item(Bare::String(s)) if c.parameters.is_empty() => Some(s.as_str()),
                _ => None,
            })
            .collect();
        if names.iter().any(Option::is_none)
            || !COMPONENTS.iter().all(|c| names.contains(&Some(*c)))
        {
            return ResponseSignatureResult::fail(
                Code::Malformed,
                "The signature does not cover @status, content-digest and date.",
            );
        }
        let key_id = match (input.parameter("keyid"), input.parameter("alg")) {
            (Some(Bare::String(key_id)), None) => key_id,
            (Some(Bare::String(key_id)), Some(Bare::String(alg))) if alg == "ed25519" => key_id,
            _ => {
                return ResponseSignatureResult::fail(
                    Code::Malformed,
                    "The signature names no Ed25519 key.",
                )
            }
        };
        if !crypto::fixed_time_eq(digest_bytes, &crypto::sha256(body)) {
            return ResponseSignatureResult::fail(
                Code::DigestMismatch,
                "The response body does not match its Content-Digest: it was altered.",
            );
        }
        if !keys.contains(key_id) {
            return ResponseSignatureResult::fail(
                Code::UnknownKey,
                format!("The response is signed by key '{key_id}', which is not among the trusted keys."),
            );
        }

        // The @signature-params line is the member re-serialized canonically (RFC 9421 §2.3, RFC 8941 §4.1).
        let base = sf::serialize_inner_list(input).and_then(|params| {
            let mut text = String::new();
            for name in names.iter().flatten() {
                let value = match *name {
                    "@status" => status.to_string(),
                    "content-digest" => content_digest.trim().to_owned(),
                    "date" => date.trim().to_owned(),
                    _ => return None,
                };
                text.push_str(&format!("\"{name}\": {value}\n"));
            }
            text.push_str("\"@signature-params\": ");
            text.push_str(&params);
            Some(text)
        });
        let verified = base.is_some_and(|base| {
            signature_bytes.len() == 64 && keys.verify(key_id, base.as_bytes(), signature_bytes)
        });
        if !verified {
            return ResponseSignatureResult::fail(
                Code::BadSignature,
                "The response's signature does not match: status, date or body were altered, or it was forged.",
            );
        }

        let nonce = match input.parameter("nonce") {
            Some(Bare::String(nonce)) => Some(nonce.as_str()),
            _ => None,
        };
        if let Some(expected) = expected_nonce {
            if nonce != Some(expected) {
                return ResponseSignatureResult::fail(
                    Code::NonceMismatch,
                    "The response answers another request (its nonce differs): it may be a replay.",
                );
            }
        }
        ResponseSignatureResult {
            code: Code::Valid,
            message: "The response is signed by a trusted key.".into(),
            key_id: Some(key_id.clone()),
            signed_date: time::parse_http_date(date),
        }
    }
}
