//! flaps_certificates.go: ListCertificates, CreateACMECertificate, CreateCustomCertificate,
//! GetCertificate, CheckCertificate, DeleteCertificate, DeleteACMECertificate,
//! DeleteCustomCertificate.

use reqwest::Method;
use serde_json::{Value, json};

use super::*;

const FULLCHAIN: &str =
    "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUflysim\n-----END CERTIFICATE-----\n";
const PRIVATE_KEY: &str =
    "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIflysim\n-----END EC PRIVATE KEY-----\n";

/// `CertificateSummary` (list items).
fn assert_summary(v: &Value) {
    assert_nonempty(v, "hostname");
    assert_string(v, "status");
    assert_string(v, "dns_provider");
    for k in [
        "acme_dns_configured",
        "acme_alpn_configured",
        "acme_http_configured",
        "ownership_txt_configured",
        "configured",
        "acme_requested",
        "has_custom_certificate",
        "has_fly_certificate",
    ] {
        assert_bool(v, k);
    }
    assert_time(v, "created_at");
    assert_time(v, "updated_at");
}

/// `CertificateDetailResponse`.
fn assert_detail(v: &Value) {
    assert_nonempty(v, "hostname");
    assert_bool(v, "configured");
    assert_bool(v, "acme_requested");
    assert_string(v, "status");
    assert_opt_time(v, "rate_limited_until");
    for c in array(v, "certificates") {
        assert_nonempty(c, "source");
        assert_string(c, "status");
        assert_opt_time(c, "created_at");
        assert_opt_time(c, "expires_at");
        assert_string(c, "issuer");
        for i in array(c, "issued") {
            assert_string(i, "type");
            assert_time(i, "expires_at");
        }
    }
    for k in [
        "dns_configured",
        "alpn_configured",
        "http_configured",
        "ownership_txt_configured",
    ] {
        assert_bool(&v["validation"], k);
    }
    let req = &v["dns_requirements"];
    array(req, "a");
    array(req, "aaaa");
    assert_string(req, "cname");
    assert_string(&req["acme_challenge"], "name");
    assert_string(&req["acme_challenge"], "target");
    for k in ["name", "app_value", "org_value"] {
        assert_string(&req["ownership"], k);
    }
}

fn sources(v: &Value) -> Vec<String> {
    array(v, "certificates")
        .iter()
        .map(|c| str_of(c, "source"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acme_get_check_and_delete() {
    let sim = Sim::with_profile(profile_with(|p| p.cert_issue_after_ms = 3_600_000)).await;
    let app = sim.new_app("flaps-acme").await;
    let base = format!("/apps/{app}/certificates");
    let host = format!("{app}.example.com");

    let added = flaps(&sim, Method::POST, &format!("{base}/acme"))
        .json(json!({"hostname": host}))
        .send()
        .await
        .expect(200)
        .json();
    assert_detail(&added);
    assert_eq!(added["acme_requested"], true);
    assert_eq!(added["configured"], false, "not issued yet: {added}");

    let got = flaps(&sim, Method::GET, &format!("{base}/{host}"))
        .send()
        .await
        .expect(200)
        .json();
    assert_detail(&got);
    let checked = flaps(&sim, Method::POST, &format!("{base}/{host}/check"))
        .send()
        .await
        .expect(200)
        .json();
    assert_detail(&checked);

    // DeleteACMECertificate keeps the hostname.
    ok(flaps(&sim, Method::DELETE, &format!("{base}/{host}/acme"))
        .send()
        .await);
    let got = flaps(&sim, Method::GET, &format!("{base}/{host}"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(got["acme_requested"], false, "{got}");
    assert!(sources(&got).is_empty(), "{got}");

    // DeleteCertificate removes the hostname with everything on it.
    ok(flaps(&sim, Method::DELETE, &format!("{base}/{host}"))
        .send()
        .await);
    flaps(&sim, Method::GET, &format!("{base}/{host}"))
        .send()
        .await
        .expect_error(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_certificate_import_and_delete() {
    let sim = Sim::with_profile(profile_with(|p| p.cert_issue_after_ms = 3_600_000)).await;
    let app = sim.new_app("flaps-custom").await;
    let base = format!("/apps/{app}/certificates");
    let host = format!("{app}.example.com");

    // ImportCertificateRequest: hostname, fullchain, private_key. No ACME is started.
    let imported = flaps(&sim, Method::POST, &format!("{base}/custom"))
        .json(json!({"hostname": host, "fullchain": FULLCHAIN, "private_key": PRIVATE_KEY}))
        .send()
        .await
        .expect(200)
        .json();
    assert_detail(&imported);
    assert_eq!(imported["acme_requested"], false, "{imported}");
    assert_eq!(imported["configured"], true, "a custom cert serves at once");
    assert_eq!(sources(&imported), vec!["custom"]);

    let list = flaps(&sim, Method::GET, &base)
        .send()
        .await
        .expect(200)
        .json();
    let certs = array(&list, "certificates");
    assert_eq!(certs.len(), 1, "{list}");
    assert_summary(&certs[0]);
    assert_eq!(certs[0]["has_custom_certificate"], true);
    assert_eq!(certs[0]["has_fly_certificate"], false);

    // Adding ACME on top keeps the custom certificate; deleting the custom keeps ACME.
    let both = flaps(&sim, Method::POST, &format!("{base}/acme"))
        .json(json!({"hostname": host}))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(both["acme_requested"], true);
    assert_eq!(sources(&both), vec!["custom"]);
    ok(
        flaps(&sim, Method::DELETE, &format!("{base}/{host}/custom"))
            .send()
            .await,
    );
    let left = flaps(&sim, Method::GET, &format!("{base}/{host}"))
        .send()
        .await
        .expect(200)
        .json();
    assert!(sources(&left).is_empty(), "{left}");
    assert_eq!(left["acme_requested"], true, "{left}");
    flaps(&sim, Method::DELETE, &format!("{base}/{host}/custom"))
        .send()
        .await
        .expect_error(404);

    // Something that is not PEM is refused.
    flaps(&sim, Method::POST, &format!("{base}/custom"))
        .json(json!({"hostname": host, "fullchain": "not a cert", "private_key": PRIVATE_KEY}))
        .send()
        .await
        .expect_client_error();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_pages_with_limit_and_cursor() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-certpage").await;
    let base = format!("/apps/{app}/certificates");
    let mut hosts: Vec<String> = (1..=5).map(|i| format!("t{i}.{app}.example.com")).collect();
    for h in &hosts {
        flaps(&sim, Method::POST, &format!("{base}/acme"))
            .json(json!({"hostname": h}))
            .send()
            .await
            .expect(200);
    }
    hosts.sort();

    // ListCertificatesOpts: limit and cursor only when set; follow next_cursor to the end.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10 {
        let q = if cursor.is_empty() {
            "?limit=2".to_string()
        } else {
            format!("?cursor={cursor}&limit=2")
        };
        let page = flaps(&sim, Method::GET, &format!("{base}{q}"))
            .send()
            .await
            .expect(200)
            .json();
        let certs = array(&page, "certificates");
        assert!(certs.len() <= 2, "{page}");
        certs.iter().for_each(assert_summary);
        seen.extend(certs.iter().map(|c| str_of(c, "hostname")));
        assert_eq!(page["total_count"], 5, "{page}");
        match page.get("next_cursor").and_then(Value::as_str) {
            Some(c) if !c.is_empty() => cursor = c.to_string(),
            _ => break,
        }
    }
    assert_eq!(seen, hosts, "every hostname once, in order");

    // The filter narrows the list and its total.
    let one = flaps(&sim, Method::GET, &format!("{base}?filter=t3."))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(array(&one, "certificates").len(), 1, "{one}");
    assert_eq!(one["total_count"], 1);
}
