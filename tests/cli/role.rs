//! The support role: read commands run, commands that change tenants are refused before any
//! network call, and nothing a support run does writes to the API.

use crate::harness::{TestEnv, code, stderr};
use crate::sim::{CONFIG, Sim, show};

const PROVISION: &[&str] = &["provision", "acme", "--tier", "starter"];

fn refused_before_any_call(sim: &Sim, env: &TestEnv, args: &[&str]) {
    sim.clear_log();
    let output = env.run(args);
    assert_eq!(code(&output), 2, "{args:?}: {}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("the support role only reads"), "{err}");
    assert!(err.contains("--role operator"), "{err}");
    assert!(sim.log().is_empty(), "{args:?}:\n{}", show(&sim.log()));
}

#[test]
fn support_is_refused_every_command_that_changes_tenants() {
    let sim = Sim::start();
    let by_flag = sim.env();
    for command in [
        PROVISION,
        &["upgrade", "acme", "--tier", "pro"][..],
        &["deploy", "acme", "--image", "registry.fly.io/demo:2"][..],
        &["destroy", "acme", "--yes"][..],
    ] {
        let mut args = vec!["--role", "support"];
        args.extend_from_slice(command);
        refused_before_any_call(&sim, &by_flag, &args);
    }
    let by_env = sim.env().var("TENANTCTL_ROLE", "support");
    refused_before_any_call(&sim, &by_env, PROVISION);
    let by_config = sim.env();
    by_config.write(
        "work/tenantctl.toml",
        &format!("role = \"support\"\n{}", *CONFIG),
    );
    refused_before_any_call(&sim, &by_config, PROVISION);
    // --role wins over the environment and the config.
    let output = by_config.run(&[
        "--role",
        "operator",
        "--dry-run",
        "provision",
        "acme",
        "--tier",
        "starter",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}

#[test]
fn support_reads_without_a_single_write_call() {
    let sim = Sim::start();
    let operator = sim.env();
    let output = operator.run(PROVISION);
    assert_eq!(code(&output), 0, "{}", stderr(&output));

    // The read-only token Fly issues for support (`fly tokens create readonly`).
    let support = sim
        .env_with_token(&sim.readonly_token())
        .var("TENANTCTL_ROLE", "support");
    sim.clear_log();
    for args in [
        &["status", "acme"][..],
        &["list"][..],
        &["list", "-o", "json"][..],
        &["--dry-run", "provision", "acme", "--tier", "starter"][..],
        &["--dry-run", "upgrade", "acme", "--tier", "pro"][..],
        &[
            "--dry-run",
            "deploy",
            "acme",
            "--image",
            "registry.fly.io/demo:2",
        ][..],
        &["--dry-run", "destroy", "acme"][..],
        &["render", "acme", "--tier", "pro"][..],
    ] {
        let output = support.run(args);
        assert_eq!(code(&output), 0, "{args:?}: {}", stderr(&output));
    }
    let log = sim.log();
    assert!(!log.is_empty(), "support's reads reach the API");
    assert!(
        log.iter().all(|r| r.method == "GET"),
        "support wrote:\n{}",
        show(&log)
    );
}

#[test]
fn an_unknown_role_is_a_usage_error() {
    let env = TestEnv::with_config(&CONFIG).var("TENANTCTL_ROLE", "admin");
    let output = env.run(PROVISION);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("TENANTCTL_ROLE is `admin`, which is not a role"),
        "{}",
        stderr(&output)
    );

    let env = TestEnv::with_config(&format!("role = \"admin\"\n{}", *CONFIG));
    let output = env.run(&["status", "acme"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("`admin` is not a role"),
        "{}",
        stderr(&output)
    );
}
