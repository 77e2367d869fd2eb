use serde_json::json;
use std::time::Duration;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_argv_and_reports_output_and_exit_code() {
    let sim = Sim::start().await;
    let app = sim.new_app("exec").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");

    // argv is passed verbatim: no shell splitting of "hello   world".
    let out = sim
        .exec(&app, &id, &["echo", "hello   world", "$HOME"])
        .await;
    assert_eq!(exit_code(&out), 0, "{out}");
    assert_eq!(out["stdout"], "hello   world $HOME\n", "{out}");

    let out = sim
        .exec(
            &app,
            &id,
            &["/bin/sh", "-c", "echo to-out; echo to-err >&2; exit 3"],
        )
        .await;
    assert_eq!(exit_code(&out), 3, "{out}");
    assert_eq!(out["exit_code"], 3, "non-zero exit code is present: {out}");
    assert_eq!(out["stdout"], "to-out\n");
    assert_eq!(out["stderr"], "to-err\n");

    // The deprecated single-string `cmd` is shell-split by the server.
    let out = sim
        .post(&format!("/v1/apps/{app}/machines/{id}/exec"))
        .json(json!({"cmd": "echo 'a  b' c", "timeout": 10}))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(out["stdout"], "a  b c\n", "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sees_config_env() {
    let sim = Sim::start().await;
    let app = sim.new_app("execenv").await;
    let m = sim
        .started_machine(
            &app,
            json!({"image": IMAGE, "env": {"TIER": "starter", "GREETING": "hi there"}}),
        )
        .await;
    let id = str_of(&m, "id");
    let out = sim
        .sh(&app, &id, r#"printf '%s|%s' "$TIER" "$GREETING""#)
        .await;
    assert_eq!(out, "starter|hi there");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_reach_the_machine_only_after_restart_or_update() {
    let sim = Sim::start().await;
    let app = sim.new_app("execsec").await;
    sim.set_secret(&app, "DB_PASSWORD", "first").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    let show = r#"printf '%s' "${DB_PASSWORD-unset}""#;
    assert_eq!(
        sim.sh(&app, &id, show).await,
        "first",
        "booted with the secret"
    );

    // A new value is staged: the running machine keeps the old one.
    sim.set_secret(&app, "DB_PASSWORD", "second").await;
    sim.set_secret(&app, "API_KEY", "k1").await;
    assert_eq!(sim.sh(&app, &id, show).await, "first");
    assert_eq!(
        sim.sh(&app, &id, r#"printf '%s' "${API_KEY-unset}""#).await,
        "unset"
    );

    // Restart picks it up.
    sim.post(&format!("/v1/apps/{app}/machines/{id}/restart"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &id, "started").await;
    assert_eq!(sim.sh(&app, &id, show).await, "second");
    assert_eq!(sim.sh(&app, &id, r#"printf '%s' "$API_KEY""#).await, "k1");

    // Again, now through update.
    sim.set_secret(&app, "DB_PASSWORD", "third").await;
    assert_eq!(sim.sh(&app, &id, show).await, "second");
    sim.post(&format!("/v1/apps/{app}/machines/{id}"))
        .json(json!({"config": basic_config()}))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &id, "started").await;
    assert_eq!(sim.sh(&app, &id, show).await, "third");

    // Unset is also staged until the next start.
    sim.delete(&format!("/v1/apps/{app}/secrets/DB_PASSWORD"))
        .send()
        .await
        .expect(200);
    assert_eq!(sim.sh(&app, &id, show).await, "third");
    sim.post(&format!("/v1/apps/{app}/machines/{id}/stop"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &id, "stopped").await;
    sim.post(&format!("/v1/apps/{app}/machines/{id}/start"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &id, "started").await;
    assert_eq!(sim.sh(&app, &id, show).await, "unset");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_secrets_boots_without_them() {
    let sim = Sim::start().await;
    let app = sim.new_app("execskip").await;
    sim.set_secret(&app, "TOKEN", "s3cr3t").await;
    let m = sim
        .create_machine(
            &app,
            json!({"region": "ord", "skip_secrets": true, "config": basic_config()}),
        )
        .await;
    let id = str_of(&m, "id");
    sim.wait_state(&app, &id, "started").await;
    assert_eq!(
        sim.sh(&app, &id, r#"printf '%s' "${TOKEN-unset}""#).await,
        "unset"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volume_is_visible_at_its_mount_path() {
    let sim = Sim::start().await;
    let app = sim.new_app("execvol").await;
    let vol = sim.create_volume(&app, "data", "ord").await;
    let m = sim
        .started_machine(
            &app,
            json!({"image": IMAGE, "mounts": [{"volume": vol["id"], "path": "/data"}]}),
        )
        .await;
    let id = str_of(&m, "id");
    sim.sh(
        &app,
        &id,
        "mkdir -p /data/sites && echo persisted > /data/sites/marker",
    )
    .await;
    assert_eq!(
        sim.sh(&app, &id, "cat /data/sites/marker").await,
        "persisted\n"
    );

    // Data outlives a restart of the machine.
    sim.post(&format!("/v1/apps/{app}/machines/{id}/restart"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &id, "started").await;
    assert_eq!(
        sim.sh(&app, &id, "cat /data/sites/marker").await,
        "persisted\n"
    );

    // Another machine without the mount does not see it.
    let other = sim.started_machine(&app, basic_config()).await;
    let out = sim
        .exec(&app, &str_of(&other, "id"), &["cat", "/data/sites/marker"])
        .await;
    assert_ne!(
        exit_code(&out),
        0,
        "unmounted machine must not see the volume: {out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_kills_the_command() {
    let sim = Sim::start().await;
    let app = sim.new_app("exectmo").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    // The client gives up after 30 s; a 1 s exec timeout must end the 120 s sleep well before.
    let r = sim
        .post(&format!("/v1/apps/{app}/machines/{id}/exec"))
        .json(json!({"command": ["sleep", "120"], "timeout": 1}))
        .send()
        .await;
    if r.status == 200 {
        assert_ne!(
            exit_code(&r.json()),
            0,
            "a timed-out command did not succeed: {r}"
        );
    } else {
        r.expect_client_error();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_when_not_started_or_bad_request() {
    let sim = Sim::start().await;
    let app = sim.new_app("execbad").await;
    let m = sim
        .create_machine(
            &app,
            json!({"region": "ord", "skip_launch": true, "config": basic_config()}),
        )
        .await;
    let id = str_of(&m, "id");
    let path = format!("/v1/apps/{app}/machines/{id}/exec");
    sim.post(&path)
        .json(json!({"command": ["true"]}))
        .send()
        .await
        .expect_client_error();

    sim.post(&format!("/v1/apps/{app}/machines/{id}/start"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &id, "started").await;
    sim.post(&path)
        .json(json!({}))
        .send()
        .await
        .expect_client_error();
    sim.post(&path)
        .json(json!({"command": []}))
        .send()
        .await
        .expect_client_error();
    sim.post(&format!("/v1/apps/{app}/machines/nope/exec"))
        .json(json!({"command": ["true"]}))
        .send()
        .await
        .expect_error(404);
    // A command that does not exist is reported, not a server error.
    let r = sim
        .post(&path)
        .json(json!({"command": ["/no/such/binary"]}))
        .send()
        .await;
    if r.status == 200 {
        assert_ne!(exit_code(&r.json()), 0, "{r}");
    } else {
        r.expect_client_error();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fly_runtime_environment_is_set() {
    // Fly sets these in every machine (docs: reference/runtime-environment); apps read them.
    let sim = Sim::start().await;
    let app = sim.new_app("execflyenv").await;
    let m = sim
        .create_machine(
            &app,
            json!({"region": "ams", "config": {
                "image": IMAGE,
                "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 512},
                "metadata": {"fly_process_group": "web"}
            }}),
        )
        .await;
    let id = str_of(&m, "id");
    sim.wait_state(&app, &id, "started").await;
    let show = r#"printf '%s|%s|%s|%s|%s|%s|%s|%s' "$FLY_APP_NAME" "$FLY_MACHINE_ID" "$FLY_REGION" "$FLY_PRIVATE_IP" "$FLY_IMAGE_REF" "$FLY_MACHINE_VERSION" "$FLY_VM_MEMORY_MB" "$FLY_PROCESS_GROUP""#;
    let out = sim.sh(&app, &id, show).await;
    let want = format!(
        "{app}|{id}|ams|{}|{IMAGE}|{}|512|web",
        str_of(&m, "private_ip"),
        str_of(&m, "instance_id")
    );
    assert_eq!(out, want);
    assert!(
        !sim.sh(&app, &id, r#"printf '%s' "$FLY_ALLOC_ID""#)
            .await
            .is_empty(),
        "FLY_ALLOC_ID is set"
    );

    // An update gives a new FLY_MACHINE_VERSION.
    let updated = sim
        .post(&format!("/v1/apps/{app}/machines/{id}"))
        .json(json!({"config": {"image": IMAGE, "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 1024}}}))
        .send()
        .await
        .expect(200)
        .json();
    sim.wait_state(&app, &id, "started").await;
    assert_eq!(
        sim.sh(
            &app,
            &id,
            r#"printf '%s|%s' "$FLY_MACHINE_VERSION" "$FLY_VM_MEMORY_MB""#
        )
        .await,
        format!("{}|1024", str_of(&updated, "instance_id"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdin_is_passed_to_the_command() {
    // fly-go's exec request carries `stdin`.
    let sim = Sim::start().await;
    let app = sim.new_app("execstdin").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    let out = sim
        .post(&format!("/v1/apps/{app}/machines/{id}/exec"))
        .json(json!({"command": ["cat"], "stdin": "piped in\n", "timeout": 10}))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(out["stdout"], "piped in\n", "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_filesystem_is_per_machine_and_ephemeral() {
    // On Fly only volumes persist: the root filesystem is private to the machine and is reset
    // when the machine stops or restarts; a suspend/resume keeps it (docs: suspend-resume).
    let sim = Sim::start().await;
    let app = sim.new_app("execrootfs").await;
    let a = str_of(&sim.started_machine(&app, basic_config()).await, "id");
    let b = str_of(&sim.started_machine(&app, basic_config()).await, "id");
    let probe = format!("/tmp/flysim-rootfs-probe-{a}");
    let write = format!("echo here > {probe}");
    sim.sh(&app, &a, &write).await;
    assert_eq!(sim.sh(&app, &a, &format!("cat {probe}")).await, "here\n");
    let seen_by_b = sim.exec(&app, &b, &["cat", &probe]).await;

    let mpath = format!("/v1/apps/{app}/machines/{a}");
    sim.post(&format!("{mpath}/suspend"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &a, "suspended").await;
    sim.post(&format!("{mpath}/start")).send().await.expect(200);
    sim.wait_state(&app, &a, "started").await;
    let after_resume = sim.exec(&app, &a, &["cat", &probe]).await;

    sim.post(&format!("{mpath}/restart"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &a, "started").await;
    let after_restart = sim.exec(&app, &a, &["cat", &probe]).await;

    // Clean up in case the file landed somewhere shared.
    sim.exec(&app, &a, &["rm", "-f", &probe]).await;
    assert_ne!(
        exit_code(&seen_by_b),
        0,
        "another machine must not see files outside volumes: {seen_by_b}"
    );
    assert_eq!(
        exit_code(&after_resume),
        0,
        "suspend/resume keeps the root filesystem: {after_resume}"
    );
    assert_ne!(
        exit_code(&after_restart),
        0,
        "files outside volumes do not survive a restart: {after_restart}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_files_are_written_into_the_machine() {
    // MachineConfig.files: raw_value (base64) or secret_name, written at guest_path on boot.
    let sim = Sim::start().await;
    let app = sim.new_app("execfiles").await;
    sim.set_secret(&app, "SETTINGS_PHP", "<?php $x = 1;").await;
    let m = sim
        .started_machine(
            &app,
            json!({"image": IMAGE, "files": [
                {"guest_path": "/etc/tenant/motd", "raw_value": "aGVsbG8gdGVuYW50Cg=="},
                {"guest_path": "/etc/tenant/settings.php", "secret_name": "SETTINGS_PHP"}
            ]}),
        )
        .await;
    let id = str_of(&m, "id");
    assert_eq!(
        sim.sh(&app, &id, "cat /etc/tenant/motd").await,
        "hello tenant\n"
    );
    assert_eq!(
        sim.sh(&app, &id, "cat /etc/tenant/settings.php").await,
        "<?php $x = 1;"
    );
    // Not visible to other machines.
    let other = str_of(&sim.started_machine(&app, basic_config()).await, "id");
    let out = sim.exec(&app, &other, &["cat", "/etc/tenant/motd"]).await;
    assert_ne!(exit_code(&out), 0, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_and_binary_output() {
    let sim = Sim::start().await;
    let app = sim.new_app("execbig").await;
    let id = str_of(&sim.started_machine(&app, basic_config()).await, "id");
    let out = sim
        .sh(&app, &id, "head -c 1048576 /dev/zero | tr '\\0' a")
        .await;
    assert_eq!(out.len(), 1_048_576, "1 MiB of output arrives whole");
    assert!(out.bytes().all(|b| b == b'a'));
    // Bytes that are not UTF-8 still give a JSON answer.
    let out = sim
        .exec(&app, &id, &["/bin/sh", "-c", "printf '\\377\\376ok'"])
        .await;
    assert_eq!(exit_code(&out), 0, "{out}");
    assert!(
        out["stdout"].as_str().is_some_and(|s| s.ends_with("ok")),
        "{out}"
    );
}

/// A `flysim serve` process running as an unprivileged user, killed when dropped.
struct UnprivilegedFlysim {
    child: tokio::process::Child,
}

impl Drop for UnprivilegedFlysim {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

fn skip_loudly(why: &str) {
    use std::io::Write;
    // Straight to stderr: libtest captures eprintln!, which would hide the skip.
    let _ = writeln!(std::io::stderr(), "SKIPPED exec::works_without_root: {why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_without_root() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use tokio::io::AsyncBufReadExt;

    const NOBODY: u32 = 65534;
    let Some(setpriv) = ["/usr/bin/setpriv", "/bin/setpriv"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        skip_loudly("setpriv(1) is not installed");
        return;
    };
    if std::fs::metadata("/proc/self").map(|m| m.uid()).ok() != Some(0) {
        skip_loudly("needs root to start flysim as another (unprivileged) user");
        return;
    }

    // Hosts may disable unprivileged user namespaces (sysctls, AppArmor): flysim then
    // answers 412 for exec on machines with volumes, which is not what is tested here.
    let userns = std::process::Command::new(setpriv)
        .args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            "--clear-groups",
            "--",
            "unshare",
            "--user",
            "--map-root-user",
            "--mount",
            "--propagation",
            "private",
            "true",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !userns {
        skip_loudly("unprivileged user namespaces are disabled on this host");
        return;
    }

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777))
        .expect("chmod state dir");
    let state = dir.path().join("state");
    std::fs::create_dir(&state).expect("state dir");
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o777))
        .expect("chmod state dir");
    let mut child = tokio::process::Command::new(setpriv)
        .args([
            format!("--reuid={NOBODY}"),
            format!("--regid={NOBODY}"),
            "--clear-groups".to_string(),
            "--".to_string(),
            env!("CARGO_BIN_EXE_flysim").to_string(),
            "serve".to_string(),
            "--state".to_string(),
            state.to_string_lossy().into_owned(),
            "--listen".to_string(),
            "127.0.0.1:0".to_string(),
        ])
        .env("HOME", dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start flysim under setpriv");
    let stdout = child.stdout.take().expect("piped stdout");
    let server = UnprivilegedFlysim { child };
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let (mut base, mut token) = (String::new(), String::new());
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(v) = line.strip_prefix("base_url=") {
                base = v.to_string();
            } else if let Some(v) = line.strip_prefix("org_token=") {
                token = v.to_string();
            }
            if !base.is_empty() && !token.is_empty() {
                break;
            }
        }
    })
    .await
    .expect("flysim prints its base_url and token");
    assert!(
        !base.is_empty() && !token.is_empty(),
        "the unprivileged flysim exited before serving"
    );

    let sim = Sim {
        handle: None,
        base,
        token,
        client: client(),
        dir,
    };
    let app = sim.new_app("execnonroot").await;
    let vol = sim.create_volume(&app, "data", "ord").await;
    let vol_id = str_of(&vol, "id");
    let m = sim
        .started_machine(
            &app,
            json!({"image": IMAGE, "mounts": [{"volume": vol_id, "path": "/data"}]}),
        )
        .await;
    let id = str_of(&m, "id");
    assert_eq!(
        sim.sh(&app, &id, "echo hi > /data/f && cat /data/f").await,
        "hi\n"
    );
    let on_host = state.join("volumes").join(&vol_id).join("f");
    assert_eq!(
        std::fs::read_to_string(&on_host).ok().as_deref(),
        Some("hi\n"),
        "the file lands in the volume's directory on the host ({})",
        on_host.display()
    );
    assert_eq!(
        std::fs::metadata(&on_host).map(|m| m.uid()).ok(),
        Some(NOBODY),
        "written as the user flysim runs as"
    );

    // The machine runs as root in its own namespace and its root filesystem is private.
    assert_eq!(sim.sh(&app, &id, "id -u").await, "0\n");
    let probe = format!("/etc/flysim-nonroot-probe-{id}");
    assert_eq!(
        sim.sh(&app, &id, &format!("echo x > {probe} && cat {probe}"))
            .await,
        "x\n"
    );
    assert!(
        !std::path::Path::new(&probe).exists(),
        "a write outside volumes must not reach the host"
    );

    // A mount point that exists neither on the host nor in the new root's tmpfs, below an
    // overlaid directory the unprivileged user cannot write to.
    let vol2 = str_of(&sim.create_volume(&app, "lib", "ord").await, "id");
    let guest = format!("/var/lib/flysim-nonroot-{}", std::process::id());
    let m2 = sim
        .started_machine(
            &app,
            json!({"image": IMAGE, "mounts": [{"volume": vol2, "path": guest}]}),
        )
        .await;
    let id2 = str_of(&m2, "id");
    sim.sh(&app, &id2, &format!("echo lib > {guest}/g")).await;
    assert_eq!(
        std::fs::read_to_string(state.join("volumes").join(&vol2).join("g"))
            .ok()
            .as_deref(),
        Some("lib\n")
    );
    assert!(
        !std::path::Path::new(&guest).exists(),
        "the mount point is not created on the host"
    );

    // Timeouts still kill the command.
    let started = std::time::Instant::now();
    let r = sim
        .post(&format!("/v1/apps/{app}/machines/{id}/exec"))
        .json(json!({"command": ["sleep", "120"], "timeout": 1}))
        .send()
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "a 1 s timeout ended a 120 s sleep: {r}"
    );
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_execs_in_one_machine_all_run() {
    // On Fly a machine takes several execs at once (a hook and a backup, two operators).
    let sim = Sim::start().await;
    let app = sim.new_app("execmany").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    let runs = (0..4).map(|i| {
        let (sim, app, id) = (&sim, &app, &id);
        async move {
            let script = format!("sleep 0.2; echo run{i} > /root/run{i}; cat /root/run{i}");
            sim.exec(app, id, &["/bin/sh", "-c", &script]).await
        }
    });
    let outputs = futures::future::join_all(runs).await;
    for (i, out) in outputs.iter().enumerate() {
        assert_eq!(exit_code(out), 0, "run {i}: {out}");
        assert_eq!(out["stdout"], format!("run{i}\n"), "run {i}: {out}");
    }
}
