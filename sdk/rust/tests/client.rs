//! The client's configuration, without a server.

use licenz_sdk::{error_codes, Client, DEFAULT_BASE_URL};

#[test]
fn the_default_base_url_is_the_hosted_api() {
    assert_eq!(DEFAULT_BASE_URL, "https://api.licenz.io/v1");
    let client = Client::new("YOUR_API_KEY");
    assert_eq!(client.base_url(), "https://api.licenz.io/v1/");
}

#[test]
fn a_self_hosted_base_url_must_be_https() {
    let client = Client::builder("KEY")
        .base_url("https://licenz.example.com/api/v1")
        .expect("https")
        .build()
        .expect("client");
    assert_eq!(client.base_url(), "https://licenz.example.com/api/v1/");
    for refused in [
        "http://licenz.example.com/api/v1",
        "http://localhost:8443/api/v1",
        "licenz.example.com/api/v1",
        "ftp://x/y",
        "",
    ] {
        let error = Client::builder("KEY").base_url(refused).expect_err(refused);
        assert_eq!(
            error.code(),
            error_codes::INVALID_CONFIGURATION,
            "{refused}"
        );
        assert!(error.message().contains("https://"), "{error}");
    }
}

#[test]
fn api_keys_and_certificates_are_checked_when_built() {
    for key in ["", "   ", "lz_admin key", "lz_admin_\nkey", "lz_admin_ä"] {
        let error = Client::builder(key).build().expect_err("a bad key");
        assert_eq!(error.code(), error_codes::INVALID_CONFIGURATION, "{key:?}");
    }
    let error = Client::builder("KEY")
        .add_root_certificate_pem(b"not a certificate")
        .expect_err("no PEM");
    assert_eq!(error.code(), error_codes::INVALID_CONFIGURATION);
}

#[test]
#[should_panic(expected = "API key")]
fn client_new_panics_on_an_empty_key() {
    let _ = Client::new("");
}

#[tokio::test]
async fn an_unreachable_server_is_a_network_error() {
    // Nothing listens on port 9 of the loopback address.
    let client = Client::builder("KEY")
        .base_url("https://127.0.0.1:9/api/v1")
        .expect("https")
        .build()
        .expect("client");
    let error = client.licenses().list().await.expect_err("no server");
    assert_eq!(error.code(), error_codes::NETWORK_ERROR, "{error}");
    assert_eq!(error.status(), None);
}

#[test]
fn the_client_and_its_futures_cross_threads() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: T) {}
    let client = Client::new("KEY");
    send_sync(&client);
    send(async move {
        let licenses = client.licenses();
        let _ = licenses.list().product_id("prod_x").await;
        let _ = licenses
            .verify(
                "LIC-TESTV-ECT0R-0001H",
                &licenz_sdk::VerifyOptions::default(),
            )
            .await;
        let _ = client.machines().heartbeat("k", "f").await;
    });
}
