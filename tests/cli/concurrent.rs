//! Many tenantctl processes against one org at once, as a GitHub Actions matrix runs them:
//! Fly's rate limits shared by all of them, and two processes on one tenant.

use std::thread;

use crate::harness::{TestEnv, code, json, stderr};
use crate::sim::Sim;

fn provision(env: &TestEnv, tenant: &str) -> std::process::Output {
    env.run(&["provision", tenant, "--tier", "starter"])
}

/// Apps, machines and volumes of a tenant's app, from flysim's own state.
fn resources(sim: &Sim, tenant: &str) -> (usize, usize, usize) {
    let census = sim.handle().census().expect("census");
    let app = format!("tenant-{tenant}");
    let live = |state: &str| !state.starts_with("destroy");
    (
        census.apps.iter().filter(|a| **a == app).count(),
        census
            .machines
            .iter()
            .filter(|m| m.app == app && live(&m.state))
            .count(),
        census
            .volumes
            .iter()
            .filter(|v| v.app == app && live(&v.state))
            .count(),
    )
}

#[test]
fn sixteen_processes_share_the_rate_limits_and_all_succeed() {
    let sim = Sim::start_rate_limited();
    let env = sim.env();
    // 16 processes at once, each provisioning 2 tenants: 32 app creations against a bucket of
    // 1 per second (burst 3). Each process waits its turn instead of giving up.
    let outputs: Vec<(String, std::process::Output)> = thread::scope(|scope| {
        let workers: Vec<_> = (0..16)
            .map(|i| {
                let env = &env;
                scope.spawn(move || {
                    ["a", "b"]
                        .iter()
                        .map(|suffix| {
                            let tenant = format!("m{i:02}{suffix}");
                            let output = provision(env, &tenant);
                            (tenant, output)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    assert_eq!(outputs.len(), 32);
    for (tenant, output) in &outputs {
        let err = stderr(output);
        assert_eq!(code(output), 0, "{tenant}: {err}");
        assert!(!err.contains("error:"), "{tenant}: {err}");
        assert_eq!(resources(&sim, tenant), (1, 1, 1), "{tenant}");
    }
    let rate_limited = sim.log().iter().filter(|r| r.status == 429).count();
    assert!(
        rate_limited > 0,
        "the test is meant to run into Fly's app-creation limit"
    );
}

#[test]
fn two_deploys_of_one_tenant_at_once_lose_no_update() {
    let sim = Sim::start();
    let env = sim.env();
    let first = provision(&env, "acme");
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    for round in 0..3 {
        let (a, b) = (
            format!("registry.fly.io/demo:a{round}"),
            format!("registry.fly.io/demo:b{round}"),
        );
        let (out_a, out_b) = thread::scope(|scope| {
            let ra = scope.spawn(|| env.run(&["deploy", "acme", "--image", &a, "--yes"]));
            let rb = scope.spawn(|| env.run(&["deploy", "acme", "--image", &b, "--yes"]));
            (ra.join().expect("a"), rb.join().expect("b"))
        });
        // The second waits for the first's lease, or fails saying who holds it.
        for output in [&out_a, &out_b] {
            let c = code(output);
            assert!(c == 0 || c == 4, "{}", stderr(output));
            if c == 4 {
                assert!(stderr(output).contains("locked"), "{}", stderr(output));
            }
        }
        let status = env.run(&["status", "acme", "-o", "json"]);
        let image = json(&status)["tenant"]["machine"]["image"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let succeeded: Vec<&str> = [(&out_a, a.as_str()), (&out_b, b.as_str())]
            .into_iter()
            .filter(|(o, _)| code(o) == 0)
            .map(|(_, image)| image)
            .collect();
        assert!(
            !succeeded.is_empty(),
            "round {round}: neither deploy succeeded"
        );
        assert!(
            succeeded.contains(&image.as_str()),
            "round {round}: the tenant runs {image}, which no successful deploy shipped"
        );
        assert_eq!(resources(&sim, "acme"), (1, 1, 1));
    }
}

#[test]
fn a_deploy_and_an_upgrade_at_once_both_land() {
    let sim = Sim::start();
    let env = sim.env();
    let first = provision(&env, "acme");
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let image = "registry.fly.io/demo:7";
    let (deployed, upgraded) = thread::scope(|scope| {
        let d = scope.spawn(|| env.run(&["deploy", "acme", "--image", image, "--yes"]));
        let u = scope.spawn(|| env.run(&["upgrade", "acme", "--tier", "pro", "--yes"]));
        (d.join().expect("deploy"), u.join().expect("upgrade"))
    });
    let status = env.run(&["status", "acme", "-o", "json"]);
    let tenant = json(&status)["tenant"].clone();
    // Whatever succeeded is in the end state: neither overwrote the other with what it read
    // before the other ran.
    if code(&deployed) == 0 {
        assert_eq!(tenant["machine"]["image"], image, "the deploy was lost");
    }
    if code(&upgraded) == 0 {
        assert_eq!(tenant["tier"], "pro", "the upgrade was lost");
    }
    for output in [&deployed, &upgraded] {
        let c = code(output);
        assert!(c == 0 || c == 4, "{}", stderr(output));
    }
}

#[test]
fn two_provisions_of_one_tenant_at_once_make_one_tenant() {
    let sim = Sim::start();
    let env = sim.env();
    for round in 0..10 {
        let tenant = format!("same{round}");
        let (a, b) = thread::scope(|scope| {
            let a = scope.spawn(|| provision(&env, &tenant));
            let b = scope.spawn(|| provision(&env, &tenant));
            (a.join().expect("a"), b.join().expect("b"))
        });
        assert_eq!(
            resources(&sim, &tenant),
            (1, 1, 1),
            "round {round}\n{}\n{}",
            stderr(&a),
            stderr(&b)
        );
        let codes = [code(&a), code(&b)];
        assert!(
            codes.contains(&0),
            "round {round}: {codes:?}\n{}\n{}",
            stderr(&a),
            stderr(&b)
        );
        for output in [&a, &b] {
            let err = stderr(output);
            // The other one converged on the same tenant, or says another run provisions it.
            assert!(matches!(code(output), 0 | 4), "round {round}: {err}");
            assert!(!err.contains("cannot see"), "round {round}: {err}");
        }
        let secrets = sim
            .block_on(sim.client().list_secrets(&format!("tenant-{tenant}")))
            .expect("secrets");
        assert!(
            secrets.iter().all(|s| s.name != "TENANTCTL_LOCK"),
            "round {round}: the tenant lock was left behind"
        );
    }
}

#[test]
fn a_lock_whose_holder_was_killed_is_taken_over_and_the_tenant_converges() {
    let sim = Sim::start();
    let env = sim.env();
    // The first run holds the lock while its volume create hangs; then it is killed.
    sim.delay(flysim::DelayRule {
        method: Some("POST".into()),
        path_contains: "/volumes".into(),
        delay_ms: 60_000,
        times: 1,
        skip: 0,
    });
    let mut child = env
        .std_cmd()
        .args(["provision", "acme", "--tier", "starter"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("tenantctl starts");
    let client = sim.client();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let held = sim
            .block_on(client.get_secret_value("tenant-acme", "TENANTCTL_LOCK"))
            .ok()
            .flatten()
            .is_some();
        if held {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the lock was never taken"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    sim.clear_faults();

    // Its process is gone: the next run on this host takes the lock over at once and resumes.
    let output = provision(&env, "acme");
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(resources(&sim, "acme"), (1, 1, 1));
}
