//! `--dry-run provision`: a plan made of real reads (GETs only) that says what would change.

use crate::harness::{TestEnv, code, json, stderr, stdout};
use crate::sim::{CONFIG, Sim, show};

#[test]
fn dry_run_of_a_new_tenant_says_so_and_plans_every_step() {
    let sim = Sim::start();
    let env = sim.env();
    let output = env.run(&["--dry-run", "provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains(
            "tenant `acme` does not exist yet: 7 steps would create it (1 has nothing to do)"
        ),
        "{err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
    let out = stdout(&output);
    let header = out.lines().next().unwrap_or_default();
    for column in ["STEP", "PLAN", "DETAIL"] {
        assert!(header.contains(column), "{out}");
    }
    assert!(
        out.contains("create volume data (1 GB, ams)"),
        "the plan says what would change:\n{out}"
    );

    let output = env.run(&[
        "provision",
        "acme",
        "--tier",
        "starter",
        "--dry-run",
        "-o",
        "json",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    assert_eq!(doc["kind"], "provision");
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["changed"], false);
    let steps = doc["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 8);
    assert_eq!(steps[0]["name"], "app");
    for step in steps {
        // Without --domain the certificates step has nothing to do, in a plan as in a run.
        let expected = if step["name"] == "certificates" {
            "skipped"
        } else {
            "planned"
        };
        assert_eq!(step["status"], expected, "{doc:#}");
        assert!(step["elapsed_ms"].is_null(), "{doc:#}");
    }

    let log = sim.log();
    assert!(!log.is_empty(), "a plan reads what exists");
    assert!(
        log.iter().all(|r| r.method == "GET"),
        "a dry run wrote:\n{}",
        show(&log)
    );
    assert_eq!(sim.counts(), (0, 0, 0));
}

#[test]
fn dry_run_of_a_half_provisioned_tenant_lists_exactly_the_missing_steps() {
    let sim = Sim::start();
    let env = sim.env();
    // The first run stops at the machine: app, secrets, IPs and volume exist.
    sim.inject(tenantctl_test_support::answer("POST", "/machines", 422, 1));
    let first = env.run(&["provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&first), 1, "{}", stderr(&first));
    sim.clear_faults();
    sim.clear_log();

    let output = env.run(&[
        "--dry-run",
        "provision",
        "acme",
        "--tier",
        "starter",
        "-o",
        "json",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    let planned: Vec<&str> = doc["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter(|s| s["status"] == "planned")
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(planned, ["machine", "hooks", "health"], "{doc:#}");
    assert!(
        stderr(&output).contains("3 of 8 steps would change tenant-acme"),
        "{}",
        stderr(&output)
    );
    let log = sim.log();
    assert!(!log.is_empty());
    assert!(
        log.iter().all(|r| r.method == "GET"),
        "a dry run wrote:\n{}",
        show(&log)
    );
    assert_eq!(sim.counts(), (1, 1, 0), "nothing was created by the plan");

    // The run then does what the plan said, and a plan after it has nothing left to do.
    let run = env.run(&["provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    let again = env.run(&["--dry-run", "provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(
        stderr(&again).contains("is complete: no step would change anything"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn dry_run_reads_so_it_needs_a_token() {
    let env = TestEnv::with_config(&CONFIG);
    let output = env.run(&["provision", "acme", "--tier", "starter", "--dry-run"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("FLY_API_TOKEN"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn dry_run_refuses_bad_input_before_connecting() {
    // No token and no emulator: bad input is still reported as such, first.
    let env = TestEnv::with_config(&CONFIG);
    let output = env.run(&["provision", "acme", "--tier", "gold", "--dry-run"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("gold"), "{}", stderr(&output));
    assert!(
        !stderr(&output).contains("FLY_API_TOKEN"),
        "{}",
        stderr(&output)
    );
}
