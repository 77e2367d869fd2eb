//! FlyClient against a scripted local server: auth, retries, errors, request shapes.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{MACHINE_JSON, MockServer, client, client_with, reply};
use fly_api::types::{
    CreateAppRequest, ExecRequest, LaunchMachineInput, ListMachinesParams, LogsQuery,
    MachineConfig, SecretValue, StopRequest, WaitParams,
};
use fly_api::{ApiError, RateLimit, RetryPolicy};

fn launch_input() -> LaunchMachineInput {
    LaunchMachineInput {
        config: MachineConfig {
            image: Some("nginx".into()),
            ..MachineConfig::default()
        },
        region: Some("ord".into()),
        name: Some("web".into()),
        ..LaunchMachineInput::default()
    }
}

// ---------------------------------------------------------------- auth

#[tokio::test]
async fn plain_token_is_sent_as_bearer_with_scheme_stripped() {
    let server = MockServer::start(vec![reply(200, MACHINE_JSON), reply(200, MACHINE_JSON)]).await;
    client_with(&server.url, "Bearer FlyV1 plain-oauth-token", |_| {})
        .get_machine("app", "m1")
        .await
        .unwrap();
    client_with(&server.url, "plain-oauth-token", |_| {})
        .get_machine("app", "m1")
        .await
        .unwrap();
    for request in server.requests() {
        assert_eq!(
            request.header("authorization"),
            Some("Bearer plain-oauth-token")
        );
        assert!(
            request
                .header("user-agent")
                .unwrap()
                .starts_with("tenantctl/")
        );
    }
}

#[tokio::test]
async fn macaroons_are_sent_as_flyv1_joined_by_comma() {
    let server = MockServer::start(vec![reply(200, MACHINE_JSON)]).await;
    client_with(&server.url, "flyv1 fm2_first, fm2_second,oauth-x", |_| {})
        .get_machine("app", "m1")
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(
        requests[0].header("authorization"),
        Some("FlyV1 fm2_first,fm2_second")
    );
}

// ------------------------------------------------------------- retries

#[tokio::test]
async fn retries_429_honouring_retry_after_seconds() {
    let server = MockServer::start(vec![
        reply(429, r#"{"error":"rate limited"}"#).header("retry-after", "1"),
        reply(200, MACHINE_JSON),
    ])
    .await;
    let started = Instant::now();
    let machine = client(&server.url).get_machine("app", "m1").await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(machine.id, "m1");
    assert_eq!(server.request_count(), 2);
    assert!(
        elapsed >= Duration::from_millis(950),
        "Retry-After: 1 was not honoured, elapsed {elapsed:?}"
    );
}

#[tokio::test]
async fn a_429_is_retried_past_the_attempt_count_while_the_budget_lasts() {
    // Eight 429s in a row, more than the 5 attempts other failures get: a crowd of processes
    // sharing one bucket, each let through in turn.
    let mut script: Vec<_> = (0..8)
        .map(|_| reply(429, r#"{"error":"rate limited"}"#).header("retry-after", "0"))
        .collect();
    script.push(reply(200, MACHINE_JSON));
    let server = MockServer::start(script).await;
    let waits = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = waits.clone();
    let machine = client_with(&server.url, "token", move |config| {
        config.on_wait = Some(fly_api::WaitNotifier(std::sync::Arc::new(
            move |m: &str| seen.lock().unwrap().push(m.to_string()),
        )));
    })
    .get_machine("app", "m1")
    .await
    .unwrap();
    assert_eq!(machine.id, "m1");
    assert_eq!(server.request_count(), 9);
    let waits = waits.lock().unwrap();
    assert_eq!(waits.len(), 8);
    assert!(
        waits[0].starts_with("rate limited by Fly on get machine; retrying in"),
        "{waits:?}"
    );
}

#[tokio::test]
async fn a_429_past_the_retry_budget_is_returned() {
    let script: Vec<_> = (0..20)
        .map(|_| reply(429, r#"{"error":"rate limited"}"#).header("retry-after", "0"))
        .collect();
    let server = MockServer::start(script).await;
    let err = client_with(&server.url, "token", |config| {
        config.retry.rate_limit_budget = Duration::from_millis(300);
    })
    .get_machine("app", "m1")
    .await
    .unwrap_err();
    assert!(err.is_rate_limited(), "{err:?}");
    let count = server.request_count();
    assert!(
        (2..20).contains(&count),
        "{count} requests in a 300 ms budget"
    );
}

#[tokio::test]
async fn retry_after_beyond_the_time_budget_gives_up_at_once() {
    let server = MockServer::start(vec![
        reply(429, r#"{"error":"slow down"}"#).header("retry-after", "3600"),
        reply(200, MACHINE_JSON),
    ])
    .await;
    let started = Instant::now();
    let err = client(&server.url)
        .get_machine("app", "m1")
        .await
        .unwrap_err();
    assert!(err.is_rate_limited(), "{err:?}");
    assert_eq!(server.request_count(), 1);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn retries_502_and_503_then_succeeds_for_get_and_create() {
    let server = MockServer::start(vec![
        reply(502, "bad gateway"),
        reply(503, r#"{"error":"unavailable"}"#),
        reply(200, MACHINE_JSON),
        reply(503, r#"{"error":"unavailable"}"#),
        reply(502, ""),
        reply(200, MACHINE_JSON),
    ])
    .await;
    let c = client(&server.url);
    assert_eq!(c.get_machine("app", "m1").await.unwrap().id, "m1");
    assert_eq!(server.request_count(), 3);
    let created = c.create_machine("app", &launch_input()).await.unwrap();
    assert_eq!(created.id, "m1");
    let requests = server.requests();
    assert_eq!(requests.len(), 6);
    for post in &requests[3..] {
        assert_eq!(post.method, "POST");
        assert_eq!(post.path, "/v1/apps/app/machines");
    }
}

#[tokio::test]
async fn get_retries_500_but_create_reports_it_as_ambiguous() {
    let server = MockServer::start(vec![
        reply(500, r#"{"error":"internal"}"#),
        reply(200, MACHINE_JSON),
        reply(500, r#"{"error":"internal"}"#),
        reply(200, MACHINE_JSON),
    ])
    .await;
    let c = client(&server.url);
    c.get_machine("app", "m1").await.unwrap();
    assert_eq!(server.request_count(), 2);
    let err = c.create_machine("app", &launch_input()).await.unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert_eq!(err.status(), Some(500));
    assert_eq!(
        server.request_count(),
        3,
        "an ambiguous create must not be resent"
    );
}

#[tokio::test]
async fn create_408_is_ambiguous_and_other_mutations_are_not_retried_on_500() {
    let server = MockServer::start(vec![
        reply(408, r#"{"error":"timed out"}"#),
        reply(500, r#"{"error":"internal"}"#),
    ])
    .await;
    let c = client(&server.url);
    let err = c
        .create_app(&CreateAppRequest::new("t1", "acme"))
        .await
        .unwrap_err();
    assert!(err.is_ambiguous());
    assert_eq!(err.status(), Some(408));
    let err = c
        .stop_machine("app", "m1", &StopRequest::default(), None)
        .await
        .unwrap_err();
    assert!(!err.is_ambiguous());
    assert_eq!(err.status(), Some(500));
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn no_retry_on_4xx() {
    let server = MockServer::start(vec![
        reply(404, r#"{"error":"machine not found"}"#),
        reply(422, r#"{"error":"invalid config: image required"}"#),
        reply(
            409,
            r#"{"error":"lease currently held by someone@example.com"}"#,
        ),
    ])
    .await;
    let c = client(&server.url);
    let err = c.get_machine("app", "nope").await.unwrap_err();
    assert!(err.is_not_found());
    let err = c.create_machine("app", &launch_input()).await.unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert!(!err.is_ambiguous());
    let err = c
        .acquire_lease("app", "m1", Some(30), None)
        .await
        .unwrap_err();
    assert!(err.is_lease_held());
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn gives_up_after_max_attempts_with_the_last_error() {
    let server = MockServer::start(vec![
        reply(503, r#"{"error":"attempt 1"}"#),
        reply(503, r#"{"error":"attempt 2"}"#),
        reply(503, r#"{"error":"attempt 3"}"#).header("fly-request-id", "req-3"),
        reply(200, MACHINE_JSON),
    ])
    .await;
    let c = client_with(&server.url, "t", |cfg| {
        cfg.retry = RetryPolicy::immediate(3)
    });
    let err = c.get_machine("app", "m1").await.unwrap_err();
    assert_eq!(server.request_count(), 3);
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.api_message(), Some("attempt 3"));
    assert_eq!(err.request_id(), Some("req-3"));
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported_as_not_sent() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = client(&url)
        .create_machine("app", &launch_input())
        .await
        .unwrap_err();
    match err {
        ApiError::Transport { not_sent, .. } => assert!(not_sent),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

/// A raw TCP server that drops the first `drops` connections after reading the request, then
/// answers every later one with a machine.
async fn resetting_server(
    drops: usize,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&connections);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = vec![0u8; 8192];
            let _ = socket.read(&mut buf).await;
            if n < drops {
                drop(socket);
                continue;
            }
            let body = MACHINE_JSON.replace('\n', " ");
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
                body.len(),
                body
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    (url, connections)
}

#[tokio::test]
async fn connection_reset_after_send_retries_get_but_not_create() {
    use std::sync::atomic::Ordering;
    let (url, connections) = resetting_server(1).await;
    let machine = client(&url).get_machine("app", "m1").await.unwrap();
    assert_eq!(machine.id, "m1");
    assert_eq!(connections.load(Ordering::SeqCst), 2);

    let (url, connections) = resetting_server(1).await;
    let err = client(&url)
        .create_machine("app", &launch_input())
        .await
        .unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn timeouts_retry_get_and_make_create_ambiguous() {
    let slow = Duration::from_millis(1500);
    let server = MockServer::start(vec![
        reply(200, MACHINE_JSON).delayed(slow),
        reply(200, MACHINE_JSON).delayed(slow),
        reply(200, MACHINE_JSON).delayed(slow),
    ])
    .await;
    let c = client_with(&server.url, "t", |cfg| {
        cfg.timeout = Duration::from_millis(200);
        cfg.retry = RetryPolicy::immediate(2);
    });
    let err = c.get_machine("app", "m1").await.unwrap_err();
    assert!(matches!(err, ApiError::Timeout { .. }), "{err:?}");
    assert_eq!(server.request_count(), 2);
    let err = c.create_machine("app", &launch_input()).await.unwrap_err();
    match &err {
        ApiError::Ambiguous { source } => {
            assert!(matches!(**source, ApiError::Timeout { .. }), "{source:?}")
        }
        other => panic!("expected ambiguous, got {other:?}"),
    }
    assert_eq!(server.request_count(), 3);
}

// ---------------------------------------------------------------- wait

#[tokio::test]
async fn wait_loops_on_408_until_the_state_is_reached() {
    let server = MockServer::start(vec![
        reply(408, r#"{"error":"timeout waiting"}"#),
        reply(408, r#"{"error":"timeout waiting"}"#),
        reply(200, ""),
    ])
    .await;
    let params = WaitParams {
        request_timeout: Duration::from_secs(90),
        ..WaitParams::new(&["stopped", "suspended"], Duration::from_secs(30))
    }
    .with_instance_id("01HVERSION");
    client(&server.url)
        .wait_for_state("app", "m1", &params)
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let pairs = requests[0].query_pairs();
    assert_eq!(requests[0].path, "/v1/apps/app/machines/m1/wait");
    assert!(pairs.contains(&("state".into(), "stopped".into())));
    assert!(pairs.contains(&("state".into(), "suspended".into())));
    assert!(
        pairs.contains(&("timeout".into(), "30".into())),
        "{pairs:?}"
    );
    assert!(pairs.contains(&("instance_id".into(), "01HVERSION".into())));
}

#[tokio::test]
async fn wait_clamps_each_request_to_60_seconds() {
    let server = MockServer::start(vec![reply(200, "")]).await;
    client(&server.url)
        .wait_for_state(
            "app",
            "m1",
            &WaitParams::new(&["started"], Duration::from_secs(600)),
        )
        .await
        .unwrap();
    assert!(
        server.requests()[0]
            .query_pairs()
            .contains(&("timeout".into(), "60".into()))
    );
}

#[tokio::test]
async fn wait_gives_up_at_the_overall_deadline() {
    let script = (0..50)
        .map(|_| reply(408, r#"{"error":"timeout"}"#).delayed(Duration::from_millis(100)))
        .collect();
    let server = MockServer::start(script).await;
    let started = Instant::now();
    let err = client(&server.url)
        .wait_for_state(
            "app",
            "m1",
            &WaitParams::new(&["started"], Duration::from_millis(350)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::WaitTimeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(server.request_count() >= 2);
}

#[tokio::test]
async fn wait_retries_404_only_within_the_grace_period() {
    let server = MockServer::start(vec![
        reply(404, r#"{"error":"not found"}"#),
        reply(200, ""),
        reply(404, r#"{"error":"not found"}"#),
    ])
    .await;
    let c = client(&server.url);
    c.wait_for_state(
        "app",
        "m1",
        &WaitParams::new(&["started"], Duration::from_secs(30)),
    )
    .await
    .unwrap();
    assert_eq!(server.request_count(), 2);
    let no_grace = WaitParams {
        not_found_grace: Duration::ZERO,
        ..WaitParams::new(&["started"], Duration::from_secs(30))
    };
    let err = c.wait_for_state("app", "m1", &no_grace).await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn a_408_on_a_read_is_not_retried_by_the_transport() {
    let server =
        MockServer::start(vec![reply(408, r#"{"error":"timeout"}"#), reply(200, "")]).await;
    let err = client(&server.url)
        .get_machine("app", "m1")
        .await
        .unwrap_err();
    assert!(err.is_request_timeout());
    assert_eq!(
        server.request_count(),
        1,
        "a 408 on a read is not retried by the transport"
    );
}

// -------------------------------------------------------------- errors

#[tokio::test]
async fn decodes_error_body_status_code_and_request_id() {
    let server = MockServer::start(vec![
        reply(
            412,
            r#"{"error":"no capacity in ord","status":"insufficient_capacity"}"#,
        )
        .header("fly-request-id", "01REQ-abc"),
        reply(400, r#"{"error":"short","message":"the long message"}"#),
        reply(400, "plain text failure"),
    ])
    .await;
    let c = client(&server.url);
    let err = c.create_machine("app", &launch_input()).await.unwrap_err();
    match &err {
        ApiError::Api {
            status,
            message,
            code,
            request_id,
        } => {
            assert_eq!(*status, 412);
            assert_eq!(message, "no capacity in ord");
            assert_eq!(code.as_deref(), Some("insufficient_capacity"));
            assert_eq!(request_id.as_deref(), Some("01REQ-abc"));
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    assert!(err.to_string().contains("01REQ-abc"));
    let err = c.get_machine("app", "m1").await.unwrap_err();
    assert_eq!(err.api_message(), Some("the long message"));
    let err = c.get_machine("app", "m1").await.unwrap_err();
    assert_eq!(
        err.api_message(),
        Some("request returned non-2xx status: 400: plain text failure")
    );
}

#[tokio::test]
async fn bad_success_body_is_a_decode_error() {
    let server = MockServer::start(vec![reply(200, "not json")]).await;
    let err = client(&server.url)
        .get_machine("app", "m1")
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Decode { .. }), "{err:?}");
}

// -------------------------------------------------------- request shapes

#[tokio::test]
async fn apps_requests() {
    let server = MockServer::start(vec![
        reply(201, ""),
        reply(404, r#"{"error":"Could not find App"}"#),
        reply(
            200,
            r#"{"total_apps":1,"apps":[{"id":"a1","name":"t1","machine_count":1,"network":"t1-net"}]}"#,
        ),
        reply(202, ""),
    ])
    .await;
    let c = client(&server.url);
    let app = c
        .create_app(&CreateAppRequest::new("t1", "acme").with_network("t1-net"))
        .await
        .unwrap();
    assert_eq!(app.name, "t1");
    assert!(c.get_app("t1").await.unwrap().is_none());
    let apps = c.list_apps("acme").await.unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].machine_count, Some(1));
    c.delete_app("t1").await.unwrap();

    let r = server.requests();
    assert_eq!(
        (r[0].method.as_str(), r[0].path.as_str()),
        ("POST", "/v1/apps")
    );
    assert_eq!(r[0].query.as_deref(), Some("wait=true"));
    assert_eq!(r[0].header("content-type"), Some("application/json"));
    let body = r[0].json();
    assert_eq!(body["name"], "t1");
    assert_eq!(body["app_name"], "t1");
    assert_eq!(body["org_slug"], "acme");
    assert_eq!(body["network"], "t1-net");
    assert_eq!(r[1].path, "/v1/apps/t1");
    assert_eq!(r[2].query.as_deref(), Some("org_slug=acme"));
    assert_eq!(
        (r[3].method.as_str(), r[3].path.as_str()),
        ("DELETE", "/v1/apps/t1")
    );
}

#[tokio::test]
async fn app_name_availability() {
    let server = MockServer::start(vec![
        reply(404, r#"{"error":"not found"}"#),
        reply(403, r#"{"error":"forbidden"}"#),
        reply(200, r#"{"id":"a1","name":"t1"}"#),
        reply(401, r#"{"error":"unauthorized"}"#),
    ])
    .await;
    let c = client(&server.url);
    assert!(c.app_name_available("t1").await.unwrap());
    assert!(!c.app_name_available("t1").await.unwrap());
    assert!(!c.app_name_available("t1").await.unwrap());
    let err = c.app_name_available("t1").await.unwrap_err();
    assert!(err.is_unauthorized());
}

#[tokio::test]
async fn list_machines_sends_filters_and_filters_metadata_itself() {
    let list = format!(
        "[{MACHINE_JSON}, {}]",
        r#"{"id":"m2","state":"started","config":{"image":"x","metadata":{"tenant":"other"}}}"#
    );
    let server = MockServer::start(vec![reply(200, &list)]).await;
    let mut metadata = BTreeMap::new();
    metadata.insert("tenant".to_owned(), "acme".to_owned());
    let machines = client(&server.url)
        .list_machines(
            "app",
            &ListMachinesParams {
                include_deleted: true,
                region: Some("ord".into()),
                metadata,
                ..ListMachinesParams::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(machines.len(), 1);
    assert_eq!(machines[0].id, "m1");
    let pairs = server.requests()[0].query_pairs();
    assert!(pairs.contains(&("include_deleted".into(), "true".into())));
    assert!(pairs.contains(&("region".into(), "ord".into())));
    assert!(pairs.contains(&("metadata.tenant".into(), "acme".into())));
}

#[tokio::test]
async fn machine_mutations_send_nonce_and_parameters() {
    let server = MockServer::start(vec![
        reply(200, MACHINE_JSON),
        reply(200, r#"{"previous_state":"stopped"}"#),
        reply(200, ""),
        reply(200, ""),
        reply(200, ""),
        reply(
            200,
            r#"{"status":"success","data":{"nonce":"n-1","expires_at":1700000000,"owner":"me"}}"#,
        ),
        reply(200, ""),
        reply(204, ""),
        reply(200, r#"{"tenant":"acme"}"#),
    ])
    .await;
    let c = client(&server.url);
    c.update_machine("app", "m1", &launch_input(), Some("n-0"))
        .await
        .unwrap();
    let started = c.start_machine("app", "m1", Some("n-0")).await.unwrap();
    assert_eq!(started.previous_state.as_deref(), Some("stopped"));
    c.stop_machine(
        "app",
        "m1",
        &StopRequest {
            signal: Some("SIGTERM".into()),
            ..StopRequest::default()
        }
        .with_timeout(Duration::from_secs(90)),
        None,
    )
    .await
    .unwrap();
    c.suspend_machine("app", "m1", None).await.unwrap();
    c.destroy_machine("app", "m1", true, Some("n-0"))
        .await
        .unwrap();
    let lease = c.acquire_lease("app", "m1", Some(60), None).await.unwrap();
    assert_eq!(lease.nonce, "n-1");
    c.release_lease("app", "m1", "n-1").await.unwrap();
    c.set_metadata("app", "m1", "tenant", "acme").await.unwrap();
    let metadata = c.get_metadata("app", "m1").await.unwrap();
    assert_eq!(metadata.get("tenant").map(String::as_str), Some("acme"));

    let r = server.requests();
    assert_eq!(r[0].path, "/v1/apps/app/machines/m1");
    assert_eq!(r[0].header("fly-machine-lease-nonce"), Some("n-0"));
    assert_eq!(r[0].json()["config"]["image"], "nginx");
    assert_eq!(r[1].path, "/v1/apps/app/machines/m1/start");
    assert_eq!(r[1].header("fly-machine-lease-nonce"), Some("n-0"));
    assert_eq!(r[2].json()["timeout"], "1m30s");
    assert_eq!(r[2].json()["signal"], "SIGTERM");
    assert_eq!(r[2].header("fly-machine-lease-nonce"), None);
    assert_eq!(r[3].path, "/v1/apps/app/machines/m1/suspend");
    assert_eq!(r[4].method, "DELETE");
    assert!(
        r[4].query_pairs()
            .contains(&("force".into(), "true".into()))
    );
    assert!(r[4].query_pairs().contains(&("kill".into(), "true".into())));
    assert_eq!(r[5].query.as_deref(), Some("ttl=60"));
    assert_eq!(r[6].method, "DELETE");
    assert_eq!(r[6].header("fly-machine-lease-nonce"), Some("n-1"));
    assert_eq!(r[7].path, "/v1/apps/app/machines/m1/metadata/tenant");
    assert_eq!(r[7].json(), serde_json::json!({"value": "acme"}));
}

#[tokio::test]
async fn path_segments_are_escaped() {
    let server = MockServer::start(vec![reply(404, r#"{"error":"nope"}"#)]).await;
    let result = client(&server.url)
        .get_certificate("app", "a b/../c?d")
        .await
        .unwrap();
    assert!(result.is_none());
    assert_eq!(
        server.requests()[0].path,
        "/v1/apps/app/certificates/a%20b%2F..%2Fc%3Fd"
    );
}

#[tokio::test]
async fn empty_and_dot_segments_are_refused_before_sending() {
    let server = MockServer::start(vec![]).await;
    let c = client(&server.url);
    for id in ["", ".", ".."] {
        let err = c.destroy_machine("app", id, true, None).await.unwrap_err();
        assert!(matches!(err, ApiError::InvalidArgument { .. }), "{err:?}");
    }
    assert!(c.get_app("").await.is_err());
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn secrets_bulk_set_and_unset() {
    let server = MockServer::start(vec![
        reply(
            200,
            r#"{"secrets":[{"name":"DB_PASSWORD","digest":"abc"}],"version":4}"#,
        ),
        reply(200, r#"{"secrets":[],"version":5}"#),
    ])
    .await;
    let c = client(&server.url);
    let mut values = BTreeMap::new();
    values.insert("DB_PASSWORD".to_owned(), SecretValue::new("pw-1"));
    let set = c.set_secrets("app", &values).await.unwrap();
    assert_eq!(set.version, 4);
    let unset = c.unset_secrets("app", &["OLD"]).await.unwrap();
    assert_eq!(unset.version, 5);
    let r = server.requests();
    assert_eq!(r[0].path, "/v1/apps/app/secrets");
    assert_eq!(
        r[0].json(),
        serde_json::json!({"values": {"DB_PASSWORD": "pw-1"}})
    );
    assert_eq!(r[1].json(), serde_json::json!({"values": {"OLD": null}}));
}

#[tokio::test]
async fn volumes_ips_certificates_exec() {
    let volume = r#"{"id":"vol_1","name":"data","state":"created","size_gb":20,"region":"ord","encrypted":true,"attached_machine_id":null}"#;
    let server = MockServer::start(vec![
        reply(200, volume),
        reply(
            200,
            &format!(r#"{{"volume":{volume},"needs_restart":true}}"#),
        ),
        reply(200, &format!("[{volume}]")),
        reply(200, r#"[{"id":"vs_1","size":1024,"status":"complete"}]"#),
        reply(
            200,
            r#"{"ip":"fdaa:0:1::2","region":"global","shared":false}"#,
        ),
        reply(
            200,
            r#"{"hostname":"t1.example.com","status":"pending","configured":false}"#,
        ),
        reply(200, r#"{"stdout":"hello\n"}"#),
    ])
    .await;
    let c = client(&server.url);
    let created = c
        .create_volume(
            "app",
            &fly_api::types::CreateVolumeRequest {
                name: "data".into(),
                region: "ord".into(),
                size_gb: Some(20),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(created.attached_machine_id, None);
    let extended = c.extend_volume("app", "vol_1", 30).await.unwrap();
    assert!(extended.needs_restart);
    assert_eq!(c.list_volumes("app").await.unwrap().len(), 1);
    assert_eq!(
        c.list_snapshots("app", "vol_1").await.unwrap()[0].size,
        1024
    );
    let ip = c
        .allocate_ip(
            "app",
            &fly_api::types::AllocateIpRequest {
                ip_type: "private_v6".into(),
                network: Some("t1-net".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(ip.is_flycast());
    let cert = c.add_certificate("app", "t1.example.com").await.unwrap();
    assert_eq!(cert.status, "pending");
    let out = c
        .exec("app", "m1", &ExecRequest::new(["echo", "hello"]))
        .await
        .unwrap();
    assert_eq!((out.exit_code, out.stdout.as_str()), (0, "hello\n"));

    let r = server.requests();
    assert_eq!(r[0].json()["size_gb"], 20);
    assert_eq!(
        (r[1].method.as_str(), r[1].path.as_str()),
        ("PUT", "/v1/apps/app/volumes/vol_1/extend")
    );
    assert_eq!(r[1].json(), serde_json::json!({"size_gb": 30}));
    assert_eq!(r[4].json()["type"], "private_v6");
    assert_eq!(r[4].json()["network"], "t1-net");
    assert_eq!(r[5].path, "/v1/apps/app/certificates/acme");
    assert_eq!(
        r[5].json(),
        serde_json::json!({"hostname": "t1.example.com"})
    );
    assert_eq!(r[6].json()["command"], serde_json::json!(["echo", "hello"]));
}

#[tokio::test]
async fn logs_use_their_own_base_url() {
    let machines = MockServer::start(vec![]).await;
    let logs = MockServer::start(vec![reply(
        200,
        r#"{"data":[{"id":"1","attributes":{"timestamp":"2026-01-01T00:00:00Z","message":"hi","level":"info","instance":"m1","region":"ord","meta":{"event":{"provider":"app"}}}}],"meta":{"next_token":"tok-2"}}"#,
    )])
    .await;
    let c = client_with(&machines.url, "t", |cfg| {
        cfg.logs_base_url = logs.url.clone();
    });
    let page = c
        .get_logs(
            "app",
            &LogsQuery {
                next_token: String::new(),
                instance: Some("m1".into()),
                region: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.next_token, "tok-2");
    assert_eq!(page.entries[0].message, "hi");
    assert_eq!(machines.request_count(), 0);
    let r = logs.requests();
    assert_eq!(r[0].path, "/api/v1/apps/app/logs");
    assert_eq!(r[0].query.as_deref(), Some("next_token=&instance=m1"));
    assert_eq!(r[0].header("authorization"), Some("Bearer t"));
}

// --------------------------------------------------------- rate limiter

#[tokio::test]
async fn rate_limiter_spaces_requests() {
    let script = (0..5).map(|_| reply(200, MACHINE_JSON)).collect();
    let server = MockServer::start(script).await;
    let c = client_with(&server.url, "t", |cfg| {
        cfg.rate_limit = Some(RateLimit {
            per_second: 10.0,
            burst: 1,
        });
    });
    let started = Instant::now();
    for _ in 0..5 {
        c.get_machine("app", "m1").await.unwrap();
    }
    let elapsed = started.elapsed();
    // First request free, then one every 100 ms.
    assert!(elapsed >= Duration::from_millis(380), "elapsed {elapsed:?}");
    assert_eq!(server.request_count(), 5);
}
