//! The conformance kit: docs/vectors/license-files.json and docs/vectors/responses.json. Every case is run and its
//! expected code (and the other expected members) asserted.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{parse_time, repo_root};
use licenz_sdk::{
    LicenseFile, LicenseFileOptions, MemoryTrustedClock, PublicKeySet, ResponseSignature,
    TrustedClock,
};
use serde_json::Value;

/// The kit's file, read and parsed (its absence fails the test: the kit is part of the repository).
fn kit(name: &str) -> Value {
    let path = repo_root().join("docs").join("vectors").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} cannot be read: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn key_sets(kit: &Value) -> BTreeMap<String, PublicKeySet> {
    kit["keys"]
        .as_object()
        .expect("keys")
        .iter()
        .map(|(name, jwks)| {
            (
                name.clone(),
                PublicKeySet::from_jwks(&jwks.to_string()).expect("a JWKS"),
            )
        })
        .collect()
}

fn text(value: &Value, name: &str) -> Option<String> {
    value.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// The issuer every case's trusted time and revocation list belong to.
const ISSUER: &str = "acct_test";

#[test]
fn license_file_cases() {
    let kit = kit("license-files.json");
    let keys = key_sets(&kit);
    let cases = kit["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let o = &case["options"];
        let clock = Arc::new(MemoryTrustedClock::new());
        if let Some(trusted) = text(o, "trusted_time") {
            clock.advance(ISSUER, parse_time(&trusted));
        }
        if let Some(list) = text(o, "revocation_list") {
            clock.store_revocation_list(ISSUER, &list);
        }
        let options = LicenseFileOptions {
            now: Some(parse_time(&text(o, "now").expect("now"))),
            license_key: text(o, "license_key"),
            fingerprint: text(o, "fingerprint"),
            components: o.get("components").and_then(Value::as_object).map(|c| {
                c.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().expect("component").to_owned()))
                    .collect()
            }),
            required_entitlements: o
                .get("required_entitlements")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|e| e.as_str().expect("entitlement").to_owned())
                        .collect()
                })
                .unwrap_or_default(),
            product_id: text(o, "product_id"),
            issuer: text(o, "issuer"),
            trusted_clock: clock,
            ..Default::default()
        };
        let set = &keys[case["keys"].as_str().expect("keys")];
        let result = LicenseFile::verify(case["file"].as_str().expect("file"), set, &options);
        let expected = &case["expected"];
        let mut check = |what: &str, actual: Value, wanted: Option<&Value>| {
            if let Some(wanted) = wanted {
                if &actual != wanted {
                    failures.push(format!(
                        "{name}: {what} {actual}, expected {wanted} ({})",
                        result.message
                    ));
                }
            }
        };
        check(
            "code",
            Value::from(result.code.as_str()),
            expected.get("code"),
        );
        check(
            "matched_by_components",
            Value::from(result.matched_by_components),
            expected.get("matched_by_components"),
        );
        check(
            "in_grace",
            Value::from(result.in_grace),
            expected.get("in_grace"),
        );
        check(
            "revocation_list_version",
            Value::from(result.revocation_list_version),
            expected.get("revocation_list_version"),
        );
        check(
            "revocation_list_outdated",
            Value::from(result.revocation_list_outdated),
            expected.get("revocation_list_outdated"),
        );
    }
    println!("{} license file cases run", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn response_cases() {
    let kit = kit("responses.json");
    let keys = key_sets(&kit);
    let cases = kit["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let headers = &case["headers"];
        let header = |h: &str| headers.get(h).and_then(Value::as_str);
        let status = u16::try_from(case["status"].as_u64().expect("status")).expect("a status");
        let result = ResponseSignature::verify(
            status,
            header("content-digest"),
            header("date"),
            header("signature-input"),
            header("signature"),
            case["body"].as_str().expect("body").as_bytes(),
            case.get("nonce").and_then(Value::as_str),
            &keys[case["keys"].as_str().expect("keys")],
        );
        let expected = case["expected"]["code"].as_str().expect("code");
        if result.code.as_str() != expected {
            failures.push(format!(
                "{name}: {} expected {expected} ({})",
                result.code, result.message
            ));
        }
    }
    println!("{} response cases run", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
