//! `--local` on a fresh checkout: no token, no network, state kept in .tenantctl/local/ of the
//! working directory, and the post-provision hook leaves real data on the volume.

use std::path::{Path, PathBuf};

use crate::harness::{TestEnv, code, json, stderr, stdout};

fn volume_dirs(work: &Path) -> Vec<PathBuf> {
    let dir = work.join(".tenantctl/local/volumes");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn local_provision_then_status_in_another_invocation() {
    // No tenantctl.toml, no token, no API URL: the built-in local configuration.
    let env = TestEnv::empty();
    let output = env.run(&["--local", "provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stdout(&output).contains("hooks"), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("done   hooks: ran create site data"),
        "{}",
        stderr(&output)
    );

    // The hook created a SQLite database and a files folder on the tenant's volume.
    let volumes = volume_dirs(&env.work());
    assert_eq!(volumes.len(), 1, "{volumes:?}");
    let db = std::fs::read(volumes[0].join("site.db")).expect("site.db exists");
    assert!(db.starts_with(b"SQLite format 3\0"), "not a SQLite file");
    // The row the hook inserted: the tenant id is stored as text in the database file.
    assert!(db.windows(4).any(|w| w == b"acme"), "no row for acme");
    let readme = std::fs::read_to_string(volumes[0].join("files/README.txt")).expect("files/");
    assert!(readme.contains("acme"), "{readme}");

    // A second process sees the same tenant.
    let output = env.run(&["--local", "status", "acme", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    assert_eq!(doc["tenant"]["tenant"], "acme");
    assert_eq!(doc["tenant"]["tier"], "starter");
    assert_eq!(doc["tenant"]["machine"]["state"], "started");

    // And a second provision only confirms what is there.
    let output = env.run(&[
        "--local",
        "provision",
        "acme",
        "--tier",
        "starter",
        "-o",
        "json",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    assert_eq!(doc["changed"], false);
    assert_eq!(volume_dirs(&env.work()).len(), 1);

    let output = env.run(&["--local", "provision", "globex", "--tier", "pro"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let output = env.run(&["--local", "list", "-o", "json"]);
    let doc = json(&output);
    let names: Vec<&str> = doc["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .filter_map(|t| t["tenant"].as_str())
        .collect();
    assert_eq!(names, ["acme", "globex"]);

    // Unknown tenants are exit 3 locally too, and the failure suggests --local commands.
    let output = env.run(&["--local", "status", "nope"]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("`tenantctl --local list`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn local_ignores_tokens_and_urls_from_the_environment() {
    let env = TestEnv::empty()
        .var("FLY_API_TOKEN", "fm2_unused")
        .var("FLY_API_HOSTNAME", "http://127.0.0.1:9");
    let output = env.run(&["--local", "list"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}

#[test]
fn local_dry_run_ignores_an_unusable_url_in_the_environment() {
    let env = TestEnv::empty().var("TENANTCTL_API_URL", "http://exa mple.com");
    let output = env.run(&[
        "--local",
        "--dry-run",
        "provision",
        "acme",
        "--tier",
        "starter",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}

#[test]
fn local_backup_verify_and_restore_go_through_the_emulators_object_store() {
    let env = TestEnv::empty();
    let output = env.run(&["--local", "provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let volume = volume_dirs(&env.work()).remove(0);
    let readme = std::fs::read(volume.join("files/README.txt")).expect("files/");

    let output = env.run(&["--local", "backup", "acme", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let id = json(&output)["id"].as_str().expect("id").to_string();
    // The objects live under .tenantctl/local/, in the emulator's store.
    assert!(env.work().join(".tenantctl/local/objects").is_dir());

    let output = env.run(&["--local", "backup", "verify", "acme", &id]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let output = env.run(&[
        "--local", "--role", "support", "backup", "list", "acme", "-o", "json",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(json(&output)["backups"][0]["verified"], true);
    let output = env.run(&["--local", "--role", "support", "backup", "acme"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));

    std::fs::remove_dir_all(volume.join("files")).expect("wipe files");
    std::fs::remove_file(volume.join("site.db")).expect("wipe db");
    let output = env.run(&[
        "--local",
        "backup",
        "restore",
        "acme",
        &id,
        "--yes",
        "--confirm",
        "acme",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        std::fs::read(volume.join("files/README.txt")).expect("restored"),
        readme
    );
    let db = std::fs::read(volume.join("site.db")).expect("site.db restored");
    assert!(db.windows(4).any(|w| w == b"acme"), "no row for acme");
}
