use serde_json::{Value, json};

use crate::common::*;

async fn mounted_machine(sim: &Sim, app: &str, vol: &Value) -> String {
    let m = sim
        .started_machine(
            app,
            json!({"image": IMAGE, "mounts": [{"volume": vol["id"], "path": "/data"}]}),
        )
        .await;
    str_of(&m, "id")
}

/// Writes 256 KiB of random bytes into the volume and returns their sha256.
async fn fill_with_random(sim: &Sim, app: &str, machine: &str) -> String {
    sim.sh(
        app,
        machine,
        "head -c 262144 /dev/urandom > /data/blob && mkdir -p /data/d && echo nested > /data/d/f",
    )
    .await;
    digest(sim, app, machine).await
}

async fn digest(sim: &Sim, app: &str, machine: &str) -> String {
    let out = sim
        .sh(
            app,
            machine,
            "sha256sum /data/blob /data/d/f | cut -d' ' -f1",
        )
        .await;
    assert_eq!(out.lines().count(), 2, "{out}");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_get_list() {
    let sim = Sim::start().await;
    let app = sim.new_app("vol").await;
    let v = sim
        .post(&format!("/v1/apps/{app}/volumes"))
        .json(json!({"name": "pg_data", "region": "fra", "size_gb": 20}))
        .send()
        .await
        .expect(200)
        .json();
    let id = str_of(&v, "id");
    assert!(id.starts_with("vol_"), "{v}");
    assert_eq!(v["name"], "pg_data");
    assert_eq!(v["region"], "fra");
    assert_eq!(v["size_gb"], 20);
    assert_eq!(v["encrypted"], true, "encrypted by default: {v}");
    assert_eq!(v["state"], "created");
    assert_eq!(v["fstype"], "ext4", "ext4 by default: {v}");
    assert_eq!(
        v["snapshot_retention"], 5,
        "Fly keeps snapshots 5 days by default: {v}"
    );
    assert!(v["attached_machine_id"].is_null(), "{v}");
    assert!(v["zone"].is_string() && v["created_at"].is_string(), "{v}");

    let got = sim
        .get(&format!("/v1/apps/{app}/volumes/{id}"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(got["id"], json!(id));
    assert_eq!(got["size_gb"], 20);

    sim.create_volume(&app, "other", "ord").await;
    let list = sim
        .get(&format!("/v1/apps/{app}/volumes"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");

    sim.get(&format!("/v1/apps/{app}/volumes/vol_nothere"))
        .send()
        .await
        .expect_error(404);
    sim.post(&format!("/v1/apps/{app}/volumes"))
        .json(json!({"name": "x", "region": "ord", "size_gb": 0}))
        .send()
        .await
        .expect_client_error();
    sim.post(&format!("/v1/apps/{app}/volumes"))
        .json(json!({"name": "x", "size_gb": 1}))
        .send()
        .await
        .expect_client_error();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_and_delete_refused_while_attached() {
    let sim = Sim::start().await;
    let app = sim.new_app("volatt").await;
    let vol = sim.create_volume(&app, "data", "ord").await;
    let vid = str_of(&vol, "id");
    let mid = mounted_machine(&sim, &app, &vol).await;

    let got = sim
        .get(&format!("/v1/apps/{app}/volumes/{vid}"))
        .send()
        .await
        .json();
    assert_eq!(got["attached_machine_id"], json!(mid), "{got}");

    // One machine at a time.
    sim.post(&format!("/v1/apps/{app}/machines"))
        .json(json!({"region": "ord", "config": {"image": IMAGE, "mounts": [{"volume": vid, "path": "/data"}]}}))
        .send()
        .await
        .expect_client_error();

    sim.delete(&format!("/v1/apps/{app}/volumes/{vid}"))
        .send()
        .await
        .expect_client_error();

    sim.delete(&format!("/v1/apps/{app}/machines/{mid}?force=true"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &mid, "destroyed").await;
    let freed = sim
        .get(&format!("/v1/apps/{app}/volumes/{vid}"))
        .send()
        .await
        .json();
    assert!(
        freed["attached_machine_id"].is_null(),
        "detached on destroy: {freed}"
    );

    let deleted = sim
        .delete(&format!("/v1/apps/{app}/volumes/{vid}"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(
        deleted["id"],
        json!(vid),
        "delete returns the volume: {deleted}"
    );
    let after = sim
        .get(&format!("/v1/apps/{app}/volumes/{vid}"))
        .send()
        .await;
    if after.status == 200 {
        let s = str_of(&after.json(), "state");
        assert!(s.contains("destroy"), "deleted volume state: {s}");
    } else {
        after.expect_error(404);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mount_must_be_in_the_machines_region() {
    let sim = Sim::start().await;
    let app = sim.new_app("volreg").await;
    let vol = sim.create_volume(&app, "data", "ord").await;
    sim.post(&format!("/v1/apps/{app}/machines"))
        .json(json!({"region": "syd", "config": {"image": IMAGE, "mounts": [{"volume": vol["id"], "path": "/data"}]}}))
        .send()
        .await
        .expect_client_error();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extend_grows_only_and_reports_needs_restart() {
    let sim = Sim::start().await;
    let app = sim.new_app("volext").await;
    let free = sim.create_volume(&app, "free", "ord").await;
    let fid = str_of(&free, "id");
    let r = sim
        .put(&format!("/v1/apps/{app}/volumes/{fid}/extend"))
        .json(json!({"size_gb": 3}))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(r["volume"]["size_gb"], 3, "{r}");
    assert_eq!(
        r["needs_restart"], false,
        "an unattached volume needs no restart: {r}"
    );
    sim.put(&format!("/v1/apps/{app}/volumes/{fid}/extend"))
        .json(json!({"size_gb": 2}))
        .send()
        .await
        .expect_client_error();
    assert_eq!(
        sim.get(&format!("/v1/apps/{app}/volumes/{fid}"))
            .send()
            .await
            .json()["size_gb"],
        3
    );

    let attached = sim.create_volume(&app, "data", "ord").await;
    let aid = str_of(&attached, "id");
    mounted_machine(&sim, &app, &attached).await;
    let r = sim
        .put(&format!("/v1/apps/{app}/volumes/{aid}/extend"))
        .json(json!({"size_gb": 5}))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(r["volume"]["size_gb"], 5);
    assert!(r["needs_restart"].is_boolean(), "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_list_create_and_restore_byte_identical() {
    let sim = Sim::start().await;
    let app = sim.new_app("volsnap").await;
    let vol = sim.create_volume(&app, "data", "ord").await;
    let vid = str_of(&vol, "id");
    let mid = mounted_machine(&sim, &app, &vol).await;
    let want = fill_with_random(&sim, &app, &mid).await;

    let before = sim
        .get(&format!("/v1/apps/{app}/volumes/{vid}/snapshots"))
        .send()
        .await
        .expect(200)
        .json();
    let before = before.as_array().map(Vec::len).expect("snapshot array");
    sim.post(&format!("/v1/apps/{app}/volumes/{vid}/snapshots"))
        .send()
        .await
        .expect(200);
    let snaps = sim
        .get(&format!("/v1/apps/{app}/volumes/{vid}/snapshots"))
        .send()
        .await
        .expect(200)
        .json();
    let snaps = snaps.as_array().expect("array").clone();
    assert_eq!(snaps.len(), before + 1, "{snaps:?}");
    let snap = snaps
        .iter()
        .max_by_key(|s| s["created_at"].as_str().unwrap_or("").to_string())
        .expect("one snapshot");
    let sid = str_of(snap, "id");
    assert!(snap["size"].as_u64().is_some_and(|s| s > 0), "{snap}");
    assert!(
        snap["status"].is_string() && snap["digest"].is_string(),
        "{snap}"
    );

    // Changing the source after the snapshot does not change the snapshot.
    sim.sh(&app, &mid, "echo changed > /data/d/f").await;

    let restored = sim
        .post(&format!("/v1/apps/{app}/volumes"))
        .json(json!({"name": "data", "region": "ord", "size_gb": 1, "snapshot_id": sid}))
        .send()
        .await
        .expect(200)
        .json();
    assert_ne!(restored["id"], vol["id"]);
    let rmid = mounted_machine(&sim, &app, &restored).await;
    assert_eq!(
        digest(&sim, &app, &rmid).await,
        want,
        "restore is byte-identical"
    );

    sim.post(&format!("/v1/apps/{app}/volumes"))
        .json(json!({"name": "data", "region": "ord", "size_gb": 1, "snapshot_id": "vs_nope"}))
        .send()
        .await
        .expect_client_error();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fork_copies_data() {
    let sim = Sim::start().await;
    let app = sim.new_app("volfork").await;
    let vol = sim.create_volume(&app, "data", "ord").await;
    let mid = mounted_machine(&sim, &app, &vol).await;
    let want = fill_with_random(&sim, &app, &mid).await;

    let fork = sim
        .post(&format!("/v1/apps/{app}/volumes"))
        .json(json!({"name": "data", "region": "ord", "source_volume_id": vol["id"]}))
        .send()
        .await
        .expect(200)
        .json();
    assert_ne!(fork["id"], vol["id"]);
    assert_eq!(
        fork["size_gb"], vol["size_gb"],
        "fork keeps the size: {fork}"
    );
    let fmid = mounted_machine(&sim, &app, &fork).await;
    assert_eq!(digest(&sim, &app, &fmid).await, want);

    // The two are independent afterwards.
    sim.sh(&app, &fmid, "echo only-in-fork > /data/d/f").await;
    assert_eq!(sim.sh(&app, &mid, "cat /data/d/f").await, "nested\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_snapshot_retention() {
    let sim = Sim::start().await;
    let app = sim.new_app("volupd").await;
    let vol = sim.create_volume(&app, "data", "ord").await;
    let vid = str_of(&vol, "id");
    // fly-go uses PUT; the spec says POST. Both must work.
    let v = sim
        .put(&format!("/v1/apps/{app}/volumes/{vid}"))
        .json(json!({"snapshot_retention": 10}))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(v["snapshot_retention"], 10, "{v}");
    let v = sim
        .post(&format!("/v1/apps/{app}/volumes/{vid}"))
        .json(json!({"snapshot_retention": 7}))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(v["snapshot_retention"], 7, "{v}");
    // Fly keeps snapshots for 1 to 60 days.
    for bad in [0, 61] {
        sim.put(&format!("/v1/apps/{app}/volumes/{vid}"))
            .json(json!({"snapshot_retention": bad}))
            .send()
            .await
            .expect_client_error();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_region_is_refused() {
    let sim = Sim::start().await;
    let app = sim.new_app("volregion").await;
    sim.post(&format!("/v1/apps/{app}/volumes"))
        .json(json!({"name": "data", "region": "nowhere", "size_gb": 1}))
        .send()
        .await
        .expect_client_error();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn size_limit_is_500_gb() {
    let sim = Sim::start().await;
    let app = sim.new_app("volmax").await;
    sim.post(&format!("/v1/apps/{app}/volumes"))
        .json(json!({"name": "data", "region": "ord", "size_gb": 501}))
        .send()
        .await
        .expect_client_error();
    let v = sim
        .post(&format!("/v1/apps/{app}/volumes"))
        .json(json!({"name": "data", "region": "ord", "size_gb": 500}))
        .send()
        .await
        .expect(200)
        .json();
    sim.put(&format!(
        "/v1/apps/{app}/volumes/{}/extend",
        str_of(&v, "id")
    ))
    .json(json!({"size_gb": 600}))
    .send()
    .await
    .expect_client_error();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_machine_mounts_at_most_one_volume() {
    // Fly docs: "A Machine can only mount one volume at a time".
    let sim = Sim::start().await;
    let app = sim.new_app("voltwo").await;
    let a = sim.create_volume(&app, "data", "ord").await;
    let b = sim.create_volume(&app, "logs", "ord").await;
    sim.post(&format!("/v1/apps/{app}/machines"))
        .json(
            json!({"region": "ord", "config": {"image": IMAGE, "mounts": [
                {"volume": a["id"], "path": "/data"},
                {"volume": b["id"], "path": "/logs"}
            ]}}),
        )
        .send()
        .await
        .expect_client_error();
    for v in [&a, &b] {
        let got = sim
            .get(&format!("/v1/apps/{app}/volumes/{}", str_of(v, "id")))
            .send()
            .await
            .json();
        assert!(
            got["attached_machine_id"].is_null(),
            "nothing attached: {got}"
        );
    }
}
