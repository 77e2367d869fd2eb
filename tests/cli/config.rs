//! Config discovery (walk up, --config, TENANTCTL_CONFIG) and strict config errors.

use crate::harness::{TestEnv, code, example_config, json, stderr};

fn org_of(output: &std::process::Output) -> String {
    assert_eq!(code(output), 0, "{}", stderr(output));
    let doc = json(output);
    let fly: toml::Table = toml::from_str(doc["fly_toml"].as_str().unwrap()).unwrap();
    fly["env"]["FLY_ORG"].as_str().unwrap().to_string()
}

fn config_with_org(org: &str) -> String {
    example_config().replace("org = \"acme-saas\"", &format!("org = \"{org}\""))
}

const RENDER: &[&str] = &["render", "acme", "--tier", "pro", "-o", "json"];

#[test]
fn found_by_walking_up() {
    let env = TestEnv::with_config(&config_with_org("from-work"));
    let nested = env.work().join("a/b/c");
    std::fs::create_dir_all(&nested).unwrap();
    assert_eq!(org_of(&env.run_in(&nested, RENDER)), "from-work");
}

#[test]
fn nearest_file_wins() {
    let env = TestEnv::with_config(&config_with_org("outer"));
    env.write("work/a/tenantctl.toml", &config_with_org("inner"));
    std::fs::create_dir_all(env.work().join("a/b")).unwrap();
    assert_eq!(
        org_of(&env.run_in(&env.work().join("a/b"), RENDER)),
        "inner"
    );
}

#[test]
fn flag_beats_env_beats_discovery() {
    let env = TestEnv::with_config(&config_with_org("discovered"));
    env.write("elsewhere/env.toml", &config_with_org("from-env"));
    env.write("elsewhere/flag.toml", &config_with_org("from-flag"));
    let env_path = env.root().join("elsewhere/env.toml");
    let flag_path = env.root().join("elsewhere/flag.toml");
    assert_eq!(org_of(&env.run(RENDER)), "discovered");

    let env = env.var("TENANTCTL_CONFIG", env_path.to_str().unwrap());
    assert_eq!(org_of(&env.run(RENDER)), "from-env");

    let mut args = vec!["--config", flag_path.to_str().unwrap()];
    args.extend_from_slice(RENDER);
    assert_eq!(org_of(&env.run(&args)), "from-flag");
}

#[test]
fn org_flag_and_env_override_the_file() {
    let env = TestEnv::example();
    assert_eq!(org_of(&env.run(RENDER)), "acme-saas");
    let env = env.var("TENANTCTL_ORG", "env-org");
    assert_eq!(org_of(&env.run(RENDER)), "env-org");
    let mut args = vec!["--org", "flag-org"];
    args.extend_from_slice(RENDER);
    assert_eq!(org_of(&env.run(&args)), "flag-org");
}

#[test]
fn local_prefers_a_project_config() {
    let env = TestEnv::example();
    let mut args = vec!["--local"];
    args.extend_from_slice(RENDER);
    assert_eq!(org_of(&env.run(&args)), "acme-saas");
    assert_eq!(org_of(&TestEnv::empty().run(&args)), "personal");
}

#[test]
fn unknown_key_names_file_line_and_allowed_keys() {
    let config = example_config().replace("protected = true", "protectd = true");
    let env = TestEnv::with_config(&config);
    let output = env.run(&["render", "acme", "--tier", "pro"]);
    assert_eq!(code(&output), 2);
    insta::assert_snapshot!("config_unknown_key", env.render_output(&output));
}

#[test]
fn unknown_top_level_key() {
    let env = TestEnv::with_config(&format!("regoin = \"fra\"\n{}", example_config()));
    let output = env.run(&["render", "acme", "--tier", "pro"]);
    assert_eq!(code(&output), 2);
    let err = env.redact(&stderr(&output));
    assert!(err.contains("[TMP]/work/tenantctl.toml:"), "{err}");
    assert!(
        err.contains("unknown field `regoin`, expected one of `org`, `app_name_pattern`, `region`"),
        "{err}"
    );
}

#[test]
fn wrong_type_names_file_line_and_key() {
    let config = example_config().replace("volume_size_gb = 20", "volume_size_gb = \"20\"");
    let env = TestEnv::with_config(&config);
    let output = env.run(&["render", "acme", "--tier", "pro"]);
    assert_eq!(code(&output), 2);
    insta::assert_snapshot!("config_wrong_type", env.render_output(&output));
}

#[test]
fn invalid_values_name_the_line() {
    let cases = [
        (
            "region = \"fra\"",
            "region = \"Frankfurt\"",
            "`region`: `Frankfurt` is not a Fly region code",
        ),
        (
            "app_name_pattern = \"acme-{id}\"",
            "app_name_pattern = \"acme\"",
            "`app_name_pattern`: app name pattern `acme` must contain `{id}` exactly once",
        ),
        (
            "command = [\"drush\", \"cache:rebuild\"]",
            "command = []",
            "`hooks.post_provision[1].command`: must be a non-empty argv list",
        ),
        (
            "timeout = \"5m\"",
            "timeout = \"5 minutes\"",
            "invalid duration `5 minutes`",
        ),
        (
            "require = [\"machine_started\"",
            "require = [\"machine_startd\"",
            "unknown variant `machine_startd`, expected `machine_started` or `fly_checks`",
        ),
        (
            "template = \"pro\"",
            "template = \"gold\"",
            "`tiers.pro.template`: template `gold` does not exist; available: free, local, pro, starter",
        ),
    ];
    for (from, to, message) in cases {
        let config = example_config().replace(from, to);
        assert_ne!(config, example_config(), "{from} is not in the example");
        let line = config
            .lines()
            .position(|l| l.contains(to))
            .map(|i| i + 1)
            .unwrap();
        let env = TestEnv::with_config(&config);
        let output = env.run(&["render", "acme", "--tier", "pro"]);
        assert_eq!(code(&output), 2, "{to}");
        let err = env.redact(&stderr(&output));
        assert!(
            err.contains(&format!("[TMP]/work/tenantctl.toml:{line}")),
            "{to}: expected line {line}: {err}"
        );
        assert!(err.contains(message), "{to}: {err}");
    }
}

#[test]
fn the_shipped_example_is_valid() {
    let env = TestEnv::example();
    for tier in ["free", "starter", "pro"] {
        let output = env.run(&["render", "acme", "--tier", tier]);
        assert_eq!(code(&output), 0, "{tier}: {}", stderr(&output));
    }
}
