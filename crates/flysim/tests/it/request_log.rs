use serde_json::{Value, json};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_every_api_call_in_order_with_scope() {
    let sim = Sim::start().await;
    let app = app_name("reqlog");
    sim.h().clear_request_log();
    assert!(sim.h().request_log().is_empty());

    sim.create_app(&app).await;
    sim.get("/v1/apps?org_slug=personal")
        .send()
        .await
        .expect(200);
    sim.get("/v1/apps/nope").send().await.expect_error(404);
    let ro = sim.h().readonly_token();
    sim.get(&format!("/v1/apps/{app}"))
        .bearer(&ro)
        .send()
        .await
        .expect(200);
    let at = sim.h().app_token(&app);
    sim.get(&format!("/v1/apps/{app}/machines"))
        .auth(&format!("FlyV1 {at}"))
        .send()
        .await
        .expect(200);
    sim.get("/v1/apps?org_slug=personal")
        .no_auth()
        .send()
        .await
        .expect_error(401);
    // Admin paths are not logged.
    sim.get("/__flysim/requests").send().await.expect(200);

    let log = sim.h().request_log();
    let summary: Vec<(String, String, Option<String>, u16, String)> = log
        .iter()
        .map(|r| {
            (
                r.method.clone(),
                r.path.clone(),
                r.query.clone(),
                r.status,
                r.scope.clone(),
            )
        })
        .collect();
    let q = |s: &str| Some(s.to_string());
    let want = vec![
        ("POST".into(), "/v1/apps".into(), None, 201, "org".into()),
        (
            "GET".into(),
            "/v1/apps".into(),
            q("org_slug=personal"),
            200,
            "org".into(),
        ),
        (
            "GET".into(),
            "/v1/apps/nope".into(),
            None,
            404,
            "org".into(),
        ),
        (
            "GET".into(),
            format!("/v1/apps/{app}"),
            None,
            200,
            "readonly".into(),
        ),
        (
            "GET".into(),
            format!("/v1/apps/{app}/machines"),
            None,
            200,
            format!("app:{app}"),
        ),
        (
            "GET".into(),
            "/v1/apps".into(),
            q("org_slug=personal"),
            401,
            "none".into(),
        ),
    ];
    assert_eq!(summary, want);
    assert!(
        log.iter()
            .all(|r| r.latency_ms >= 0.0 && r.latency_ms.is_finite())
    );

    // The request log never carries a token.
    let debug = format!("{:?}", log.iter().map(|r| &r.scope).collect::<Vec<_>>());
    assert!(!debug.contains("fm2_"));

    sim.h().clear_request_log();
    assert!(sim.h().request_log().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_over_http_matches_the_handle() {
    let sim = Sim::start().await;
    let app = sim.new_app("reqhttp").await;
    sim.create_machine(&app, json!({"region": "ord", "config": basic_config()}))
        .await;
    let over_http = sim
        .get("/__flysim/requests")
        .send()
        .await
        .expect(200)
        .json();
    let arr = over_http
        .as_array()
        .unwrap_or_else(|| panic!("{over_http}"));
    let local = sim.h().request_log();
    assert_eq!(arr.len(), local.len());
    for (h, l) in arr.iter().zip(&local) {
        assert_eq!(h["method"], json!(l.method));
        assert_eq!(h["path"], json!(l.path));
        assert_eq!(h["status"], json!(l.status));
        assert_eq!(h["scope"], json!(l.scope));
        assert!(h["latency_ms"].is_number());
        assert!(
            h.get("query").is_some_and(|q| q.is_null() || q.is_string()),
            "{h}"
        );
    }
    let paths: Vec<&str> = arr.iter().filter_map(|r| r["path"].as_str()).collect();
    assert!(
        paths.contains(&format!("/v1/apps/{app}/machines").as_str()),
        "{paths:?}"
    );

    let ro = sim.h().readonly_token();
    let r = sim.get("/__flysim/requests").bearer(&ro).send().await;
    assert!(r.status == 401 || r.status == 403, "{r}");
    let _: Value = r.error_body();
}
