//! State survives a restart on the same state directory: a clean shutdown in-process, and a
//! `kill -9` of the real binary.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flysim::Profile;
use serde_json::{Value, json};

use crate::common::*;

struct World {
    app: String,
    machine: String,
    stopped: String,
    volume: String,
    ip: String,
    app_token: String,
    lease_nonce: String,
}

/// Writes one of everything and returns what to look for afterwards. Without an in-process
/// handle the app token is minted over the admin HTTP endpoint.
async fn populate(sim: &Sim) -> World {
    let app = sim.new_app("persist").await;
    let vol = sim.create_volume(&app, "data", "ord").await;
    let m = sim
        .started_machine(
            &app,
            json!({"image": IMAGE, "env": {"K": "v"}, "metadata": {"tenant": "acme"},
                   "mounts": [{"volume": vol["id"], "path": "/data"}]}),
        )
        .await;
    let machine = str_of(&m, "id");
    sim.sh(&app, &machine, "echo kept > /data/file").await;
    let s = sim.started_machine(&app, basic_config()).await;
    let stopped = str_of(&s, "id");
    sim.post(&format!("/v1/apps/{app}/machines/{stopped}/stop"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &stopped, "stopped").await;
    sim.set_secret(&app, "DB_PASSWORD", "hunter2").await;
    let lease = sim
        .post(&format!("/v1/apps/{app}/machines/{stopped}/lease?ttl=600"))
        .send()
        .await
        .expect(200)
        .json();
    let lease_nonce = lease["data"]["nonce"]
        .as_str()
        .unwrap_or_else(|| panic!("lease nonce: {lease}"))
        .to_string();
    let ip = sim
        .post(&format!("/v1/apps/{app}/ip_assignments"))
        .json(json!({"type": "v6"}))
        .send()
        .await
        .expect_ok()
        .json();
    sim.post(&format!("/v1/apps/{app}/certificates/acme"))
        .json(json!({"hostname": format!("{app}.example.com")}))
        .send()
        .await
        .expect_ok();
    sim.post(&format!("/v1/apps/{app}/machines/{machine}/metadata/role"))
        .json(json!({"value": "primary"}))
        .send()
        .await
        .expect(204);
    let app_token = match &sim.handle {
        Some(h) => h.app_token(&app),
        None => {
            let tok = sim
                .post("/__flysim/tokens")
                .json(json!({"scope": "app", "app": app}))
                .send()
                .await
                .expect_ok()
                .json();
            str_of(&tok, "token")
        }
    };
    World {
        app_token,
        lease_nonce,
        app,
        machine,
        stopped,
        volume: str_of(&vol, "id"),
        ip: str_of(&ip, "ip"),
    }
}

/// Checks `w` against a server at `base` using `token`.
async fn verify(base: &str, token: &str, w: &World) {
    let c = client();
    let get = |path: String| {
        let c = c.clone();
        let url = format!("{base}{path}");
        let auth = format!("Bearer {token}");
        async move {
            let r = c
                .get(&url)
                .header("Authorization", auth)
                .send()
                .await
                .unwrap_or_else(|e| panic!("GET {url}: {e}"));
            assert_eq!(r.status().as_u16(), 200, "GET {url}");
            r.json::<Value>().await.expect("json body")
        }
    };
    let app = &w.app;
    let a = get(format!("/v1/apps/{app}")).await;
    assert_eq!(a["name"], json!(app));

    let m = get(format!("/v1/apps/{app}/machines/{}", w.machine)).await;
    assert_eq!(m["config"]["env"]["K"], "v");
    assert_eq!(m["config"]["metadata"]["role"], "primary");
    let s = get(format!("/v1/apps/{app}/machines/{}", w.stopped)).await;
    assert_eq!(s["state"], "stopped", "a stopped machine stays stopped");
    let list = get(format!("/v1/apps/{app}/machines")).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2));

    let lease = get(format!("/v1/apps/{app}/machines/{}/lease", w.stopped)).await;
    assert_eq!(
        lease["data"]["nonce"],
        json!(w.lease_nonce),
        "leases persist"
    );
    let v = get(format!("/v1/apps/{app}/volumes/{}", w.volume)).await;
    assert_eq!(v["attached_machine_id"], json!(w.machine));

    let secrets = get(format!("/v1/apps/{app}/secrets?show_secrets=true")).await;
    assert_eq!(secrets["secrets"][0]["name"], "DB_PASSWORD");
    assert_eq!(secrets["secrets"][0]["value"], "hunter2");

    let ips = get(format!("/v1/apps/{app}/ip_assignments")).await;
    assert_eq!(ips["ips"][0]["ip"], json!(w.ip));
    let certs = get(format!("/v1/apps/{app}/certificates")).await;
    assert_eq!(certs["certificates"].as_array().map(Vec::len), Some(1));

    // The machine (started again, or still started) still sees its volume's data.
    let state = m["state"].as_str().unwrap_or("");
    if state != "started" {
        let r = c
            .post(format!("{base}/v1/apps/{app}/machines/{}/start", w.machine))
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await
            .expect("start");
        assert_eq!(r.status().as_u16(), 200);
    }
    let r = c
        .get(format!(
            "{base}/v1/apps/{app}/machines/{}/wait?state=started&timeout=30",
            w.machine
        ))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("wait");
    assert_eq!(r.status().as_u16(), 200);
    let out: Value = c
        .post(format!("{base}/v1/apps/{app}/machines/{}/exec", w.machine))
        .header("Authorization", format!("Bearer {token}"))
        .json(&json!({"command": ["cat", "/data/file"]}))
        .send()
        .await
        .expect("exec")
        .json()
        .await
        .expect("exec json");
    assert_eq!(out["stdout"], "kept\n", "{out}");

    // The app token minted before the restart still works, and is still confined.
    let r = c
        .get(format!("{base}/v1/apps/{app}/machines"))
        .header("Authorization", format!("FlyV1 {}", w.app_token))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_clean_restart() {
    let sim = Sim::start().await;
    let token = sim.token.clone();
    let world = populate(&sim).await;
    let old_base = sim.base.clone();
    let dir = sim.stop().await;
    assert!(
        client()
            .get(format!("{old_base}/v1/apps?org_slug=personal"))
            .send()
            .await
            .is_err(),
        "shutdown stops listening"
    );

    let sim = Sim::in_dir(dir, Profile::zero()).await;
    assert_eq!(
        sim.token, token,
        "the org token is part of the persisted state"
    );
    verify(&sim.base, &sim.token, &world).await;

    // Ids keep being unique after the restart.
    let m = sim
        .create_machine(
            &world.app,
            json!({"region": "ord", "config": basic_config()}),
        )
        .await;
    assert_ne!(m["id"], json!(world.machine));
    assert_ne!(m["id"], json!(world.stopped));
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

struct KillOnDrop(Child);
impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run_binary(dir: &std::path::Path, port: u16) -> KillOnDrop {
    let child = Command::new(env!("CARGO_BIN_EXE_flysim"))
        .arg("serve")
        .arg("--state")
        .arg(dir)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn flysim binary");
    KillOnDrop(child)
}

async fn wait_listening(base: &str, token: &str) {
    let c = client();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = c
            .get(format!("{base}/v1/apps?org_slug=personal"))
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await;
        if let Ok(r) = r {
            assert_eq!(
                r.status().as_u16(),
                200,
                "binary answers with the persisted token"
            );
            return;
        }
        assert!(
            Instant::now() < deadline,
            "flysim binary did not start listening"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_kill_dash_nine_of_the_binary() {
    // Learn the state dir's org token in-process, then hand the dir to the binary.
    let sim = Sim::start().await;
    let token = sim.token.clone();
    let dir = sim.stop().await;

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = run_binary(dir.path(), port);
    wait_listening(&base, &token).await;

    // Write through the binary with a plain client.
    let remote = Sim {
        handle: None,
        base: base.clone(),
        token: token.clone(),
        client: client(),
        dir: tempfile::tempdir().expect("unused dir"),
    };
    let world = populate(&remote).await;

    // SIGKILL: no chance to flush or shut down cleanly.
    child.0.kill().expect("kill -9");
    let _ = child.0.wait();
    drop(child);

    let port2 = free_port();
    let base2 = format!("http://127.0.0.1:{port2}");
    let _child2 = run_binary(dir.path(), port2);
    wait_listening(&base2, &token).await;
    verify(&base2, &token, &world).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn machines_caught_mid_transition_settle_after_restart() {
    // A restart of flysim while a machine boots must not leave it "starting" forever.
    let sim = Sim::with_profile(crate::common::profile_with(|p| {
        p.boot_ms = 60_000;
        p.stop_ms = 60_000;
    }))
    .await;
    let app = sim.new_app("midflight").await;
    let booting = str_of(
        &sim.create_machine(&app, json!({"region": "ord", "config": basic_config()}))
            .await,
        "id",
    );
    let dir = sim.stop().await;

    let sim = Sim::in_dir(dir, Profile::zero()).await;
    let r = sim
        .get(&format!(
            "/v1/apps/{app}/machines/{booting}/wait?state=started&state=stopped&timeout=5"
        ))
        .send()
        .await;
    assert_eq!(r.status, 200, "machine settles after a restart: {r}");
    let state = sim.machine_state(&app, &booting).await;
    assert!(state == "started" || state == "stopped", "{state}");
}
