use reqwest::Method;
use serde_json::json;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_machine_is_404_on_every_machine_endpoint() {
    let sim = Sim::start().await;
    let app = sim.new_app("err404").await;
    let m = format!("/v1/apps/{app}/machines/e2865013b69d48");
    let cfg = json!({"config": basic_config()});
    let vol = "vol_0000000000000000";
    let cases: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, m.clone(), None),
        (Method::POST, m.clone(), Some(cfg.clone())),
        (Method::DELETE, m.clone(), None),
        (Method::POST, format!("{m}/start"), None),
        (Method::POST, format!("{m}/stop"), None),
        (Method::POST, format!("{m}/restart"), None),
        (Method::POST, format!("{m}/suspend"), None),
        (
            Method::POST,
            format!("{m}/signal"),
            Some(json!({"signal": "SIGTERM"})),
        ),
        (Method::POST, format!("{m}/cordon"), None),
        (Method::POST, format!("{m}/uncordon"), None),
        (
            Method::GET,
            format!("{m}/wait?state=started&timeout=1"),
            None,
        ),
        (Method::GET, format!("{m}/lease"), None),
        (Method::POST, format!("{m}/lease?ttl=30"), None),
        (Method::DELETE, format!("{m}/lease"), None),
        (
            Method::POST,
            format!("{m}/exec"),
            Some(json!({"command": ["true"]})),
        ),
        (Method::GET, format!("{m}/ps"), None),
        (Method::GET, format!("{m}/metadata"), None),
        (
            Method::POST,
            format!("{m}/metadata/k"),
            Some(json!({"value": "v"})),
        ),
        (Method::DELETE, format!("{m}/metadata/k"), None),
        (Method::GET, format!("{m}/events"), None),
        (Method::GET, format!("{m}/versions"), None),
        (Method::GET, format!("/v1/apps/{app}/volumes/{vol}"), None),
        (
            Method::DELETE,
            format!("/v1/apps/{app}/volumes/{vol}"),
            None,
        ),
        (
            Method::PUT,
            format!("/v1/apps/{app}/volumes/{vol}/extend"),
            Some(json!({"size_gb": 2})),
        ),
        (
            Method::GET,
            format!("/v1/apps/{app}/volumes/{vol}/snapshots"),
            None,
        ),
        (
            Method::POST,
            format!("/v1/apps/{app}/volumes/{vol}/snapshots"),
            None,
        ),
    ];
    for (method, path, body) in cases {
        let mut req = sim.req(method.clone(), &path);
        if let Some(b) = body {
            req = req.json(b);
        }
        let r = req.send().await;
        assert_eq!(r.status, 404, "{method} {path}: {r}");
        r.error_body();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_400_with_error_body() {
    let sim = Sim::start().await;
    let app = sim.new_app("errjson").await;
    for (path, body) in [
        ("/v1/apps".to_string(), "{not json"),
        ("/v1/apps".to_string(), "[]"),
        (format!("/v1/apps/{app}/machines"), "{\"config\": "),
        (
            format!("/v1/apps/{app}/machines"),
            "{\"config\": {\"image\": 5}}",
        ),
        (
            format!("/v1/apps/{app}/volumes"),
            "{\"size_gb\": \"big\", \"region\": \"ord\", \"name\": \"d\"}",
        ),
        (format!("/v1/apps/{app}/secrets"), "null"),
    ] {
        let r = sim.post(&path).raw(body).send().await;
        assert!(
            r.status == 400 || r.status == 422,
            "malformed body {body:?} on {path}: {r}"
        );
        r.error_body();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_fields_are_refused() {
    let sim = Sim::start().await;
    let app = sim.new_app("errfields").await;
    sim.post("/v1/apps")
        .json(json!({"name": app_name("x"), "org_slug": "personal", "colour": "blue"}))
        .send()
        .await
        .expect_client_error();
    sim.post(&format!("/v1/apps/{app}/machines"))
        .json(json!({"config": basic_config(), "regoin": "ord"}))
        .send()
        .await
        .expect_client_error();
    sim.post(&format!("/v1/apps/{app}/volumes"))
        .json(json!({"name": "d", "region": "ord", "size_gb": 1, "sizegb": 3}))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_and_methods_answer_json() {
    let sim = Sim::start().await;
    let app = sim.new_app("errroute").await;
    let r = sim.get("/v1/nothing-here").send().await;
    assert_eq!(r.status, 404, "{r}");
    r.error_body();
    let r = sim
        .req(Method::PATCH, &format!("/v1/apps/{app}"))
        .send()
        .await;
    assert!(r.status == 404 || r.status == 405, "{r}");
    r.error_body();
    let r = sim.get("/").send().await;
    assert!((400..500).contains(&r.status), "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_content_type_or_empty_body() {
    let sim = Sim::start().await;
    let app = sim.new_app("errct").await;
    let r = sim.post(&format!("/v1/apps/{app}/machines")).send().await;
    r.expect_client_error();
    let r = sim
        .post(&format!("/v1/apps/{app}/machines"))
        .header("Content-Type", "text/plain")
        .raw("hello")
        .send()
        .await;
    r.expect_client_error();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_are_unique() {
    let sim = Sim::start().await;
    let mut seen = std::collections::HashSet::new();
    for path in ["/v1/apps?org_slug=personal", "/v1/apps/nope", "/v1/zzz"] {
        for _ in 0..3 {
            let r = sim.get(path).send().await;
            let id = r.header("fly-request-id").expect("header");
            assert!(!id.is_empty());
            assert!(seen.insert(id.clone()), "request id reused: {id}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_never_fail_with_5xx() {
    // SQLite "database is locked" and similar must not surface as server errors.
    let sim = std::sync::Arc::new(Sim::start().await);
    let mut apps = Vec::new();
    for i in 0..4 {
        apps.push(sim.new_app(&format!("conc{i}")).await);
    }
    let mut tasks = Vec::new();
    for (i, app) in apps.iter().enumerate() {
        for j in 0..6 {
            let sim = sim.clone();
            let app = app.clone();
            tasks.push(tokio::spawn(async move {
                let m = sim
                    .create_machine(&app, json!({"region": "ord", "config": basic_config()}))
                    .await;
                let id = str_of(&m, "id");
                sim.set_secret(&app, &format!("S_{i}_{j}"), "v").await;
                sim.post(&format!("/v1/apps/{app}/machines/{id}/metadata/k{j}"))
                    .json(json!({"value": "x"}))
                    .send()
                    .await
                    .expect(204);
                sim.post(&format!("/v1/apps/{app}/volumes"))
                    .json(json!({"name": "data", "region": "ord", "size_gb": 1}))
                    .send()
                    .await
                    .expect(200);
                sim.get(&format!("/v1/apps/{app}/machines"))
                    .send()
                    .await
                    .expect(200);
            }));
        }
    }
    for t in tasks {
        t.await.expect("task completes without panicking");
    }
    for app in &apps {
        let list = sim
            .get(&format!("/v1/apps/{app}/machines"))
            .send()
            .await
            .json();
        assert_eq!(list.as_array().map(Vec::len), Some(6), "{app}: {list}");
        let secrets = sim
            .get(&format!("/v1/apps/{app}/secrets"))
            .send()
            .await
            .json();
        assert_eq!(secrets["secrets"].as_array().map(Vec::len), Some(6));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_body_is_a_json_4xx() {
    let sim = Sim::start().await;
    let app = sim.new_app("errbig").await;
    let big = "x".repeat(3 * 1024 * 1024);
    let r = sim
        .post(&format!("/v1/apps/{app}/machines"))
        .json(json!({"config": {"image": IMAGE, "env": {"BIG": big}}}))
        .send()
        .await;
    r.expect_client_error();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_traversal_ids_are_not_found() {
    let sim = Sim::start().await;
    let app = sim.new_app("errtrav").await;
    for path in [
        format!("/v1/apps/{app}/volumes/..%2F..%2F..%2Fetc"),
        format!("/v1/apps/{app}/volumes/vol_..%2F..%2Fx/snapshots"),
        format!("/v1/apps/{app}/machines/..%2F..%2Fx"),
        "/v1/apps/..%2Fetc".to_string(),
    ] {
        let r = sim.get(&path).send().await;
        assert!(r.status == 404 || r.status == 400, "{r}");
        r.error_body();
    }
}
