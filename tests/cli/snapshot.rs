//! `snapshot`: an on-demand Fly snapshot of a tenant's volume, waited for, as one result line
//! or a JSON document; refused for the support role. The restore itself is tested in
//! tenantctl-core's operation tests.

use fly_api::types::{ExecRequest, ListMachinesParams};

use crate::harness::{code, json, stderr, stdout};
use crate::sim::Sim;

const APP: &str = "tenant-acme";

#[test]
fn snapshot_takes_one_and_prints_it() {
    let sim = Sim::start();
    let env = sim.env();
    let output = env.run(&["provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));

    // Data on the volume, written from inside the machine.
    let client = sim.client();
    let machines = sim
        .block_on(client.list_machines(APP, &ListMachinesParams::default()))
        .expect("machines");
    let machine = &machines[0];
    let volume = machine.config.as_ref().expect("config").mounts[0]
        .volume
        .clone();
    let exec = ExecRequest {
        command: vec![
            "sh".into(),
            "-c".into(),
            "echo precious > /data/db.txt".into(),
        ],
        timeout: Some(10),
        ..ExecRequest::default()
    };
    sim.block_on(client.exec(APP, &machine.id, &exec))
        .expect("exec");

    let output = env.run(&["snapshot", "acme", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    assert_eq!(doc["kind"], "snapshot");
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["tenant"], "acme");
    assert_eq!(doc["volume_id"], volume.as_str());
    assert_eq!(doc["status"], "created");
    assert_eq!(doc["dry_run"], false);
    assert!(doc["size_bytes"].as_u64().unwrap_or(0) > 0, "{doc}");
    let id = doc["snapshot_id"]
        .as_str()
        .expect("snapshot id")
        .to_string();
    let listed = sim
        .block_on(client.list_snapshots(APP, &volume))
        .expect("snapshots");
    assert!(listed.iter().any(|s| s.id == id), "{listed:?}");

    // The table result is one line naming the snapshot.
    let output = env.run(&["snapshot", "acme"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let out = stdout(&output);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("vs_") || out.contains("acme"), "{out}");
}

#[test]
fn support_is_refused_and_unknown_tenants_are_not_found() {
    let sim = Sim::start();
    let env = sim.env();
    let output = env.run(&["--role", "support", "snapshot", "acme"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("support role only reads"),
        "{}",
        stderr(&output)
    );
    assert!(sim.log().is_empty(), "nothing is sent");

    let output = env.run(&["snapshot", "ghost", "-o", "json"]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert_eq!(json(&output)["error"]["kind"], "not_found");
}

#[test]
fn a_fleet_snapshot_takes_one_per_selected_tenant() {
    let sim = Sim::start();
    let env = sim.env();
    for tenant in ["acme", "globex", "initech"] {
        let output = env.run(&["provision", tenant, "--tier", "starter"]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
    }
    let plan = env.run(&["snapshot", "--all", "--dry-run", "-o", "json"]);
    assert_eq!(code(&plan), 0, "{}", stderr(&plan));
    let doc = json(&plan);
    assert_eq!(doc["kind"], "snapshot_fleet");
    assert_eq!(doc["tenants"][0]["status"], "planned");

    let output = env.run(&[
        "snapshot",
        "--tenants",
        "globex,acme",
        "--concurrency",
        "2",
        "-o",
        "json",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    assert_eq!(doc["ok"], 2, "{doc:#}");
    let tenants: Vec<&str> = doc["tenants"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| t["tenant"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(tenants, ["acme", "globex"]);
    assert!(
        doc["tenants"][0]["snapshot"]["snapshot_id"].is_string(),
        "{doc:#}"
    );
}
