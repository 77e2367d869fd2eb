//! flaps_machines.go, second half: Exec, GetProcesses, metadata, Cordon/Uncordon,
//! Suspend, Kill, Destroy.

use reqwest::Method;
use serde_json::{Value, json};

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_with_cmd_string_and_stdin() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-exec").await;
    let id = str_of(&launched(&sim, &app, machine_config()).await, "id");
    let path = format!("/apps/{app}/machines/{id}/exec");

    // MachineExecRequest: fly-go sends the deprecated single-string `cmd` (shell-split by
    // the server), `timeout` in seconds; container/machine/stdin are omitempty.
    let out = flaps(&sim, Method::POST, &path)
        .json(json!({"cmd": "echo 'hello flaps'", "timeout": 10}))
        .send()
        .await
        .expect(200)
        .json();
    // MachineExecResponse: exit_code int32, stdout/stderr strings, all omitempty.
    assert_int(&out, "exit_code", 0, 0);
    assert_eq!(out["stdout"], "hello flaps\n", "{out}");
    assert_string(&out, "stderr");

    let out = flaps(&sim, Method::POST, &path)
        .json(json!({"cmd": "cat", "stdin": "from stdin", "timeout": 10}))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(out["stdout"], "from stdin", "{out}");

    let out = flaps(&sim, Method::POST, &path)
        .json(json!({"cmd": "sh -c 'echo oops >&2; exit 3'", "timeout": 10}))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(exit_code(&out), 3, "{out}");
    assert_i32(&out, "exit_code");
    assert_eq!(out["stderr"], "oops\n", "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ps_answers_process_stats() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-ps").await;
    let id = str_of(&launched(&sim, &app, machine_config()).await, "id");
    let ps = flaps(&sim, Method::GET, &format!("/apps/{app}/machines/{id}/ps"))
        .send()
        .await
        .expect(200)
        .json();
    // MachinePsResponse is []ProcessStat: pid int32, the counters uint64.
    let procs = ps.as_array().unwrap_or_else(|| panic!("array: {ps}"));
    assert!(!procs.is_empty(), "{ps}");
    for p in procs {
        assert_i32(p, "pid");
        for k in ["stime", "rtime", "cpu", "rss"] {
            assert_u64(p, k);
        }
        assert_nonempty(p, "command");
        assert_string(p, "directory");
        for s in array(p, "listen_sockets") {
            assert_string(s, "proto");
            assert_string(s, "address");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_get_set_delete() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-meta").await;
    let id = str_of(&launched(&sim, &app, machine_config()).await, "id");
    let path = format!("/apps/{app}/machines/{id}/metadata");

    // SetMetadata: POST /metadata/{key} with {"value": ...}; the answer is not decoded.
    ok(
        flaps(&sim, Method::POST, &format!("{path}/fly_release_version"))
            .json(json!({"value": "7"}))
            .send()
            .await,
    );
    ok(flaps(&sim, Method::POST, &format!("{path}/tenant"))
        .json(json!({"value": "acme"}))
        .send()
        .await);
    // GetMetadata decodes a map[string]string.
    let md = flaps(&sim, Method::GET, &path)
        .send()
        .await
        .expect(200)
        .json();
    let obj = md.as_object().unwrap_or_else(|| panic!("object: {md}"));
    assert!(obj.values().all(Value::is_string), "{md}");
    assert_eq!(md["fly_release_version"], "7");
    assert_eq!(md["tenant"], "acme");
    // The machine's config carries it too (GetMetadataByKey reads config.metadata).
    let m = get_machine(&sim, &app, &id).await;
    assert_eq!(m["config"]["metadata"]["tenant"], "acme", "{m}");

    ok(flaps(&sim, Method::DELETE, &format!("{path}/tenant"))
        .send()
        .await);
    let md = flaps(&sim, Method::GET, &path)
        .send()
        .await
        .expect(200)
        .json();
    assert!(md.get("tenant").is_none(), "{md}");
    assert_eq!(md["fly_release_version"], "7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cordon_uncordon_under_a_lease() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-cordon").await;
    let id = str_of(&launched(&sim, &app, machine_config()).await, "id");
    let path = format!("/apps/{app}/machines/{id}");

    ok(flaps(&sim, Method::POST, &format!("{path}/cordon"))
        .send()
        .await);
    assert_eq!(get_machine(&sim, &app, &id).await["cordoned"], true);

    let lease = flaps(&sim, Method::POST, &format!("{path}/lease?ttl=60"))
        .send()
        .await
        .expect(200)
        .json();
    let (nonce, _) = assert_lease(&lease);
    flaps(&sim, Method::POST, &format!("{path}/uncordon"))
        .send()
        .await
        .expect_error(409);
    ok(flaps(&sim, Method::POST, &format!("{path}/uncordon"))
        .nonce(&nonce)
        .send()
        .await);
    assert_eq!(get_machine(&sim, &app, &id).await["cordoned"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspend_then_start_resumes() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-suspend").await;
    let id = str_of(&launched(&sim, &app, machine_config()).await, "id");
    let path = format!("/apps/{app}/machines/{id}");
    ok(flaps(&sim, Method::POST, &format!("{path}/suspend"))
        .send()
        .await);
    wait(&sim, &app, &id, "state=suspended&timeout=60").await;
    let start = flaps(&sim, Method::POST, &format!("{path}/start"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(start["previous_state"], "suspended", "{start}");
    wait(&sim, &app, &id, "state=started&timeout=60").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_sends_signal_nine() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-kill").await;
    let id = str_of(&launched(&sim, &app, machine_config()).await, "id");
    // Kill posts {"signal": 9}: a number, not a name.
    ok(flaps(
        &sim,
        Method::POST,
        &format!("/apps/{app}/machines/{id}/signal"),
    )
    .json(json!({"signal": 9}))
    .send()
    .await);
    wait(&sim, &app, &id, "state=stopped&timeout=60").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_with_and_without_kill() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-destroy").await;
    let id = str_of(&launched(&sim, &app, machine_config()).await, "id");
    let path = format!("/apps/{app}/machines/{id}");

    // Destroy always sends kill=<bool>; a running machine is not destroyed without it.
    let r = flaps(&sim, Method::DELETE, &format!("{path}?kill=false"))
        .send()
        .await;
    r.expect_client_error();
    assert_eq!(get_machine(&sim, &app, &id).await["state"], "started");

    ok(flaps(&sim, Method::DELETE, &format!("{path}?kill=true"))
        .send()
        .await);
    wait(&sim, &app, &id, "state=destroyed&timeout=60").await;
    // IsActive() is false for destroyed machines; List leaves them out.
    let list = flaps(&sim, Method::GET, &format!("/apps/{app}/machines"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(list, json!([]));

    // A stopped machine needs no kill; other clients send force=true instead.
    let other = str_of(&launched(&sim, &app, machine_config()).await, "id");
    let opath = format!("/apps/{app}/machines/{other}");
    ok(flaps(&sim, Method::POST, &format!("{opath}/stop"))
        .json(json!({"id": other}))
        .send()
        .await);
    wait(&sim, &app, &other, "state=stopped&timeout=60").await;
    ok(flaps(&sim, Method::DELETE, &format!("{opath}?kill=false"))
        .send()
        .await);
    wait(&sim, &app, &other, "state=destroyed&timeout=60").await;
    let third = str_of(&launched(&sim, &app, machine_config()).await, "id");
    ok(flaps(
        &sim,
        Method::DELETE,
        &format!("/apps/{app}/machines/{third}?force=true"),
    )
    .send()
    .await);
    wait(&sim, &app, &third, "state=destroyed&timeout=60").await;
}
