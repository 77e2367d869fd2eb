use std::time::Duration;

use serde_json::{Value, json};

use crate::common::*;

async fn leased_machine(sim: &Sim, prefix: &str) -> (String, String, String) {
    let app = sim.new_app(prefix).await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    let lease = sim
        .post(&format!("/v1/apps/{app}/machines/{id}/lease?ttl=60"))
        .send()
        .await
        .expect(200)
        .json();
    let nonce = lease["data"]["nonce"]
        .as_str()
        .unwrap_or_else(|| panic!("lease has data.nonce: {lease}"))
        .to_string();
    (app, id, nonce)
}

fn assert_lease_held(r: Resp) {
    let msg = r.expect_error(409)["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        msg.contains("lease currently held by"),
        "409 message must say who holds the lease: {msg}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acquire_refresh_release() {
    let sim = Sim::start().await;
    let app = sim.new_app("lease").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    let path = format!("/v1/apps/{app}/machines/{id}/lease");

    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let lease = sim
        .post(&format!("{path}?ttl=30"))
        .json(json!({"description": "deploying tenant"}))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(lease["status"], "success", "{lease}");
    let data = &lease["data"];
    let nonce = str_of(data, "nonce");
    assert!(!nonce.is_empty());
    let expires = data["expires_at"]
        .as_i64()
        .expect("expires_at unix seconds");
    assert!(
        expires >= now + 25 && expires <= now + 40,
        "expires_at ~ now+30 s in unix seconds: {expires} vs {now}"
    );
    assert!(data["owner"].is_string(), "{lease}");
    assert_eq!(
        data["version"], m["instance_id"],
        "the lease names the machine version: {lease}"
    );

    let shown = sim.get(&path).send().await.expect(200).json();
    assert_eq!(shown["data"]["nonce"], json!(nonce));

    // A second acquire without the nonce is refused.
    assert_lease_held(sim.post(&format!("{path}?ttl=30")).send().await);

    // Refresh: same nonce, later (or equal) expiry.
    let refreshed = sim
        .post(&format!("{path}?ttl=120"))
        .nonce(&nonce)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(
        refreshed["data"]["nonce"],
        json!(nonce),
        "refresh keeps the nonce"
    );
    let expires2 = refreshed["data"]["expires_at"]
        .as_i64()
        .expect("expires_at");
    assert!(
        expires2 > expires,
        "refresh with ttl=120 extends: {expires2} vs {expires}"
    );

    // Release with a wrong nonce fails; with the right one succeeds.
    let r = sim.delete(&path).nonce("not-the-nonce").send().await;
    assert!((400..500).contains(&r.status), "{r}");
    sim.delete(&path).nonce(&nonce).send().await.expect(200);

    // Free again: anyone may acquire, and a new nonce is issued.
    let again = sim
        .post(&format!("{path}?ttl=30"))
        .send()
        .await
        .expect(200)
        .json();
    assert_ne!(again["data"]["nonce"], json!(nonce));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nonce_enforced_on_update_stop_destroy() {
    let sim = Sim::start().await;
    let (app, id, nonce) = leased_machine(&sim, "leasenf").await;
    let mpath = format!("/v1/apps/{app}/machines/{id}");
    let update = json!({"config": {"image": IMAGE, "env": {"LEASED": "1"}}});

    // Without a nonce: 409 "lease currently held by".
    assert_lease_held(sim.post(&mpath).json(update.clone()).send().await);
    assert_lease_held(sim.post(&format!("{mpath}/stop")).send().await);
    assert_lease_held(sim.delete(&format!("{mpath}?force=true")).send().await);
    assert_lease_held(sim.post(&format!("{mpath}/restart")).send().await);
    assert_lease_held(sim.post(&format!("{mpath}/suspend")).send().await);

    // With a wrong nonce: 412.
    sim.post(&mpath)
        .json(update.clone())
        .nonce("wrong-nonce")
        .send()
        .await
        .expect_error(412);
    sim.post(&format!("{mpath}/stop"))
        .nonce("wrong-nonce")
        .send()
        .await
        .expect_error(412);
    sim.delete(&format!("{mpath}?force=true"))
        .nonce("wrong-nonce")
        .send()
        .await
        .expect_error(412);

    // Nothing changed so far.
    let m = sim.machine(&app, &id).await;
    assert_eq!(m["state"], "started");
    assert!(m["config"]["env"]["LEASED"].is_null(), "{m}");

    // Reads need no nonce.
    sim.get(&mpath).send().await.expect(200);

    // With the nonce everything works.
    sim.post(&mpath)
        .json(update)
        .nonce(&nonce)
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &id, "started").await;
    sim.post(&format!("{mpath}/stop"))
        .nonce(&nonce)
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &id, "stopped").await;
    sim.delete(&mpath).nonce(&nonce).send().await.expect(200);
    sim.wait_state(&app, &id, "destroyed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn released_lease_no_longer_blocks() {
    let sim = Sim::start().await;
    let (app, id, nonce) = leased_machine(&sim, "leaserel").await;
    let mpath = format!("/v1/apps/{app}/machines/{id}");
    sim.delete(&format!("{mpath}/lease"))
        .nonce(&nonce)
        .send()
        .await
        .expect(200);
    sim.post(&format!("{mpath}/stop")).send().await.expect(200);
    // The released lease is gone: no lease, or at least not the old one.
    let r = sim.get(&format!("{mpath}/lease")).send().await;
    assert!(r.status == 404 || r.status == 200, "{r}");
    if r.status == 200 {
        let v: Value = r.json();
        assert!(
            v["data"].is_null() || v["data"]["nonce"] != json!(nonce),
            "{v}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_lease_no_longer_blocks() {
    let sim = Sim::start().await;
    let app = sim.new_app("leaseexp").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    let mpath = format!("/v1/apps/{app}/machines/{id}");
    sim.post(&format!("{mpath}/lease?ttl=2"))
        .send()
        .await
        .expect(200);
    assert_lease_held(sim.post(&format!("{mpath}/cordon")).send().await);
    // expires_at has one-second resolution; allow for rounding.
    tokio::time::sleep(Duration::from_millis(3200)).await;
    sim.post(&format!("{mpath}/cordon"))
        .send()
        .await
        .expect(200);
    sim.post(&format!("{mpath}/lease?ttl=30"))
        .send()
        .await
        .expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_on_unknown_machine_is_404() {
    let sim = Sim::start().await;
    let app = sim.new_app("lease404").await;
    sim.post(&format!(
        "/v1/apps/{app}/machines/d8e7f6a5b4c3/lease?ttl=30"
    ))
    .send()
    .await
    .expect_error(404);
    sim.get(&format!("/v1/apps/{app}/machines/d8e7f6a5b4c3/lease"))
        .send()
        .await
        .expect_error(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_with_lease_ttl_takes_a_lease() {
    let sim = Sim::start().await;
    let app = sim.new_app("leaseupd").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    let updated = sim
        .post(&format!("/v1/apps/{app}/machines/{id}"))
        .json(json!({"lease_ttl": 60, "config": {"image": IMAGE, "env": {"U": "1"}}}))
        .send()
        .await
        .expect(200)
        .json();
    let nonce = str_of(&updated, "nonce");
    sim.wait_state(&app, &id, "started").await;
    assert_lease_held(
        sim.post(&format!("/v1/apps/{app}/machines/{id}/stop"))
            .send()
            .await,
    );
    sim.post(&format!("/v1/apps/{app}/machines/{id}/stop"))
        .nonce(&nonce)
        .send()
        .await
        .expect(200);
}
