//! The audit trail through the real binary against flysim: the records a run leaves (actor,
//! run URL, command, tenant, changes, outcome, version), a failed command recorded as failed,
//! `audit <tenant> --since`, `audit` in the support role with a read-only token, and the bucket
//! sink against Garage (one object per record).

use std::time::Duration;

use serde_json::Value;
use tenantctl_core::config::Addressing;
use tenantctl_core::storage::{StorageCredentials, Store, StoreConfig};
use tenantctl_test_support::Garage;

use crate::harness::{TestEnv, code, json, stderr, stdout};
use crate::sim::{CONFIG, Sim, show};

const NEW_IMAGE: &str = "registry.fly.io/demo:2";

fn ok(env: &TestEnv, args: &[&str]) {
    let output = env.run(args);
    assert_eq!(code(&output), 0, "{args:?}: {}", stderr(&output));
}

/// `audit <args> -o json`'s records.
fn records(env: &TestEnv, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["audit"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", "json"]);
    let output = env.run(&all);
    assert_eq!(code(&output), 0, "{all:?}: {}", stderr(&output));
    let doc = json(&output);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["kind"], "audit");
    doc["records"].as_array().cloned().unwrap_or_default()
}

fn commands(records: &[Value]) -> Vec<(String, String, String)> {
    records
        .iter()
        .map(|r| {
            (
                r["command"].as_str().unwrap_or_default().to_string(),
                r["tenant"].as_str().unwrap_or("-").to_string(),
                r["outcome"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn github(env: TestEnv) -> TestEnv {
    env.var("GITHUB_ACTIONS", "true")
        .var("GITHUB_ACTOR", "octocat")
        .var("USER", "runner")
        .var("GITHUB_SERVER_URL", "https://github.com")
        .var("GITHUB_REPOSITORY", "acme/fleet")
        .var("GITHUB_RUN_ID", "4242")
}

#[test]
fn a_run_leaves_one_record_per_mutating_command() {
    let sim = Sim::start();
    let env = github(sim.env());
    ok(&env, &["provision", "acme", "--tier", "starter"]);
    // Reads and plans change nothing and leave no record.
    ok(&env, &["status", "acme"]);
    ok(&env, &["--dry-run", "deploy", "acme", "--image", NEW_IMAGE]);
    ok(&env, &["deploy", "acme", "--image", NEW_IMAGE]);
    ok(&env, &["destroy", "acme", "--confirm", "acme", "--yes"]);

    let path = env.work().join(".tenantctl/audit.jsonl");
    let text = std::fs::read_to_string(&path).expect("the default audit file exists");
    assert_eq!(text.lines().count(), 3, "{text}");
    // No token, in any form, reaches the trail.
    assert!(!text.contains(&sim.org_token()), "{text}");

    let records = records(&env, &[]);
    assert_eq!(
        commands(&records),
        [
            ("provision".into(), "acme".into(), "ok".into()),
            ("deploy".into(), "acme".into(), "ok".into()),
            ("destroy".into(), "acme".into(), "ok".into()),
        ]
    );
    for r in &records {
        assert_eq!(r["schema_version"], 1, "{r}");
        assert_eq!(r["actor"]["name"], "octocat", "{r}");
        assert_eq!(r["actor"]["source"], "github", "{r}");
        assert_eq!(
            r["actor"]["run_url"], "https://github.com/acme/fleet/actions/runs/4242",
            "{r}"
        );
        assert_eq!(r["exit_code"], 0, "{r}");
        assert_eq!(r["error"], Value::Null, "{r}");
        assert_eq!(r["version"], env!("CARGO_PKG_VERSION"), "{r}");
        assert!(r["time"].as_str().is_some_and(|t| t.ends_with('Z')), "{r}");
        assert!(r["id"].as_str().is_some_and(|t| t.len() > 20), "{r}");
        assert!(r["duration_ms"].is_u64(), "{r}");
    }
    assert_eq!(records[0]["args"]["tier"], "starter");
    let provisioned = records[0]["changes"][0].as_str().unwrap_or_default();
    assert!(
        provisioned.starts_with("provisioned tenant-acme (tier starter"),
        "{provisioned}"
    );
    assert_eq!(records[1]["args"]["image"], NEW_IMAGE);
    let destroyed = records[2]["changes"][0].as_str().unwrap_or_default();
    assert!(
        destroyed.contains("destroyed app tenant-acme: 1 machine(s), 1 volume(s)"),
        "{destroyed}"
    );
    // The typed confirmation is not an argument worth keeping.
    assert_eq!(records[2]["args"], serde_json::json!({}));

    // The table: one row per record, on stdout; the count on stderr.
    let output = env.run(&["audit", "acme"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let out = stdout(&output);
    let header = out.lines().next().unwrap_or_default();
    for column in ["TIME", "ACTOR", "COMMAND", "TENANT", "OUTCOME", "CHANGES"] {
        assert!(header.contains(column), "{out}");
    }
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(
        stderr(&output).contains("Read 3 audit records from"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_failed_command_is_recorded_as_failed_with_its_exit_code() {
    let sim = Sim::start();
    let env = sim.env().var("USER", "alice");
    let output = env.run(&["deploy", "ghost", "--image", NEW_IMAGE]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    sim.inject(tenantctl_test_support::fault("POST", "/volumes", 2));
    let output = env.run(&["provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    // The support role is refused before anything is sent; the attempt is on the trail.
    let output = env.run(&["--role", "support", "destroy", "acme", "--yes"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));

    let records = records(&env, &[]);
    assert_eq!(
        commands(&records),
        [
            ("deploy".into(), "ghost".into(), "failed".into()),
            ("provision".into(), "acme".into(), "failed".into()),
            ("destroy".into(), "acme".into(), "failed".into()),
        ]
    );
    assert_eq!(records[0]["exit_code"], 3);
    assert_eq!(records[1]["exit_code"], 1);
    assert_eq!(records[2]["exit_code"], 2);
    assert_eq!(records[0]["actor"]["name"], "alice");
    assert_eq!(records[0]["actor"]["source"], "user");
    assert_eq!(records[0]["actor"]["run_url"], Value::Null);
    let error = records[1]["error"].as_str().unwrap_or_default();
    assert!(error.contains("failed at step `volume`"), "{error}");
    assert!(records[1]["changes"].as_array().is_some_and(Vec::is_empty));
    let refused = records[2]["error"].as_str().unwrap_or_default();
    assert!(refused.contains("support role only reads"), "{refused}");
}

#[test]
fn audit_filters_by_tenant_and_since() {
    let sim = Sim::start();
    let env = sim.env().var("TENANTCTL_AUDIT_FILE", "trail/audit.jsonl");
    ok(&env, &["provision", "acme", "--tier", "starter"]);
    ok(&env, &["provision", "globex", "--tier", "starter"]);
    // An old record, as an earlier version or another machine would have written it.
    let path = env.work().join("trail/audit.jsonl");
    let mut text = std::fs::read_to_string(&path).expect("TENANTCTL_AUDIT_FILE is used");
    let mut old: Value = serde_json::from_str(text.lines().next().unwrap_or_default()).unwrap();
    old["id"] = "20200101T000000.000000Z-00000000".into();
    old["time"] = "2020-01-01T00:00:00.000000Z".into();
    text.push_str(&format!("{old}\nnot a record\n"));
    std::fs::write(&path, text).unwrap();

    assert_eq!(records(&env, &[]).len(), 3);
    let acme = records(&env, &["acme"]);
    assert_eq!(acme.len(), 2);
    assert_eq!(
        acme[0]["time"], "2020-01-01T00:00:00.000000Z",
        "oldest first"
    );
    for since in ["2021-06-01", "2021-06-01T00:00:00Z", "1d"] {
        let recent = records(&env, &["acme", "--since", since]);
        assert_eq!(
            commands(&recent),
            [("provision".into(), "acme".into(), "ok".into())],
            "{since}"
        );
    }
    assert_eq!(records(&env, &["acme", "--since", "2019-12-31"]).len(), 2);
    assert!(records(&env, &["nobody"]).is_empty());

    let output = env.run(&["audit", "--since", "last tuesday"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("is not a time"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());
    let output = env.run(&["audit", "Bad_Id"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    // The torn line is named on stderr; stdout carries the records only.
    let output = env.run(&["audit"]);
    assert!(
        stderr(&output).contains("line(s) 4 are not audit records"),
        "{}",
        stderr(&output)
    );
    let output = env.run(&["audit", "--source", "bucket"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no audit records to a bucket"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn support_reads_the_trail_with_a_read_only_token() {
    let sim = Sim::start();
    let operator = sim.env();
    ok(&operator, &["provision", "acme", "--tier", "starter"]);
    // The same project, now with the read-only token Fly issues for support.
    let support = operator
        .var("FLY_API_TOKEN", &sim.readonly_token())
        .var("TENANTCTL_ROLE", "support");
    sim.clear_log();
    let records = records(&support, &["acme"]);
    assert_eq!(
        commands(&records),
        [("provision".into(), "acme".into(), "ok".into())]
    );
    ok(&support, &["audit", "--since", "1h"]);
    // Reading the trail sends nothing to Fly.
    assert!(sim.log().is_empty(), "{}", show(&sim.log()));
    // And support's reads add nothing to it.
    assert_eq!(
        std::fs::read_to_string(support.work().join(".tenantctl/audit.jsonl"))
            .unwrap()
            .lines()
            .count(),
        1
    );
}

#[test]
fn the_bucket_holds_one_object_per_record() {
    let Some(garage) = Garage::require_or_skip("audit bucket sink") else {
        return;
    };
    let sim = Sim::start();
    let table = format!(
        "\n[backup]\nendpoint = \"{}\"\nbucket = \"{}\"\nregion = \"garage\"\nprefix = \"backups/\"\n\n[backup.files]\npaths = [\"/data/files\"]\n",
        garage.endpoint(),
        garage.bucket()
    );
    let env = github(
        TestEnv::with_config(&format!("{}{table}", *CONFIG))
            .var("TENANTCTL_API_URL", &sim.url())
            .var("FLY_API_TOKEN", &sim.org_token())
            .var("AWS_ACCESS_KEY_ID", garage.access_key_id())
            .var("AWS_SECRET_ACCESS_KEY", garage.secret_access_key()),
    );
    ok(&env, &["provision", "acme", "--tier", "starter"]);
    ok(&env, &["deploy", "acme", "--image", NEW_IMAGE]);
    let output = env.run(&["deploy", "ghost", "--image", NEW_IMAGE]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));

    let store = Store::new(&StoreConfig {
        endpoint: garage.endpoint(),
        bucket: garage.bucket().to_string(),
        region: "garage".into(),
        addressing: Addressing::Path,
        credentials: StorageCredentials::new(garage.access_key_id(), garage.secret_access_key()),
        request_timeout: Duration::from_secs(30),
    })
    .expect("store");
    let keys: Vec<String> = sim
        .block_on(store.list("backups/_audit/"))
        .expect("list")
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    for key in &keys {
        let body = sim
            .block_on(store.get_small(key))
            .expect("get")
            .expect("object");
        let text = String::from_utf8(body).unwrap();
        assert!(!text.contains(garage.secret_access_key()), "{text}");
        let record: Value = serde_json::from_str(&text).expect("one JSON record");
        let id = record["id"].as_str().unwrap_or_default();
        assert!(key.ends_with(&format!("/{id}.json")), "{key}");
        assert!(key.starts_with("backups/_audit/20"), "{key}");
    }

    // The bucket alone holds the trail another runner would read.
    std::fs::remove_file(env.work().join(".tenantctl/audit.jsonl")).unwrap();
    let from_bucket = records(&env, &["--source", "bucket"]);
    assert_eq!(
        commands(&from_bucket),
        [
            ("provision".into(), "acme".into(), "ok".into()),
            ("deploy".into(), "acme".into(), "ok".into()),
            ("deploy".into(), "ghost".into(), "failed".into()),
        ]
    );
    assert_eq!(records(&env, &["acme", "--since", "1h"]).len(), 2);
    // A prune of the fleet does not take the trail for a tenant.
    let output = env.run(&["backup", "prune", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(!stdout(&output).contains("_audit"), "{}", stdout(&output));

    // A bucket that cannot be written is a warning; the command's result stands.
    let broken = env.var("AWS_SECRET_ACCESS_KEY", "wrong");
    let output = broken.run(&["deploy", "acme", "--image", NEW_IMAGE]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("audit record not written to s3://"), "{err}");
    assert!(err.contains("it is in"), "{err}");
}
