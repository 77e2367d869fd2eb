use std::time::Duration;

use serde_json::json;

use crate::common::*;

fn is_awaiting(status: &str) -> bool {
    status.to_ascii_lowercase().contains("awaiting")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_get_list_issue_delete() {
    let sim = Sim::with_profile(profile_with(|p| p.cert_issue_after_ms = 400)).await;
    let app = sim.new_app("certs").await;
    let base = format!("/v1/apps/{app}/certificates");
    let host = format!("{app}.example.com");

    let added = sim
        .post(&format!("{base}/acme"))
        .json(json!({"hostname": host}))
        .send()
        .await
        .expect_ok()
        .json();
    assert_eq!(added["hostname"], json!(host), "{added}");
    let status = str_of(&added, "status");
    assert!(
        is_awaiting(&status),
        "new certificate awaits configuration: {added}"
    );

    let got = sim
        .get(&format!("{base}/{host}"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(got["hostname"], json!(host));
    assert!(
        got["dns_requirements"].is_object(),
        "detail has dns_requirements: {got}"
    );

    // fly-go's check call re-validates and returns the detail.
    let checked = sim
        .post(&format!("{base}/{host}/check"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(checked["hostname"], json!(host), "{checked}");

    let list = sim.get(&base).send().await.expect(200).json();
    let certs = list["certificates"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0]["hostname"], json!(host));
    assert_eq!(list["total_count"], 1, "{list}");

    eventually(Duration::from_secs(10), "certificate issued", || async {
        let c = sim.get(&format!("{base}/{host}")).send().await.json();
        c["status"]
            .as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("issued"))
    })
    .await;
    let issued = sim.get(&format!("{base}/{host}")).send().await.json();
    assert_eq!(issued["configured"], true, "{issued}");

    // Adding the same hostname twice is refused or idempotent, never a second entry.
    let again = sim
        .post(&format!("{base}/acme"))
        .json(json!({"hostname": host}))
        .send()
        .await;
    if !(200..300).contains(&again.status) {
        again.expect_client_error();
    }
    let list = sim.get(&base).send().await.json();
    assert_eq!(list["certificates"].as_array().map(Vec::len), Some(1));

    sim.delete(&format!("{base}/{host}"))
        .send()
        .await
        .expect_ok();
    sim.get(&format!("{base}/{host}"))
        .send()
        .await
        .expect_error(404);
    let list = sim.get(&base).send().await.json();
    assert_eq!(list["certificates"].as_array().map(Vec::len), Some(0));
    assert_eq!(list["total_count"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stays_awaiting_before_the_delay() {
    // The delay is long enough that the check below always runs first.
    let sim = Sim::with_profile(profile_with(|p| p.cert_issue_after_ms = 60_000)).await;
    let app = sim.new_app("certwait").await;
    let base = format!("/v1/apps/{app}/certificates");
    sim.post(&format!("{base}/acme"))
        .json(json!({"hostname": "shop.example.org"}))
        .send()
        .await
        .expect_ok();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let c = sim
        .get(&format!("{base}/shop.example.org"))
        .send()
        .await
        .json();
    assert!(is_awaiting(&str_of(&c, "status")), "{c}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_hostname_and_unknown_cert() {
    let sim = Sim::start().await;
    let app = sim.new_app("certbad").await;
    let base = format!("/v1/apps/{app}/certificates");
    for bad in ["", "not a host", "-bad-.com", "a..b.com"] {
        sim.post(&format!("{base}/acme"))
            .json(json!({"hostname": bad}))
            .send()
            .await
            .expect_client_error();
    }
    sim.get(&format!("{base}/nothere.example.com"))
        .send()
        .await
        .expect_error(404);
    sim.delete(&format!("{base}/nothere.example.com"))
        .send()
        .await
        .expect_error(404);
}
