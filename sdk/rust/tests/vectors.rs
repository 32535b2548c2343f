//! The test vectors of docs/license-file-format.md, recomputed byte for byte and verified.

mod common;

use std::sync::Arc;

use common::*;
use licenz_sdk::{
    LicenseFile, LicenseFileCode, LicenseFileOptions, MemoryTrustedClock, PublicKeySet,
    RevocationList, TrustedClock,
};
use ring::hmac;

const IV: [u8; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const NOW: &str = "2026-01-16T10:30:00Z";

fn vector(name: &str) -> String {
    vectors()
        .remove(name)
        .unwrap_or_else(|| panic!("the document has no vector {name}"))
}

fn hkdf(ikm: &[u8], salt: &[u8], info: &[u8]) -> [u8; 32] {
    let prk = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, salt), ikm);
    let mut block = info.to_vec();
    block.push(1);
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref()), &block)
        .as_ref()
        .try_into()
        .expect("32 bytes")
}

/// The bound file's claims: the vector claims with the fingerprint after the metadata.
fn bound_claims() -> String {
    let claims = vector("claims");
    let (front, _) = claims.rsplit_once("}}").expect("claims end with }}");
    format!(r#"{front},"fingerprint":"{FINGERPRINT}"}}}}"#)
}

#[test]
fn every_documented_vector_is_present() {
    let names = vectors();
    for name in [
        "public-key-hex",
        "kid",
        "jwks",
        "claims",
        "plain",
        "encrypted",
        "bound-encrypted",
        "content-key",
        "bound-content-key",
        "machine-claims",
        "machine-plain",
        "machine-encrypted",
        "activation-key",
        "activation-request",
        "deactivation-key",
        "deactivation-proof",
        "revocation-claims",
        "revocation-list",
    ] {
        assert!(names.contains_key(name), "missing vector {name}");
    }
}

#[test]
fn key_kid_and_jwks_are_recomputed() {
    let signer = Signer::test_key();
    assert_eq!(hex(&signer.public_key()), vector("public-key-hex"));
    assert_eq!(
        PublicKeySet::thumbprint(&signer.public_key()),
        vector("kid")
    );
    assert_eq!(signer.kid, vector("kid"));
    assert_eq!(signer.keys().to_jwks(), vector("jwks"));
    let keys = PublicKeySet::from_jwks(&vector("jwks")).expect("jwks");
    assert_eq!(
        keys.key_ids().collect::<Vec<_>>(),
        vec![vector("kid").as_str()]
    );
    assert_eq!(keys.to_jwks(), vector("jwks"));
}

#[test]
fn plain_files_are_recomputed_byte_for_byte() {
    let signer = Signer::test_key();
    assert_eq!(
        armor_vector(&signer.license(&vector("claims"))),
        vector("plain")
    );
    assert_eq!(
        armor_vector(&signer.license(&vector("machine-claims"))),
        vector("machine-plain")
    );
    // The claims inside the published file are the published claims.
    let token = unarmor(&vector("plain"));
    let payload = token.split('.').nth(1).expect("payload");
    assert_eq!(
        String::from_utf8(b64url_decode(payload)).expect("utf-8"),
        vector("claims")
    );
}

#[test]
fn content_keys_are_recomputed() {
    assert_eq!(
        hex(&LicenseFile::derive_key(LICENSE_KEY, None)),
        vector("content-key")
    );
    assert_eq!(
        hex(&LicenseFile::derive_key(LICENSE_KEY, Some(FINGERPRINT))),
        vector("bound-content-key")
    );
}

#[test]
fn encrypted_files_are_recomputed_and_open_to_the_plain_ones() {
    let signer = Signer::test_key();
    let key = LicenseFile::derive_key(LICENSE_KEY, None);
    let bound_key = LicenseFile::derive_key(LICENSE_KEY, Some(FINGERPRINT));

    let plain_jws = unarmor(&vector("plain"));
    let encrypted = unarmor(&vector("encrypted"));
    assert_eq!(
        decrypt(&encrypted, &key).as_deref(),
        Some(plain_jws.as_str())
    );
    assert_eq!(
        armor_vector(&encrypt(&plain_jws, &key, &IV, false, Some((&key, None)))),
        vector("encrypted")
    );

    let bound_jws = signer.license(&bound_claims());
    let bound = unarmor(&vector("bound-encrypted"));
    assert_eq!(
        decrypt(&bound, &bound_key).as_deref(),
        Some(bound_jws.as_str())
    );
    assert_eq!(
        armor_vector(&encrypt(
            &bound_jws,
            &bound_key,
            &IV,
            true,
            Some((&key, Some(&bound_key)))
        )),
        vector("bound-encrypted")
    );

    let machine_jws = unarmor(&vector("machine-plain"));
    let machine = unarmor(&vector("machine-encrypted"));
    assert_eq!(
        decrypt(&machine, &key).as_deref(),
        Some(machine_jws.as_str())
    );
    assert_eq!(
        armor_vector(&encrypt(&machine_jws, &key, &IV, false, Some((&key, None)))),
        vector("machine-encrypted")
    );
}

#[test]
fn offline_activation_request_and_deactivation_proof_are_recomputed() {
    let activation_key = hkdf(
        LICENSE_KEY.as_bytes(),
        b"licenz/offline/v1",
        b"activation-request",
    );
    assert_eq!(hex(&activation_key), vector("activation-key"));
    let nonce = b64url(&(0u8..16).collect::<Vec<_>>());
    assert_eq!(nonce, "AAECAwQFBgcICQoLDA0ODw");
    let payload = format!(
        r#"{{"key":"{LICENSE_KEY}","fingerprint":"{FINGERPRINT}","components":{{"board":"9b1c4f0e","cpu":"51d7a2c3","disk":"e08f6b14","os":"7a3d9e02"}},"name":"Lab PC 7","nonce":"{nonce}"}}"#
    );
    let sealed = format!("LZACT-{}", b64url(payload.as_bytes()));
    let mac = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, &activation_key),
        sealed.as_bytes(),
    );
    assert_eq!(
        format!("{sealed}.{}", b64url(mac.as_ref())),
        vector("activation-request")
    );

    let deactivation_key = hkdf(
        LICENSE_KEY.as_bytes(),
        b"licenz/offline/v1",
        b"deactivation-proof",
    );
    assert_eq!(hex(&deactivation_key), vector("deactivation-key"));
    let nonce = b64url(&(16u8..32).collect::<Vec<_>>());
    let payload = format!(
        r#"{{"license_id":"lic_test","jti":"lf_test","fingerprint":"{FINGERPRINT}","nonce":"{nonce}"}}"#
    );
    let sealed = format!("LZDEACT-{}", b64url(payload.as_bytes()));
    let mac = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, &deactivation_key),
        sealed.as_bytes(),
    );
    assert_eq!(
        format!("{sealed}.{}", b64url(mac.as_ref())),
        vector("deactivation-proof")
    );
}

#[test]
fn revocation_list_is_recomputed_and_verifies() {
    let signer = Signer::test_key();
    assert_eq!(
        signer.jws("licenz-revocations+jwt", &vector("revocation-claims")),
        vector("revocation-list")
    );
    let keys = PublicKeySet::from_jwks(&vector("jwks")).expect("jwks");
    let list = RevocationList::verify(&vector("revocation-list"), &keys).expect("the list holds");
    assert_eq!(list.issuer, "acct_test");
    assert_eq!(list.version, 3);
    assert_eq!(list.issued_at, at(1_768_559_400));
    assert_eq!(
        list.licenses.get("lic_test").map(String::as_str),
        Some("revoked")
    );
    assert_eq!(
        list.licenses.get("lic_gone").map(String::as_str),
        Some("deleted")
    );
    assert!(list.machines.contains("mach_old"));
    // Any changed character breaks it.
    let mut altered = vector("revocation-list");
    altered.replace_range(altered.len() - 2..altered.len() - 1, "A");
    assert!(RevocationList::verify(&altered, &keys).is_err());
}

fn options(clock: Arc<dyn TrustedClock>) -> LicenseFileOptions {
    LicenseFileOptions {
        now: Some(parse_time(NOW)),
        license_key: Some(LICENSE_KEY.into()),
        fingerprint: Some(FINGERPRINT.into()),
        trusted_clock: clock,
        ..Default::default()
    }
}

#[test]
fn every_published_file_is_valid_and_revoked_by_the_published_list() {
    let keys = PublicKeySet::from_jwks(&vector("jwks")).expect("jwks");
    for name in [
        "plain",
        "encrypted",
        "bound-encrypted",
        "machine-plain",
        "machine-encrypted",
    ] {
        let file = vector(name);
        let result =
            LicenseFile::verify(&file, &keys, &options(Arc::new(MemoryTrustedClock::new())));
        assert_eq!(
            result.code,
            LicenseFileCode::Valid,
            "{name}: {}",
            result.message
        );
        assert_eq!(result.revocation_list_version, 0, "{name}");
        assert!(
            result.revocation_list_outdated,
            "{name}: the files carry version 2, no list is kept"
        );
        let claims = result.claims.expect("claims");
        assert_eq!(claims.issuer, "acct_test");
        assert_eq!(claims.license.key, LICENSE_KEY);
        assert_eq!(claims.issued_at, at(1_768_473_000));
        assert_eq!(claims.expires_at, at(1_771_065_000));
        assert_eq!(claims.revocation_version, 2);

        let clock = Arc::new(MemoryTrustedClock::new());
        let list = RevocationList::verify(&vector("revocation-list"), &keys).expect("list");
        assert!(list.keep(clock.as_ref(), &keys));
        let revoked = LicenseFile::verify(&file, &keys, &options(clock));
        assert_eq!(
            revoked.code,
            LicenseFileCode::Revoked,
            "{name}: {}",
            revoked.message
        );
        assert_eq!(revoked.revocation_list_version, 3);
        assert!(!revoked.revocation_list_outdated);
    }
}

#[test]
fn the_machine_file_carries_the_licensing_model() {
    let keys = PublicKeySet::from_jwks(&vector("jwks")).expect("jwks");
    let result = LicenseFile::verify(
        &vector("machine-plain"),
        &keys,
        &options(Arc::new(MemoryTrustedClock::new())),
    );
    let license = result.claims.expect("claims").license;
    assert_eq!(license.machine_id.as_deref(), Some("mach_test"));
    assert_eq!(
        license.fingerprint_matching.as_deref(),
        Some("most_components")
    );
    assert_eq!(license.entitlements, vec!["export.pdf", "sso"]);
    assert_eq!(
        license.grace_period,
        Some(std::time::Duration::from_secs(604_800))
    );
    assert_eq!(
        license.check_in_interval,
        Some(std::time::Duration::from_secs(2_592_000))
    );
    assert_eq!(license.components.map(|c| c.len()), Some(4));
    assert_eq!(
        license.metadata,
        serde_json::json!({"plan": "pro", "seats": 5})
    );
}
