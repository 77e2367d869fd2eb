//! Integration tests: the real `tenantctl` binary in a hermetic environment (cleared env, temp
//! HOME and working directory). One test binary, one module per area.

mod audit;
mod backup;
mod cancel;
mod completions;
mod concurrent;
mod config;
mod deploy;
mod destroy;
mod errors;
mod examples;
mod fleet;
mod github;
mod harness;
mod help;
mod hostile;
mod local;
mod logs;
mod plan;
mod provision;
mod render;
mod role;
mod rollout;
mod sim;
mod snapshot;
mod streams;
mod tenants;
mod tokens;
mod upgrade;

/// Every module file under tests/cli/ must be listed above, or its tests would silently not run.
#[test]
fn every_test_module_is_declared() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli");
    let main = std::fs::read_to_string(dir.join("main.rs")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "rs") && stem != "main" {
            assert!(
                main.contains(&format!("mod {stem};")),
                "tests/cli/{stem}.rs is not declared in tests/cli/main.rs"
            );
        }
    }
}
