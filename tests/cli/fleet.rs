//! The declarative fleet file: `plan` (with Terraform's detailed exit codes), `apply`
//! converging creates, upgrades and deploys, `--prune` behind a typed confirmation, and bad
//! files refused with their line, through the real binary against flysim.

use crate::harness::{TestEnv, code, json, stderr, stdout};
use crate::sim::Sim;

const OLD_IMAGE: &str = "registry.fly.io/demo:1";
const PINNED: &str = "registry.fly.io/demo:3";

fn env_with(sim: &Sim, fleet: &str) -> TestEnv {
    let env = sim.env();
    env.write("work/fleet.toml", fleet);
    env
}

fn provision(env: &TestEnv, tenant: &str, tier: &str) {
    let output = env.run(&["provision", tenant, "--tier", tier]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}

fn status(env: &TestEnv, tenant: &str) -> serde_json::Value {
    let output = env.run(&["status", tenant, "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    json(&output)["tenant"].clone()
}

/// (tenant, action) of every change in a plan document.
fn changes(doc: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for tenant in doc["tenants"].as_array().into_iter().flatten() {
        for change in tenant["changes"].as_array().into_iter().flatten() {
            out.push((
                tenant["tenant"].as_str().unwrap_or_default().to_string(),
                change["action"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    out
}

const FLEET: &str = r#"
[defaults]
tier = "starter"

[tenants.acme]
tier = "pro"

[tenants.globex]
image = "registry.fly.io/demo:3"

[tenants.initech]
"#;

#[test]
fn plan_reports_drift_and_apply_converges_the_fleet() {
    let sim = Sim::start();
    let env = env_with(&sim, FLEET);
    // acme exists on the wrong tier, globex on the wrong image, initech not at all, and
    // hooli is in Fly without being in the file.
    provision(&env, "acme", "starter");
    provision(&env, "globex", "starter");
    provision(&env, "hooli", "starter");

    let plan = env.run(&["plan", "--detailed-exitcode", "-o", "json"]);
    assert_eq!(code(&plan), 2, "changes: exit 2\n{}", stderr(&plan));
    let doc = json(&plan);
    assert_eq!(doc["kind"], "fleet_plan", "{doc:#}");
    assert_eq!(doc["has_changes"], true);
    let expected: Vec<(String, String)> = [
        ("acme", "upgrade"),
        ("globex", "deploy"),
        ("hooli", "prune"),
        ("initech", "create"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(changes(&doc), expected, "{doc:#}");

    // The table says the same to a person.
    let table = env.run(&["plan"]);
    assert_eq!(
        code(&table),
        0,
        "without the flag a plan with changes exits 0"
    );
    assert!(
        stdout(&table).contains("create on tier starter"),
        "{}",
        stdout(&table)
    );

    let apply = env.run(&["apply", "--yes", "-o", "json"]);
    assert_eq!(code(&apply), 0, "{}", stderr(&apply));
    let applied = json(&apply);
    assert_eq!(applied["kind"], "rollout");
    assert_eq!(applied["operation"], "apply");
    assert_eq!(applied["updated"], 3, "{applied:#}");
    assert!(
        stderr(&apply).contains("not in the fleet file and are left alone: hooli"),
        "{}",
        stderr(&apply)
    );
    assert_eq!(status(&env, "acme")["tier"], "pro");
    assert_eq!(status(&env, "globex")["machine"]["image"], PINNED);
    assert_eq!(status(&env, "initech")["tier"], "starter");
    assert_eq!(status(&env, "initech")["machine"]["image"], OLD_IMAGE);
    assert_eq!(
        status(&env, "hooli")["tier"],
        "starter",
        "never pruned unasked"
    );

    // Only hooli is left as drift.
    let again = env.run(&["plan", "--detailed-exitcode", "-o", "json"]);
    assert_eq!(code(&again), 2);
    let left = changes(&json(&again));
    assert_eq!(left, [("hooli".to_string(), "prune".to_string())]);

    // A second apply has nothing to do and writes nothing.
    sim.clear_log();
    let idle = env.run(&["apply", "--yes", "-o", "json"]);
    assert_eq!(code(&idle), 0, "{}", stderr(&idle));
    assert_eq!(json(&idle)["unchanged"], 3);
    assert_eq!(sim.log().iter().filter(|r| r.method != "GET").count(), 0);
}

#[test]
fn plan_exits_0_without_drift_and_1_on_error() {
    let sim = Sim::start();
    let env = env_with(&sim, "[tenants.acme]\ntier = \"starter\"\n");
    provision(&env, "acme", "starter");
    let plan = env.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(code(&plan), 0, "{}", stderr(&plan));
    assert!(stderr(&plan).contains("No changes"), "{}", stderr(&plan));

    env.write("work/fleet.toml", "[tenants.acme]\ntier = \"gold\"\n");
    let bad = env.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(code(&bad), 1, "an error is 1, never 2: {}", stderr(&bad));
    // Without the flag it is the usual usage error.
    assert_eq!(code(&env.run(&["plan"])), 2);
}

#[test]
fn prune_needs_the_tenants_typed() {
    let sim = Sim::start();
    let env = env_with(&sim, "[tenants.acme]\ntier = \"starter\"\n");
    provision(&env, "acme", "starter");
    provision(&env, "stale", "starter");

    let refused = env.run(&["apply", "--prune", "--yes"]);
    assert_eq!(code(&refused), 2, "{}", stderr(&refused));
    let err = stderr(&refused);
    assert!(err.contains("--yes alone does not confirm it"), "{err}");
    assert!(err.contains("--confirm-prune stale"), "{err}");
    assert_eq!(
        status(&env, "stale")["tier"],
        "starter",
        "nothing was pruned"
    );

    let wrong = env.run(&["apply", "--prune", "--confirm-prune", "acme", "--yes"]);
    assert_eq!(code(&wrong), 2, "{}", stderr(&wrong));
    assert_eq!(status(&env, "stale")["tier"], "starter");

    let pruned = env.run(&["apply", "--prune", "--confirm-prune", "stale", "--yes"]);
    assert_eq!(code(&pruned), 0, "{}", stderr(&pruned));
    assert!(stderr(&pruned).contains("Pruned"), "{}", stderr(&pruned));
    assert_eq!(code(&env.run(&["status", "stale"])), 3, "stale is gone");
    assert_eq!(status(&env, "acme")["tier"], "starter");
}

#[test]
fn bad_fleet_files_name_the_file_and_line_and_apply_nothing() {
    let sim = Sim::start();
    let env = sim.env();
    let cases = [
        (
            "[tenants.acme]\ntier = \"starter\"\ntierr = \"pro\"\n",
            "fleet.toml:3",
            "unknown field `tierr`",
        ),
        (
            "[tenants.acme]\ntier = \"starter\"\n\n[tenants.acme]\ntier = \"pro\"\n",
            "fleet.toml:4",
            "duplicate",
        ),
        (
            "[tenants.acme]\n\ntier = \"gold\"\n",
            "fleet.toml:3",
            "unknown tier `gold`",
        ),
        (
            "[tenants.acme]\ntier = \"starter\"\nimage = \"Not An Image\"\n",
            "fleet.toml:3",
            "not an image reference",
        ),
        (
            "[tenants.Bad_Id]\ntier = \"starter\"\n",
            "fleet.toml:1",
            "invalid tenant id",
        ),
    ];
    for (text, at, what) in cases {
        env.write("work/fleet.toml", text);
        for command in ["plan", "apply"] {
            let output = env.run(&[command, "--yes"][..if command == "plan" { 1 } else { 2 }]);
            let err = stderr(&output);
            assert_eq!(code(&output), 2, "{command} {text:?}: {err}");
            assert!(err.contains(at), "{command} {text:?}: want {at}: {err}");
            assert!(err.contains(what), "{command} {text:?}: want {what}: {err}");
        }
    }
    assert!(
        sim.log().iter().all(|r| r.method == "GET"),
        "nothing was applied from a file that does not validate"
    );
}

#[test]
fn a_folder_holds_one_file_per_tenant() {
    let sim = Sim::start();
    let env = sim.env();
    env.write("work/fleet/_defaults.toml", "tier = \"starter\"\n");
    env.write("work/fleet/acme.toml", "");
    env.write("work/fleet/globex.toml", "tier = \"pro\"\n");
    let plan = env.run(&["plan", "-o", "json"]);
    assert_eq!(code(&plan), 0, "{}", stderr(&plan));
    let expected: Vec<(String, String)> = [("acme", "create"), ("globex", "create")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(changes(&json(&plan)), expected);

    env.write("work/fleet/globex.toml", "tier = \"pro\"\nregion = 7\n");
    let bad = env.run(&["plan"]);
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("globex.toml:2"), "{}", stderr(&bad));
}
