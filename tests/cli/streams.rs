//! The stream contract: results on stdout, everything else on stderr; colour and verbosity.

use crate::harness::{TestEnv, code, stderr, stdout};

const RENDER: &[&str] = &["render", "acme", "--tier", "pro"];

#[test]
fn results_on_stdout_status_on_stderr() {
    let env = TestEnv::example();
    let output = env.run(RENDER);
    assert_eq!(code(&output), 0);
    assert!(stdout(&output).starts_with("# fly.toml for app acme-acme"));
    assert!(!stdout(&output).contains("Rendered"));
    assert!(stderr(&output).contains("Rendered acme-acme from template `pro`"));
}

#[test]
fn quiet_hides_status_but_not_results_or_errors() {
    let env = TestEnv::example();
    let output = env.run(&["-q", "render", "acme", "--tier", "pro"]);
    assert_eq!(code(&output), 0);
    assert_eq!(stderr(&output), "");
    assert!(!stdout(&output).is_empty());
    let output = env.run(&["-q", "render", "Acme", "--tier", "pro"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).starts_with("error: invalid tenant id"));
}

#[test]
fn verbose_enables_logs_on_stderr() {
    let env = TestEnv::example();
    let output = env.run(&["-vv", "render", "acme", "--tier", "pro"]);
    assert_eq!(code(&output), 0);
    assert!(
        stderr(&output).contains("resolved context"),
        "{}",
        stderr(&output)
    );
    assert!(!stdout(&output).contains("resolved context"));
    let output = env.run(RENDER);
    assert!(!stderr(&output).contains("resolved context"));
}

#[test]
fn colour_only_when_forced_and_never_with_no_color() {
    let plain = TestEnv::example().run(&["render", "Acme", "--tier", "pro"]);
    assert!(!stderr(&plain).contains('\u{1b}'));
    let forced = TestEnv::example()
        .var("FORCE_COLOR", "1")
        .run(&["render", "Acme", "--tier", "pro"]);
    assert!(
        stderr(&forced).contains("\u{1b}[1;31merror:"),
        "{}",
        stderr(&forced)
    );
    let no_color = TestEnv::example()
        .var("FORCE_COLOR", "1")
        .var("NO_COLOR", "1")
        .run(&["render", "Acme", "--tier", "pro"]);
    assert!(!stderr(&no_color).contains('\u{1b}'));
    // stdout never carries colour.
    assert!(!stdout(&forced).contains('\u{1b}'));
}

#[test]
fn json_errors_go_to_stdout_only() {
    let env = TestEnv::example();
    let output = env.run(&["render", "Acme", "--tier", "pro", "-o", "json"]);
    assert_eq!(code(&output), 2);
    assert_eq!(stderr(&output), "");
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["error"]["kind"], "usage");
    assert_eq!(doc["error"]["exit_code"], 2);
    assert!(doc["error"]["hint"].is_string());
    assert!(doc["error"]["causes"].as_array().unwrap().is_empty());
}

#[test]
fn clap_definition_is_consistent() {
    use clap::CommandFactory;
    tenantctl::cli::Cli::command().debug_assert();
}

#[test]
fn github_actions_gets_an_error_annotation() {
    let output = TestEnv::example()
        .var("GITHUB_ACTIONS", "true")
        .run(&["render", "acme", "--tier", "gold"]);
    assert_eq!(code(&output), 2);
    let err = stderr(&output);
    assert!(
        err.contains("::error title=tenantctl failed (exit 2)::unknown tier `gold`"),
        "{err}"
    );
    assert!(
        err.contains("%0Ahint: pass --tier free|starter|pro"),
        "{err}"
    );
    let outside = TestEnv::example().run(&["render", "acme", "--tier", "gold"]);
    assert!(!stderr(&outside).contains("::error"));
}

/// Our own copies of the documented JSON shapes (docs/json.md): decoding with
/// deny_unknown_fields fails when the output gains, loses or retypes a field unnoticed.
mod contract {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ErrorDoc {
        pub schema_version: u32,
        pub error: ErrorBody,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ErrorBody {
        pub message: String,
        pub causes: Vec<String>,
        pub hint: Option<String>,
        pub exit_code: u8,
        pub kind: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct RenderFileDoc {
        pub schema_version: u32,
        pub kind: String,
        pub source: String,
        pub machine_configs: BTreeMap<String, serde_json::Value>,
    }
}

#[test]
fn json_error_objects_follow_the_documented_shape() {
    let env = TestEnv::example();
    let cases: &[(&[&str], u8, &str)] = &[
        (
            &["render", "acme", "--tier", "gold", "-o", "json"],
            2,
            "usage",
        ),
        // No FLY_API_TOKEN in the test environment.
        (&["status", "acme", "-o", "json"], 2, "usage"),
        (&["logs", "acme", "-o", "json"], 2, "usage"),
        (
            &["deploy", "--all", "--max-failures", "some", "-o", "json"],
            2,
            "usage",
        ),
        (
            &[
                "render",
                "--file",
                "nope.toml",
                "--machine-config",
                "-o",
                "json",
            ],
            3,
            "not_found",
        ),
        (&["-o", "json", "render", "--bogus"], 2, "usage"),
    ];
    for (args, exit_code, kind) in cases {
        let output = env.run(args);
        assert_eq!(code(&output), i32::from(*exit_code), "{args:?}");
        let doc: contract::ErrorDoc = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&output)));
        assert_eq!(doc.schema_version, 1);
        assert_eq!(doc.error.exit_code, *exit_code);
        assert_eq!(doc.error.kind, *kind);
        assert!(!doc.error.message.is_empty());
        assert!(doc.error.hint.is_some(), "{args:?}");
        assert!(doc.error.causes.iter().all(|c| !c.is_empty()));
    }
}

#[test]
fn render_file_json_follows_the_documented_shape() {
    let env = TestEnv::empty();
    let file = crate::harness::fixture("two-groups.fly.toml");
    let output = env.run(&[
        "render",
        "--file",
        file.to_str().unwrap(),
        "--machine-config",
        "--group",
        "worker",
        "-o",
        "json",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc: contract::RenderFileDoc = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc.schema_version, 1);
    assert_eq!(doc.kind, "render_file");
    assert_eq!(doc.source, file.to_str().unwrap());
    assert_eq!(doc.machine_configs.keys().collect::<Vec<_>>(), ["worker"]);
    assert_eq!(
        doc.machine_configs["worker"]["image"],
        "registry.fly.io/two-groups:v3"
    );
}
