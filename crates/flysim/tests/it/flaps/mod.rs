//! The requests fly-go's flaps client (what flyctl uses) makes, as it makes them, and the
//! fields it decodes from each answer.
//!
//! Written from reading fly-go's `flaps/*.go`, `machine_types.go`, `volume_types.go`,
//! `secrets_types.go` and `types.go`. Each request here carries what flaps puts on the
//! wire: the `/v1` prefix, `Authorization: FlyV1 <macaroons>` (flysim's tokens are `fm2_`
//! macaroons, so flaps picks the FlyV1 scheme), a fly-go User-Agent, a JSON content type
//! only when there is a body, and the body exactly as Go's encoding/json serialises the
//! request struct (keys without `omitempty` are always sent, `null` for nil pointers).
//!
//! flaps treats any status above 299 as an error and decodes the answer into typed Go
//! structs, so a string where Go wants a number, or a timestamp that is not RFC 3339, fails
//! the call just as a wrong status does. The shape checks below assert those types.

mod apps;
mod certificates;
mod ips;
mod leases;
mod machine_ops;
mod machines;
mod secrets;
mod volumes;

use reqwest::Method;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::common::*;

/// fly-go's default User-Agent is `fly-go/<version>`; flyctl sets its own.
const USER_AGENT: &str = "fly-go/0.1.0 (flaps suite)";

/// A request as flaps' `NewRequest` builds it: `path` is what flaps passes (without `/v1`).
pub fn flaps<'a>(sim: &'a Sim, method: Method, path: &str) -> Req<'a> {
    sim.req(method, &format!("/v1{path}"))
        .auth(&format!("FlyV1 {}", sim.token))
        .header("User-Agent", USER_AGENT)
}

/// flaps accepts any 2xx for calls whose answer it does not decode.
pub fn ok(r: Resp) -> Resp {
    r.expect_ok()
}

/// `MachineConfig` as fly-go serialises it: `init` has no omitempty, so it is always there.
pub fn machine_config() -> Value {
    json!({
        "init": {},
        "image": IMAGE,
        "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 256},
        "restart": {"policy": "on-failure"},
    })
}

/// `LaunchMachineInput`: `skip_secrets` has no omitempty; `name`, `region`, `lease_ttl`,
/// `skip_launch` are left out when zero.
pub fn launch_input(config: Value, region: &str) -> Value {
    json!({"config": config, "region": region, "skip_secrets": false})
}

/// `flaps.Launch` then `flaps.Wait` for `started`, as flyctl does after a create.
pub async fn launched(sim: &Sim, app: &str, config: Value) -> Value {
    let m = flaps(sim, Method::POST, &format!("/apps/{app}/machines"))
        .json(launch_input(config, "ord"))
        .send()
        .await
        .expect(200)
        .json();
    assert_machine(&m);
    let id = str_of(&m, "id");
    wait(sim, app, &id, "state=started&timeout=60").await;
    m
}

/// `flaps.Wait` with its query already encoded (go-querystring sorts the keys).
pub async fn wait(sim: &Sim, app: &str, id: &str, query: &str) {
    flaps(
        sim,
        Method::GET,
        &format!("/apps/{app}/machines/{id}/wait?{query}"),
    )
    .send()
    .await
    .expect(200);
}

pub async fn get_machine(sim: &Sim, app: &str, id: &str) -> Value {
    let m = flaps(sim, Method::GET, &format!("/apps/{app}/machines/{id}"))
        .send()
        .await
        .expect(200)
        .json();
    assert_machine(&m);
    m
}

// ---- the Go types flaps decodes into ----

pub fn is_rfc3339(s: &str) -> bool {
    OffsetDateTime::parse(s, &Rfc3339).is_ok()
}

/// A `string` field: absent and null decode to "", anything else but a string fails.
pub fn assert_string(v: &Value, key: &str) {
    assert!(
        matches!(
            v.get(key),
            None | Some(Value::Null) | Some(Value::String(_))
        ),
        "{key} must decode into a Go string: {v}"
    );
}

/// A field that must be present as a non-empty string.
pub fn assert_nonempty(v: &Value, key: &str) -> String {
    let s = str_of(v, key);
    assert!(!s.is_empty(), "{key} is empty: {v}");
    s
}

pub fn assert_bool(v: &Value, key: &str) {
    assert!(
        v.get(key).is_some_and(Value::is_boolean),
        "{key} must be a JSON bool: {v}"
    );
}

/// An integer that fits the Go type's range (`lo..=hi`).
pub fn assert_int(v: &Value, key: &str, lo: i64, hi: i64) -> i64 {
    let n = v
        .get(key)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("{key} must be a JSON integer: {v}"));
    assert!((lo..=hi).contains(&n), "{key} = {n} overflows its Go type");
    n
}

pub fn assert_i32(v: &Value, key: &str) -> i64 {
    assert_int(v, key, i64::from(i32::MIN), i64::from(i32::MAX))
}

pub fn assert_u64(v: &Value, key: &str) -> i64 {
    assert_int(v, key, 0, i64::MAX)
}

/// A `time.Time` field: Go's decoder wants an RFC 3339 string.
pub fn assert_time(v: &Value, key: &str) {
    let s = str_of(v, key);
    assert!(is_rfc3339(&s), "{key} is not RFC 3339: {s:?} in {v}");
}

/// A `*time.Time` field: null/absent or RFC 3339.
pub fn assert_opt_time(v: &Value, key: &str) {
    match v.get(key) {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => assert!(is_rfc3339(s), "{key} is not RFC 3339: {v}"),
        Some(_) => panic!("{key} must be a time string or null: {v}"),
    }
}

pub fn array<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v.get(key)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{key} must be a JSON array: {v}"))
}

/// `flaps.App` (GetApp, CreateApp).
pub fn assert_app(v: &Value) {
    for k in [
        "id",
        "name",
        "network",
        "status",
        "cname_target",
        "app_role",
    ] {
        assert_string(v, k);
    }
    assert_nonempty(v, "id");
    assert_nonempty(v, "name");
    assert_i32(v, "internal_numeric_id");
    assert_u64(v, "machine_count");
    assert_u64(v, "volume_count");
    let org = &v["organization"];
    assert_nonempty(org, "slug");
    assert_string(org, "name");
    assert_i32(org, "internal_numeric_id");
}

/// `fly.Machine` (Launch, Update, Get, List).
pub fn assert_machine(m: &Value) {
    for k in [
        "id",
        "name",
        "state",
        "region",
        "instance_id",
        "version",
        "private_ip",
        "created_at",
        "updated_at",
        "nonce",
    ] {
        assert_string(m, k);
    }
    assert_nonempty(m, "id");
    assert_nonempty(m, "instance_id");
    assert!(
        matches!(
            str_of(m, "host_status").as_str(),
            "ok" | "unknown" | "unreachable"
        ),
        "host_status: {m}"
    );
    assert_bool(m, "cordoned");
    let image = &m["image_ref"];
    for k in ["registry", "repository", "tag", "digest"] {
        assert_string(image, k);
    }
    assert!(m["config"].is_object() || m["config"].is_null(), "{m}");
    for e in m
        .get("events")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        assert_string(e, "type");
        assert_string(e, "status");
        assert_string(e, "source");
        assert_u64(e, "timestamp");
    }
    for c in m
        .get("checks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        assert_string(c, "name");
        assert_string(c, "status");
    }
}

/// `fly.MachineLease`: flyctl checks `status == "success"` and a non-nil `data`.
pub fn assert_lease(v: &Value) -> (String, i64) {
    assert_eq!(v["status"], "success", "{v}");
    let data = &v["data"];
    let nonce = assert_nonempty(data, "nonce");
    let expires = assert_u64(data, "expires_at");
    assert_string(data, "owner");
    assert_string(data, "version");
    assert_string(v, "message");
    assert_string(v, "code");
    (nonce, expires)
}

/// `fly.Volume`.
pub fn assert_volume(v: &Value) {
    for k in [
        "id",
        "name",
        "state",
        "region",
        "zone",
        "host_dedication_id",
        "host_status",
    ] {
        assert_string(v, k);
    }
    assert_nonempty(v, "id");
    assert_int(v, "size_gb", 0, i64::from(i32::MAX));
    assert_bool(v, "encrypted");
    assert_bool(v, "auto_backup_enabled");
    assert_int(v, "snapshot_retention", 0, i64::from(i32::MAX));
    assert_time(v, "created_at");
    for k in ["attached_machine_id", "attached_alloc_id"] {
        assert!(
            v.get(k).is_none_or(|a| a.is_null() || a.is_string()),
            "{k} must be a *string: {v}"
        );
    }
}

/// `fly.AppSecret`.
pub fn assert_secret(v: &Value) {
    assert_nonempty(v, "name");
    for k in ["value", "digest", "updated_at", "created_at"] {
        assert_string(v, k);
    }
}
