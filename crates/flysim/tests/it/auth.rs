use serde_json::json;

use crate::common::*;

fn refused(r: Resp) {
    assert!(
        r.status == 401 || r.status == 403,
        "expected 401/403 by token scope: {r}"
    );
    r.error_body();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_forms_accepted() {
    let sim = Sim::start().await;
    let org = sim.token.clone();
    assert!(org.starts_with("fm2_"), "org token looks like a macaroon");
    for value in [
        format!("Bearer {org}"),
        format!("FlyV1 {org}"),
        format!("flyv1 {org}"),
        org.clone(),
        format!("FlyV1 fm2_someotherdischarge,{org}"),
    ] {
        sim.get("/v1/apps?org_slug=personal")
            .auth(&value)
            .send()
            .await
            .expect(200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_or_unknown_token_is_401() {
    let sim = Sim::start().await;
    sim.get("/v1/apps?org_slug=personal")
        .no_auth()
        .send()
        .await
        .expect_error(401);
    sim.get("/v1/apps?org_slug=personal")
        .bearer("fm2_notarealtoken")
        .send()
        .await
        .expect_error(401);
    sim.post("/v1/apps")
        .bearer("garbage")
        .json(json!({"name": "sneaky", "org_slug": "personal"}))
        .send()
        .await
        .expect_error(401);
    sim.get("/v1/apps/sneaky").send().await.expect_error(404);
    sim.get("/api/v1/apps/sneaky/logs?next_token=")
        .no_auth()
        .send()
        .await
        .expect_error(401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readonly_token_reads_but_cannot_write() {
    let sim = Sim::start().await;
    let app = sim.new_app("ro").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    let ro = sim.h().readonly_token();
    assert_ne!(ro, sim.token);

    for path in [
        "/v1/apps?org_slug=personal".to_string(),
        format!("/v1/apps/{app}"),
        format!("/v1/apps/{app}/machines"),
        format!("/v1/apps/{app}/machines/{id}"),
        format!("/v1/apps/{app}/volumes"),
        format!("/v1/apps/{app}/secrets"),
    ] {
        sim.get(&path).bearer(&ro).send().await.expect(200);
    }
    refused(
        sim.post("/v1/apps")
            .bearer(&ro)
            .json(json!({"name": app_name("ro-new"), "org_slug": "personal"}))
            .send()
            .await,
    );
    refused(
        sim.post(&format!("/v1/apps/{app}/machines/{id}/stop"))
            .bearer(&ro)
            .send()
            .await,
    );
    refused(
        sim.post(&format!("/v1/apps/{app}/secrets/X"))
            .bearer(&ro)
            .json(json!({"value": "y"}))
            .send()
            .await,
    );
    refused(
        sim.delete(&format!("/v1/apps/{app}/machines/{id}?force=true"))
            .bearer(&ro)
            .send()
            .await,
    );
    refused(
        sim.delete(&format!("/v1/apps/{app}"))
            .bearer(&ro)
            .send()
            .await,
    );
    // Secret values stay hidden from a read-only token.
    let r = sim
        .get(&format!("/v1/apps/{app}/secrets?show_secrets=true"))
        .bearer(&ro)
        .send()
        .await;
    if r.status == 200 {
        assert!(
            r.json()["secrets"]
                .as_array()
                .is_none_or(|s| s.iter().all(|x| x.get("value").is_none_or(|v| v.is_null()))),
            "{r}"
        );
    }
    assert_eq!(sim.machine_state(&app, &id).await, "started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_token_is_confined_to_its_app() {
    let sim = Sim::start().await;
    let mine = sim.new_app("mine").await;
    let theirs = sim.new_app("theirs").await;
    let tok = sim.h().app_token(&mine);
    assert_ne!(tok, sim.token);
    assert_eq!(sim.h().app_token(&mine), tok, "app_token is stable per app");

    // Full control of its own app.
    sim.get(&format!("/v1/apps/{mine}"))
        .bearer(&tok)
        .send()
        .await
        .expect(200);
    let m = sim
        .post(&format!("/v1/apps/{mine}/machines"))
        .bearer(&tok)
        .json(json!({"region": "ord", "config": basic_config()}))
        .send()
        .await
        .expect(200)
        .json();
    sim.post(&format!("/v1/apps/{mine}/volumes"))
        .bearer(&tok)
        .json(json!({"name": "data", "region": "ord", "size_gb": 1}))
        .send()
        .await
        .expect(200);
    sim.post(&format!("/v1/apps/{mine}/secrets/K"))
        .bearer(&tok)
        .json(json!({"value": "v"}))
        .send()
        .await
        .expect_ok();
    sim.get(&format!("/v1/apps/{mine}/machines/{}", str_of(&m, "id")))
        .bearer(&tok)
        .send()
        .await
        .expect(200);

    // Nothing of another app.
    refused(
        sim.get(&format!("/v1/apps/{theirs}"))
            .bearer(&tok)
            .send()
            .await,
    );
    refused(
        sim.get(&format!("/v1/apps/{theirs}/machines"))
            .bearer(&tok)
            .send()
            .await,
    );
    refused(
        sim.post(&format!("/v1/apps/{theirs}/machines"))
            .bearer(&tok)
            .json(json!({"config": basic_config()}))
            .send()
            .await,
    );
    refused(
        sim.delete(&format!("/v1/apps/{theirs}"))
            .bearer(&tok)
            .send()
            .await,
    );
    // Cannot create apps.
    refused(
        sim.post("/v1/apps")
            .bearer(&tok)
            .json(json!({"name": app_name("by-app-token"), "org_slug": "personal"}))
            .send()
            .await,
    );
    // Listing the org's apps shows at most its own app.
    let r = sim
        .get("/v1/apps?org_slug=personal")
        .bearer(&tok)
        .send()
        .await;
    if r.status == 200 {
        let list = r.json();
        assert!(
            list["apps"]
                .as_array()
                .is_some_and(|a| a.iter().all(|x| x["name"] == mine.as_str())),
            "{list}"
        );
    } else {
        refused(r);
    }
    sim.get(&format!("/v1/apps/{theirs}"))
        .send()
        .await
        .expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_minted_over_http() {
    let sim = Sim::start().await;
    let app = sim.new_app("minted").await;
    let other = sim.new_app("minted-other").await;
    let tok = sim
        .post("/__flysim/tokens")
        .json(json!({"scope": "app", "app": app}))
        .send()
        .await
        .expect_ok()
        .json();
    let tok = str_of(&tok, "token");
    sim.get(&format!("/v1/apps/{app}/machines"))
        .auth(&format!("FlyV1 {tok}"))
        .send()
        .await
        .expect(200);
    refused(
        sim.get(&format!("/v1/apps/{other}/machines"))
            .auth(&format!("FlyV1 {tok}"))
            .send()
            .await,
    );
    // Only the org token may mint.
    let r = sim
        .post("/__flysim/tokens")
        .bearer(&tok)
        .json(json!({"scope": "app", "app": other}))
        .send()
        .await;
    refused(r);
}
