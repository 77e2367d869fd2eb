//! Rollouts over the fleet: `deploy` and `upgrade` with `--all`, `--tenants`, `--shard`,
//! canaries, hold-backs and resume, through the real binary against flysim.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use flysim::DelayRule;

use crate::harness::{TestEnv, code, json, stderr};
use crate::sim::{CONFIG, Sim};

const NEW_IMAGE: &str = "registry.fly.io/demo:2";
const OLD_IMAGE: &str = "registry.fly.io/demo:1";

fn fleet(sim: &Sim, tenants: &[&str]) -> TestEnv {
    let env = sim.env();
    // A short gate, so a failing one gives up quickly.
    env.write(
        "work/tenantctl.toml",
        &CONFIG.replace("timeout = \"10s\"", "timeout = \"2s\""),
    );
    for tenant in tenants {
        let output = env.run(&["provision", tenant, "--tier", "starter"]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
    }
    env
}

fn image_of(env: &TestEnv, tenant: &str) -> String {
    let output = env.run(&["status", tenant, "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    json(&output)["tenant"]["machine"]["image"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// (tenant, outcome) of a rollout document, in its order.
fn outcomes(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["tenants"]
        .as_array()
        .map(|tenants| {
            tenants
                .iter()
                .map(|t| {
                    (
                        t["tenant"].as_str().unwrap_or_default().to_string(),
                        t["outcome"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn a_failing_canary_halts_the_rollout_and_a_rerun_resumes_it() {
    let sim = Sim::start();
    let env = fleet(&sim, &["alpha", "bravo", "charlie", "delta"]);
    // The canary's boot on the new image gets checks that never pass.
    sim.fail_checks_of_next_boots(1);
    let output = env.run(&[
        "deploy", "--all", "--image", NEW_IMAGE, "--canary", "1", "--yes", "-o", "json",
    ]);
    let err = stderr(&output);
    assert_eq!(code(&output), 1, "{err}");
    let doc = json(&output);
    assert_eq!(doc["kind"], "rollout", "{doc:#}");
    assert_eq!(doc["operation"], "deploy");
    assert_eq!(
        outcomes(&doc),
        pairs(&[
            ("alpha", "rolled_back"),
            ("bravo", "not_started"),
            ("charlie", "not_started"),
            ("delta", "not_started"),
        ]),
        "{doc:#}"
    );
    assert_eq!(doc["tenants"][0]["before"], OLD_IMAGE);
    assert_eq!(doc["tenants"][0]["after"], OLD_IMAGE);
    assert_eq!(doc["tenants"][0]["wave"], "canary");
    assert!(
        doc["halted"]
            .as_str()
            .unwrap_or_default()
            .contains("canary")
    );
    assert!(err.contains("halted"), "{err}");
    assert!(
        err.contains("run `tenantctl deploy --all --image registry.fly.io/demo:2 --yes` again"),
        "the hint repeats the command: {err}"
    );
    for tenant in ["alpha", "bravo", "charlie", "delta"] {
        assert_eq!(image_of(&env, tenant), OLD_IMAGE, "{tenant} was touched");
    }

    // The same command again, once the cause is gone: everyone gets the image.
    let again = env.run(&[
        "deploy", "--all", "--image", NEW_IMAGE, "--yes", "-o", "json",
    ]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    let doc = json(&again);
    assert_eq!(doc["updated"], 4, "{doc:#}");
    for tenant in ["alpha", "bravo", "charlie", "delta"] {
        assert_eq!(image_of(&env, tenant), NEW_IMAGE);
    }

    // The audit trail has each tenant's own record of the two runs: alpha's rollback as a
    // failure, then one success per tenant.
    let audit = env.run(&["audit", "-o", "json"]);
    assert_eq!(code(&audit), 0, "{}", stderr(&audit));
    let records = json(&audit)["records"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let deploys: Vec<(String, String)> = records
        .iter()
        .filter(|r| r["command"] == "deploy")
        .map(|r| {
            (
                r["tenant"].as_str().unwrap_or_default().to_string(),
                r["outcome"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(
        deploys.contains(&("alpha".into(), "failed".into())),
        "{deploys:?}"
    );
    for tenant in ["alpha", "bravo", "charlie", "delta"] {
        assert!(
            deploys.contains(&(tenant.into(), "ok".into())),
            "{tenant}: {deploys:?}"
        );
    }

    // And once more: nothing to do, and nothing is written.
    sim.clear_log();
    let third = env.run(&[
        "deploy", "--all", "--image", NEW_IMAGE, "--yes", "-o", "json",
    ]);
    assert_eq!(code(&third), 0, "{}", stderr(&third));
    assert_eq!(json(&third)["unchanged"], 4);
    let writes = sim.log().iter().filter(|r| r.method != "GET").count();
    assert_eq!(writes, 0, "a finished rollout re-run only reads");
}

#[test]
fn held_back_tenants_keep_their_image() {
    let sim = Sim::start();
    let env = fleet(&sim, &["alpha", "bravo", "charlie"]);
    let output = env.run(&[
        "deploy",
        "--tenants",
        "charlie,alpha,bravo",
        "--hold-back",
        "bravo",
        "--image",
        NEW_IMAGE,
        "--concurrency",
        "2",
        "--yes",
        "-o",
        "json",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    // Named tenants keep their order; the first pending one is the canary.
    assert_eq!(
        outcomes(&doc),
        pairs(&[
            ("charlie", "updated"),
            ("alpha", "updated"),
            ("bravo", "held_back"),
        ]),
        "{doc:#}"
    );
    assert_eq!(doc["tenants"][0]["wave"], "canary");
    assert_eq!(image_of(&env, "bravo"), OLD_IMAGE);
    assert_eq!(image_of(&env, "alpha"), NEW_IMAGE);
}

#[test]
fn shards_split_the_fleet_into_disjoint_parts() {
    let sim = Sim::start();
    let tenants = ["t1", "t2", "t3", "t4", "t5", "t6", "t7"];
    let env = fleet(&sim, &tenants);
    let mut seen = BTreeSet::new();
    for shard in ["1/3", "2/3", "3/3"] {
        let output = env.run(&[
            "deploy",
            "--all",
            "--shard",
            shard,
            "--image",
            NEW_IMAGE,
            "--dry-run",
            "-o",
            "json",
        ]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        for (tenant, outcome) in outcomes(&json(&output)) {
            assert_eq!(outcome, "updated", "a dry run reports what would change");
            assert!(seen.insert(tenant.clone()), "{tenant} is in two shards");
        }
    }
    let all: BTreeSet<String> = tenants.iter().map(|t| t.to_string()).collect();
    assert_eq!(seen, all, "every tenant is in one shard");

    // status takes the same selection and answers as list does.
    let mut listed = BTreeSet::new();
    for shard in ["1/3", "2/3", "3/3"] {
        let output = env.run(&["status", "--all", "--shard", shard, "-o", "json"]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        let doc = json(&output);
        assert_eq!(doc["kind"], "list");
        for t in doc["tenants"].as_array().into_iter().flatten() {
            assert!(listed.insert(t["tenant"].as_str().unwrap_or_default().to_string()));
        }
    }
    assert_eq!(listed, all);
    let two = env.run(&["status", "--tenants", "t2,t1", "-o", "json"]);
    assert_eq!(json(&two)["tenants"].as_array().map(Vec::len), Some(2));
    for tenant in tenants {
        assert_eq!(
            image_of(&env, tenant),
            OLD_IMAGE,
            "a dry run changed {tenant}"
        );
    }
}

#[test]
fn a_fleet_upgrade_moves_one_tier_and_reports_in_the_step_summary() {
    let sim = Sim::start();
    let env = fleet(&sim, &["alpha", "bravo"]);
    let summary = env.root().join("summary.md");
    let env = env
        .var("GITHUB_ACTIONS", "true")
        .var("GITHUB_STEP_SUMMARY", summary.to_str().unwrap_or_default());
    let output = env.run(&[
        "upgrade",
        "--all",
        "--from-tier",
        "starter",
        "--tier",
        "pro",
        "--yes",
        "-o",
        "json",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    assert_eq!(doc["operation"], "upgrade");
    assert_eq!(doc["updated"], 2, "{doc:#}");
    let status = env.run(&["status", "bravo", "-o", "json"]);
    assert_eq!(json(&status)["tenant"]["tier"], "pro");
    let markdown = std::fs::read_to_string(&summary).unwrap_or_default();
    assert!(markdown.contains("### tenantctl upgrade"), "{markdown}");
    assert!(markdown.contains("| alpha |"), "{markdown}");

    // Nothing is left on starter, so the same selection is empty and changes nothing.
    let again = env.run(&[
        "upgrade",
        "--all",
        "--from-tier",
        "starter",
        "--tier",
        "pro",
        "--yes",
        "-o",
        "json",
    ]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(json(&again)["tenants"].as_array().map(Vec::len), Some(0));
}

#[test]
fn a_misspelt_tenant_stops_the_rollout_before_anything_changes() {
    let sim = Sim::start();
    let env = fleet(&sim, &["alpha"]);
    let output = env.run(&["deploy", "alpha", "alpah", "--image", NEW_IMAGE, "--yes"]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(stderr(&output).contains("alpah"), "{}", stderr(&output));
    assert_eq!(image_of(&env, "alpha"), OLD_IMAGE);
}

fn machine_of(sim: &Sim, app: &str) -> String {
    let client = sim.client();
    let machines = sim
        .block_on(client.list_machines(app, &Default::default()))
        .expect("machines");
    machines.first().expect("one machine").id.clone()
}

fn lease_held(sim: &Sim, app: &str, id: &str) -> bool {
    let client = sim.client();
    sim.block_on(client.get_lease(app, id))
        .expect("read lease")
        .is_some()
}

#[test]
fn an_interrupted_rollout_releases_its_leases_and_a_rerun_finishes_it() {
    let sim = Sim::start();
    let env = fleet(&sim, &["alpha", "bravo", "charlie"]);
    let bravo = machine_of(&sim, "tenant-bravo");
    // bravo's machine update (the POST after its lease is taken) hangs.
    sim.delay(DelayRule {
        method: Some("POST".into()),
        path_contains: format!("tenant-bravo/machines/{bravo}"),
        delay_ms: 60_000,
        times: 1,
        skip: 1,
    });
    let mut child = env
        .std_cmd()
        .args(["deploy", "--all", "--image", NEW_IMAGE, "--yes"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tenantctl starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !lease_held(&sim, "tenant-bravo", &bravo) {
        assert!(Instant::now() < deadline, "the rollout never reached bravo");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "tenantctl did not stop after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(exit.code(), Some(130));
    assert!(
        !lease_held(&sim, "tenant-bravo", &bravo),
        "the interrupted rollout left bravo's lease held"
    );

    sim.clear_faults();
    let again = env.run(&[
        "deploy", "--all", "--image", NEW_IMAGE, "--yes", "-o", "json",
    ]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    let doc = json(&again);
    assert_eq!(
        doc["tenants"][0]["outcome"], "unchanged",
        "the canary was done: {doc:#}"
    );
    for tenant in ["alpha", "bravo", "charlie"] {
        assert_eq!(image_of(&env, tenant), NEW_IMAGE);
    }
}
