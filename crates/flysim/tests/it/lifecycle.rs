//! Lifecycle timing from the profile, checks, and autostop. Delays are short; assertions are
//! about order and state, never about how fast the machine was.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::*;

fn check_status(m: &Value, name: &str) -> Option<String> {
    m["checks"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == name)
        .and_then(|c| c["status"].as_str())
        .map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transitions_follow_the_profile() {
    let sim = Sim::with_profile(profile_with(|p| {
        p.boot_ms = 600;
        p.stop_ms = 600;
        p.cold_start_ms = 300;
    }))
    .await;
    let app = sim.new_app("life").await;
    let m = sim
        .create_machine(&app, json!({"region": "ord", "config": basic_config()}))
        .await;
    let id = str_of(&m, "id");
    let created = Instant::now();
    let early = sim.machine_state(&app, &id).await;
    if created.elapsed() < Duration::from_millis(500) {
        assert!(
            early == "created" || early == "starting",
            "booting takes boot_ms: state right after create is {early}"
        );
    }
    sim.wait_state(&app, &id, "started").await;
    assert!(
        created.elapsed() >= Duration::from_millis(550),
        "started no earlier than boot_ms"
    );

    let path = format!("/v1/apps/{app}/machines/{id}");
    let stop_at = Instant::now();
    sim.post(&format!("{path}/stop")).send().await.expect(200);
    let mid = sim.machine_state(&app, &id).await;
    if stop_at.elapsed() < Duration::from_millis(500) {
        assert!(
            mid == "stopping" || mid == "started",
            "stop takes stop_ms: state right after stop is {mid}"
        );
    }
    sim.wait_state(&app, &id, "stopped").await;
    assert!(stop_at.elapsed() >= Duration::from_millis(550));

    // A start from stopped pays boot_ms + cold_start_ms.
    let start_at = Instant::now();
    sim.post(&format!("{path}/start")).send().await.expect(200);
    sim.wait_state(&app, &id, "started").await;
    assert!(start_at.elapsed() >= Duration::from_millis(850));

    // wait gives up with 408 when the state can't be reached in time.
    sim.post(&format!("{path}/stop")).send().await.expect(200);
    sim.wait_state(&app, &id, "stopped").await;
    let slow = Sim::with_profile(profile_with(|p| p.boot_ms = 5_000)).await;
    let app2 = slow.new_app("lifeslow").await;
    let m2 = slow
        .create_machine(&app2, json!({"region": "ord", "config": basic_config()}))
        .await;
    slow.get(&format!(
        "/v1/apps/{app2}/machines/{}/wait?state=started&timeout=1",
        str_of(&m2, "id")
    ))
    .send()
    .await
    .expect_error(408);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_order_matches_transitions() {
    let sim = Sim::with_profile(profile_with(|p| {
        p.boot_ms = 40;
        p.stop_ms = 40;
    }))
    .await;
    let app = sim.new_app("lifeev").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    let path = format!("/v1/apps/{app}/machines/{id}");
    sim.post(&format!("{path}/stop")).send().await.expect(200);
    sim.wait_state(&app, &id, "stopped").await;
    sim.post(&format!("{path}/start")).send().await.expect(200);
    sim.wait_state(&app, &id, "started").await;
    let events = sim.get(&format!("{path}/events")).send().await.json();
    let mut types: Vec<String> = events
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["type"].as_str().map(str::to_string))
        .collect();
    types.reverse(); // oldest first
    let pos = |t: &str, from: usize| {
        types
            .iter()
            .skip(from)
            .position(|x| x == t)
            .map(|p| p + from)
            .unwrap_or_else(|| panic!("{t} after {from} in {types:?}"))
    };
    let launch = pos("launch", 0);
    let start1 = pos("start", launch);
    let stop = pos("stop", start1);
    pos("start", stop);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_is_added_to_every_call() {
    let sim = Sim::with_profile(profile_with(|p| p.latency_ms = 80)).await;
    let r = sim
        .get("/v1/apps?org_slug=personal")
        .send()
        .await
        .expect(200);
    assert!(r.elapsed >= Duration::from_millis(75), "{:?}", r.elapsed);
    sim.get("/v1/apps/nope").send().await.expect_error(404);
    let log = sim.h().request_log();
    assert_eq!(log.len(), 2);
    assert!(
        log.iter().all(|r| r.latency_ms >= 75.0),
        "the request log records the added latency: {:?}",
        log.iter().map(|r| r.latency_ms).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_pass_after_the_delay() {
    let sim = Sim::with_profile(profile_with(|p| p.checks_pass_after_ms = 700)).await;
    let app = sim.new_app("checks").await;
    let config = json!({
        "image": IMAGE,
        "checks": {"alive": {"type": "tcp", "port": 8080, "interval": "15s", "timeout": "2s"}},
        "services": [{"protocol": "tcp", "internal_port": 8080,
            "ports": [{"port": 443, "handlers": ["tls", "http"]}],
            "checks": [{"type": "http", "interval": "15s", "timeout": "2s", "method": "GET", "path": "/healthz"}]}]
    });
    let m = sim.started_machine(&app, config).await;
    let id = str_of(&m, "id");
    let started = Instant::now();
    let now = sim.machine(&app, &id).await;
    if started.elapsed() < Duration::from_millis(500) {
        let s = check_status(&now, "alive");
        assert!(
            s.as_deref() != Some("passing"),
            "checks are not passing before checks_pass_after_ms: {now}"
        );
    }
    eventually(Duration::from_secs(10), "checks passing", || async {
        let m = sim.machine(&app, &id).await;
        let checks = m["checks"].as_array().cloned().unwrap_or_default();
        checks.len() >= 2
            && checks
                .iter()
                .all(|c| c["status"] == "passing" && c["name"].is_string())
    })
    .await;
    let m = sim.machine(&app, &id).await;
    for c in m["checks"].as_array().expect("checks") {
        assert!(c["updated_at"].is_string(), "{c}");
        assert!(
            !c["name"]
                .as_str()
                .unwrap_or("")
                .starts_with("bg_deployments_compat"),
            "{c}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_fail_under_the_failing_checks_fault() {
    let sim = Sim::with_profile(profile_with(|p| {
        p.checks_pass_after_ms = 50;
        p.faults.failing_checks = 1.0;
    }))
    .await;
    let app = sim.new_app("checkfail").await;
    let m = sim
        .started_machine(
            &app,
            json!({"image": IMAGE,
                "checks": {"alive": {"type": "tcp", "port": 8080, "interval": "15s", "timeout": "2s"}}}),
        )
        .await;
    let id = str_of(&m, "id");
    eventually(
        Duration::from_secs(10),
        "check reported critical",
        || async {
            check_status(&sim.machine(&app, &id).await, "alive").as_deref() == Some("critical")
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        check_status(&sim.machine(&app, &id).await, "alive").as_deref(),
        Some("critical"),
        "a failing check does not recover by itself"
    );
}

fn autostop_config(autostop: Value) -> Value {
    json!({"image": IMAGE, "services": [{
        "protocol": "tcp", "internal_port": 8080, "autostop": autostop, "autostart": true,
        "min_machines_running": 0,
        "ports": [{"port": 80, "handlers": ["http"]}]
    }]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autostop_after_idle() {
    let sim = Sim::with_profile(profile_with(|p| p.autostop_idle_ms = 300)).await;
    let app = sim.new_app("autostop").await;
    let stop = str_of(
        &sim.started_machine(&app, autostop_config(json!(true)))
            .await,
        "id",
    );
    let suspend = str_of(
        &sim.started_machine(&app, autostop_config(json!("suspend")))
            .await,
        "id",
    );
    let never = str_of(
        &sim.started_machine(&app, autostop_config(json!(false)))
            .await,
        "id",
    );

    sim.wait_state(&app, &stop, "stopped").await;
    sim.wait_state(&app, &suspend, "suspended").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        sim.machine_state(&app, &never).await,
        "started",
        "autostop off keeps running"
    );
    let events = sim
        .get(&format!("/v1/apps/{app}/machines/{stop}/events"))
        .send()
        .await
        .json();
    let types: Vec<&str> = events
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    let first = |t: &str| types.iter().position(|x| *x == t);
    assert!(
        first("stop").is_some() && first("stop") < first("start"),
        "an autostop is recorded as a stop after the start: {types:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autostop_disabled_when_idle_is_zero() {
    let sim = Sim::start().await;
    let app = sim.new_app("autostop0").await;
    let id = str_of(
        &sim.started_machine(&app, autostop_config(json!(true)))
            .await,
        "id",
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(sim.machine_state(&app, &id).await, "started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stuck_states_fault_keeps_a_machine_in_transition() {
    let sim = Sim::with_profile(profile_with(|p| {
        p.boot_ms = 30;
        p.faults.stuck_states = vec!["starting".to_string()];
        p.faults.stuck = 1.0;
    }))
    .await;
    let app = sim.new_app("stuck").await;
    let m = sim
        .create_machine(&app, json!({"region": "ord", "config": basic_config()}))
        .await;
    let id = str_of(&m, "id");
    sim.get(&format!(
        "/v1/apps/{app}/machines/{id}/wait?state=started&timeout=1"
    ))
    .send()
    .await
    .expect_error(408);
    assert_eq!(sim.machine_state(&app, &id).await, "starting");
}
