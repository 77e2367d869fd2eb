use std::time::Duration;

use serde_json::{Value, json};

use crate::common::*;

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("machine list is an array")
        .iter()
        .map(|m| str_of(m, "id"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_with_name_region_config() {
    let sim = Sim::start().await;
    let app = sim.new_app("mcreate").await;
    let config = json!({
        "image": IMAGE,
        "env": {"TIER": "pro"},
        "guest": {"cpu_kind": "shared", "cpus": 2, "memory_mb": 1024},
        "metadata": {"tenant": "acme"},
        "restart": {"policy": "always"},
        "stop_config": {"signal": "SIGINT", "timeout": "5s"},
        "services": [{
            "protocol": "tcp", "internal_port": 8080, "autostop": "suspend", "autostart": true,
            "ports": [{"port": 80, "handlers": ["http"], "force_https": true},
                      {"port": 443, "handlers": ["tls", "http"]}]
        }]
    });
    let m = sim
        .create_machine(
            &app,
            json!({"name": "web-1", "region": "ams", "config": config}),
        )
        .await;
    assert_eq!(str_of(&m, "name"), "web-1");
    assert_eq!(str_of(&m, "region"), "ams");
    let id = str_of(&m, "id");
    assert!(!id.is_empty());
    assert!(!str_of(&m, "instance_id").is_empty());
    assert!(str_of(&m, "private_ip").starts_with("fdaa:"), "{m}");
    assert!(m["nonce"].is_null(), "no lease was asked for: {m}");
    assert_eq!(m["config"]["image"], IMAGE);
    assert_eq!(m["config"]["env"]["TIER"], "pro");
    assert_eq!(m["config"]["guest"]["memory_mb"], 1024);
    assert_eq!(m["config"]["metadata"]["tenant"], "acme");
    // autostop "suspend" is echoed as the string; off/stop stay booleans.
    assert_eq!(m["config"]["services"][0]["autostop"], "suspend", "{m}");
    assert!(
        time::OffsetDateTime::parse(
            &str_of(&m, "created_at"),
            &time::format_description::well_known::Rfc3339
        )
        .is_ok(),
        "created_at is RFC3339: {m}"
    );

    sim.wait_state(&app, &id, "started").await;
    let got = sim.machine(&app, &id).await;
    assert_eq!(got["state"], "started");
    assert_eq!(got["config"]["env"]["TIER"], "pro");
    assert_eq!(got["instance_id"], m["instance_id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autostop_wire_format_is_echoed_as_fly_does() {
    let sim = Sim::start().await;
    let app = sim.new_app("autostopfmt").await;
    for (input, echoed) in [
        (json!(true), json!(true)),
        (json!(false), json!(false)),
        (json!("stop"), json!(true)),
        (json!("off"), json!(false)),
        (json!("suspend"), json!("suspend")),
    ] {
        let m = sim
            .create_machine(
                &app,
                json!({"region": "ord", "skip_launch": true, "config": {
                    "image": IMAGE,
                    "services": [{"protocol": "tcp", "internal_port": 80, "autostop": input}]
                }}),
            )
            .await;
        assert_eq!(
            m["config"]["services"][0]["autostop"], echoed,
            "autostop {input} -> {m}"
        );
    }
    sim.post(&format!("/v1/apps/{app}/machines"))
        .json(json!({"config": {"image": IMAGE,
            "services": [{"protocol": "tcp", "internal_port": 80, "autostop": "sometimes"}]}}))
        .send()
        .await
        .expect_error(422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_generates_name_and_ids_are_unique() {
    let sim = Sim::start().await;
    let app = sim.new_app("mgen").await;
    let a = sim
        .create_machine(&app, json!({"config": basic_config()}))
        .await;
    let b = sim
        .create_machine(&app, json!({"config": basic_config()}))
        .await;
    assert!(!str_of(&a, "name").is_empty());
    assert_ne!(a["id"], b["id"]);
    assert_ne!(a["name"], b["name"]);
    assert_ne!(a["private_ip"], b["private_ip"]);
    assert!(a["region"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_launch_stays_down_until_started() {
    let sim = Sim::start().await;
    let app = sim.new_app("mskip").await;
    let m = sim
        .create_machine(
            &app,
            json!({"region": "ord", "skip_launch": true, "config": basic_config()}),
        )
        .await;
    let id = str_of(&m, "id");
    tokio::time::sleep(Duration::from_millis(150)).await;
    let state = sim.machine_state(&app, &id).await;
    assert!(
        state == "created" || state == "stopped",
        "skip_launch machine should not boot, is {state}"
    );
    let start = sim
        .post(&format!("/v1/apps/{app}/machines/{id}/start"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(start["previous_state"], json!(state), "{start}");
    sim.wait_state(&app, &id, "started").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_with_lease_ttl_returns_nonce() {
    let sim = Sim::start().await;
    let app = sim.new_app("mlease").await;
    let m = sim
        .create_machine(
            &app,
            json!({"region": "ord", "lease_ttl": 60, "config": basic_config()}),
        )
        .await;
    let nonce = str_of(&m, "nonce");
    let id = str_of(&m, "id");
    let lease = sim
        .get(&format!("/v1/apps/{app}/machines/{id}/lease"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(lease["data"]["nonce"], json!(nonce), "{lease}");
    // The lease blocks others.
    sim.wait_state(&app, &id, "started").await;
    let r = sim
        .post(&format!("/v1/apps/{app}/machines/{id}/stop"))
        .send()
        .await;
    assert!(
        r.expect_error(409)["error"]
            .as_str()
            .unwrap_or_default()
            .contains("lease currently held by")
    );
    // ...and not a GET of the machine (nonce is only returned at creation).
    let got = sim.machine(&app, &id).await;
    assert!(got["nonce"].is_null(), "nonce leaked on GET: {got}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_region_metadata_include_deleted() {
    let sim = Sim::start().await;
    let app = sim.new_app("mlist").await;
    let mk = |region: &str, tenant: &str| json!({"region": region, "config": {"image": IMAGE, "metadata": {"tenant": tenant}}});
    let a = str_of(&sim.create_machine(&app, mk("ord", "acme")).await, "id");
    let b = str_of(&sim.create_machine(&app, mk("ams", "acme")).await, "id");
    let c = str_of(&sim.create_machine(&app, mk("ams", "globex")).await, "id");

    let all = sim
        .get(&format!("/v1/apps/{app}/machines"))
        .send()
        .await
        .expect(200)
        .json();
    let mut all_ids = ids(&all);
    all_ids.sort();
    let mut want = vec![a.clone(), b.clone(), c.clone()];
    want.sort();
    assert_eq!(all_ids, want);

    let ams = sim
        .get(&format!("/v1/apps/{app}/machines?region=ams"))
        .send()
        .await
        .expect(200)
        .json();
    let mut ams_ids = ids(&ams);
    ams_ids.sort();
    let mut want_ams = vec![b.clone(), c.clone()];
    want_ams.sort();
    assert_eq!(ams_ids, want_ams);

    let acme = sim
        .get(&format!("/v1/apps/{app}/machines?metadata.tenant=acme"))
        .send()
        .await
        .expect(200)
        .json();
    let mut acme_ids = ids(&acme);
    acme_ids.sort();
    let mut want_acme = vec![a.clone(), b.clone()];
    want_acme.sort();
    assert_eq!(acme_ids, want_acme);

    let both = sim
        .get(&format!(
            "/v1/apps/{app}/machines?region=ams&metadata.tenant=acme"
        ))
        .send()
        .await
        .json();
    assert_eq!(ids(&both), vec![b.clone()]);

    sim.wait_state(&app, &c, "started").await;
    sim.delete(&format!("/v1/apps/{app}/machines/{c}?force=true"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &c, "destroyed").await;
    let live = sim
        .get(&format!("/v1/apps/{app}/machines"))
        .send()
        .await
        .json();
    assert!(!ids(&live).contains(&c), "destroyed machine listed: {live}");
    let with_deleted = sim
        .get(&format!("/v1/apps/{app}/machines?include_deleted=true"))
        .send()
        .await
        .expect(200)
        .json();
    let gone = with_deleted
        .as_array()
        .expect("array")
        .iter()
        .find(|m| m["id"] == c.as_str())
        .unwrap_or_else(|| panic!("include_deleted should list {c}: {with_deleted}"));
    assert_eq!(gone["state"], "destroyed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_changes_config_and_instance_id() {
    let sim = Sim::start().await;
    let app = sim.new_app("mupd").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    let before = str_of(&m, "instance_id");

    let updated = sim
        .post(&format!("/v1/apps/{app}/machines/{id}"))
        .json(json!({"config": {"image": IMAGE, "env": {"V": "2"}}}))
        .send()
        .await
        .expect(200)
        .json();
    let after = str_of(&updated, "instance_id");
    assert_ne!(before, after, "update must change instance_id");
    assert_eq!(updated["config"]["env"]["V"], "2");
    assert_eq!(updated["id"], json!(id));

    sim.get(&format!(
        "/v1/apps/{app}/machines/{id}/wait?state=started&instance_id={after}&timeout=30"
    ))
    .send()
    .await
    .expect(200);
    let got = sim.machine(&app, &id).await;
    assert_eq!(
        got["state"], "started",
        "a started machine comes back started"
    );
    assert_eq!(got["config"]["env"]["V"], "2");
    let events = got["events"]
        .as_array()
        .expect("events embedded in Machine");
    assert!(
        events.iter().any(|e| e["type"] == "update"),
        "update event recorded: {got}"
    );

    let versions = sim
        .get(&format!("/v1/apps/{app}/machines/{id}/versions"))
        .send()
        .await
        .expect(200)
        .json();
    let versions = versions.as_array().expect("versions array");
    assert!(versions.len() >= 2, "{versions:?}");
    for v in versions {
        assert!(v["version"].is_string(), "{v}");
        assert!(v["user_config"]["image"].is_string(), "{v}");
    }

    // An update of a stopped machine leaves it stopped.
    sim.post(&format!("/v1/apps/{app}/machines/{id}/stop"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &id, "stopped").await;
    sim.post(&format!("/v1/apps/{app}/machines/{id}"))
        .json(json!({"config": {"image": IMAGE, "env": {"V": "3"}}}))
        .send()
        .await
        .expect(200);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(sim.machine_state(&app, &id).await, "stopped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_with_stale_current_version_is_refused() {
    let sim = Sim::start().await;
    let app = sim.new_app("mcurver").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    let v1 = str_of(&m, "instance_id");
    sim.post(&format!("/v1/apps/{app}/machines/{id}"))
        .json(json!({"current_version": v1, "config": {"image": IMAGE, "env": {"A": "1"}}}))
        .send()
        .await
        .expect(200);
    // v1 is no longer current.
    sim.post(&format!("/v1/apps/{app}/machines/{id}"))
        .json(json!({"current_version": v1, "config": {"image": IMAGE, "env": {"A": "2"}}}))
        .send()
        .await
        .expect_client_error();
    let got = sim.machine(&app, &id).await;
    assert_eq!(got["config"]["env"]["A"], "1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_start_restart_suspend() {
    let sim = Sim::start().await;
    let app = sim.new_app("mstates").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    let path = format!("/v1/apps/{app}/machines/{id}");

    sim.post(&format!("{path}/stop"))
        .json(json!({"signal": "SIGTERM", "timeout": "10s"}))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &id, "stopped").await;
    assert_eq!(sim.machine_state(&app, &id).await, "stopped");

    let start = sim
        .post(&format!("{path}/start"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(start["previous_state"], "stopped", "{start}");
    sim.wait_state(&app, &id, "started").await;

    let events_before = sim.machine(&app, &id).await["events"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    sim.post(&format!("{path}/restart?force_stop=false&timeout=10s"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &id, "started").await;
    let after = sim.machine(&app, &id).await;
    assert_eq!(after["state"], "started");
    assert!(
        after["events"].as_array().map(Vec::len).unwrap_or(0) > events_before,
        "restart adds events: {after}"
    );

    sim.post(&format!("{path}/suspend"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &id, "suspended").await;
    assert_eq!(sim.machine_state(&app, &id).await, "suspended");
    let start = sim
        .post(&format!("{path}/start"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(start["previous_state"], "suspended", "{start}");
    sim.wait_state(&app, &id, "started").await;

    // Waiting on any of several states.
    sim.post(&format!("{path}/stop")).send().await.expect(200);
    sim.get(&format!(
        "{path}/wait?state=stopped&state=suspended&timeout=30"
    ))
    .send()
    .await
    .expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signal_accepts_name_and_number() {
    let sim = Sim::start().await;
    let app = sim.new_app("msig").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    sim.post(&format!("/v1/apps/{app}/machines/{id}/signal"))
        .json(json!({"signal": "SIGUSR1"}))
        .send()
        .await
        .expect(200);
    sim.post(&format!("/v1/apps/{app}/machines/{id}/signal"))
        .json(json!({"signal": "SIGNOPE"}))
        .send()
        .await
        .expect_client_error();
    // fly-go's Kill sends the number 9.
    sim.post(&format!("/v1/apps/{app}/machines/{id}/signal"))
        .json(json!({"signal": 9}))
        .send()
        .await
        .expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cordon_and_uncordon() {
    let sim = Sim::start().await;
    let app = sim.new_app("mcord").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    assert_eq!(m["cordoned"], false, "cordoned is always serialized: {m}");
    sim.post(&format!("/v1/apps/{app}/machines/{id}/cordon"))
        .send()
        .await
        .expect(200);
    assert_eq!(sim.machine(&app, &id).await["cordoned"], true);
    sim.post(&format!("/v1/apps/{app}/machines/{id}/uncordon"))
        .send()
        .await
        .expect(200);
    assert_eq!(sim.machine(&app, &id).await["cordoned"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_started_needs_force_or_kill() {
    let sim = Sim::start().await;
    let app = sim.new_app("mdestroy").await;
    let a = str_of(&sim.started_machine(&app, basic_config()).await, "id");
    let b = str_of(&sim.started_machine(&app, basic_config()).await, "id");
    let c = str_of(&sim.started_machine(&app, basic_config()).await, "id");

    sim.delete(&format!("/v1/apps/{app}/machines/{a}"))
        .send()
        .await
        .expect_client_error();
    assert_eq!(sim.machine_state(&app, &a).await, "started");

    sim.delete(&format!("/v1/apps/{app}/machines/{a}?force=true"))
        .send()
        .await
        .expect(200);
    sim.delete(&format!("/v1/apps/{app}/machines/{b}?kill=true"))
        .send()
        .await
        .expect(200);
    for id in [&a, &b] {
        sim.wait_state(&app, id, "destroyed").await;
        let r = sim
            .get(&format!("/v1/apps/{app}/machines/{id}"))
            .send()
            .await;
        if r.status == 200 {
            assert_eq!(r.json()["state"], "destroyed", "{r}");
        } else {
            r.expect_error(404);
        }
    }

    // A stopped machine can be destroyed without force.
    sim.post(&format!("/v1/apps/{app}/machines/{c}/stop"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &c, "stopped").await;
    sim.delete(&format!("/v1/apps/{app}/machines/{c}"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &c, "destroyed").await;

    let list = sim
        .get(&format!("/v1/apps/{app}/machines"))
        .send()
        .await
        .json();
    assert_eq!(list, json!([]));
    // Destroyed machines are not startable or updatable.
    sim.post(&format!("/v1/apps/{app}/machines/{c}/start"))
        .send()
        .await
        .expect_client_error();
    sim.post(&format!("/v1/apps/{app}/machines/{c}"))
        .json(json!({"config": basic_config()}))
        .send()
        .await
        .expect_client_error();
    // The destroy is recorded.
    let all = sim
        .get(&format!("/v1/apps/{app}/machines?include_deleted=true"))
        .send()
        .await
        .json();
    for m in all.as_array().expect("array") {
        assert_eq!(m["state"], "destroyed", "{m}");
        let types: Vec<&str> = m["events"]
            .as_array()
            .map(|e| e.iter().filter_map(|x| x["type"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            types.first(),
            Some(&"destroy"),
            "newest event is the destroy: {types:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspend_falls_back_to_stop_for_large_machines() {
    // Fly suspends machines of up to 2 GB without swap (docs: suspend-resume requirements);
    // others are stopped instead.
    for (what, config) in [
        (
            "4 GB",
            json!({"image": IMAGE, "guest": {"cpu_kind": "performance", "cpus": 1, "memory_mb": 4096}}),
        ),
        (
            "swap",
            json!({"image": IMAGE, "init": {"swap_size_mb": 512}}),
        ),
    ] {
        suspend_not_possible(what, config).await;
    }
}

async fn suspend_not_possible(what: &str, config: Value) {
    let sim = Sim::start().await;
    let app = sim.new_app("msuspbig").await;
    let m = sim.started_machine(&app, config).await;
    let id = str_of(&m, "id");
    let r = sim
        .post(&format!("/v1/apps/{app}/machines/{id}/suspend"))
        .send()
        .await;
    if r.status == 200 {
        sim.get(&format!(
            "/v1/apps/{app}/machines/{id}/wait?state=stopped&state=suspended&timeout=30"
        ))
        .send()
        .await
        .expect(200);
        assert_eq!(sim.machine_state(&app, &id).await, "stopped", "{what}");
    } else {
        r.expect_client_error();
        assert_eq!(sim.machine_state(&app, &id).await, "started", "{what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_parameters() {
    let sim = Sim::start().await;
    let app = sim.new_app("mwait").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    let path = format!("/v1/apps/{app}/machines/{id}/wait");

    // Already in the state: immediate 200.
    sim.get(&format!("{path}?state=started&timeout=5"))
        .send()
        .await
        .expect(200);
    // timeout above 60 s is a bad request (the proxy cuts at 60 s).
    sim.get(&format!("{path}?state=started&timeout=61"))
        .send()
        .await
        .expect_error(400);
    sim.get(&format!("{path}?state=sideways&timeout=5"))
        .send()
        .await
        .expect_error(400);
    sim.get(&format!("{path}?state=started&timeout=abc"))
        .send()
        .await
        .expect_error(400);
    // Not reached in time: 408 with an error body.
    let r = sim
        .get(&format!("{path}?state=stopped&timeout=1"))
        .send()
        .await;
    r.expect_error(408);

    // instance_id pins the version: the current one is fine, a stale one never matches.
    let current = str_of(&m, "instance_id");
    sim.get(&format!(
        "{path}?state=started&instance_id={current}&timeout=5"
    ))
    .send()
    .await
    .expect(200);
    sim.post(&format!("/v1/apps/{app}/machines/{id}"))
        .json(json!({"config": {"image": IMAGE, "env": {"X": "y"}}}))
        .send()
        .await
        .expect(200);
    let r = sim
        .get(&format!(
            "{path}?state=started&instance_id={current}&timeout=1"
        ))
        .send()
        .await;
    assert!(
        (400..500).contains(&r.status),
        "waiting on a replaced instance_id must not succeed: {r}"
    );
    // fly-go sends the version as `version`.
    let now_version = str_of(&sim.machine(&app, &id).await, "instance_id");
    sim.get(&format!(
        "{path}?state=started&version={now_version}&timeout=5"
    ))
    .send()
    .await
    .expect(200);
    // Default state is started.
    sim.get(&format!("{path}?timeout=5"))
        .send()
        .await
        .expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_get_set_delete() {
    let sim = Sim::start().await;
    let app = sim.new_app("mmeta").await;
    let m = sim
        .started_machine(
            &app,
            json!({"image": IMAGE, "metadata": {"fly_process_group": "app"}}),
        )
        .await;
    let id = str_of(&m, "id");
    let path = format!("/v1/apps/{app}/machines/{id}/metadata");

    let meta = sim.get(&path).send().await.expect(200).json();
    assert_eq!(meta["fly_process_group"], "app", "{meta}");

    let version_before = str_of(&sim.machine(&app, &id).await, "instance_id");
    sim.post(&format!("{path}/tenant_tier"))
        .json(json!({"value": "pro"}))
        .send()
        .await
        .expect(204);
    assert_eq!(
        str_of(&sim.machine(&app, &id).await, "instance_id"),
        version_before,
        "a metadata change does not make a new machine version"
    );
    let meta = sim.get(&path).send().await.expect(200).json();
    assert_eq!(meta["tenant_tier"], "pro");
    assert_eq!(meta["fly_process_group"], "app");
    assert_eq!(
        sim.machine(&app, &id).await["config"]["metadata"]["tenant_tier"],
        "pro",
        "metadata is part of the machine config"
    );
    let listed = sim
        .get(&format!("/v1/apps/{app}/machines?metadata.tenant_tier=pro"))
        .send()
        .await
        .json();
    assert_eq!(ids(&listed), vec![id.clone()]);

    sim.delete(&format!("{path}/tenant_tier"))
        .send()
        .await
        .expect(204);
    let meta = sim.get(&path).send().await.expect(200).json();
    assert!(meta.get("tenant_tier").is_none(), "{meta}");

    sim.post(&format!("{path}/x"))
        .json(json!({"nope": 1}))
        .send()
        .await
        .expect_client_error();
    sim.get(&format!("/v1/apps/{app}/machines/nope/metadata"))
        .send()
        .await
        .expect_error(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_newest_first() {
    let sim = Sim::start().await;
    let app = sim.new_app("mevents").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    sim.post(&format!("/v1/apps/{app}/machines/{id}/stop"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &id, "stopped").await;

    let events = sim
        .get(&format!("/v1/apps/{app}/machines/{id}/events"))
        .send()
        .await
        .expect(200)
        .json();
    let events = events.as_array().expect("array").clone();
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or(""))
        .collect();
    assert!(types.contains(&"launch"), "{types:?}");
    assert!(types.contains(&"start"), "{types:?}");
    // Newest first: the stop (and the exit it causes) come before every start.
    let first = |t: &str| types.iter().position(|x| *x == t);
    assert!(first("stop").is_some(), "{types:?}");
    assert!(first("stop") < first("start"), "newest first: {types:?}");
    assert!(first("start") < first("launch"), "newest first: {types:?}");
    let stamps: Vec<i64> = events
        .iter()
        .map(|e| e["timestamp"].as_i64().expect("integer timestamp"))
        .collect();
    assert!(
        stamps.windows(2).all(|w| w[0] >= w[1]),
        "timestamps descending: {stamps:?}"
    );
    // Unix milliseconds, not seconds.
    assert!(stamps[0] > 1_600_000_000_000, "{stamps:?}");
    // The process exit caused by a user stop says so (fly-go MachineEvent.request.exit_event).
    let exit = events
        .iter()
        .find(|e| e["type"] == "exit")
        .unwrap_or_else(|| panic!("a stop records the process exit: {types:?}"));
    assert_eq!(
        exit["request"]["exit_event"]["requested_stop"], true,
        "{exit}"
    );
    assert!(
        exit["request"]["exit_event"]["exit_code"].is_i64(),
        "{exit}"
    );
    for e in &events {
        assert!(
            e["id"].is_string() && e["status"].is_string() && e["source"].is_string(),
            "{e}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ps_lists_processes() {
    let sim = Sim::start().await;
    let app = sim.new_app("mps").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    let ps = sim
        .get(&format!("/v1/apps/{app}/machines/{id}/ps"))
        .send()
        .await
        .expect(200)
        .json();
    assert!(ps.is_array(), "{ps}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_configs_are_422() {
    let sim = Sim::start().await;
    let app = sim.new_app("minvalid").await;
    let path = format!("/v1/apps/{app}/machines");
    for (what, config) in [
        ("missing image", json!({"env": {"A": "b"}})),
        ("empty image", json!({"image": ""})),
        (
            "bad restart policy",
            json!({"image": IMAGE, "restart": {"policy": "sometimes"}}),
        ),
        (
            "bad cpu_kind",
            json!({"image": IMAGE, "guest": {"cpu_kind": "quantum", "cpus": 1, "memory_mb": 256}}),
        ),
        (
            "zero memory",
            json!({"image": IMAGE, "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 0}}),
        ),
        (
            "bad protocol",
            json!({"image": IMAGE, "services": [{"protocol": "sctp", "internal_port": 80}]}),
        ),
        (
            "shared cpu with too little memory",
            json!({"image": IMAGE, "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 128}}),
        ),
        (
            "shared cpu with too much memory",
            json!({"image": IMAGE, "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 4096}}),
        ),
        (
            "performance cpu with too little memory",
            json!({"image": IMAGE, "guest": {"cpu_kind": "performance", "cpus": 1, "memory_mb": 1024}}),
        ),
        (
            "mount of unknown volume",
            json!({"image": IMAGE, "mounts": [{"volume": "vol_doesnotexist", "path": "/data"}]}),
        ),
    ] {
        let r = sim
            .post(&path)
            .json(json!({"region": "ord", "config": config}))
            .send()
            .await;
        assert!(
            r.status == 422 || (what == "mount of unknown volume" && r.status == 404),
            "{what}: expected 422, got {r}"
        );
        r.error_body();
    }
    // The config error names the offending field.
    let r = sim
        .post(&path)
        .json(json!({"config": {"image": IMAGE, "restart": {"policy": "sometimes"}}}))
        .send()
        .await;
    assert!(
        r.error_message().contains("policy") || r.error_message().contains("restart"),
        "{r}"
    );
    let list = sim.get(&path).send().await.json();
    assert_eq!(
        list,
        json!([]),
        "no machine was created by invalid requests"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_sizes_within_fly_limits_are_accepted() {
    // Fly: memory between 256 MB and 2 GB per shared CPU, 2 GB and 8 GB per performance CPU.
    let sim = Sim::start().await;
    let app = sim.new_app("mguest").await;
    for guest in [
        json!({"cpu_kind": "shared", "cpus": 1, "memory_mb": 256}),
        json!({"cpu_kind": "shared", "cpus": 1, "memory_mb": 2048}),
        json!({"cpu_kind": "shared", "cpus": 2, "memory_mb": 4096}),
        json!({"cpu_kind": "performance", "cpus": 1, "memory_mb": 2048}),
        json!({"cpu_kind": "performance", "cpus": 2, "memory_mb": 16384}),
    ] {
        let m = sim
            .create_machine(
                &app,
                json!({"region": "ord", "skip_launch": true, "config": {"image": IMAGE, "guest": guest}}),
            )
            .await;
        assert_eq!(m["config"]["guest"], guest);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_of_a_started_machine_is_refused() {
    let sim = Sim::start().await;
    let app = sim.new_app("mstartstarted").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    sim.post(&format!("/v1/apps/{app}/machines/{id}/start"))
        .send()
        .await
        .expect_client_error();
    assert_eq!(sim.machine_state(&app, &id).await, "started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_are_unique_within_an_app() {
    // The spec: "Unique name for this Machine. If omitted, one is generated for you".
    let sim = Sim::start().await;
    let app = sim.new_app("mnames").await;
    sim.create_machine(
        &app,
        json!({"name": "web", "region": "ord", "config": basic_config()}),
    )
    .await;
    sim.post(&format!("/v1/apps/{app}/machines"))
        .json(json!({"name": "web", "region": "ord", "config": basic_config()}))
        .send()
        .await
        .expect_client_error();
    // Another app may use the same machine name.
    let other = sim.new_app("mnames2").await;
    sim.create_machine(
        &other,
        json!({"name": "web", "region": "ord", "config": basic_config()}),
    )
    .await;
    let list = sim
        .get(&format!("/v1/apps/{app}/machines"))
        .send()
        .await
        .json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_region_is_refused() {
    let sim = Sim::start().await;
    let app = sim.new_app("mregion").await;
    sim.post(&format!("/v1/apps/{app}/machines"))
        .json(json!({"region": "nowhere", "config": basic_config()}))
        .send()
        .await
        .expect_client_error();
    let list = sim
        .get(&format!("/v1/apps/{app}/machines"))
        .send()
        .await
        .json();
    assert_eq!(list, json!([]));
}
