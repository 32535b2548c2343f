//! Against a real Licenz server: LICENZ_URL (base URL with /api/v1), LICENZ_API_KEY (an admin key) and LICENZ_CA (the
//! server's certificate, PEM; optional when the system trusts it). Without them the test says it did not run and
//! passes, unless LICENZ_REQUIRE_SERVER=1.

use std::collections::BTreeMap;

use licenz_sdk::{
    error_codes, Client, LicenseCreateOptions, LicenseFile, LicenseFileCheckoutOptions,
    LicenseFileCode, LicenseFileOptions, LicenseUpdateOptions, MachineActivationOptions,
    ProductCreateOptions, PublicKeySet, ResponseSignatureCode, VerifyOptions,
};

fn client() -> Option<Client> {
    let (Ok(url), Ok(key)) = (std::env::var("LICENZ_URL"), std::env::var("LICENZ_API_KEY")) else {
        assert!(
            std::env::var("LICENZ_REQUIRE_SERVER").as_deref() != Ok("1"),
            "LICENZ_REQUIRE_SERVER=1, but LICENZ_URL and LICENZ_API_KEY are not set"
        );
        println!("online tests did not run: set LICENZ_URL, LICENZ_API_KEY (and LICENZ_CA) to run them against a server");
        return None;
    };
    let mut builder = Client::builder(key)
        .base_url(&url)
        .expect("an https:// base URL");
    if let Ok(ca) = std::env::var("LICENZ_CA") {
        let pem = std::fs::read(&ca).unwrap_or_else(|e| panic!("cannot read LICENZ_CA {ca}: {e}"));
        builder = builder
            .add_root_certificate_pem(&pem)
            .expect("a PEM certificate");
    }
    Some(builder.build().expect("a client"))
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}{nanos}")
}

#[tokio::test]
async fn the_whole_life_of_a_license() {
    let Some(client) = client() else { return };
    let licenses = client.licenses();

    // A product and a license.
    let product = client
        .products()
        .create(&ProductCreateOptions {
            name: unique("Rust SDK test "),
            ..Default::default()
        })
        .await
        .expect("product created");
    assert!(product.id.starts_with("prod_"), "{product:?}");
    let email = format!("{}@example.com", unique("rust"));
    let license = licenses
        .create(&LicenseCreateOptions {
            product_id: product.id.clone(),
            email: email.clone(),
            license_type: Some("subscription".into()),
            ..Default::default()
        })
        .await
        .expect("license created");
    assert!(license.id.starts_with("lic_"));
    assert_eq!(license.status, "active");
    assert!(
        license.rate_limit.is_some(),
        "the answer carries X-RateLimit-* headers"
    );

    // List (the API page's call, then filtered) and get, by id and by key.
    let all = licenses.list().await.expect("list");
    assert!(!all.data.is_empty());
    let page = licenses
        .list()
        .product_id(&product.id)
        .limit(10)
        .await
        .expect("filtered list");
    assert_eq!(
        page.data.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(),
        vec![license.id.as_str()]
    );
    let by_email = licenses
        .list()
        .email(&email)
        .send()
        .await
        .expect("list by email");
    assert_eq!(by_email.data.len(), 1);
    assert_eq!(
        licenses.get(&license.id).await.expect("get by id").key,
        license.key
    );
    assert_eq!(
        licenses
            .get(&license.key.to_lowercase())
            .await
            .expect("get by key")
            .id,
        license.id
    );

    // Update.
    let changed = licenses
        .update(
            &license.id,
            &LicenseUpdateOptions {
                metadata: Some(serde_json::json!({"plan": "pro"})),
                ..Default::default()
            },
        )
        .await
        .expect("update");
    assert_eq!(changed.metadata["plan"], "pro");

    // Online verification: a signed answer, checked.
    let for_product = VerifyOptions {
        product_id: Some(product.id.clone()),
        ..Default::default()
    };
    let verified = licenses
        .verify(&license.key, &for_product)
        .await
        .expect("verify");
    assert!(verified.valid, "{verified:?}");
    assert_eq!(verified.code, "VALID");
    assert!(!verified.signing_key_id.is_empty());
    assert!(verified.signed_date > std::time::UNIX_EPOCH);

    // With keys that did not sign it, the answer is an error, never a verdict.
    let strangers = PublicKeySet::from_keys([(verified.signing_key_id.clone(), [7u8; 32])]);
    let url = std::env::var("LICENZ_URL").expect("url");
    let mut pinned = Client::builder(std::env::var("LICENZ_API_KEY").expect("key"))
        .base_url(&url)
        .expect("url");
    if let Ok(ca) = std::env::var("LICENZ_CA") {
        pinned = pinned
            .add_root_certificate_pem(&std::fs::read(ca).expect("ca"))
            .expect("pem");
    }
    let pinned = pinned.verification_keys(strangers).build().expect("client");
    let refused = pinned
        .licenses()
        .verify(&license.key, &for_product)
        .await
        .expect_err("a forged answer is refused");
    assert_eq!(refused.code(), error_codes::INVALID_RESPONSE_SIGNATURE);
    assert_eq!(
        refused.signature_code(),
        Some(ResponseSignatureCode::BadSignature)
    );

    // Suspend: the server says SUSPENDED; reinstate: VALID again.
    assert_eq!(
        licenses.suspend(&license.id).await.expect("suspend").status,
        "suspended"
    );
    let suspended = licenses
        .verify(&license.key, &for_product)
        .await
        .expect("verify suspended");
    assert!(!suspended.valid);
    assert_eq!(suspended.code, "SUSPENDED");
    assert_eq!(
        licenses
            .reinstate(&license.id)
            .await
            .expect("reinstate")
            .status,
        "active"
    );
    assert!(
        licenses
            .verify(&license.key, &for_product)
            .await
            .expect("verify reinstated")
            .valid
    );

    // A machine: activate, heartbeat.
    let fingerprint = format!("{:0>64}", unique("f"));
    let components: BTreeMap<String, String> = [
        ("board", "9b1c4f0e"),
        ("cpu", "51d7a2c3"),
        ("disk", "e08f6b14"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let machine = client
        .machines()
        .activate(
            &license.key,
            &fingerprint,
            &MachineActivationOptions {
                components: components.clone(),
                name: Some("Rust SDK test".into()),
                ..Default::default()
            },
        )
        .await
        .expect("activate");
    assert!(machine.id.starts_with("mach_"));
    assert_eq!(machine.license_id, license.id);
    assert_eq!(
        client
            .machines()
            .heartbeat(&license.key, &fingerprint)
            .await
            .expect("heartbeat")
            .id,
        machine.id
    );

    // A license file bound to it, encrypted, verified offline with the server's JWKS.
    let checkout = licenses
        .check_out_license_file(
            &license.id,
            &LicenseFileCheckoutOptions {
                fingerprint: Some(fingerprint.clone()),
                encrypt: true,
                ..Default::default()
            },
        )
        .await
        .expect("check-out");
    assert!(checkout.encrypted);
    assert_eq!(checkout.machine_id.as_deref(), Some(machine.id.as_str()));
    let keys = client.fetch_jwks().await.expect("jwks");
    // Checked at the server's time a minute after issue: a test server may run on a clock of its own.
    let issued_at = time::OffsetDateTime::parse(
        checkout.issued_at.as_deref().expect("issued_at"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("issued_at is RFC 3339");
    let options = LicenseFileOptions {
        now: Some(std::time::SystemTime::from(issued_at) + std::time::Duration::from_secs(60)),
        license_key: Some(license.key.clone()),
        fingerprint: Some(fingerprint.clone()),
        components: Some(components),
        ..Default::default()
    };
    let offline = LicenseFile::verify(&checkout.license_file, &keys, &options);
    assert_eq!(offline.code, LicenseFileCode::Valid, "{}", offline.message);
    let claims = offline.claims.expect("claims");
    assert_eq!(claims.license.id, license.id);
    assert_eq!(
        claims.license.machine_id.as_deref(),
        Some(machine.id.as_str())
    );
    let elsewhere = LicenseFile::verify(
        &checkout.license_file,
        &keys,
        &LicenseFileOptions {
            fingerprint: Some("0".repeat(64)),
            components: None,
            ..options.clone()
        },
    );
    assert_eq!(elsewhere.code, LicenseFileCode::FingerprintMismatch);

    // Deactivate: the seat is free, the heartbeat has no machine.
    client
        .machines()
        .deactivate(&license.key, &fingerprint)
        .await
        .expect("deactivate");
    let gone = client
        .machines()
        .heartbeat(&license.key, &fingerprint)
        .await
        .expect_err("no machine any more");
    assert_eq!(gone.code(), error_codes::NOT_FOUND);

    // Renew, then revoke: verification says REVOKED.
    licenses.renew(&license.id, Some(30)).await.expect("renew");
    assert_eq!(
        licenses.revoke(&license.id).await.expect("revoke").status,
        "revoked"
    );
    let revoked = licenses
        .verify(&license.key, &for_product)
        .await
        .expect("verify revoked");
    assert_eq!(revoked.code, "REVOKED");

    // The revocation list names it.
    let list_text = client
        .fetch_revocation_list()
        .await
        .expect("revocation list");
    let list = licenz_sdk::RevocationList::verify(&list_text, &keys).expect("the list holds");
    assert_eq!(
        list.licenses.get(&license.id).map(String::as_str),
        Some("revoked")
    );
}

#[tokio::test]
async fn an_error_answer_is_a_typed_error() {
    let Some(client) = client() else { return };
    let missing = client
        .licenses()
        .get("lic_doesnotexist0000")
        .await
        .expect_err("no such license");
    assert_eq!(missing.code(), error_codes::NOT_FOUND);
    assert_eq!(missing.status(), Some(404));
    assert!(!missing.message().is_empty());
    assert!(
        missing.rate_limit().is_some(),
        "error answers carry X-RateLimit-* headers too"
    );

    let url = std::env::var("LICENZ_URL").expect("url");
    let mut wrong = Client::builder("lz_admin_not_a_real_key")
        .base_url(&url)
        .expect("url");
    if let Ok(ca) = std::env::var("LICENZ_CA") {
        wrong = wrong
            .add_root_certificate_pem(&std::fs::read(ca).expect("ca"))
            .expect("pem");
    }
    let unauthorized = wrong
        .build()
        .expect("client")
        .licenses()
        .list()
        .await
        .expect_err("a wrong key");
    assert_eq!(unauthorized.status(), Some(401));
    assert!(
        [error_codes::INVALID_API_KEY, error_codes::UNAUTHORIZED].contains(&unauthorized.code()),
        "{unauthorized}"
    );
}

/// Spends the key's rate-limit budget (about 100 requests a minute on the free plan) and waits up to a minute: run it
/// alone, `cargo test --test online -- --ignored`, as it would starve the other online tests.
#[tokio::test]
#[ignore = "spends the server's rate-limit budget; run alone with --ignored"]
async fn a_spent_budget_is_rate_limited_then_retried() {
    let Some(client) = client() else { return };
    let url = std::env::var("LICENZ_URL").expect("url");
    let builder = |retries: u32| {
        let mut builder = Client::builder(std::env::var("LICENZ_API_KEY").expect("key"))
            .base_url(&url)
            .expect("url");
        if let Ok(ca) = std::env::var("LICENZ_CA") {
            builder = builder
                .add_root_certificate_pem(&std::fs::read(ca).expect("ca"))
                .expect("pem");
        }
        builder
            .max_rate_limit_retries(retries)
            .max_rate_limit_wait(std::time::Duration::from_secs(70))
            .build()
            .expect("client")
    };
    let impatient = builder(0);
    let mut limited = None;
    for _ in 0..1000 {
        match impatient.licenses().list().limit(1).await {
            Ok(_) => continue,
            Err(error) => {
                limited = Some(error);
                break;
            }
        }
    }
    let error = limited.expect("the budget ran out");
    assert_eq!(error.code(), error_codes::RATE_LIMITED, "{error}");
    assert_eq!(error.status(), Some(429));
    let wait = error
        .retry_after()
        .expect("the server says how long to wait");
    assert!(wait <= std::time::Duration::from_secs(61), "{wait:?}");
    assert_eq!(error.rate_limit().and_then(|l| l.remaining), Some(0));
    // A patient client waits for the window to turn, and gets its answer.
    builder(1)
        .licenses()
        .list()
        .limit(1)
        .await
        .expect("answered after the wait");
    drop(client);
}
