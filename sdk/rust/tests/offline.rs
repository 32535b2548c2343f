//! License files, revocation lists and signed answers made here with the RFC 8032 test key: the armor rules, the check
//! order, the trusted clock, grace periods, component matching, and small-order keys.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::*;
use licenz_sdk::{
    components_most_match, normalize_license_key, LicenseFile, LicenseFileCode, LicenseFileOptions,
    MemoryTrustedClock, PublicKeySet, ResponseSignature, ResponseSignatureCode, RevocationList,
    TrustedClock,
};

const IAT: u64 = 1_768_473_000;
const EXP: u64 = 1_771_065_000;

fn claims(license: &str) -> String {
    format!(
        r#"{{"iss":"acct_test","sub":"lic_test","iat":{IAT},"exp":{EXP},"jti":"lf_test","revocation_version":2,"license":{{"id":"lic_test","key":"{LICENSE_KEY}","product_id":"prod_test","type":"subscription","status":"active","expires_at":"2027-01-15T10:30:00Z","entitlements":["sso"],"metadata":{{}}{license}}}}}"#
    )
}

fn options_at(seconds: u64) -> LicenseFileOptions {
    LicenseFileOptions {
        now: Some(at(seconds)),
        ..Default::default()
    }
}

fn code(file: &str, keys: &PublicKeySet, options: &LicenseFileOptions) -> LicenseFileCode {
    LicenseFile::verify(file, keys, options).code
}

#[test]
fn armor_is_read_as_files_are_saved_and_nothing_else() {
    let signer = Signer::test_key();
    let keys = signer.keys();
    let file = armor(&signer.license(&claims("")));
    let options = options_at(IAT + 60);
    assert_eq!(code(&file, &keys, &options), LicenseFileCode::Valid);
    assert_eq!(
        code(&file.replace('\n', "\r\n"), &keys, &options),
        LicenseFileCode::Valid
    );
    let indented: String = file.lines().map(|l| format!("\t  {l}  \n\n")).collect();
    assert_eq!(
        code(&format!("\n\n{indented}\n"), &keys, &options),
        LicenseFileCode::Valid
    );

    assert_eq!(code("", &keys, &options), LicenseFileCode::NoLicenseFile);
    assert_eq!(
        code(" \n\t\r\n", &keys, &options),
        LicenseFileCode::NoLicenseFile
    );
    // Another character, another line, a vertical tab, a missing END line, lines too long or a short line inside.
    assert_eq!(
        code(&file.replacen("eyJ", "ey J", 1), &keys, &options),
        LicenseFileCode::Malformed
    );
    assert_eq!(
        code(&format!("Hello\n{file}"), &keys, &options),
        LicenseFileCode::Malformed
    );
    assert_eq!(
        code(&format!("{file}Bye\n"), &keys, &options),
        LicenseFileCode::Malformed
    );
    assert_eq!(
        code(&file.replacen('\n', "\x0b\n", 2), &keys, &options),
        LicenseFileCode::Malformed
    );
    assert_eq!(
        code(
            file.trim_end()
                .trim_end_matches("-----END LICENZ LICENSE-----"),
            &keys,
            &options
        ),
        LicenseFileCode::Malformed
    );
    let token = signer.license(&claims(""));
    let long = format!("-----BEGIN LICENZ LICENSE-----\n{token}\n-----END LICENZ LICENSE-----\n");
    assert_eq!(code(&long, &keys, &options), LicenseFileCode::Malformed);
    let mut lines: Vec<String> = file.lines().map(str::to_owned).collect();
    let second = lines[2].split_off(10);
    lines.insert(3, second);
    assert_eq!(
        code(&lines.join("\n"), &keys, &options),
        LicenseFileCode::Malformed
    );
}

#[test]
fn non_canonical_base64url_is_refused() {
    let signer = Signer::test_key();
    let keys = signer.keys();
    let token = signer.license(&claims(""));
    // An Ed25519 signature is 64 bytes: 86 characters whose last carries 4 spare bits. Setting one keeps the bytes.
    let (front, last) = token.split_at(token.len() - 1);
    const A: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let index = A.find(last).expect("base64url");
    assert_eq!(
        index % 16,
        0,
        "the canonical last character has its spare bits zero"
    );
    let sibling = &A[index + 1..index + 2];
    let altered = format!("{front}{sibling}");
    assert_eq!(
        code(&armor(&altered), &keys, &options_at(IAT + 60)),
        LicenseFileCode::Malformed
    );
}

#[test]
fn a_small_order_key_verifies_no_forgery() {
    // The identity point as a public key: [s]B - [k]A = [s]B for every k, so R = [s]B forges any message under lax
    // verifiers. ring alone accepts it; the SDK must not.
    let identity: [u8; 32] = {
        let mut key = [0u8; 32];
        key[0] = 1;
        key
    };
    let kid = PublicKeySet::thumbprint(&Signer::test_key().public_key());
    let keys = PublicKeySet::from_keys([(kid.clone(), identity)]);
    let header = format!(r#"{{"alg":"EdDSA","typ":"licenz-license+jwt","kid":"{kid}"}}"#);
    let signed = format!(
        "{}.{}",
        b64url(header.as_bytes()),
        b64url(claims("").as_bytes())
    );
    // R = [s]B with s = 1: the base point's encoding; S = 1.
    let base_point = unhex("5866666666666666666666666666666666666666666666666666666666666666");
    let mut signature = base_point.clone();
    let mut s = vec![0u8; 32];
    s[0] = 1;
    signature.extend(&s);
    let forged = ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, identity)
        .verify(signed.as_bytes(), &signature)
        .is_ok();
    println!("ring alone accepts the small-order forgery: {forged}");
    assert!(!keys.verify(&kid, signed.as_bytes(), &signature));
    let file = armor(&format!("{signed}.{}", b64url(&signature)));
    assert_eq!(
        code(&file, &keys, &options_at(IAT + 60)),
        LicenseFileCode::BadSignature
    );
}

#[test]
fn the_checks_come_in_the_documented_order() {
    let signer = Signer::test_key();
    let keys = signer.keys();
    let other = Signer::from_seed(&[42u8; 32]);
    let file = armor(&signer.license(&claims("")));
    let now = IAT + 60;

    assert_eq!(
        code(&file, &other.keys(), &options_at(now)),
        LicenseFileCode::UnknownKey
    );
    let impostor = PublicKeySet::from_keys([(signer.kid.clone(), other.public_key())]);
    assert_eq!(
        code(&file, &impostor, &options_at(now)),
        LicenseFileCode::BadSignature
    );
    let typed_wrong = armor(&signer.jws("licenz-revocations+jwt", &claims("")));
    assert_eq!(
        code(&typed_wrong, &keys, &options_at(now)),
        LicenseFileCode::Malformed
    );
    let incomplete = armor(&signer.license(r#"{"iss":"acct_test"}"#));
    assert_eq!(
        code(&incomplete, &keys, &options_at(now)),
        LicenseFileCode::Malformed
    );

    let with = |f: fn(&mut LicenseFileOptions)| {
        let mut options = options_at(now);
        f(&mut options);
        code(&file, &keys, &options)
    };
    assert_eq!(
        with(|o| o.issuer = Some("acct_other".into())),
        LicenseFileCode::IssuerMismatch
    );
    assert_eq!(
        with(|o| o.product_id = Some("prod_other".into())),
        LicenseFileCode::ProductMismatch
    );
    assert_eq!(
        with(|o| o.license_key = Some("LIC-AAAAA-AAAAA-AAAAA".into())),
        LicenseFileCode::LicenseKeyMismatch
    );
    assert_eq!(
        with(|o| o.license_key = Some("lic testv ector 0001h".into())),
        LicenseFileCode::Valid
    );
    assert_eq!(
        with(|o| o.now = Some(at(IAT - 3600))),
        LicenseFileCode::NotYetValid
    );
    assert_eq!(
        with(|o| o.now = Some(at(IAT - 60))),
        LicenseFileCode::Valid,
        "2 minutes' leeway"
    );
    assert_eq!(
        with(|o| o.now = Some(at(EXP + 120))),
        LicenseFileCode::FileExpired
    );
    assert_eq!(
        with(|o| o.now = Some(at(EXP + 119))),
        LicenseFileCode::Valid
    );
    assert_eq!(
        with(|o| o.required_entitlements = vec!["sso".into(), "export.pdf".into()]),
        LicenseFileCode::EntitlementsMissing
    );
    assert_eq!(
        with(|o| o.required_entitlements = vec!["sso".into()]),
        LicenseFileCode::Valid
    );

    for (status, expected) in [
        ("revoked", LicenseFileCode::Revoked),
        ("suspended", LicenseFileCode::Suspended),
    ] {
        let file = armor(&signer.license(
            &claims("").replace(r#""status":"active""#, &format!(r#""status":"{status}""#)),
        ));
        assert_eq!(code(&file, &keys, &options_at(now)), expected);
    }
}

#[test]
fn the_trusted_clock_notices_a_clock_set_back() {
    let signer = Signer::test_key();
    let keys = signer.keys();
    let clock: Arc<dyn TrustedClock> = Arc::new(MemoryTrustedClock::new());
    let options = |seconds: u64| LicenseFileOptions {
        now: Some(at(seconds)),
        trusted_clock: clock.clone(),
        ..Default::default()
    };
    let later =
        armor(&signer.license(&claims("").replace(&IAT.to_string(), &(IAT + 86_400).to_string())));
    assert_eq!(
        code(&later, &keys, &options(IAT + 86_400 + 60)),
        LicenseFileCode::Valid
    );
    assert_eq!(clock.read("acct_test"), Some(at(IAT + 86_400)));
    let earlier = armor(&signer.license(&claims("")));
    // Within the 10 minutes' tolerance, then beyond it.
    assert_eq!(
        code(&earlier, &keys, &options(IAT + 86_400 - 500)),
        LicenseFileCode::Valid
    );
    assert_eq!(
        code(&earlier, &keys, &options(IAT + 3600)),
        LicenseFileCode::ClockTampered
    );
}

#[test]
fn grace_periods_and_license_expiry() {
    let signer = Signer::test_key();
    let keys = signer.keys();
    let expiry = 1_800_009_000u64; // 2027-01-15T10:30:00Z
    let long_lived = claims(r#","grace_period":604800"#)
        .replace(&EXP.to_string(), &(expiry + 30 * 86_400).to_string());
    let file = armor(&signer.license(&long_lived));
    let in_grace = LicenseFile::verify(&file, &keys, &options_at(expiry + 3600));
    assert_eq!(in_grace.code, LicenseFileCode::Valid);
    assert!(in_grace.in_grace);
    assert_eq!(in_grace.grace_ends_at, Some(at(expiry + 604_800)));
    assert_eq!(
        code(&file, &keys, &options_at(expiry + 604_800)),
        LicenseFileCode::Expired
    );
    let without = armor(&signer.license(&long_lived.replace(r#","grace_period":604800"#, "")));
    assert_eq!(
        code(&without, &keys, &options_at(expiry)),
        LicenseFileCode::Expired
    );
    assert_eq!(
        code(&without, &keys, &options_at(expiry - 1)),
        LicenseFileCode::Valid
    );
}

#[test]
fn bound_files_and_components() {
    let signer = Signer::test_key();
    let keys = signer.keys();
    let bound = claims(&format!(
        r#","fingerprint":"{FINGERPRINT}","machine":{{"id":"mach_test","components":{{"board":"b","cpu":"c","disk":"d","os":"o"}}}},"fingerprint_matching":"most_components""#
    ));
    let file = armor(&signer.license(&bound));
    let components = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let options =
        |fingerprint: Option<&str>, parts: Option<BTreeMap<String, String>>| LicenseFileOptions {
            now: Some(at(IAT + 60)),
            fingerprint: fingerprint.map(str::to_owned),
            components: parts,
            ..Default::default()
        };
    assert_eq!(
        code(&file, &keys, &options(None, None)),
        LicenseFileCode::FingerprintRequired
    );
    assert_eq!(
        code(&file, &keys, &options(Some(FINGERPRINT), None)),
        LicenseFileCode::Valid
    );
    let new_disk = components(&[("board", "b"), ("cpu", "c"), ("disk", "X"), ("os", "o")]);
    let result = LicenseFile::verify(&file, &keys, &options(Some("new"), Some(new_disk)));
    assert_eq!(result.code, LicenseFileCode::Valid);
    assert!(result.matched_by_components);
    let half = components(&[("board", "b"), ("cpu", "c"), ("disk", "X"), ("os", "Y")]);
    assert_eq!(
        code(&file, &keys, &options(Some("new"), Some(half))),
        LicenseFileCode::FingerprintMismatch
    );
    let exact = armor(&signer.license(&bound.replace("most_components", "exact")));
    let same = components(&[("board", "b"), ("cpu", "c"), ("disk", "d"), ("os", "o")]);
    assert_eq!(
        code(&exact, &keys, &options(Some("new"), Some(same))),
        LicenseFileCode::FingerprintMismatch
    );

    assert!(components_most_match(
        &components(&[("a", "1"), ("b", "2")]),
        &components(&[("a", "1"), ("b", "2")])
    ));
    assert!(
        !components_most_match(&components(&[("a", "1")]), &components(&[("a", "1")])),
        "one is not enough"
    );
    assert!(!components_most_match(
        &components(&[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")]),
        &components(&[("a", "1"), ("b", "2"), ("c", "x"), ("d", "y")])
    ));

    // Deactivated machine on the kept list: NO_MACHINE.
    let list_claims = r#"{"iss":"acct_test","iat":1768559400,"version":5,"licenses":[],"machines":["mach_test"]}"#;
    let list = RevocationList::verify(&signer.jws("licenz-revocations+jwt", list_claims), &keys)
        .expect("list");
    let clock = Arc::new(MemoryTrustedClock::new());
    assert!(list.keep(clock.as_ref(), &keys));
    assert!(
        !list.keep(clock.as_ref(), &keys),
        "a list never replaces one as new"
    );
    let result = LicenseFile::verify(
        &file,
        &keys,
        &LicenseFileOptions {
            trusted_clock: clock,
            ..options(Some(FINGERPRINT), None)
        },
    );
    assert_eq!(result.code, LicenseFileCode::NoMachine);
    assert_eq!(result.revocation_list_version, 5);
}

#[test]
fn encrypted_files_say_why_they_do_not_open() {
    let signer = Signer::test_key();
    let keys = signer.keys();
    let key = LicenseFile::derive_key(LICENSE_KEY, None);
    let bound_key = LicenseFile::derive_key(LICENSE_KEY, Some(FINGERPRINT));
    let jws = signer.license(&claims(&format!(r#","fingerprint":"{FINGERPRINT}""#)));
    let iv = [9u8; 12];
    let with_checks = armor(&encrypt(
        &jws,
        &bound_key,
        &iv,
        true,
        Some((&key, Some(&bound_key))),
    ));
    let without_checks = armor(&encrypt(&jws, &bound_key, &iv, true, None));
    let options = |license_key: Option<&str>, fingerprint: Option<&str>| LicenseFileOptions {
        now: Some(at(IAT + 60)),
        license_key: license_key.map(str::to_owned),
        fingerprint: fingerprint.map(str::to_owned),
        ..Default::default()
    };
    // A well-formed key of another license: the one whose check symbol holds.
    let other_key = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
        .chars()
        .find_map(|c| normalize_license_key(&format!("LIC-AAAAA-AAAAA-AAAA{c}")))
        .expect("a well-formed key");
    for file in [&with_checks, &without_checks] {
        assert_eq!(
            code(file, &keys, &options(Some(LICENSE_KEY), Some(FINGERPRINT))),
            LicenseFileCode::Valid
        );
        assert_eq!(
            code(file, &keys, &options(None, Some(FINGERPRINT))),
            LicenseFileCode::LicenseKeyRequired
        );
        assert_eq!(
            code(file, &keys, &options(Some("not a key"), Some(FINGERPRINT))),
            LicenseFileCode::LicenseKeyRequired
        );
        assert_eq!(
            code(file, &keys, &options(Some(LICENSE_KEY), None)),
            LicenseFileCode::FingerprintRequired
        );
        assert_eq!(
            code(file, &keys, &options(Some(LICENSE_KEY), Some("another"))),
            LicenseFileCode::FingerprintMismatch
        );
    }
    assert_eq!(
        code(
            &with_checks,
            &keys,
            &options(Some(&other_key), Some(FINGERPRINT))
        ),
        LicenseFileCode::DecryptionFailed
    );
    // Without check values a bound file reads as another machine's.
    assert_eq!(
        code(
            &without_checks,
            &keys,
            &options(Some(&other_key), Some(FINGERPRINT))
        ),
        LicenseFileCode::FingerprintMismatch
    );
    // Damaged: both checks hold, the tag does not.
    let token = encrypt(&jws, &bound_key, &iv, true, Some((&key, Some(&bound_key))));
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let flipped = if parts[3].starts_with('A') { "B" } else { "A" };
    parts[3].replace_range(0..1, flipped);
    assert_eq!(
        code(
            &armor(&parts.join(".")),
            &keys,
            &options(Some(LICENSE_KEY), Some(FINGERPRINT))
        ),
        LicenseFileCode::Malformed
    );
}

fn signed_answer(
    signer: &Signer,
    status: u16,
    body: &str,
    nonce: &str,
) -> (String, String, String, String) {
    let digest = ResponseSignature::content_digest(body.as_bytes());
    let date = "Thu, 15 Jan 2026 10:30:00 GMT".to_owned();
    let params = format!(
        r#"("@status" "content-digest" "date");created=1768473000;keyid="{}";alg="ed25519";nonce="{nonce}""#,
        signer.kid
    );
    let base = format!("\"@status\": {status}\n\"content-digest\": {digest}\n\"date\": {date}\n\"@signature-params\": {params}");
    let signature = format!(
        "licenz=:{}:",
        b64std(signer.pair.sign(base.as_bytes()).as_ref())
    );
    (digest, date, format!("licenz={params}"), signature)
}

#[test]
fn signed_answers_are_checked() {
    let signer = Signer::test_key();
    let keys = signer.keys();
    let body = r#"{"data":{"valid":true,"code":"VALID","nonce":"n0nce-0123"}}"#;
    let (digest, date, input, signature) = signed_answer(&signer, 200, body, "n0nce-0123");
    let check = |status: u16, body: &str, nonce: Option<&str>, keys: &PublicKeySet| {
        ResponseSignature::verify(
            status,
            Some(&digest),
            Some(&date),
            Some(&input),
            Some(&signature),
            body.as_bytes(),
            nonce,
            keys,
        )
    };
    let valid = check(200, body, Some("n0nce-0123"), &keys);
    assert_eq!(
        valid.code,
        ResponseSignatureCode::Valid,
        "{}",
        valid.message
    );
    assert_eq!(valid.signed_date, Some(at(IAT)));
    assert_eq!(valid.key_id.as_deref(), Some(signer.kid.as_str()));
    assert_eq!(
        check(200, body, None, &keys).code,
        ResponseSignatureCode::Valid
    );
    assert_eq!(
        check(200, body, Some("another"), &keys).code,
        ResponseSignatureCode::NonceMismatch
    );
    assert_eq!(
        check(403, body, Some("n0nce-0123"), &keys).code,
        ResponseSignatureCode::BadSignature
    );
    assert_eq!(
        check(
            200,
            &body.replace("true", "false"),
            Some("n0nce-0123"),
            &keys
        )
        .code,
        ResponseSignatureCode::DigestMismatch
    );
    assert_eq!(
        check(
            200,
            body,
            Some("n0nce-0123"),
            &Signer::from_seed(&[1; 32]).keys()
        )
        .code,
        ResponseSignatureCode::UnknownKey
    );
    let unsigned = ResponseSignature::verify(
        200,
        None,
        Some(&date),
        None,
        None,
        body.as_bytes(),
        None,
        &keys,
    );
    assert_eq!(unsigned.code, ResponseSignatureCode::Unsigned);
    let partial = input.replace(r#" "date""#, "");
    let malformed = ResponseSignature::verify(
        200,
        Some(&digest),
        Some(&date),
        Some(&partial),
        Some(&signature),
        body.as_bytes(),
        None,
        &keys,
    );
    assert_eq!(malformed.code, ResponseSignatureCode::Malformed);
    let garbage = ResponseSignature::verify(
        200,
        Some(&digest),
        Some(&date),
        Some("licenz=(\""),
        Some(&signature),
        body.as_bytes(),
        None,
        &keys,
    );
    assert_eq!(garbage.code, ResponseSignatureCode::Malformed);
}

#[test]
fn jwks_documents_are_read_leniently_and_keys_strictly() {
    let signer = Signer::test_key();
    let jwks = signer.keys().to_jwks();
    assert_eq!(PublicKeySet::from_jwks(&jwks).expect("jwks"), signer.keys());
    assert!(PublicKeySet::from_jwks("[]").is_err());
    assert!(PublicKeySet::from_jwks("not json").is_err());
    let mixed = r#"{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"},{"kty":"OKP","crv":"Ed25519","kid":"enc","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
    assert!(PublicKeySet::from_jwks(mixed).expect("jwks").is_empty());
}
