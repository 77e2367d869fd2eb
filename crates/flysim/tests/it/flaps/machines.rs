//! flaps_machines.go and flaps_machines_wait.go, first half: Launch, Get, List, Update,
//! Start, Stop, Restart, Wait.

use reqwest::Method;
use serde_json::{Value, json};

use super::*;

/// Every log line of one machine, through the logs API (oldest first).
async fn machine_logs(sim: &Sim, app: &str, id: &str) -> Vec<String> {
    let mut token = String::new();
    let mut lines = Vec::new();
    loop {
        let page = sim
            .get(&format!(
                "/api/v1/apps/{app}/logs?instance={id}&next_token={token}"
            ))
            .send()
            .await
            .expect(200)
            .json();
        let data = array(&page, "data").clone();
        if data.is_empty() {
            return lines;
        }
        lines.extend(
            data.iter()
                .filter_map(|d| d["attributes"]["message"].as_str())
                .map(str::to_string),
        );
        token = str_of(&page["meta"], "next_token");
    }
}

/// The signal named by the machine's last "Sending signal" log line.
async fn last_signal(sim: &Sim, app: &str, id: &str) -> String {
    machine_logs(sim, app, id)
        .await
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("Sending signal "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no signal was logged for {id}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_get_list() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-launch").await;
    let mut input = launch_input(machine_config(), "ord");
    input["name"] = json!("web-1");
    let m = flaps(&sim, Method::POST, &format!("/apps/{app}/machines"))
        .json(input)
        .send()
        .await
        .expect(200)
        .json();
    assert_machine(&m);
    assert_eq!(m["name"], "web-1");
    assert_eq!(m["region"], "ord");
    assert_eq!(m["config"]["image"], IMAGE, "config echoed: {m}");
    assert!(m.get("nonce").is_none(), "no lease asked for: {m}");
    let id = str_of(&m, "id");

    // flyctl waits with flaps' defaults: state=started, timeout=60.
    wait(&sim, &app, &id, "state=started&timeout=60").await;
    let got = get_machine(&sim, &app, &id).await;
    assert_eq!(got["state"], "started");
    assert_eq!(got["instance_id"], m["instance_id"]);
    let image = &got["image_ref"];
    assert_eq!(image["registry"], "registry.fly.io", "{got}");
    assert_eq!(image["repository"], "tenant-app");
    assert_eq!(image["tag"], "deployment-01");

    // List (and ListActive, which filters client-side) decode a bare array.
    let list = flaps(&sim, Method::GET, &format!("/apps/{app}/machines"))
        .send()
        .await
        .expect(200)
        .json();
    let list = list.as_array().unwrap_or_else(|| panic!("array: {list}"));
    assert_eq!(list.len(), 1);
    assert_machine(&list[0]);
    assert_eq!(list[0]["id"], json!(id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-list").await;
    let mut db = machine_config();
    db["metadata"] = json!({"fly_platform_version": "v2", "fly_process_group": "db"});
    let db = launched(&sim, &app, db).await;
    let mut web = machine_config();
    web["metadata"] = json!({"fly_platform_version": "v2", "fly_process_group": "web"});
    let web = flaps(&sim, Method::POST, &format!("/apps/{app}/machines"))
        .json(launch_input(web, "iad"))
        .send()
        .await
        .expect(200)
        .json();
    let gone = launched(&sim, &app, machine_config()).await;
    let gone_id = str_of(&gone, "id");
    flaps(
        &sim,
        Method::DELETE,
        &format!("/apps/{app}/machines/{gone_id}?kill=true"),
    )
    .send()
    .await
    .expect_ok();
    wait(&sim, &app, &gone_id, "state=destroyed&timeout=60").await;

    // List passes its argument through as the raw query string.
    let ids = |q: &'static str| {
        let sim = &sim;
        let app = app.clone();
        async move {
            let v = flaps(sim, Method::GET, &format!("/apps/{app}/machines{q}"))
                .send()
                .await
                .expect(200)
                .json();
            let mut ids: Vec<String> = v
                .as_array()
                .unwrap_or_else(|| panic!("array: {v}"))
                .iter()
                .inspect(|m| assert_machine(m))
                .map(|m| str_of(m, "id"))
                .collect();
            ids.sort();
            ids
        }
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let (db, web) = (str_of(&db, "id"), str_of(&web, "id"));
    assert_eq!(ids("").await, sorted(vec![db.clone(), web.clone()]));
    assert_eq!(
        ids("?include_deleted=true").await,
        sorted(vec![db.clone(), web.clone(), gone_id.clone()])
    );
    assert_eq!(ids("?region=iad").await, vec![web.clone()]);
    assert_eq!(
        ids("?metadata.fly_process_group=db").await,
        vec![db.clone()]
    );
    assert_eq!(
        ids("?include_deleted=true&region=ord").await,
        sorted(vec![db, gone_id])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_with_and_without_nonce() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-update").await;
    let m = launched(&sim, &app, machine_config()).await;
    let id = str_of(&m, "id");
    let path = format!("/apps/{app}/machines/{id}");

    // Update posts a LaunchMachineInput to /machines/{id}; the id itself is json:"-".
    let mut config = machine_config();
    config["env"] = json!({"RELEASE": "2"});
    let updated = flaps(&sim, Method::POST, &path)
        .json(launch_input(config.clone(), "ord"))
        .send()
        .await
        .expect(200)
        .json();
    assert_machine(&updated);
    assert_eq!(updated["config"]["env"]["RELEASE"], "2");
    assert_ne!(
        updated["instance_id"], m["instance_id"],
        "an update makes a new version"
    );
    wait(
        &sim,
        &app,
        &id,
        &format!(
            "state=started&timeout=60&version={}",
            str_of(&updated, "instance_id")
        ),
    )
    .await;

    // Under a lease, Update sends the nonce header; without it the call is refused.
    let lease = flaps(&sim, Method::POST, &format!("{path}/lease?ttl=60"))
        .send()
        .await
        .expect(200)
        .json();
    let (nonce, _) = assert_lease(&lease);
    config["env"] = json!({"RELEASE": "3"});
    let refused = flaps(&sim, Method::POST, &path)
        .json(launch_input(config.clone(), "ord"))
        .send()
        .await
        .expect_error(409);
    assert!(
        refused["error"]
            .as_str()
            .is_some_and(|e| e.contains("lease currently held by")),
        "{refused}"
    );
    let updated = flaps(&sim, Method::POST, &path)
        .nonce(&nonce)
        .json(launch_input(config, "ord"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(updated["config"]["env"]["RELEASE"], "3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_stop_with_signal_and_timeout() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-stop").await;
    let m = launched(&sim, &app, machine_config()).await;
    let id = str_of(&m, "id");
    let path = format!("/apps/{app}/machines/{id}");

    // StopMachineInput: id, signal, and timeout as a fly.Duration (a Go duration string).
    ok(flaps(&sim, Method::POST, &format!("{path}/stop"))
        .json(json!({"id": id, "signal": "SIGTERM", "timeout": "10s"}))
        .send()
        .await);
    wait(&sim, &app, &id, "state=stopped&timeout=60").await;
    assert_eq!(last_signal(&sim, &app, &id).await, "SIGTERM");

    // Start: no body; MachineStartResponse {message, status, previous_state}.
    let start = flaps(&sim, Method::POST, &format!("{path}/start"))
        .send()
        .await
        .expect(200)
        .json();
    for k in ["message", "status", "previous_state"] {
        assert_string(&start, k);
    }
    assert_eq!(start["previous_state"], "stopped", "{start}");
    wait(&sim, &app, &id, "state=started&timeout=60").await;

    // A stop timeout that is not a duration is refused rather than ignored.
    flaps(&sim, Method::POST, &format!("{path}/stop"))
        .json(json!({"id": id, "timeout": "soon"}))
        .send()
        .await
        .expect_client_error();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_signal_precedence() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-sigs").await;
    // fly.toml's kill_signal lands in stop_config.signal.
    let mut config = machine_config();
    config["stop_config"] = json!({"signal": "SIGTERM", "timeout": "5s"});
    let id = str_of(&launched(&sim, &app, config).await, "id");
    let path = format!("/apps/{app}/machines/{id}");

    // No signal in the call: the config's.
    ok(flaps(&sim, Method::POST, &format!("{path}/stop"))
        .json(json!({"id": id}))
        .send()
        .await);
    wait(&sim, &app, &id, "state=stopped&timeout=60").await;
    assert_eq!(last_signal(&sim, &app, &id).await, "SIGTERM");

    // The call's own signal wins over the config's.
    ok(flaps(&sim, Method::POST, &format!("{path}/start"))
        .send()
        .await);
    wait(&sim, &app, &id, "state=started&timeout=60").await;
    ok(flaps(&sim, Method::POST, &format!("{path}/stop"))
        .json(json!({"id": id, "signal": "SIGQUIT"}))
        .send()
        .await);
    wait(&sim, &app, &id, "state=stopped&timeout=60").await;
    assert_eq!(last_signal(&sim, &app, &id).await, "SIGQUIT");

    // Neither: SIGINT.
    let plain = str_of(&launched(&sim, &app, machine_config()).await, "id");
    ok(flaps(
        &sim,
        Method::POST,
        &format!("/apps/{app}/machines/{plain}/stop"),
    )
    .json(json!({"id": plain}))
    .send()
    .await);
    wait(&sim, &app, &plain, "state=stopped&timeout=60").await;
    assert_eq!(last_signal(&sim, &app, &plain).await, "SIGINT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_query_flags() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-restart").await;
    let id = str_of(&launched(&sim, &app, machine_config()).await, "id");
    let path = format!("/apps/{app}/machines/{id}");

    // Restart always sends force_stop; timeout (a time.Duration printed with %s) and
    // signal only when set. No body.
    for q in [
        "force_stop=false",
        "force_stop=true&timeout=10s",
        "force_stop=false&timeout=1m30s&signal=SIGTERM",
    ] {
        ok(flaps(&sim, Method::POST, &format!("{path}/restart?{q}"))
            .send()
            .await);
        wait(&sim, &app, &id, "state=started&timeout=60").await;
    }
    assert_eq!(last_signal(&sim, &app, &id).await, "SIGTERM");
    let m = get_machine(&sim, &app, &id).await;
    let restarts = array(&m, "events")
        .iter()
        .filter(|e| e["type"] == "restart")
        .count();
    assert!(restarts >= 1, "restarts are recorded as events: {m}");

    flaps(
        &sim,
        Method::POST,
        &format!("{path}/restart?force_stop=false&signal=SIGNOPE"),
    )
    .send()
    .await
    .expect_client_error();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_one_several_and_timeout() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-wait").await;
    let id = str_of(&launched(&sim, &app, machine_config()).await, "id");
    let path = format!("/apps/{app}/machines/{id}");

    // Already there: answered at once, body ignored by flaps.
    wait(&sim, &app, &id, "state=started&timeout=60").await;

    ok(flaps(&sim, Method::POST, &format!("{path}/suspend"))
        .send()
        .await);
    // WithWaitStates("stopped", "suspended"): the key repeats.
    wait(&sim, &app, &id, "state=stopped&state=suspended&timeout=60").await;

    // WithWaitTimeout clamps to at least one second; a state never reached answers 408
    // with an error body, which flyctl retries.
    let err = flaps(
        &sim,
        Method::GET,
        &format!("{path}/wait?state=destroyed&timeout=1"),
    )
    .send()
    .await
    .expect_error(408);
    assert!(err["error"].is_string(), "{err}");

    // A version that is not the machine's never matches.
    flaps(
        &sim,
        Method::GET,
        &format!("{path}/wait?state=suspended&timeout=1&version=01NOTTHEVERSION"),
    )
    .send()
    .await
    .expect_error(408);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persist_rootfs_string_forms() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-rootfs").await;
    // MachinePersistRootfs marshals as a string; its decoder also takes the enum numbers.
    let forms: [(&str, Value); 5] = [
        ("guest", json!("always")),
        ("guest", json!("never")),
        ("guest", json!(2)),
        ("rootfs", json!("restart")),
        ("rootfs", json!("")),
    ];
    for (place, form) in forms {
        let mut config = machine_config();
        if place == "guest" {
            config["guest"]["persist_rootfs"] = form.clone();
        } else {
            config["rootfs"] = json!({"persist": form, "size_gb": 2});
        }
        let m = flaps(&sim, Method::POST, &format!("/apps/{app}/machines"))
            .json(launch_input(config, "ord"))
            .send()
            .await
            .expect(200)
            .json();
        assert_machine(&m);
    }
    let mut bad = machine_config();
    bad["guest"]["persist_rootfs"] = json!("sometimes");
    flaps(&sim, Method::POST, &format!("/apps/{app}/machines"))
        .json(launch_input(bad, "ord"))
        .send()
        .await
        .expect_client_error();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_with_lease_and_skip_launch() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-leased").await;
    let mut input = launch_input(machine_config(), "ord");
    input["lease_ttl"] = json!(30);
    input["skip_launch"] = json!(true);
    let m = flaps(&sim, Method::POST, &format!("/apps/{app}/machines"))
        .json(input)
        .send()
        .await
        .expect(200)
        .json();
    assert_machine(&m);
    // Machine.LeaseNonce is json:"nonce": the lease taken with the create.
    let nonce = assert_nonempty(&m, "nonce");
    let id = str_of(&m, "id");
    let found = flaps(
        &sim,
        Method::GET,
        &format!("/apps/{app}/machines/{id}/lease"),
    )
    .send()
    .await
    .expect(200)
    .json();
    assert_eq!(assert_lease(&found).0, nonce);
    // skip_launch: not booted.
    wait(&sim, &app, &id, "state=created&state=stopped&timeout=60").await;
    assert_ne!(get_machine(&sim, &app, &id).await["state"], "started");
}
