//! Helpers of the tests: the documented vectors, a signer with the RFC 8032 test key, and file writers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::signature::{Ed25519KeyPair, KeyPair};

/// The RFC 8032 §7.1 test 1 seed, the documented vectors' key.
pub const SEED_HEX: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
pub const LICENSE_KEY: &str = "LIC-TESTV-ECT0R-0001H";
pub const FINGERPRINT: &str = "2f1b7e8c9d0a4b3c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5";

/// The repository's root (the crate is at sdk/rust).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
}

/// The fenced "```vector NAME" blocks of docs/license-file-format.md, by name.
pub fn vectors() -> BTreeMap<String, String> {
    let path = repo_root().join("docs").join("license-file-format.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut vectors = BTreeMap::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in text.lines() {
        match (&mut current, line.strip_prefix("```vector ")) {
            (None, Some(name)) => current = Some((name.trim().to_owned(), Vec::new())),
            (Some(_), _) if line.trim_end() == "```" => {
                if let Some((name, lines)) = current.take() {
                    vectors.insert(name, lines.join("\n"));
                }
            }
            (Some((_, lines)), _) => lines.push(line),
            (None, None) => {}
        }
    }
    vectors
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

pub fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

pub fn b64std(bytes: &[u8]) -> String {
    let mut text = b64url(bytes).replace('-', "+").replace('_', "/");
    while !text.len().is_multiple_of(4) {
        text.push('=');
    }
    text
}

pub fn b64url_decode(text: &str) -> Vec<u8> {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= (A.iter().position(|a| a == c).expect("base64url") as u32) << (18 - 6 * i);
        }
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8][..chunk.len() - 1]);
    }
    out
}

/// A signing key.
pub struct Signer {
    pub pair: Ed25519KeyPair,
    pub kid: String,
}

impl Signer {
    pub fn from_seed(seed: &[u8]) -> Self {
        let pair = Ed25519KeyPair::from_seed_unchecked(seed).expect("seed");
        let public: [u8; 32] = pair.public_key().as_ref().try_into().expect("32 bytes");
        let kid = licenz_sdk::PublicKeySet::thumbprint(&public);
        Self { pair, kid }
    }

    /// The documented vectors' key.
    pub fn test_key() -> Self {
        Self::from_seed(&unhex(SEED_HEX))
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.pair
            .public_key()
            .as_ref()
            .try_into()
            .expect("32 bytes")
    }

    pub fn keys(&self) -> licenz_sdk::PublicKeySet {
        licenz_sdk::PublicKeySet::from_keys([(self.kid.clone(), self.public_key())])
    }

    /// A compact JWS of `typ` over `claims` (JSON text), header members in the server's order.
    pub fn jws(&self, typ: &str, claims: &str) -> String {
        let header = format!(r#"{{"alg":"EdDSA","typ":"{typ}","kid":"{}"}}"#, self.kid);
        self.jws_with_header(&header, claims)
    }

    pub fn jws_with_header(&self, header: &str, claims: &str) -> String {
        let signed = format!(
            "{}.{}",
            b64url(header.as_bytes()),
            b64url(claims.as_bytes())
        );
        let signature = self.pair.sign(signed.as_bytes());
        format!("{signed}.{}", b64url(signature.as_ref()))
    }

    pub fn license(&self, claims: &str) -> String {
        self.jws("licenz-license+jwt", claims)
    }
}

/// Armors a token in lines of 64 characters, LF, with a final LF.
pub fn armor(token: &str) -> String {
    let mut text = String::from("-----BEGIN LICENZ LICENSE-----\n");
    for line in token.as_bytes().chunks(64) {
        text.push_str(std::str::from_utf8(line).expect("ascii"));
        text.push('\n');
    }
    text.push_str("-----END LICENZ LICENSE-----\n");
    text
}

/// The vector files' form: armor without the final LF.
pub fn armor_vector(token: &str) -> String {
    armor(token).trim_end().to_owned()
}

pub fn key_check(key: &[u8; 32]) -> String {
    licenz_sdk::LicenseFile::key_check(key)
}

/// A compact JWE (dir, A256GCM) of `jws` under `key`, with the header the server writes.
pub fn encrypt(
    jws: &str,
    key: &[u8; 32],
    iv: &[u8; 12],
    bound: bool,
    checks: Option<(&[u8; 32], Option<&[u8; 32]>)>,
) -> String {
    let mut header = String::from(r#"{"alg":"dir","enc":"A256GCM","cty":"JWT""#);
    if bound {
        header.push_str(r#","licenz_bound":true"#);
    }
    if let Some((license_key_key, machine_key)) = checks {
        header.push_str(&format!(
            r#","licenz_key_check":"{}""#,
            key_check(license_key_key)
        ));
        if let Some(machine_key) = machine_key {
            header.push_str(&format!(
                r#","licenz_machine_check":"{}""#,
                key_check(machine_key)
            ));
        }
    }
    header.push('}');
    encrypt_with_header(jws, key, iv, &header)
}

pub fn encrypt_with_header(jws: &str, key: &[u8; 32], iv: &[u8; 12], header: &str) -> String {
    use ring::aead;
    let encoded_header = b64url(header.as_bytes());
    let sealing =
        aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_256_GCM, key).expect("key"));
    let mut buffer = jws.as_bytes().to_vec();
    let tag = sealing
        .seal_in_place_separate_tag(
            aead::Nonce::assume_unique_for_key(*iv),
            aead::Aad::from(encoded_header.as_bytes()),
            &mut buffer,
        )
        .expect("seal");
    format!(
        "{encoded_header}..{}.{}.{}",
        b64url(iv),
        b64url(&buffer),
        b64url(tag.as_ref())
    )
}

pub fn decrypt(jwe: &str, key: &[u8; 32]) -> Option<String> {
    use ring::aead;
    let parts: Vec<&str> = jwe.split('.').collect();
    let opening = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_256_GCM, key).ok()?);
    let iv: [u8; 12] = b64url_decode(parts[2]).try_into().ok()?;
    let mut buffer = b64url_decode(parts[3]);
    buffer.extend(b64url_decode(parts[4]));
    let plain = opening
        .open_in_place(
            aead::Nonce::assume_unique_for_key(iv),
            aead::Aad::from(parts[0].as_bytes()),
            &mut buffer,
        )
        .ok()?;
    String::from_utf8(plain.to_vec()).ok()
}

/// The token inside an armored file.
pub fn unarmor(file: &str) -> String {
    file.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect()
}

pub fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

/// Unix seconds of an ISO-8601 UTC time `YYYY-MM-DDTHH:MM:SS(.fff)Z` (or with an offset), as SystemTime.
pub fn parse_time(text: &str) -> SystemTime {
    let b = text.as_bytes();
    let n = |r: std::ops::Range<usize>| text[r].parse::<i64>().expect("number");
    let (y, mo, d, h, mi, s) = (n(0..4), n(5..7), n(8..10), n(11..13), n(14..16), n(17..19));
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * ((mo + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let mut millis = (days * 86_400 + h * 3600 + mi * 60 + s) * 1000;
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits: String = fraction.chars().take_while(char::is_ascii_digit).collect();
        let mut ms = digits.clone();
        ms.truncate(3);
        while ms.len() < 3 {
            ms.push('0');
        }
        millis += ms.parse::<i64>().expect("fraction");
        rest = &fraction[digits.len()..];
    }
    if rest.len() == 6 && (b[b.len() - 6] == b'+' || b[b.len() - 6] == b'-') {
        let offset = (rest[1..3].parse::<i64>().expect("h") * 60
            + rest[4..6].parse::<i64>().expect("m"))
            * 60_000;
        millis -= if rest.starts_with('+') {
            offset
        } else {
            -offset
        };
    }
    if millis >= 0 {
        UNIX_EPOCH + Duration::from_millis(millis as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis((-millis) as u64)
    }
}
