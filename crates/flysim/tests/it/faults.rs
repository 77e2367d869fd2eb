use std::time::Duration;

use flysim::FaultRule;
use serde_json::json;

use crate::common::*;

/// Status codes of `n` identical GETs against a fresh server with this profile.
async fn status_sequence(seed: u64, n: usize) -> Vec<u16> {
    let sim = Sim::with_profile(profile_with(|p| {
        p.seed = seed;
        p.faults.error_500 = 0.2;
        p.faults.error_503 = 0.2;
    }))
    .await;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let r = sim
            .get("/v1/apps?org_slug=personal")
            .allow_5xx()
            .send()
            .await;
        if r.status != 200 {
            assert!(r.status == 500 || r.status == 503, "{r}");
            r.error_body();
        }
        out.push(r.status);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probabilistic_faults_are_seeded_and_reproducible() {
    let a = status_sequence(42, 60).await;
    let b = status_sequence(42, 60).await;
    assert_eq!(a, b, "same seed, same faults");
    let failures = a.iter().filter(|s| **s != 200).count();
    assert!(
        (5..=45).contains(&failures),
        "about 40% of 60 calls fail, got {failures}: {a:?}"
    );
    assert!(a.contains(&500) && a.contains(&503), "{a:?}");
    // Admin endpoints are exempt from injected faults (tests depend on them).
    let sim = Sim::with_profile(profile_with(|p| p.faults.error_500 = 1.0)).await;
    sim.get("/__flysim/requests").send().await.expect(200);
    let c = status_sequence(7, 60).await;
    assert_ne!(a, c, "another seed gives another sequence");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probabilistic_429_carries_retry_after() {
    let sim = Sim::with_profile(profile_with(|p| {
        p.faults.error_429 = 1.0;
        p.faults.retry_after_s = 3;
    }))
    .await;
    let r = sim.get("/v1/apps?org_slug=personal").send().await;
    assert_eq!(r.header("retry-after").as_deref(), Some("3"), "{r}");
    r.expect_error(429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probabilistic_reset_drops_the_connection() {
    let sim = Sim::with_profile(profile_with(|p| p.faults.reset = 1.0)).await;
    let r = sim.get("/v1/apps?org_slug=personal").try_send().await;
    assert!(r.is_err(), "connection should be reset, got a response");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_fault_delays_answers() {
    let sim = Sim::with_profile(profile_with(|p| {
        p.faults.slow = 1.0;
        p.faults.slow_ms = 300;
    }))
    .await;
    let r = sim
        .get("/v1/apps?org_slug=personal")
        .send()
        .await
        .expect(200);
    assert!(r.elapsed >= Duration::from_millis(290), "{:?}", r.elapsed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targeted_rule_skips_then_fails_then_is_spent() {
    let sim = Sim::start().await;
    let app = sim.new_app("fault").await;
    sim.h().inject(FaultRule {
        method: Some("POST".to_string()),
        path_contains: "/volumes".to_string(),
        status: 503,
        times: 2,
        skip: 1,
    });
    let create = || {
        sim.post(&format!("/v1/apps/{app}/volumes"))
            .json(json!({"name": "data", "region": "ord", "size_gb": 1}))
            .allow_5xx()
    };
    assert_eq!(
        create().send().await.status,
        200,
        "skip: 1 lets the first through"
    );
    // Other methods and paths are untouched.
    sim.get(&format!("/v1/apps/{app}/volumes"))
        .send()
        .await
        .expect(200);
    sim.post(&format!("/v1/apps/{app}/machines"))
        .json(json!({"config": basic_config()}))
        .send()
        .await
        .expect(200);
    for _ in 0..2 {
        let r = create().send().await;
        r.expect_error(503);
    }
    assert_eq!(
        create().send().await.status,
        200,
        "the rule is spent after times: 2"
    );

    // The faulted calls show up in the request log with their status.
    let log = sim.h().request_log();
    let statuses: Vec<u16> = log
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/volumes"))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![200, 503, 503, 200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targeted_reset_and_any_method_and_clear() {
    let sim = Sim::start().await;
    let app = sim.new_app("faultreset").await;
    sim.h().inject(FaultRule {
        method: None,
        path_contains: format!("/apps/{app}"),
        status: 0,
        times: 1,
        skip: 0,
    });
    let r = sim.get(&format!("/v1/apps/{app}")).try_send().await;
    assert!(r.is_err(), "status 0 resets the connection");
    sim.get(&format!("/v1/apps/{app}")).send().await.expect(200);

    sim.h().inject(FaultRule {
        method: None,
        path_contains: format!("/apps/{app}"),
        status: 502,
        times: 100,
        skip: 0,
    });
    sim.get(&format!("/v1/apps/{app}"))
        .allow_5xx()
        .send()
        .await
        .expect_error(502);
    sim.h().clear_faults();
    sim.get(&format!("/v1/apps/{app}")).send().await.expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targeted_429_has_retry_after() {
    let sim = Sim::start().await;
    sim.h().inject(FaultRule {
        method: Some("GET".to_string()),
        path_contains: "/v1/apps".to_string(),
        status: 429,
        times: 1,
        skip: 0,
    });
    let r = sim.get("/v1/apps?org_slug=personal").send().await;
    let ra = r.header("retry-after").expect("Retry-After header on 429");
    assert!(ra.parse::<u64>().is_ok(), "Retry-After in seconds: {ra}");
    r.expect_error(429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_http_fault_endpoints() {
    let sim = Sim::start().await;
    let app = sim.new_app("faulthttp").await;
    sim.post("/__flysim/faults")
        .json(json!({"method": "GET", "path_contains": format!("/apps/{app}"), "status": 500, "times": 5, "skip": 0}))
        .send()
        .await
        .expect_ok();
    sim.get(&format!("/v1/apps/{app}"))
        .allow_5xx()
        .send()
        .await
        .expect_error(500);
    sim.delete("/__flysim/faults").send().await.expect_ok();
    sim.get(&format!("/v1/apps/{app}")).send().await.expect(200);

    // Admin endpoints need the org token.
    let ro = sim.h().readonly_token();
    let r = sim
        .post("/__flysim/faults")
        .bearer(&ro)
        .json(json!({"method": null, "path_contains": "/", "status": 500, "times": 1, "skip": 0}))
        .send()
        .await;
    assert!(r.status == 401 || r.status == 403, "{r}");
    sim.post("/__flysim/faults")
        .no_auth()
        .json(json!({"method": null, "path_contains": "/", "status": 500, "times": 1, "skip": 0}))
        .send()
        .await
        .expect_error(401);
    sim.get(&format!("/v1/apps/{app}")).send().await.expect(200);
}
