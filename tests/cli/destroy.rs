//! `destroy`: list, confirm, refuse protected tiers, delete everything in order, finish an
//! interrupted destroy on a re-run, and say "already gone" with exit 3.

use std::process::Stdio;
use std::time::{Duration, Instant};

use flysim::DelayRule;

use crate::harness::{TestEnv, code, json, stderr, stdout};
use crate::sim::{Sim, show};

const APP: &str = "tenant-acme";
const DESTROY: &[&str] = &["destroy", "acme", "--yes", "--confirm", "acme"];

fn provision(env: &TestEnv, tenant: &str, tier: &str) {
    let output = env.run(&[
        "provision",
        tenant,
        "--tier",
        tier,
        "--domain",
        &format!("{tenant}.example.com"),
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}

fn leftovers(sim: &Sim, app: &str) -> Vec<String> {
    sim.handle().leftovers_of(app)
}

fn only_reads(sim: &Sim) -> bool {
    sim.log().iter().all(|r| r.method == "GET")
}

#[test]
fn destroy_lists_everything_then_leaves_nothing_of_the_tenant() {
    let sim = Sim::start();
    let env = sim.env();
    provision(&env, "acme", "starter");
    provision(&env, "globex", "starter");

    let mut args = DESTROY.to_vec();
    args.extend(["-o", "json"]);
    let output = env.run(&args);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let err = stderr(&output);
    for listed in [
        "machine ",
        "volume vol_",
        "(1 GB, ams) and the data on it",
        "certificate acme.example.com",
        "IP address ",
        "app tenant-acme (org personal) with its secrets",
    ] {
        assert!(err.contains(listed), "`{listed}` is not listed:\n{err}");
    }
    let doc = json(&output);
    assert_eq!(doc["kind"], "destroy");
    assert_eq!(doc["tier"], "starter");
    assert_eq!(doc["dry_run"], false);
    assert_eq!(doc["resources"]["volumes"][0]["size_gb"], 1, "{doc:#}");
    assert_eq!(
        doc["resources"]["certificates"],
        serde_json::json!(["acme.example.com"])
    );
    let steps: Vec<(&str, &str)> = doc["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("backup", "skipped"),
            ("machines", "done"),
            ("volumes", "done"),
            ("certificates", "done"),
            ("ips", "done"),
            ("app", "done"),
        ],
        "{doc:#}"
    );
    assert_eq!(
        leftovers(&sim, APP),
        Vec::<String>::new(),
        "nothing of the tenant is left in flysim's state"
    );

    // The parts went in order, the machine under its lease, the app last.
    let log = sim.log();
    let position = |method: &str, needle: &str| {
        log.iter()
            .position(|r| r.method == method && r.path.contains(needle))
            .unwrap_or_else(|| panic!("no {method} {needle}:\n{}", show(&log)))
    };
    let lease = position("POST", "/lease");
    let machine = position("DELETE", "/machines/");
    let volume = position("DELETE", "/volumes/");
    let cert = position("DELETE", "/certificates/");
    let ip = position("DELETE", "/ip_assignments/");
    let app = log
        .iter()
        .position(|r| r.method == "DELETE" && r.path == format!("/v1/apps/{APP}"))
        .expect("app deleted");
    assert!(
        lease < machine && machine < volume && volume < cert && cert < ip && ip < app,
        "{}",
        show(&log)
    );

    // Another tenant is untouched.
    let other = env.run(&["status", "globex"]);
    assert_eq!(code(&other), 0, "{}", stderr(&other));
    assert!(!leftovers(&sim, "tenant-globex").is_empty());
}

#[test]
fn a_tenant_already_gone_exits_3() {
    let sim = Sim::start();
    let env = sim.env();
    let output = env.run(DESTROY);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("tenant `acme` is already gone"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn unattended_destroy_needs_yes_and_the_id_repeated() {
    let sim = Sim::start();
    let env = sim.env();
    provision(&env, "acme", "starter");

    sim.clear_log();
    let mismatch = env.run(&["destroy", "acme", "--yes", "--confirm", "acme2"]);
    assert_eq!(code(&mismatch), 2, "{}", stderr(&mismatch));
    assert!(
        stderr(&mismatch).contains("does not match the tenant `acme`"),
        "{}",
        stderr(&mismatch)
    );
    assert!(
        sim.log().is_empty(),
        "a mismatch is refused before any call"
    );

    for args in [
        &["destroy", "acme"][..],
        &["destroy", "acme", "--yes"],
        &["destroy", "acme", "--confirm", "acme"],
    ] {
        let output = env.run(args);
        assert_eq!(code(&output), 2, "{args:?}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("--yes --confirm acme"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert!(only_reads(&sim), "{}", show(&sim.log()));
    assert!(!leftovers(&sim, APP).is_empty());
}

#[test]
fn protected_tiers_need_force_protected() {
    let sim = Sim::start();
    let env = sim.env();
    provision(&env, "acme", "pro");

    sim.clear_log();
    let refused = env.run(DESTROY);
    assert_eq!(code(&refused), 4, "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("tier `pro`, which is protected"),
        "{}",
        stderr(&refused)
    );
    assert!(
        stderr(&refused).contains("--force-protected"),
        "{}",
        stderr(&refused)
    );
    assert!(only_reads(&sim), "{}", show(&sim.log()));

    let mut forced = DESTROY.to_vec();
    forced.push("--force-protected");
    let output = env.run(&forced);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(leftovers(&sim, APP), Vec::<String>::new());
}

#[test]
fn dry_run_plans_every_deletion_with_reads_only() {
    let sim = Sim::start();
    let env = sim.env();
    provision(&env, "acme", "pro");
    sim.clear_log();
    let output = env.run(&["--dry-run", "destroy", "acme", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["protected"], true);
    let planned: Vec<&str> = doc["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter(|s| s["status"] == "planned")
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        planned,
        ["machines", "volumes", "certificates", "ips", "app"],
        "{doc:#}"
    );
    assert!(
        stderr(&output).contains("needs --force-protected"),
        "{}",
        stderr(&output)
    );
    assert!(only_reads(&sim), "{}", show(&sim.log()));
    // Support may look at the plan too.
    let support = env.run(&["--role", "support", "--dry-run", "destroy", "acme"]);
    assert_eq!(code(&support), 0, "{}", stderr(&support));
}

/// Where a destroy is killed: the request held up, and what must be true of the state once
/// the destroy is inside that step.
struct KillPoint {
    step: &'static str,
    method: &'static str,
    path: &'static str,
    skip: u32,
}

const KILL_POINTS: &[KillPoint] = &[
    KillPoint {
        step: "machines",
        method: "GET",
        path: "/wait",
        skip: 0,
    },
    KillPoint {
        step: "volumes",
        method: "DELETE",
        path: "/volumes/",
        skip: 0,
    },
    KillPoint {
        step: "certificates",
        method: "DELETE",
        path: "/certificates/",
        skip: 0,
    },
    KillPoint {
        step: "ips",
        method: "DELETE",
        path: "/ip_assignments/",
        skip: 1,
    },
    // The app's DELETE comes after those of the machine, its lease (released after the
    // destroy), the volume, the certificate and the two addresses.
    KillPoint {
        step: "app",
        method: "DELETE",
        path: "/v1/apps/tenant-acme",
        skip: 6,
    },
];

/// Holds up `point`'s request, so a destroy started next stops inside that step.
fn hold_up(sim: &Sim, point: &KillPoint) {
    sim.delay(DelayRule {
        method: Some(point.method.into()),
        path_contains: point.path.into(),
        delay_ms: 60_000,
        times: 1,
        skip: point.skip,
    });
}

/// Waits until the destroy is stuck on the held request: answered requests are logged, the
/// held one is not, so once requests have come in and none has been answered for a while, it
/// is waiting. False after 30 s.
fn stuck(sim: &Sim, before: usize) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    let (mut seen, mut quiet_since) = (before, Instant::now());
    while Instant::now() < deadline {
        let now = sim.log().len();
        if now != seen {
            (seen, quiet_since) = (now, Instant::now());
        } else if now > before && quiet_since.elapsed() > Duration::from_millis(700) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn a_destroy_killed_at_any_step_is_finished_by_running_it_again() {
    for point in KILL_POINTS {
        let sim = Sim::start();
        let env = sim.env();
        provision(&env, "acme", "starter");
        // Of the two addresses, the second is held up: the kill lands between two releases.
        hold_up(&sim, point);
        let before = sim.log().len();
        let mut child = env
            .std_cmd()
            .args(DESTROY)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tenantctl starts");
        let reached = stuck(&sim, before);
        child.kill().expect("SIGKILL");
        let killed = child.wait_with_output().expect("output");
        assert!(reached, "{}: never stuck: {}", point.step, stderr(&killed));
        assert_ne!(code(&killed), 0, "{}: the kill did not land", point.step);
        let progress = stderr(&killed);
        assert!(
            progress.contains(&format!("start  {}", point.step)),
            "{}: killed elsewhere:\n{progress}",
            point.step
        );
        assert!(
            !leftovers(&sim, APP).is_empty(),
            "{}: the kill came too late",
            point.step
        );

        let rerun = env.run(DESTROY);
        assert_eq!(
            code(&rerun),
            0,
            "{}: the re-run failed: {}",
            point.step,
            stderr(&rerun)
        );
        assert_eq!(
            leftovers(&sim, APP),
            Vec::<String>::new(),
            "{}: something of the tenant is left",
            point.step
        );
        let again = env.run(DESTROY);
        assert_eq!(code(&again), 3, "{}: {}", point.step, stderr(&again));
    }
}

/// Runs `tenantctl <args>` on a pseudo-terminal (util-linux `script`), typing `typed`.
/// `None` when `script` is missing, which outside CI skips the test loudly.
fn in_a_terminal(env: &TestEnv, args: &[&str], typed: &str) -> Option<std::process::Output> {
    use std::io::Write;
    let plain = env.std_cmd();
    let program = plain.get_program().to_string_lossy().into_owned();
    let line = std::iter::once(program.as_str())
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"]).env_clear();
    for (name, value) in plain.get_envs() {
        if let Some(value) = value {
            cmd.env(name, value);
        }
    }
    cmd.env("TERM", "xterm")
        .current_dir(env.work())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) if std::env::var_os("CI").is_none() => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED destroy::in_a_terminal_*: it needs util-linux `script`: {e}"
            );
            return None;
        }
        Err(e) => panic!("util-linux `script` is needed (CI installs it): {e}"),
    };
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(format!("{typed}\r").as_bytes())
        .expect("type");
    let output = child.wait_with_output().expect("output");
    drop(stdin);
    Some(output)
}

#[test]
fn in_a_terminal_the_operator_types_the_tenant_id_even_with_yes() {
    let sim = Sim::start();
    let env = sim.env();
    provision(&env, "acme", "starter");

    let Some(wrong) = in_a_terminal(&env, &["destroy", "acme", "--yes"], "acme2") else {
        return;
    };
    let screen = stdout(&wrong);
    assert_eq!(code(&wrong), 1, "{screen}");
    assert!(screen.contains("Type `acme` to destroy"), "{screen}");
    assert!(screen.contains("nothing was deleted"), "{screen}");
    assert!(!leftovers(&sim, APP).is_empty());

    let right = in_a_terminal(&env, &["destroy", "acme"], "acme").expect("script ran before");
    assert_eq!(code(&right), 0, "{}", stdout(&right));
    assert_eq!(leftovers(&sim, APP), Vec::<String>::new());
}
