//! `backup` against a real S3 server: Garage, behind a proxy that refuses an upload without a
//! Content-Length as S3 and R2 do. Data is written on tenant volumes in flysim, backed up by
//! the machines themselves, restored and compared byte for byte.

use std::time::Duration;

use fly_api::types::{ExecRequest, ListMachinesParams};
use tenantctl_core::config::Addressing;
use tenantctl_core::storage::{StorageCredentials, Store, StoreConfig};
use tenantctl_test_support::{Garage, StrictS3};

use crate::harness::{TestEnv, code, json, stderr, stdout};
use crate::sim::{CONFIG, Sim};

/// Garage, a strict proxy in front of it, and flysim with tenants whose config backs up there.
struct Backups {
    garage: Garage,
    proxy: StrictS3,
    sim: Sim,
}

/// The `[backup]` table of the tests: byte-exact dumps (`cp`), 5 MiB parts so a 6 MiB
/// database goes up in two parts, and the add-on for the starter tenants.
fn backup_table(endpoint: &str, bucket: &str, extra: &str) -> String {
    format!(
        r#"
[backup]
endpoint = "{endpoint}"
bucket = "{bucket}"
region = "garage"
prefix = "backups/"
part_size_mb = 5
timeout = "2m"
tenants = ["acme", "other", "bad", "t1", "t2", "t3", "t4", "t5"]
{extra}

[backup.database]
name = "site.db"
dump = ["sh", "-c", "[ \"$TENANT_ID\" != bad ] || {{ echo 'database is locked' >&2; exit 3; }}; cp \"$DATA_DIR/site.db\" '{{file}}'"]
restore = ["sh", "-c", "cp '{{file}}' \"$DATA_DIR/site.db\""]

[backup.files]
paths = ["/data/files"]
"#
    )
}

impl Backups {
    fn start(test: &str) -> Option<Backups> {
        let garage = Garage::require_or_skip(test)?;
        let proxy = StrictS3::in_front_of(&garage.endpoint());
        Some(Backups {
            garage,
            proxy,
            sim: Sim::start(),
        })
    }

    fn env_with(&self, extra: &str) -> TestEnv {
        self.env_for_table(&backup_table(
            &self.proxy.endpoint(),
            self.garage.bucket(),
            extra,
        ))
    }

    /// The test config with `table` as its `[backup]`, the sim's token and Garage's key.
    fn env_for_table(&self, table: &str) -> TestEnv {
        self.env_without_credentials(table)
            .var("AWS_ACCESS_KEY_ID", self.garage.access_key_id())
            .var("AWS_SECRET_ACCESS_KEY", self.garage.secret_access_key())
    }

    fn env_without_credentials(&self, table: &str) -> TestEnv {
        TestEnv::with_config(&format!("{}{table}", *CONFIG))
            .var("TENANTCTL_API_URL", &self.sim.url())
            .var("FLY_API_TOKEN", &self.sim.org_token())
    }

    fn env(&self) -> TestEnv {
        self.env_with("")
    }

    /// The runner-side store, for what a test does behind tenantctl's back.
    fn store(&self) -> Store {
        Store::new(&StoreConfig {
            endpoint: self.garage.endpoint(),
            bucket: self.garage.bucket().to_string(),
            region: "garage".into(),
            addressing: Addressing::Path,
            credentials: StorageCredentials::new(
                self.garage.access_key_id(),
                self.garage.secret_access_key(),
            ),
            request_timeout: Duration::from_secs(30),
        })
        .expect("store")
    }

    fn provision(&self, env: &TestEnv, tenant: &str) {
        let output = env.run(&["provision", tenant, "--tier", "starter"]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
    }

    /// Runs `script` in the tenant's machine; its stdout.
    fn sh(&self, tenant: &str, script: &str) -> String {
        let app = format!("tenant-{tenant}");
        let client = self.sim.client();
        let machines = self
            .sim
            .block_on(client.list_machines(&app, &ListMachinesParams::default()))
            .expect("machines");
        let exec = ExecRequest {
            command: vec!["sh".into(), "-c".into(), script.into()],
            timeout: Some(60),
            ..ExecRequest::default()
        };
        let out = self
            .sim
            .block_on(client.exec(&app, &machines[0].id, &exec))
            .expect("exec");
        assert_eq!(out.exit_code, 0, "{script}: {}", out.stderr);
        out.stdout
    }

    /// Site data: a 6 MiB database (two parts) and two uploaded files.
    fn write_data(&self, tenant: &str) {
        self.sh(
            tenant,
            "head -c 6291456 /dev/urandom > /data/site.db && mkdir -p /data/files/sub && head -c 70000 /dev/urandom > /data/files/photo.bin && echo hello > /data/files/sub/note.txt",
        );
    }

    /// sha256 of every file of the site's data.
    fn fingerprint(&self, tenant: &str) -> String {
        self.sh(
            tenant,
            "cd /data && find site.db files -type f | sort | xargs sha256sum",
        )
    }

    fn keys(&self, prefix: &str) -> Vec<String> {
        let store = self.store();
        self.sim
            .block_on(store.list(prefix))
            .expect("list")
            .into_iter()
            .map(|o| o.key)
            .collect()
    }
}

#[test]
fn round_trip_restores_byte_for_byte_also_into_another_tenant() {
    let Some(b) = Backups::start("backup round trip") else {
        return;
    };
    let env = b.env();
    b.provision(&env, "acme");
    b.provision(&env, "other");
    b.write_data("acme");
    let before = b.fingerprint("acme");

    let output = env.run(&["backup", "acme", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    assert_eq!(doc["kind"], "backup");
    let id = doc["id"].as_str().expect("id").to_string();
    let names: Vec<&str> = doc["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["site.db", "files.tar.gz"]);
    // Every upload had a length: the strict proxy refused none, and it saw the parts.
    assert_eq!(b.proxy.refused_without_length(), 0);
    assert!(b.proxy.puts() >= 4, "{} puts", b.proxy.puts());
    let keys = b.keys(&format!("backups/acme/{id}/"));
    assert!(
        keys.iter().any(|k| k.ends_with("/manifest.json")),
        "{keys:?}"
    );

    // Wipe the data, restore, compare.
    b.sh("acme", "rm -rf /data/site.db /data/files");
    let output = env.run(&[
        "backup",
        "restore",
        "acme",
        &id,
        "--yes",
        "--confirm",
        "acme",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(b.fingerprint("acme"), before);

    // The restore drill: the same backup into another tenant.
    let output = env.run(&[
        "backup",
        "restore",
        "acme",
        &id,
        "--to-tenant",
        "other",
        "--yes",
        "--confirm",
        "other",
        "-o",
        "json",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(json(&output)["tenant"], "other");
    assert_eq!(b.fingerprint("other"), before);

    // --yes alone does not confirm a restore, and a wrong --confirm names the target.
    let output = env.run(&["backup", "restore", "acme", &id, "--yes"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    let output = env.run(&[
        "backup",
        "restore",
        "acme",
        &id,
        "--yes",
        "--confirm",
        "acme2",
    ]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));

    // list shows it, verified after verify.
    let output = env.run(&["backup", "verify", "acme", &id]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let output = env.run(&["backup", "list", "acme", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let list = json(&output);
    assert_eq!(list["kind"], "backup_list");
    assert_eq!(list["backups"][0]["id"], id.as_str());
    assert_eq!(list["backups"][0]["verified"], true);
}

#[test]
fn no_credential_or_signature_reaches_any_output_even_at_trace_level() {
    let Some(b) = Backups::start("backup secrets") else {
        return;
    };
    let env = b.env();
    b.provision(&env, "acme");
    b.write_data("acme");
    let mut seen = String::new();
    for args in [
        vec!["backup", "acme", "-vvv"],
        vec!["backup", "list", "acme", "-vvv"],
        vec!["backup", "verify", "acme", "-vvv"],
        vec!["backup", "prune", "-vvv"],
    ] {
        let output = env.run(&args);
        assert_eq!(code(&output), 0, "{args:?}: {}", stderr(&output));
        seen.push_str(&stdout(&output));
        seen.push_str(&stderr(&output));
    }
    assert!(
        seen.contains("TRACE") || seen.contains("DEBUG"),
        "not verbose: {seen}"
    );
    assert!(
        !seen.contains(b.garage.secret_access_key()),
        "secret in output"
    );
    assert!(!seen.contains(b.garage.access_key_id()), "key id in output");
    for marker in ["X-Amz-Signature", "x-amz-signature", "X-Amz-Credential"] {
        assert!(!seen.contains(marker), "{marker} in output:\n{seen}");
    }
}

#[test]
fn verify_names_the_object_that_was_corrupted() {
    let Some(b) = Backups::start("backup corruption") else {
        return;
    };
    let env = b.env();
    b.provision(&env, "acme");
    b.write_data("acme");
    let output = env.run(&["backup", "acme", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let id = json(&output)["id"].as_str().unwrap().to_string();

    // Flip one byte of the files archive in the bucket.
    let store = b.store();
    let key = format!("backups/acme/{id}/files.tar.gz");
    let mut bytes = b
        .sim
        .block_on(store.get_small(&key))
        .expect("get")
        .expect("object");
    bytes[10] ^= 0x01;
    b.sim.block_on(store.put_small(&key, bytes)).expect("put");

    let output = env.run(&["backup", "verify", "acme", &id]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("files.tar.gz"), "{err}");
    assert!(err.contains("sha256"), "{err}");
    assert!(!err.contains("`site.db`"), "{err}");
    let output = env.run(&["backup", "verify", "acme", &id, "-o", "json"]);
    let doc = json(&output);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["objects"][0]["ok"], true);
    assert_eq!(doc["objects"][1]["ok"], false);
}

/// A fake backup: its objects, and its manifest when `complete`.
fn fake_backup(b: &Backups, tenant: &str, id: &str, complete: bool) {
    let store = b.store();
    let prefix = format!("backups/{tenant}/{id}/");
    b.sim
        .block_on(store.put_small(&format!("{prefix}site.db"), b"db".to_vec()))
        .expect("put");
    if complete {
        b.sim
            .block_on(store.put_small(&format!("{prefix}manifest.json"), b"{}".to_vec()))
            .expect("put");
    }
}

#[test]
fn prune_keeps_what_retention_says_counted_from_the_newest_good_backup() {
    let Some(b) = Backups::start("backup retention") else {
        return;
    };
    let env = b.env_with("retention_days = 3");
    // Good backups on Nov 1..=10, then two that failed (no manifest) on Nov 11 and 12.
    for day in 1..=10 {
        fake_backup(&b, "gone", &format!("202611{day:02}T030000Z-0000"), true);
    }
    for day in 11..=12 {
        fake_backup(&b, "gone", &format!("202611{day:02}T030000Z-0000"), false);
    }
    // A tenant whose only backups are old: its newest good one stays.
    fake_backup(&b, "old", "20250101T030000Z-0000", true);
    fake_backup(&b, "old", "20250301T030000Z-0000", true);

    let output = env.run(&["backup", "prune", "--dry-run", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        b.keys("backups/gone/").len(),
        22,
        "dry run removed something"
    );

    let output = env.run(&["backup", "prune", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    assert_eq!(doc["kind"], "backup_prune");
    let mut left: Vec<String> = b
        .keys("backups/gone/")
        .into_iter()
        .map(|k| k.split('/').nth(2).unwrap().to_string())
        .collect();
    left.dedup();
    // Retention 3 days back from Nov 10 03:00: Nov 7..=10 stay.
    let expected: Vec<String> = (7..=10)
        .map(|d| format!("202611{d:02}T030000Z-0000"))
        .collect();
    assert_eq!(left, expected);
    let old = b.keys("backups/old/");
    assert_eq!(
        old,
        [
            "backups/old/20250301T030000Z-0000/manifest.json",
            "backups/old/20250301T030000Z-0000/site.db"
        ]
    );
}

#[test]
fn a_failing_dump_fails_its_tenant_only_and_prunes_nothing_of_it() {
    let Some(b) = Backups::start("backup failing dump") else {
        return;
    };
    let env = b.env_with("retention_days = 1");
    b.provision(&env, "acme");
    b.provision(&env, "bad");
    b.write_data("acme");
    b.write_data("bad");
    // An old good backup of each: acme's is pruned after its new backup, bad's must stay.
    fake_backup(&b, "acme", "20250101T030000Z-0000", true);
    fake_backup(&b, "bad", "20250101T030000Z-0000", true);

    let output = env.run(&["backup", "--all", "-o", "json"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let doc = json(&output);
    assert_eq!(doc["kind"], "backup_fleet");
    assert_eq!(doc["ok"], 1);
    assert_eq!(doc["failed"], 1);
    let tenants = doc["tenants"].as_array().unwrap();
    let bad = tenants.iter().find(|t| t["tenant"] == "bad").unwrap();
    assert_eq!(bad["status"], "failed");
    let why = bad["error"].as_str().unwrap();
    assert!(why.contains("database is locked"), "{why}");
    assert!(why.contains("dump"), "{why}");
    let acme = tenants.iter().find(|t| t["tenant"] == "acme").unwrap();
    assert_eq!(acme["status"], "ok");
    assert!(stderr(&output).contains("bad"), "{}", stderr(&output));

    assert!(b.keys("backups/acme/20250101T030000Z-0000/").is_empty());
    assert_eq!(b.keys("backups/bad/20250101T030000Z-0000/").len(), 2);
}

#[test]
fn shards_cover_every_tenant_exactly_once() {
    let Some(b) = Backups::start("backup shards") else {
        return;
    };
    let env = b.env();
    let all = ["t1", "t2", "t3", "t4", "t5"];
    for t in all {
        b.provision(&env, t);
        b.sh(t, "echo db > /data/site.db");
    }
    let mut seen: Vec<String> = Vec::new();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let output = env.run(&["backup", "--all", "--shard", &shard, "-o", "json"]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        let doc = json(&output);
        assert_eq!(doc["shard"], shard.as_str());
        for t in doc["tenants"].as_array().unwrap() {
            seen.push(t["tenant"].as_str().unwrap().to_string());
        }
    }
    seen.sort();
    assert_eq!(seen, all);

    // A fleet file decides per tenant: t2 has its backups switched off there.
    let mut fleet = String::from("[defaults]\ntier = \"starter\"\n");
    for t in all {
        fleet.push_str(&format!("\n[tenants.{t}]\n"));
        if t == "t2" {
            fleet.push_str("backups = false\n");
        }
    }
    env.write("work/fleet.toml", &fleet);
    let output = env.run(&["backup", "--all", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let backed_up: Vec<String> = json(&output)["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tenant"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(backed_up, ["t1", "t3", "t4", "t5"]);
}

#[test]
fn bad_input_gets_one_clear_message_and_its_exit_code() {
    let Some(b) = Backups::start("backup bad input") else {
        return;
    };
    let env = b.env();
    b.provision(&env, "acme");
    let output = env.run(&["provision", "prox", "--tier", "pro"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    b.write_data("acme");
    let output = env.run(&["backup", "acme", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let id = json(&output)["id"].as_str().unwrap().to_string();

    // Wrong secret: exit 2, naming the credentials.
    let wrong = b.env().var("AWS_SECRET_ACCESS_KEY", "not-the-secret");
    let output = wrong.run(&["backup", "acme"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("AWS_SECRET_ACCESS_KEY"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("not-the-secret"));

    // A bucket that does not exist: exit 3.
    let env2 = b.env_for_table(&backup_table(&b.proxy.endpoint(), "no-such-bucket", ""));
    let output = env2.run(&["backup", "acme"]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no-such-bucket"),
        "{}",
        stderr(&output)
    );

    // No credentials at all: exit 2 with what to set.
    let bare = b.env_without_credentials(&backup_table(&b.proxy.endpoint(), b.garage.bucket(), ""));
    let output = bare.run(&["backup", "acme"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("AWS_ACCESS_KEY_ID"),
        "{}",
        stderr(&output)
    );

    // A backup id that does not exist, and one that is not an id.
    let output = env.run(&[
        "backup",
        "restore",
        "acme",
        "20200101T000000Z-0000",
        "--yes",
        "--confirm",
        "acme",
    ]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    let output = env.run(&["backup", "verify", "acme", "../../etc"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));

    // A restore into a tenant on another tier: exit 4, nothing restored.
    let output = env.run(&[
        "backup",
        "restore",
        "acme",
        &id,
        "--to-tenant",
        "prox",
        "--yes",
        "--confirm",
        "prox",
    ]);
    assert_eq!(code(&output), 4, "{}", stderr(&output));
    assert!(stderr(&output).contains("tier"), "{}", stderr(&output));

    // A manifest that does not parse: exit 1, naming it.
    let store = b.store();
    let key = format!("backups/acme/{id}/manifest.json");
    b.sim
        .block_on(store.put_small(&key, b"{not json".to_vec()))
        .expect("put");
    let output = env.run(&["backup", "verify", "acme", &id]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("does not parse"),
        "{}",
        stderr(&output)
    );

    // A dump command missing in the image: exit 1 with the hint.
    // The rest of the real dump line becomes a comment.
    let missing = b.env_for_table(
        &backup_table(&b.proxy.endpoint(), b.garage.bucket(), "").replace(
            "dump = [\"sh\"",
            "dump = [\"tenantctl-no-such-dumper\", \"{file}\"]\n# [\"sh\"",
        ),
    );
    let output = missing.run(&["backup", "acme"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("missing in the tenant's image"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_machine_stopped_by_auto_stop_is_started_for_the_backup_and_stopped_again() {
    let Some(b) = Backups::start("backup auto-stop") else {
        return;
    };
    let env = b.env();
    b.provision(&env, "acme");
    b.write_data("acme");
    let client = b.sim.client();
    let app = "tenant-acme";
    let machine = b
        .sim
        .block_on(client.list_machines(app, &ListMachinesParams::default()))
        .expect("machines")
        .remove(0);
    b.sim
        .block_on(client.stop_machine(app, &machine.id, &Default::default(), None))
        .expect("stop");
    let stopped = fly_api::types::WaitParams::new(&["stopped"], Duration::from_secs(10));
    b.sim
        .block_on(client.wait_for_state(app, &machine.id, &stopped))
        .expect("stopped");

    let output = env.run(&["backup", "acme", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(json(&output)["started_machine"], true);
    let after = b
        .sim
        .block_on(client.get_machine(app, &machine.id))
        .expect("machine");
    assert_eq!(after.state, "stopped");
    let lease = b
        .sim
        .block_on(client.get_lease(app, &machine.id))
        .expect("lease");
    assert!(lease.is_none(), "lease left behind: {lease:?}");
}
