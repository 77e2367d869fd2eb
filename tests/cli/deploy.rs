//! `deploy`: a new image for one tenant, the others untouched, rolled back when the health gate
//! fails.

use crate::harness::{TestEnv, code, json, stderr, stdout, step_outcomes};
use crate::sim::{CONFIG, Sim, show};

const NEW_IMAGE: &str = "registry.fly.io/demo:2";
const OLD_IMAGE: &str = "registry.fly.io/demo:1";

fn provision(env: &TestEnv, tenant: &str) {
    let output = env.run(&["provision", tenant, "--tier", "starter"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}

fn image_of(env: &TestEnv, tenant: &str) -> String {
    let output = env.run(&["status", tenant, "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    json(&output)["tenant"]["machine"]["image"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn deploy_ships_the_image_to_one_tenant_and_leaves_the_others() {
    let sim = Sim::start();
    let env = sim.env();
    provision(&env, "acme");
    provision(&env, "globex");

    let output = env.run(&["deploy", "acme", "--image", NEW_IMAGE, "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    assert_eq!(doc["kind"], "deploy");
    assert_eq!(doc["previous_image"], OLD_IMAGE);
    assert_eq!(doc["image"], NEW_IMAGE);
    assert_eq!(doc["changed"], true);
    let steps = step_outcomes(&doc);
    assert_eq!(steps, [("machine", "done"), ("health", "done")], "{doc:#}");
    assert_eq!(image_of(&env, "acme"), NEW_IMAGE);
    assert_eq!(
        image_of(&env, "globex"),
        OLD_IMAGE,
        "another tenant was touched"
    );
    // The machine was changed under its lease, and the lease is gone.
    let log = sim.log();
    assert!(
        log.iter()
            .any(|r| r.method == "POST" && r.path.ends_with("/lease")),
        "{}",
        show(&log)
    );

    // The same image again changes nothing and only reads.
    sim.clear_log();
    let again = env.run(&["deploy", "acme", "--image", NEW_IMAGE]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(stderr(&again).contains("Unchanged"), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("already runs"),
        "{}",
        stdout(&again)
    );
    let log = sim.log();
    assert!(log.iter().all(|r| r.method == "GET"), "{}", show(&log));
}

#[test]
fn a_failing_health_gate_rolls_the_image_back() {
    let sim = Sim::start();
    let env = sim.env();
    // A short gate, so the failing one gives up quickly.
    env.write(
        "work/tenantctl.toml",
        &CONFIG.replace("timeout = \"10s\"", "timeout = \"2s\""),
    );
    provision(&env, "acme");
    // The boot on the new image gets checks that never pass; the one after it is fine.
    sim.fail_checks_of_next_boots(1);
    let output = env.run(&["deploy", "acme", "--image", NEW_IMAGE]);
    let err = stderr(&output);
    assert_eq!(code(&output), 1, "{err}");
    assert!(err.contains("failed at step `health`"), "{err}");
    assert!(err.contains("health gate not passed within 2s"), "{err}");
    assert!(
        err.contains("rolled back: machine")
            && err.contains(&format!("runs {OLD_IMAGE} again and is healthy")),
        "{err}"
    );
    assert!(
        err.contains("undone"),
        "the rollback is reported as it happens: {err}"
    );
    assert_eq!(image_of(&env, "acme"), OLD_IMAGE);
    let client = sim.client();
    let machines = sim
        .block_on(client.list_machines("tenant-acme", &Default::default()))
        .expect("machines");
    let lease = sim
        .block_on(client.get_lease("tenant-acme", &machines[0].id))
        .expect("lease");
    assert!(lease.is_none(), "the lease was left behind");
}

#[test]
fn deploy_refuses_what_it_cannot_do() {
    let sim = Sim::start();
    let env = sim.env();
    let output = env.run(&["deploy", "ghost", "--image", NEW_IMAGE]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("tenant `ghost` not found"),
        "{}",
        stderr(&output)
    );

    sim.clear_log();
    let output = env.run(&["deploy", "acme", "--image", "Not An Image"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("is not an image reference"),
        "{}",
        stderr(&output)
    );
    assert!(sim.log().is_empty(), "{}", show(&sim.log()));
}

#[test]
fn a_dry_run_says_what_would_change_and_only_reads() {
    let sim = Sim::start();
    let env = sim.env();
    provision(&env, "acme");
    sim.clear_log();
    let output = env.run(&[
        "--dry-run",
        "deploy",
        "acme",
        "--image",
        NEW_IMAGE,
        "-o",
        "json",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["changed"], false);
    assert_eq!(doc["previous_image"], OLD_IMAGE, "{doc:#}");
    assert!(
        doc["machine_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{doc:#}"
    );
    assert_eq!(doc["steps"][0]["status"], "planned", "{doc:#}");
    assert!(
        stderr(&output).contains("Would deploy"),
        "{}",
        stderr(&output)
    );
    let log = sim.log();
    assert!(log.iter().all(|r| r.method == "GET"), "{}", show(&log));
    assert_eq!(image_of(&env, "acme"), OLD_IMAGE);
}

#[test]
fn a_rerun_after_an_interrupted_deploy_restarts_the_failing_boot() {
    let sim = Sim::start();
    let env = sim.env();
    env.write(
        "work/tenantctl.toml",
        &CONFIG.replace("timeout = \"10s\"", "timeout = \"1s\""),
    );
    provision(&env, "acme");
    // What a deploy killed during its health gate leaves: the new image on a boot whose checks
    // fail, and nothing to roll back to.
    let client = sim.client();
    sim.block_on(async {
        let machines = client
            .list_machines("tenant-acme", &Default::default())
            .await
            .expect("machines");
        let machine = machines.first().expect("one machine");
        let mut config = machine.config.clone().expect("config");
        config.image = Some(NEW_IMAGE.to_string());
        let input = fly_api::types::LaunchMachineInput {
            config,
            ..Default::default()
        };
        sim.fail_checks_of_next_boots(1);
        client
            .update_machine("tenant-acme", &machine.id, &input, None)
            .await
            .expect("update");
    });
    let output = env.run(&["deploy", "acme", "--image", NEW_IMAGE]);
    let err = stderr(&output);
    assert_eq!(code(&output), 0, "{err}");
    assert!(err.contains("restarting it"), "{err}");
    assert_eq!(image_of(&env, "acme"), NEW_IMAGE);
    let machines = sim
        .block_on(client.list_machines("tenant-acme", &Default::default()))
        .expect("machines");
    let lease = sim
        .block_on(client.get_lease("tenant-acme", &machines[0].id))
        .expect("lease");
    assert!(lease.is_none(), "the lease was left behind");
}
