//! The checked-in completion scripts match the CLI. Regenerate them with
//! `TENANTCTL_BLESS=1 cargo test --test cli completions`.

use std::path::Path;

use crate::harness::{TestEnv, code, stdout};

const SCRIPTS: &[(&str, &str)] = &[
    ("bash", "tenantctl.bash"),
    ("zsh", "_tenantctl"),
    ("fish", "tenantctl.fish"),
    ("powershell", "_tenantctl.ps1"),
    ("elvish", "tenantctl.elv"),
];

#[test]
fn checked_in_completions_match_the_cli() {
    let env = TestEnv::empty();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let bless = std::env::var_os("TENANTCTL_BLESS").is_some();
    let mut drifted = Vec::new();
    for (shell, file) in SCRIPTS {
        let output = env.run(&["completions", shell]);
        assert_eq!(code(&output), 0, "completions {shell}");
        let generated = stdout(&output);
        assert!(generated.contains("tenantctl"), "{shell}: {generated}");
        let path = dir.join(file);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &generated).unwrap();
            continue;
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        if checked_in != generated {
            drifted.push(format!("completions/{file}"));
        }
    }
    assert!(
        drifted.is_empty(),
        "{} differ from `tenantctl completions`; regenerate with TENANTCTL_BLESS=1 cargo test --test cli completions",
        drifted.join(", ")
    );
}

#[test]
fn completions_know_every_command() {
    let env = TestEnv::empty();
    let bash = stdout(&env.run(&["completions", "bash"]));
    for command in [
        "provision",
        "upgrade",
        "deploy",
        "backup",
        "snapshot",
        "destroy",
        "logs",
        "status",
        "list",
        "render",
        "completions",
    ] {
        assert!(bash.contains(command), "bash completion lacks {command}");
    }
    assert!(bash.contains("--machine-config"));
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let output = TestEnv::empty().run(&["completions", "tcsh"]);
    assert_eq!(code(&output), 2);
}

/// The checked-in man page matches the CLI; regenerate it with
/// `TENANTCTL_BLESS=1 cargo test --test cli completions`.
#[test]
fn checked_in_man_page_matches_the_cli() {
    let env = TestEnv::empty();
    let output = env.run(&["man"]);
    assert_eq!(code(&output), 0);
    let generated = stdout(&output);
    assert!(generated.starts_with(".ie"), "not roff: {generated}");
    for command in [
        "provision",
        "deploy",
        "logs",
        "status",
        "list",
        "\\-\\-role",
    ] {
        assert!(generated.contains(command), "man page lacks {command}");
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/tenantctl.1");
    if std::env::var_os("TENANTCTL_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "completions/tenantctl.1 differs from `tenantctl man`; regenerate with TENANTCTL_BLESS=1 cargo test --test cli completions"
    );
}
