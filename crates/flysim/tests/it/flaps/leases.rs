//! Leases in flaps_machines.go: AcquireLease, FindLease, RefreshLease, ReleaseLease.

use reqwest::Method;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acquire_find_refresh_release() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-lease").await;
    let m = launched(&sim, &app, machine_config()).await;
    let id = str_of(&m, "id");
    let path = format!("/apps/{app}/machines/{id}/lease");

    // AcquireLease: POST ?ttl=N, no body, no nonce header.
    let lease = flaps(&sim, Method::POST, &format!("{path}?ttl=30"))
        .send()
        .await
        .expect(200)
        .json();
    let (nonce, expires) = assert_lease(&lease);
    assert_eq!(
        lease["data"]["version"], m["instance_id"],
        "the lease names the machine version: {lease}"
    );

    // FindLease: GET, the same lease.
    let found = flaps(&sim, Method::GET, &path)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(assert_lease(&found), (nonce.clone(), expires));

    // RefreshLease: the same POST with the nonce header; flyctl fails if the nonce changes.
    let refreshed = flaps(&sim, Method::POST, &format!("{path}?ttl=120"))
        .nonce(&nonce)
        .send()
        .await
        .expect(200)
        .json();
    let (again, later) = assert_lease(&refreshed);
    assert_eq!(again, nonce, "refresh keeps the nonce");
    assert!(
        later > expires,
        "ttl=120 pushes expires_at out: {later} vs {expires}"
    );

    // ReleaseLease: DELETE with the nonce; the answer is not decoded.
    ok(flaps(&sim, Method::DELETE, &path)
        .nonce(&nonce)
        .send()
        .await);
    // FindLease on a free machine: a 404, which flaps maps to ErrFlapsNotFound.
    flaps(&sim, Method::GET, &path)
        .send()
        .await
        .expect_error(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_lease_is_refused_with_409() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-held").await;
    let id = str_of(&launched(&sim, &app, machine_config()).await, "id");
    let path = format!("/apps/{app}/machines/{id}");
    let lease = flaps(&sim, Method::POST, &format!("{path}/lease?ttl=60"))
        .send()
        .await
        .expect(200)
        .json();
    let (nonce, _) = assert_lease(&lease);

    // A second acquirer gets 409 (AcquireLease retries on it for up to a minute) with the
    // text flyctl looks for.
    let err = flaps(&sim, Method::POST, &format!("{path}/lease?ttl=60"))
        .send()
        .await
        .expect_error(409);
    let msg = str_of(&err, "error");
    assert!(msg.contains("lease currently held by"), "{msg}");

    // Mutations without the nonce meet the same 409; with it they pass.
    flaps(&sim, Method::POST, &format!("{path}/stop"))
        .json(serde_json::json!({"id": id}))
        .send()
        .await
        .expect_error(409);
    ok(flaps(&sim, Method::POST, &format!("{path}/stop"))
        .nonce(&nonce)
        .json(serde_json::json!({"id": id}))
        .send()
        .await);
    wait(&sim, &app, &id, "state=stopped&timeout=60").await;

    // Releasing with a nonce that is not the lease's is refused; the lease stays.
    flaps(&sim, Method::DELETE, &format!("{path}/lease"))
        .nonce("not-the-nonce")
        .send()
        .await
        .expect_client_error();
    let found = flaps(&sim, Method::GET, &format!("{path}/lease"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(assert_lease(&found).0, nonce);
}
