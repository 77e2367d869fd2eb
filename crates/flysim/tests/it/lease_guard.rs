//! fly-api's LeaseGuard against flysim: acquire, refresh past the TTL, release, release on drop,
//! release on shutdown, and waiting on a lease someone else holds.

use std::time::Duration;

use fly_api::types::StopRequest;
use fly_api::{ApiError, FlyClient, LeaseOptions, owner_description};
use flysim::FaultRule;

use crate::common::*;

fn fly_client(sim: &Sim) -> FlyClient {
    tenantctl_test_support::client_for(&sim.base, &sim.token)
}

async fn machine(sim: &Sim, prefix: &str) -> (String, String) {
    let app = sim.new_app(prefix).await;
    let m = sim.started_machine(&app, basic_config()).await;
    (app, str_of(&m, "id"))
}

/// Polls until the machine has no lease, failing after `within`.
async fn until_unleased(client: &FlyClient, app: &str, id: &str, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let lease = client.get_lease(app, id).await.expect("get lease");
        if lease.is_none() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "machine {id} still leased after {within:?}: {lease:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guard_acquires_its_nonce_guards_mutations_and_release_removes_it() {
    let sim = Sim::start().await;
    let (app, id) = machine(&sim, "lguard").await;
    let c = fly_client(&sim);
    let owner = owner_description("test", &app);

    let guard = c
        .lease(&app, &id, &LeaseOptions::new(owner.clone()))
        .await
        .unwrap();
    assert_eq!(
        (guard.app(), guard.machine_id()),
        (app.as_str(), id.as_str())
    );
    assert_eq!(c.held_leases(), vec![(app.clone(), id.clone())]);
    let lease = c.get_lease(&app, &id).await.unwrap().expect("leased");
    assert_eq!(lease.nonce, guard.nonce());
    assert_eq!(lease.description.as_deref(), Some(owner.as_str()));

    // The lease is real: a stop without the nonce is refused, with it accepted.
    let err = c
        .stop_machine(&app, &id, &StopRequest::default(), None)
        .await
        .unwrap_err();
    assert!(err.is_lease_held(), "{err:?}");
    c.stop_machine(&app, &id, &StopRequest::default(), Some(guard.nonce()))
        .await
        .unwrap();

    guard.release().await.unwrap();
    assert!(c.get_lease(&app, &id).await.unwrap().is_none());
    assert!(c.held_leases().is_empty());
    c.start_machine(&app, &id, None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_keeps_the_lease_alive_past_its_ttl() {
    let sim = Sim::start().await;
    let (app, id) = machine(&sim, "lrefresh").await;
    let c = fly_client(&sim);
    let options = LeaseOptions::new(owner_description("test", &app)).ttl(Duration::from_secs(2));

    let guard = c.lease(&app, &id, &options).await.unwrap();
    let first = c.get_lease(&app, &id).await.unwrap().expect("leased");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let later = c
        .get_lease(&app, &id)
        .await
        .unwrap()
        .expect("still leased after more than its TTL");
    assert_eq!(later.nonce, guard.nonce(), "refresh keeps the nonce");
    assert!(
        later.expires_at > first.expires_at,
        "refreshed expiry {} is later than the first {}",
        later.expires_at,
        first.expires_at
    );
    // Someone else is still kept out.
    let other = c
        .acquire_lease(&app, &id, Some(30), Some("someone else"))
        .await
        .unwrap_err();
    assert!(other.is_lease_held(), "{other:?}");

    guard.release().await.unwrap();
    assert!(c.get_lease(&app, &id).await.unwrap().is_none());
    // No refresh after the release brings it back.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(c.get_lease(&app, &id).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_guard_releases_the_lease() {
    let sim = Sim::start().await;
    let (app, id) = machine(&sim, "ldrop").await;
    let c = fly_client(&sim);
    let guard = c
        .lease(
            &app,
            &id,
            &LeaseOptions::new(owner_description("test", &app)),
        )
        .await
        .unwrap();
    assert!(c.get_lease(&app, &id).await.unwrap().is_some());
    drop(guard);
    // Well before the 30 s TTL could end it.
    until_unleased(&c, &app, &id, Duration::from_secs(5)).await;
    for _ in 0..100 {
        if c.held_leases().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(c.held_leases().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_held_leases_releases_every_held_lease() {
    let sim = Sim::start().await;
    let (app, id1) = machine(&sim, "lall").await;
    let id2 = str_of(&sim.started_machine(&app, basic_config()).await, "id");
    let c = fly_client(&sim);
    let options = LeaseOptions::new(owner_description("test", &app));
    let g1 = c.lease(&app, &id1, &options).await.unwrap();
    let g2 = c.clone().lease(&app, &id2, &options).await.unwrap();
    assert_eq!(c.held_leases().len(), 2);

    assert_eq!(c.release_held_leases(Duration::from_secs(10)).await, 2);
    assert!(c.held_leases().is_empty());
    assert!(c.get_lease(&app, &id1).await.unwrap().is_none());
    assert!(c.get_lease(&app, &id2).await.unwrap().is_none());

    // The guards' own releases afterwards are harmless.
    g1.release().await.unwrap();
    drop(g2);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(c.get_lease(&app, &id2).await.unwrap().is_none());
    c.lease(&app, &id2, &options)
        .await
        .unwrap()
        .release()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_of_a_cancelled_operation_are_released_on_shutdown() {
    let sim = Sim::start().await;
    let (app, id1) = machine(&sim, "lcancel").await;
    let id2 = str_of(&sim.started_machine(&app, basic_config()).await, "id");
    let c = fly_client(&sim);
    let options = LeaseOptions::new(owner_description("test", &app));

    let (taken_tx, taken_rx) = tokio::sync::oneshot::channel();
    let work = {
        let (c, app, id1, id2, options) = (
            c.clone(),
            app.clone(),
            id1.clone(),
            id2.clone(),
            options.clone(),
        );
        async move {
            let _g1 = c.lease(&app, &id1, &options).await.unwrap();
            let _g2 = c.lease(&app, &id2, &options).await.unwrap();
            let _ = taken_tx.send(());
            std::future::pending::<()>().await;
        }
    };
    // What Ctrl-C does: stop polling the work once it is under way and drop it.
    tokio::select! {
        () = work => unreachable!("the work never finishes"),
        _ = taken_rx => {}
    }

    let released = c.release_held_leases(Duration::from_secs(10)).await;
    assert!(released <= 2, "{released}");
    assert!(c.held_leases().is_empty());
    assert!(c.get_lease(&app, &id1).await.unwrap().is_none());
    assert!(c.get_lease(&app, &id2).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_guard_on_a_held_machine_fails_naming_the_first_owner() {
    let sim = Sim::start().await;
    let (app, id) = machine(&sim, "lbusy").await;
    let first_client = fly_client(&sim);
    let second_client = fly_client(&sim);
    let first_owner = owner_description("upgrade", &app);
    let first = first_client
        .lease(&app, &id, &LeaseOptions::new(first_owner.clone()))
        .await
        .unwrap();

    let options = LeaseOptions::new(owner_description("provision", &app))
        .wait(Duration::from_secs(1))
        .poll(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let err = second_client.lease(&app, &id, &options).await.unwrap_err();
    assert!(started.elapsed() >= Duration::from_secs(1));
    let ApiError::LeaseBusy {
        app: busy_app,
        machine_id,
        holder,
        expires_at,
        waited,
    } = &err
    else {
        panic!("expected LeaseBusy, got {err:?}");
    };
    assert_eq!((busy_app, machine_id), (&app, &id));
    assert_eq!(holder, &first_owner);
    assert!(*expires_at > 0);
    assert!(*waited >= Duration::from_secs(1));
    assert!(err.to_string().contains(&first_owner), "{err}");
    assert!(err.is_lease_held());
    assert!(second_client.held_leases().is_empty());

    // The first holder is undisturbed.
    let lease = first_client
        .get_lease(&app, &id)
        .await
        .unwrap()
        .expect("leased");
    assert_eq!(lease.nonce, first.nonce());
    first.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_guard_gets_the_lease_once_it_is_released() {
    let sim = Sim::start().await;
    let (app, id) = machine(&sim, "lwait").await;
    let c = fly_client(&sim);
    let first = c
        .lease(
            &app,
            &id,
            &LeaseOptions::new(owner_description("upgrade", &app)),
        )
        .await
        .unwrap();
    let first_nonce = first.nonce().to_owned();
    let releaser = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(800)).await;
        first.release().await
    });

    let second_owner = owner_description("provision", &app);
    let options = LeaseOptions::new(second_owner.clone())
        .wait(Duration::from_secs(10))
        .poll(Duration::from_millis(200));
    let second = c.lease(&app, &id, &options).await.unwrap();
    releaser.await.unwrap().unwrap();
    assert_ne!(second.nonce(), first_nonce);
    let lease = c.get_lease(&app, &id).await.unwrap().expect("leased");
    assert_eq!(lease.nonce, second.nonce());
    assert_eq!(lease.description.as_deref(), Some(second_owner.as_str()));
    second.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acquire_answered_with_500_is_looked_up_and_retried() {
    let sim = Sim::start().await;
    let (app, id) = machine(&sim, "lambig").await;
    let c = fly_client(&sim);
    sim.h().inject(FaultRule {
        method: Some("POST".into()),
        path_contains: format!("/machines/{id}/lease"),
        status: 500,
        times: 1,
        skip: 0,
    });
    let owner = owner_description("test", &app);
    let guard = c
        .lease(&app, &id, &LeaseOptions::new(owner.clone()))
        .await
        .unwrap();
    let lease = c.get_lease(&app, &id).await.unwrap().expect("leased");
    assert_eq!(lease.nonce, guard.nonce());
    assert_eq!(lease.description.as_deref(), Some(owner.as_str()));
    let posts = sim
        .h()
        .request_log()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/lease"))
        .count();
    assert_eq!(posts, 2, "the 500 and the retry");
    guard.release().await.unwrap();
}
