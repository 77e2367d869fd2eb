//! `upgrade`: a tier change shown as a plan, confirmed, made under the machine's lease, and
//! rolled back when the health gate fails.

use std::process::Stdio;

use crate::harness::{TestEnv, code, json, stderr, stdout, step_outcomes};
use crate::sim::{CONFIG, Sim, show};

fn provision(env: &TestEnv, tenant: &str, tier: &str) {
    let output = env.run(&["provision", tenant, "--tier", tier]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}

/// (tier, volume size in GB, template version) as `status` reports them.
fn tier_and_volume(env: &TestEnv, tenant: &str) -> (String, u64, String) {
    let output = env.run(&["status", tenant, "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    let t = &doc["tenant"];
    (
        t["tier"].as_str().unwrap_or_default().to_string(),
        t["volume"]["size_gb"].as_u64().unwrap_or_default(),
        t["template_version"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

/// Machine config updates: `POST /v1/apps/{app}/machines/{id}` with nothing after the id.
fn machine_updates(sim: &Sim) -> usize {
    sim.log()
        .iter()
        .filter(|r| r.method == "POST")
        .filter(|r| {
            let parts: Vec<&str> = r.path.trim_matches('/').split('/').collect();
            parts.len() == 5 && parts[3] == "machines"
        })
        .count()
}

fn lease_left(sim: &Sim, app: &str) -> bool {
    let client = sim.client();
    let machines = sim
        .block_on(client.list_machines(app, &Default::default()))
        .expect("machines");
    sim.block_on(client.get_lease(app, &machines[0].id))
        .expect("lease")
        .is_some()
}

#[test]
fn upgrade_shows_the_plan_then_moves_the_tenant_up_once() {
    let sim = Sim::start();
    let env = sim.env();
    provision(&env, "acme", "starter");
    let (_, _, version) = tier_and_volume(&env, "acme");

    // The plan reads only and names each change.
    sim.clear_log();
    let plan = env.run(&[
        "--dry-run",
        "upgrade",
        "acme",
        "--tier",
        "pro",
        "-o",
        "json",
    ]);
    assert_eq!(code(&plan), 0, "{}", stderr(&plan));
    let doc = json(&plan);
    assert_eq!(doc["kind"], "upgrade");
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["direction"], "up");
    assert_eq!(doc["volume"]["size_gb"], 1);
    assert_eq!(doc["volume"]["target_size_gb"], 2);
    let fields: Vec<&str> = doc["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["field"].as_str())
        .collect();
    for field in ["tier", "volume_size_gb", "vm"] {
        assert!(fields.contains(&field), "{field} missing: {doc:#}");
    }
    let diff = doc["config_diff"].as_array().expect("diff");
    assert!(
        diff.iter().any(|l| l
            .as_str()
            .is_some_and(|l| l.starts_with('+') && l.contains("1024"))),
        "{doc:#}"
    );
    assert!(
        sim.log().iter().all(|r| r.method == "GET"),
        "{}",
        show(&sim.log())
    );
    assert_eq!(tier_and_volume(&env, "acme").0, "starter");

    sim.clear_log();
    let output = env.run(&["upgrade", "acme", "--tier", "pro", "--yes", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    assert_eq!(doc["changed"], true);
    let steps = step_outcomes(&doc);
    assert_eq!(
        steps,
        [("volume", "done"), ("machine", "done"), ("health", "done")],
        "{doc:#}"
    );
    let (tier, size, recorded) = tier_and_volume(&env, "acme");
    assert_eq!((tier.as_str(), size), ("pro", 2));
    assert_eq!(recorded, version, "the template version is recorded");
    let log = sim.log();
    assert!(
        log.iter()
            .any(|r| r.method == "PUT" && r.path.ends_with("/extend")),
        "{}",
        show(&log)
    );
    // The update carried the lease's nonce: flysim refuses one without it while held.
    assert_eq!(machine_updates(&sim), 1, "{}", show(&log));
    assert!(
        !lease_left(&sim, "tenant-acme"),
        "the lease was left behind"
    );

    // The same upgrade again: already on the tier, only reads, no prompt needed.
    sim.clear_log();
    let again = env.run(&["upgrade", "acme", "--tier", "pro"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(
        stderr(&again).contains("already on tier pro"),
        "{}",
        stderr(&again)
    );
    assert!(
        sim.log().iter().all(|r| r.method == "GET"),
        "{}",
        show(&sim.log())
    );
}

#[test]
fn a_down_tier_keeps_the_volume_and_a_protected_tier_needs_the_override() {
    let sim = Sim::start();
    let env = sim.env();
    provision(&env, "acme", "pro");

    sim.clear_log();
    let refused = env.run(&["upgrade", "acme", "--tier", "starter", "--yes"]);
    let err = stderr(&refused);
    assert_eq!(code(&refused), 4, "{err}");
    assert!(err.contains("protected"), "{err}");
    assert!(err.contains("--force-protected"), "{err}");
    assert_eq!(machine_updates(&sim), 0, "{}", show(&sim.log()));
    assert_eq!(tier_and_volume(&env, "acme").0, "pro");

    let output = env.run(&[
        "upgrade",
        "acme",
        "--tier",
        "starter",
        "--yes",
        "--force-protected",
        "-o",
        "json",
    ]);
    let err = stderr(&output);
    assert_eq!(code(&output), 0, "{err}");
    assert!(err.contains("never shrunk"), "{err}");
    let doc = json(&output);
    assert_eq!(doc["direction"], "down");
    assert_eq!(doc["volume"]["target_size_gb"], 2, "{doc:#}");
    let (tier, size, _) = tier_and_volume(&env, "acme");
    assert_eq!((tier.as_str(), size), ("starter", 2));
    assert!(
        !sim.log()
            .iter()
            .any(|r| r.method == "PUT" && r.path.ends_with("/extend")),
        "a down-tier touched the volume: {}",
        show(&sim.log())
    );
}

#[test]
fn a_failing_health_gate_puts_the_previous_tier_back() {
    let sim = Sim::start();
    let env = sim.env();
    env.write(
        "work/tenantctl.toml",
        &CONFIG.replace("timeout = \"10s\"", "timeout = \"2s\""),
    );
    provision(&env, "acme", "starter");
    // The boot on the new config gets checks that never pass; the one after it is fine.
    sim.fail_checks_of_next_boots(1);
    let output = env.run(&["upgrade", "acme", "--tier", "pro", "--yes"]);
    let err = stderr(&output);
    assert_eq!(code(&output), 1, "{err}");
    assert!(err.contains("failed at step `health`"), "{err}");
    assert!(
        err.contains("rolled back: machine") && err.contains("tier starter config again"),
        "{err}"
    );
    assert!(err.contains("stays at 2 GB"), "{err}");
    let (tier, size, _) = tier_and_volume(&env, "acme");
    assert_eq!(tier, "starter", "the previous config is back");
    assert_eq!(size, 2, "volumes are never shrunk, also on rollback");
    assert!(
        !lease_left(&sim, "tenant-acme"),
        "the lease was left behind"
    );
}

#[test]
fn upgrade_refuses_without_consent_or_with_bad_input() {
    let sim = Sim::start();
    let env = sim.env();
    provision(&env, "acme", "starter");

    // No terminal and no --yes: nothing is changed and the flag is named.
    sim.clear_log();
    let output = env.run(&["upgrade", "acme", "--tier", "pro"]);
    let err = stderr(&output);
    assert_eq!(code(&output), 2, "{err}");
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(machine_updates(&sim), 0, "{}", show(&sim.log()));
    assert_eq!(tier_and_volume(&env, "acme").0, "starter");

    // An unknown tier is refused before any request.
    sim.clear_log();
    let output = env.run(&["upgrade", "acme", "--tier", "gold", "--yes"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("gold"), "{}", stderr(&output));
    assert!(sim.log().is_empty(), "{}", show(&sim.log()));

    let output = env.run(&["upgrade", "ghost", "--tier", "pro", "--yes"]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
}

#[test]
fn two_upgrades_of_one_tenant_at_once_make_one_change() {
    let sim = Sim::start();
    let env = sim.env();
    provision(&env, "acme", "starter");
    sim.clear_log();
    let children: Vec<_> = (0..2)
        .map(|_| {
            env.std_cmd()
                .args(["upgrade", "acme", "--tier", "pro", "--yes", "-o", "json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn tenantctl")
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect();
    for output in &outputs {
        assert_eq!(code(output), 0, "{}", stderr(output));
    }
    let changed = outputs
        .iter()
        .filter(|o| json(o)["changed"] == true)
        .count();
    assert_eq!(changed, 1, "exactly one process made the change");
    assert_eq!(machine_updates(&sim), 1, "{}", show(&sim.log()));
    let extends = sim
        .log()
        .iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/extend"))
        .count();
    assert_eq!(extends, 1, "{}", show(&sim.log()));
    assert_eq!(tier_and_volume(&env, "acme").0, "pro");
    assert!(!lease_left(&sim, "tenant-acme"), "a lease was left behind");
}
