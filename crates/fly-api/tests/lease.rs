//! LeaseGuard against a scripted server: adoption of an acquire with an unknown outcome,
//! waiting on a busy lease, refreshes, release on drop and on shutdown.

mod common;

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{MockServer, Recorded, client, reply};
use fly_api::{ApiError, LeaseOptions, owner_description};

const LEASE_PATH: &str = "/v1/apps/app/machines/m1/lease";
const OTHER: &str = "tenantctl upgrade acme (host elsewhere, pid 77)";

fn lease_json(nonce: &str, description: &str) -> String {
    serde_json::json!({
        "status": "success",
        "data": {
            "nonce": nonce,
            "expires_at": 1_767_225_600,
            "owner": "ops@example.com",
            "version": "01H",
            "description": description,
        },
    })
    .to_string()
}

fn held_409() -> common::Scripted {
    reply(
        409,
        r#"{"error":"lease currently held by ops@example.com, expires at 2026-01-01T00:00:00Z"}"#,
    )
}

fn methods(requests: &[Recorded]) -> Vec<String> {
    requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// Waits (in test time) until the server has seen `n` requests.
async fn until_requests(server: &MockServer, n: usize) {
    for _ in 0..500 {
        if server.request_count() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "server saw {:?}, wanted {n} requests",
        methods(&server.requests())
    );
}

#[tokio::test]
async fn acquires_with_description_and_ttl_and_releases_with_the_nonce() {
    let owner = owner_description("provision", "acme");
    let server =
        MockServer::start(vec![reply(200, &lease_json("n-1", &owner)), reply(200, "")]).await;
    let c = client(&server.url);
    let guard = c
        .lease("app", "m1", &LeaseOptions::new(owner.clone()))
        .await
        .unwrap();
    assert_eq!(guard.app(), "app");
    assert_eq!(guard.machine_id(), "m1");
    assert_eq!(guard.nonce(), "n-1");
    assert!(!format!("{guard:?}").contains("n-1"), "{guard:?}");
    assert_eq!(c.held_leases(), vec![("app".to_owned(), "m1".to_owned())]);
    // Clones share the registry.
    assert_eq!(c.clone().held_leases().len(), 1);

    guard.release().await.unwrap();
    assert!(c.held_leases().is_empty());

    let r = server.requests();
    assert_eq!(
        methods(&r),
        [format!("POST {LEASE_PATH}"), format!("DELETE {LEASE_PATH}")]
    );
    assert_eq!(r[0].query.as_deref(), Some("ttl=30"));
    assert_eq!(r[0].json()["description"], owner.as_str());
    assert_eq!(r[0].header("fly-machine-lease-nonce"), None);
    assert_eq!(r[1].header("fly-machine-lease-nonce"), Some("n-1"));
}

#[tokio::test]
async fn ambiguous_acquire_adopts_the_lease_carrying_our_description() {
    let owner = owner_description("provision", "acme");
    let server = MockServer::start(vec![
        reply(500, r#"{"error":"internal"}"#),
        reply(200, &lease_json("n-landed", &owner)),
        reply(200, ""),
    ])
    .await;
    let c = client(&server.url);
    let guard = c
        .lease("app", "m1", &LeaseOptions::new(owner))
        .await
        .unwrap();
    assert_eq!(guard.nonce(), "n-landed");
    guard.release().await.unwrap();
    let r = server.requests();
    assert_eq!(
        methods(&r),
        [
            format!("POST {LEASE_PATH}"),
            format!("GET {LEASE_PATH}"),
            format!("DELETE {LEASE_PATH}")
        ]
    );
    assert_eq!(r[2].header("fly-machine-lease-nonce"), Some("n-landed"));
}

#[tokio::test]
async fn ambiguous_acquire_with_someone_elses_lease_is_busy_not_adopted() {
    let owner = owner_description("provision", "acme");
    let server = MockServer::start(vec![
        reply(500, r#"{"error":"internal"}"#),
        reply(200, &lease_json("n-theirs", OTHER)),
    ])
    .await;
    let c = client(&server.url);
    let err = c
        .lease("app", "m1", &LeaseOptions::new(owner).wait(Duration::ZERO))
        .await
        .unwrap_err();
    match &err {
        ApiError::LeaseBusy {
            holder, expires_at, ..
        } => {
            assert_eq!(holder, OTHER);
            assert_eq!(*expires_at, 1_767_225_600);
        }
        other => panic!("expected LeaseBusy, got {other:?}"),
    }
    assert!(err.is_lease_held());
    assert!(c.held_leases().is_empty());
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn ambiguous_acquire_with_no_lease_visible_tries_again() {
    let owner = owner_description("provision", "acme");
    let server = MockServer::start(vec![
        reply(504, ""),
        reply(404, r#"{"error":"no active lease"}"#),
        reply(200, &lease_json("n-2", &owner)),
        reply(200, ""),
    ])
    .await;
    let c = client(&server.url);
    let guard = c
        .lease("app", "m1", &LeaseOptions::new(owner))
        .await
        .unwrap();
    assert_eq!(guard.nonce(), "n-2");
    guard.release().await.unwrap();
    assert_eq!(server.request_count(), 4);
}

#[tokio::test]
async fn a_late_landing_ambiguous_acquire_is_adopted_from_the_409() {
    let owner = owner_description("provision", "acme");
    let server = MockServer::start(vec![
        reply(500, r#"{"error":"internal"}"#),
        reply(404, r#"{"error":"no active lease"}"#),
        // The first acquire landed after the lookup.
        held_409(),
        reply(200, &lease_json("n-late", &owner)),
        reply(200, ""),
    ])
    .await;
    let c = client(&server.url);
    let guard = c
        .lease("app", "m1", &LeaseOptions::new(owner))
        .await
        .unwrap();
    assert_eq!(guard.nonce(), "n-late");
    guard.release().await.unwrap();
    assert_eq!(server.request_count(), 5);
}

#[tokio::test]
async fn a_lease_with_our_description_is_not_adopted_without_an_unknown_outcome() {
    let owner = owner_description("provision", "acme");
    let server =
        MockServer::start(vec![held_409(), reply(200, &lease_json("n-other", &owner))]).await;
    let c = client(&server.url);
    let err = c
        .lease(
            "app",
            "m1",
            &LeaseOptions::new(owner.clone()).wait(Duration::ZERO),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ApiError::LeaseBusy { holder, .. } if *holder == owner),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn busy_lease_fails_after_wait_naming_the_holder() {
    let owner = owner_description("provision", "acme");
    let mut script = Vec::new();
    for _ in 0..4 {
        script.push(held_409());
        script.push(reply(200, &lease_json("n-theirs", OTHER)));
    }
    let server = MockServer::start(script).await;
    let c = client(&server.url);
    let started = tokio::time::Instant::now();
    let options = LeaseOptions::new(owner)
        .wait(Duration::from_secs(3))
        .poll(Duration::from_secs(1));
    let err = c.lease("app", "m1", &options).await.unwrap_err();
    let elapsed = started.elapsed();
    let ApiError::LeaseBusy {
        app,
        machine_id,
        holder,
        expires_at,
        waited,
    } = &err
    else {
        panic!("expected LeaseBusy, got {err:?}");
    };
    assert_eq!((app.as_str(), machine_id.as_str()), ("app", "m1"));
    assert_eq!(holder, OTHER);
    assert_eq!(*expires_at, 1_767_225_600);
    assert!(*waited >= Duration::from_secs(3), "{waited:?}");
    assert!(elapsed >= Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "machine m1 of app app is leased by {OTHER} until 2026-01-01T00:00:00Z; waited {}s",
            waited.as_secs()
        )
    );
    assert!(err.is_lease_held());
    assert_eq!(err.status(), Some(409));
    // Attempts at 0, 1, 2 and 3 s: each an acquire and a look at the holder.
    assert_eq!(
        server.request_count(),
        8,
        "{:?}",
        methods(&server.requests())
    );
    assert!(c.held_leases().is_empty());
}

#[tokio::test(start_paused = true)]
async fn waits_for_a_busy_lease_to_be_freed() {
    let owner = owner_description("provision", "acme");
    let server = MockServer::start(vec![
        held_409(),
        reply(200, &lease_json("n-theirs", OTHER)),
        held_409(),
        reply(404, r#"{"error":"no active lease"}"#),
        reply(200, &lease_json("n-mine", &owner)),
        reply(200, ""),
    ])
    .await;
    let c = client(&server.url);
    let started = tokio::time::Instant::now();
    let options = LeaseOptions::new(owner).poll(Duration::from_secs(2));
    let guard = c.lease("app", "m1", &options).await.unwrap();
    assert_eq!(guard.nonce(), "n-mine");
    assert!(started.elapsed() >= Duration::from_secs(4));
    guard.release().await.unwrap();
    assert_eq!(server.request_count(), 6);
}

#[tokio::test]
async fn other_acquire_errors_are_returned_at_once() {
    let server = MockServer::start(vec![reply(404, r#"{"error":"machine not found"}"#)]).await;
    let c = client(&server.url);
    let err = c
        .lease("app", "m1", &LeaseOptions::new("me"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(server.request_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn refreshes_every_third_of_the_ttl_with_the_nonce() {
    let owner = owner_description("provision", "acme");
    let server = MockServer::start(vec![
        reply(200, &lease_json("n-1", &owner)),
        reply(200, &lease_json("n-1", &owner)),
        reply(200, &lease_json("n-1", &owner)),
        reply(200, ""),
    ])
    .await;
    let c = client(&server.url);
    let options = LeaseOptions::new(owner).ttl(Duration::from_secs(3));
    let guard = c.lease("app", "m1", &options).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    guard.release().await.unwrap();
    // Stopped: no refresh after the release.
    tokio::time::sleep(Duration::from_secs(5)).await;

    let r = server.requests();
    assert_eq!(
        methods(&r),
        [
            format!("POST {LEASE_PATH}"),
            format!("POST {LEASE_PATH}"),
            format!("POST {LEASE_PATH}"),
            format!("DELETE {LEASE_PATH}")
        ]
    );
    for refresh in &r[1..3] {
        assert_eq!(refresh.header("fly-machine-lease-nonce"), Some("n-1"));
        assert_eq!(refresh.query.as_deref(), Some("ttl=3"));
    }
}

#[tokio::test(start_paused = true)]
async fn a_refresh_refused_for_a_lost_lease_stops_and_unregisters() {
    let owner = owner_description("provision", "acme");
    let server = MockServer::start(vec![
        reply(200, &lease_json("n-1", &owner)),
        reply(
            412,
            r#"{"error":"lease nonce mismatch: lease currently held by someone"}"#,
        ),
        reply(412, r#"{"error":"lease nonce mismatch"}"#),
    ])
    .await;
    let c = client(&server.url);
    let guard = c
        .lease(
            "app",
            "m1",
            &LeaseOptions::new(owner).ttl(Duration::from_secs(3)),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(c.held_leases().is_empty(), "a lost lease is not held");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(server.request_count(), 2, "no refresh after the loss");
    // Releasing a lost lease is not an error.
    guard.release().await.unwrap();
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn release_of_a_lease_that_is_gone_counts_as_released() {
    let server = MockServer::start(vec![
        reply(200, &lease_json("n-1", "me")),
        reply(404, r#"{"error":"machine not found"}"#),
        reply(200, &lease_json("n-2", "me")),
        reply(500, r#"{"error":"boom"}"#),
        reply(500, r#"{"error":"boom"}"#),
        reply(500, r#"{"error":"boom"}"#),
        reply(500, r#"{"error":"boom"}"#),
    ])
    .await;
    let c = client(&server.url);
    let guard = c
        .lease("app", "m1", &LeaseOptions::new("me"))
        .await
        .unwrap();
    guard.release().await.unwrap();
    let guard = c
        .lease("app", "m1", &LeaseOptions::new("me"))
        .await
        .unwrap();
    let err = guard.release().await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(c.held_leases().is_empty());
}

#[tokio::test]
async fn dropping_the_guard_releases_the_lease() {
    let owner = owner_description("provision", "acme");
    let server =
        MockServer::start(vec![reply(200, &lease_json("n-1", &owner)), reply(200, "")]).await;
    let c = client(&server.url);
    let guard = c
        .lease("app", "m1", &LeaseOptions::new(owner))
        .await
        .unwrap();
    drop(guard);
    until_requests(&server, 2).await;
    let r = server.requests();
    assert_eq!(r[1].method, "DELETE");
    assert_eq!(r[1].header("fly-machine-lease-nonce"), Some("n-1"));
    for _ in 0..100 {
        if c.held_leases().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the registry entry outlived the release");
}

#[tokio::test]
async fn release_held_leases_releases_every_guard_of_every_clone() {
    let server = MockServer::start(vec![
        reply(200, &lease_json("n-a", "me")),
        reply(200, &lease_json("n-b", "me")),
        reply(200, ""),
        reply(200, ""),
    ])
    .await;
    let c = client(&server.url);
    let other = c.clone();
    let a = c
        .lease("app", "m1", &LeaseOptions::new("me"))
        .await
        .unwrap();
    let b = other
        .lease("app", "m2", &LeaseOptions::new("me"))
        .await
        .unwrap();
    let mut held = c.held_leases();
    held.sort();
    assert_eq!(
        held,
        [
            ("app".to_owned(), "m1".to_owned()),
            ("app".to_owned(), "m2".to_owned())
        ]
    );

    assert_eq!(c.release_held_leases(Duration::from_secs(5)).await, 2);
    assert!(c.held_leases().is_empty());
    let r = server.requests();
    let mut released: Vec<(String, Option<String>)> = r[2..]
        .iter()
        .map(|r| {
            assert_eq!(r.method, "DELETE");
            (
                r.path.clone(),
                r.header("fly-machine-lease-nonce").map(str::to_owned),
            )
        })
        .collect();
    released.sort();
    assert_eq!(
        released,
        [
            (LEASE_PATH.to_owned(), Some("n-a".to_owned())),
            (
                "/v1/apps/app/machines/m2/lease".to_owned(),
                Some("n-b".to_owned())
            )
        ]
    );
    // Nothing left to do.
    assert_eq!(c.release_held_leases(Duration::from_secs(5)).await, 0);
    drop((a, b));
}

#[tokio::test]
async fn release_held_leases_finds_leases_of_dropped_guards_and_double_release_is_harmless() {
    let server = MockServer::start(vec![
        reply(200, &lease_json("n-a", "me")),
        // The drop's own release and the shutdown release, in either order.
        reply(200, ""),
        reply(404, r#"{"error":"no active lease"}"#),
    ])
    .await;
    let c = client(&server.url);
    let guard = c
        .lease("app", "m1", &LeaseOptions::new("me"))
        .await
        .unwrap();
    // Dropping does not unregister by itself, so a shutdown path still sees it.
    drop(guard);
    assert_eq!(c.held_leases().len(), 1);
    let released = c.release_held_leases(Duration::from_secs(5)).await;
    assert_eq!(released, 1);
    until_requests(&server, 3).await;
    assert!(c.held_leases().is_empty());
    assert!(
        server
            .requests()
            .iter()
            .skip(1)
            .all(|r| r.method == "DELETE")
    );
}

#[tokio::test]
async fn release_held_leases_gives_up_after_the_timeout() {
    let server = MockServer::start(vec![
        reply(200, &lease_json("n-a", "me")),
        reply(200, "").delayed(Duration::from_secs(3)),
    ])
    .await;
    let c = client(&server.url);
    let guard = c
        .lease("app", "m1", &LeaseOptions::new("me"))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    assert_eq!(c.release_held_leases(Duration::from_millis(200)).await, 0);
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(guard);
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn the_nonce_is_not_logged_at_info_or_above() {
    const NONCE: &str = "NONCE-NEVER-LOGGED-4e2b";
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start(vec![
        held_409(),
        reply(200, &lease_json("n-theirs", OTHER)),
        reply(200, &lease_json(NONCE, "me")),
        // The refresh comes back with another nonce: the lease lapsed (warned about).
        reply(200, &lease_json("NONCE-NEW-NEVER-LOGGED", "me")),
        reply(200, ""),
        reply(200, ""),
    ])
    .await;
    let c = client(&server.url);
    let guard = c
        .lease(
            "app",
            "m1",
            &LeaseOptions::new("me").ttl(Duration::from_secs(3)),
        )
        .await
        .unwrap();
    assert_eq!(guard.nonce(), NONCE);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    guard.release().await.unwrap();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("waiting for the lease"), "{logs}");
    assert!(logs.contains(OTHER), "{logs}");
    assert!(logs.contains("lapsed"), "{logs}");
    assert!(!logs.contains("NEVER-LOGGED"), "{logs}");
}
