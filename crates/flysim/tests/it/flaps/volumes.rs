//! flaps_volumes.go: CreateVolume, GetAllVolumes/GetVolumes, GetVolume, UpdateVolume,
//! ExtendVolume, GetVolumeSnapshots, CreateVolumeSnapshot, DeleteVolume.

use reqwest::Method;
use serde_json::{Value, json};

use super::*;

/// `CreateVolumeRequest` without omitempty on its pointers: every key goes out, `null`
/// when unset (only `compute_image` is omitempty).
fn create_request(name: &str, region: &str, size_gb: i64) -> Value {
    json!({
        "name": name,
        "region": region,
        "size_gb": size_gb,
        "encrypted": null,
        "require_unique_zone": null,
        "unique_zone_app_wide": null,
        "snapshot_retention": null,
        "auto_backup_enabled": null,
        "fstype": null,
        "snapshot_id": null,
        "source_volume_id": null,
        "compute": null,
    })
}

/// The states fly-go's GetVolumes drops.
const DESTROYED_STATES: &[&str] = &[
    "scheduling_destroy",
    "fork_cleanup",
    "waiting_for_detach",
    "pending_destroy",
    "destroying",
];

async fn create(sim: &Sim, app: &str, name: &str) -> Value {
    let v = flaps(sim, Method::POST, &format!("/apps/{app}/volumes"))
        .json(create_request(name, "ord", 1))
        .send()
        .await
        .expect(200)
        .json();
    assert_volume(&v);
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_list_get_update() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-vol").await;
    let v = create(&sim, &app, "pg_data").await;
    assert_eq!(v["name"], "pg_data");
    assert_eq!(v["region"], "ord");
    assert_eq!(v["size_gb"], 1);
    assert_eq!(v["encrypted"], true, "encrypted defaults to true: {v}");
    assert!(v["attached_machine_id"].is_null(), "{v}");
    let id = str_of(&v, "id");
    assert!(id.starts_with("vol_"), "{id}");

    let list = flaps(&sim, Method::GET, &format!("/apps/{app}/volumes"))
        .send()
        .await
        .expect(200)
        .json();
    let list = list.as_array().unwrap_or_else(|| panic!("array: {list}"));
    assert_eq!(list.len(), 1);
    assert_volume(&list[0]);
    assert!(!DESTROYED_STATES.contains(&list[0]["state"].as_str().unwrap_or("")));

    let got = flaps(&sim, Method::GET, &format!("/apps/{app}/volumes/{id}"))
        .send()
        .await
        .expect(200)
        .json();
    assert_volume(&got);
    assert_eq!(got["id"], json!(id));

    // UpdateVolume: PUT (the 2024 spec says POST) with both pointers.
    let updated = flaps(&sim, Method::PUT, &format!("/apps/{app}/volumes/{id}"))
        .json(json!({"snapshot_retention": 10, "auto_backup_enabled": false}))
        .send()
        .await
        .expect(200)
        .json();
    assert_volume(&updated);
    assert_eq!(updated["snapshot_retention"], 10);
    assert_eq!(updated["auto_backup_enabled"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extend_answers_volume_and_needs_restart() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-extend").await;
    let free = str_of(&create(&sim, &app, "spare").await, "id");

    // ExtendVolumeResponse: {"volume": Volume, "needs_restart": bool}.
    let out = flaps(
        &sim,
        Method::PUT,
        &format!("/apps/{app}/volumes/{free}/extend"),
    )
    .json(json!({"size_gb": 3}))
    .send()
    .await
    .expect(200)
    .json();
    assert_volume(&out["volume"]);
    assert_eq!(out["volume"]["size_gb"], 3);
    assert_bool(&out, "needs_restart");
    assert_eq!(out["needs_restart"], false, "nothing runs on it: {out}");

    // Attached to a started machine: the machine must restart to see the new size.
    let used = str_of(&create(&sim, &app, "data").await, "id");
    let mut config = machine_config();
    config["mounts"] = json!([{"volume": used, "path": "/data"}]);
    let m = launched(&sim, &app, config).await;
    let out = flaps(
        &sim,
        Method::PUT,
        &format!("/apps/{app}/volumes/{used}/extend"),
    )
    .json(json!({"size_gb": 2}))
    .send()
    .await
    .expect(200)
    .json();
    assert_eq!(out["needs_restart"], true, "{out}");
    assert_eq!(out["volume"]["attached_machine_id"], m["id"], "{out}");

    // Volumes only grow.
    flaps(
        &sim,
        Method::PUT,
        &format!("/apps/{app}/volumes/{used}/extend"),
    )
    .json(json!({"size_gb": 1}))
    .send()
    .await
    .expect_client_error();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_create_and_list() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-snap").await;
    let id = str_of(&create(&sim, &app, "data").await, "id");
    let path = format!("/apps/{app}/volumes/{id}/snapshots");

    // CreateVolumeSnapshot: POST, no body, the answer is not decoded.
    ok(flaps(&sim, Method::POST, &path).send().await);
    let list = flaps(&sim, Method::GET, &path)
        .send()
        .await
        .expect(200)
        .json();
    let snaps = list.as_array().unwrap_or_else(|| panic!("array: {list}"));
    assert_eq!(snaps.len(), 1, "{list}");
    // VolumeSnapshot: size/volume_size int, created_at time.Time, retention_days *int.
    let s = &snaps[0];
    assert_nonempty(s, "id");
    assert_u64(s, "size");
    assert_u64(s, "volume_size");
    assert_string(s, "digest");
    assert_string(s, "status");
    assert_time(s, "created_at");
    assert!(
        s["retention_days"].is_null() || s["retention_days"].is_i64(),
        "{s}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_answers_the_volume_on_its_way_out() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-voldel").await;
    let id = str_of(&create(&sim, &app, "data").await, "id");
    let gone = flaps(&sim, Method::DELETE, &format!("/apps/{app}/volumes/{id}"))
        .send()
        .await
        .expect(200)
        .json();
    assert_volume(&gone);
    assert_eq!(gone["id"], json!(id));
    assert_eq!(gone["state"], "scheduling_destroy", "{gone}");

    // GetVolumes shows none either way (flysim drops it; Fly filters by state).
    let list = flaps(&sim, Method::GET, &format!("/apps/{app}/volumes"))
        .send()
        .await
        .expect(200)
        .json();
    let live: Vec<&Value> = list
        .as_array()
        .unwrap_or_else(|| panic!("array: {list}"))
        .iter()
        .filter(|v| !DESTROYED_STATES.contains(&v["state"].as_str().unwrap_or("")))
        .collect();
    assert!(live.is_empty(), "{list}");
}
