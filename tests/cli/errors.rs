//! Bad input: each gets its message and its documented exit code (docs/exit-codes.md), and
//! nothing panics.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::harness::{TestEnv, code, fixture, json, stderr, stdout};

#[test]
fn invalid_tenant_ids() {
    let env = TestEnv::example();
    let long = "a".repeat(60);
    let cases: &[(&str, &str)] = &[
        (
            "Acme",
            "character `A` at position 1 is not allowed (use lowercase)",
        ),
        ("7acme", "it must start with a lowercase letter"),
        ("acme_co", "character `_` at position 5 is not allowed"),
        ("acme-", "it must not end with `-`"),
        ("ac me", "character ` ` at position 3 is not allowed"),
        (&long, "which is 65 characters long (Fly allows at most 63)"),
    ];
    for (id, message) in cases {
        let output = env.run(&["render", id, "--tier", "pro"]);
        assert_eq!(code(&output), 2, "{id}");
        assert!(stdout(&output).is_empty());
        assert!(
            stderr(&output).contains(message),
            "{id}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("\nhint: "),
            "{id}: {}",
            stderr(&output)
        );
    }
    insta::assert_snapshot!(
        "invalid_tenant_id",
        env.snapshot(&["render", "Acme", "--tier", "pro"])
    );
    insta::assert_snapshot!(
        "tenant_id_too_long",
        env.snapshot(&["render", &"a".repeat(59), "--tier", "pro"])
    );
    // 58 characters plus the example's `acme-` prefix is 63: the longest accepted.
    assert_eq!(
        code(&env.run(&["render", &"a".repeat(58), "--tier", "pro"])),
        0
    );
}

#[test]
fn unknown_tier_lists_the_known_ones() {
    let env = TestEnv::example();
    insta::assert_snapshot!(
        "unknown_tier",
        env.snapshot(&["render", "acme", "--tier", "gold"])
    );
    let doc = json(&env.run(&["render", "acme", "--tier", "gold", "-o", "json"]));
    assert_eq!(doc["error"]["exit_code"], 2);
    assert_eq!(doc["error"]["hint"], "pass --tier free|starter|pro");
}

#[test]
fn a_missing_tier_is_not_prompted_for_without_a_terminal() {
    let env = TestEnv::example();
    for extra in [&[][..], &["--no-input"]] {
        let mut args = vec!["render", "acme"];
        args.extend_from_slice(extra);
        let output = env.run(&args);
        assert_eq!(code(&output), 2);
        let reason = if extra.is_empty() {
            "stdin is not a terminal"
        } else {
            "--no-input is set"
        };
        assert!(
            stderr(&output).contains(&format!(
                "no tier given, and tenantctl cannot ask for one: {reason}"
            )),
            "{}",
            stderr(&output)
        );
        assert!(stderr(&output).contains("hint: pass --tier free|starter|pro"));
    }
}

#[test]
fn no_config_found() {
    let env = TestEnv::empty();
    insta::assert_snapshot!(
        "no_config",
        env.snapshot(&["render", "acme", "--tier", "pro"])
    );
}

#[test]
fn named_files_that_do_not_exist_exit_3() {
    let env = TestEnv::empty();
    let output = env.run(&["--config", "nope.toml", "render", "acme", "--tier", "pro"]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    let err = env.redact(&stderr(&output));
    assert!(
        err.contains("cannot read config file [TMP]/work/nope.toml"),
        "{err}"
    );
    // The same through TENANTCTL_CONFIG.
    let output = TestEnv::empty()
        .var("TENANTCTL_CONFIG", "/nonexistent/tenantctl.toml")
        .run(&["render", "acme", "--tier", "pro"]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    let output = env.run(&["render", "--file", "missing.fly.toml", "--machine-config"]);
    assert_eq!(code(&output), 3);
    insta::assert_snapshot!("render_file_missing", env.render_output(&output));
}

#[test]
fn usage_errors_exit_2() {
    let env = TestEnv::empty();
    for args in [
        &["bogus"][..],
        &[],
        &["render"],
        &["render", "acme", "--file", "x"],
        &["render", "--file", "x"],
        &["render", "acme", "--group", "app"],
        &["provision", "acme"],
        &["-v", "-q", "list"],
        &["--output", "yaml", "list"],
        &["--local", "--api-url", "http://x", "list"],
    ] {
        let output = env.run(args);
        assert_eq!(code(&output), 2, "{args:?}: {}", stderr(&output));
        assert!(stdout(&output).is_empty(), "{args:?}");
    }
    let output = env.run(&["bogus", "-o", "json"]);
    assert_eq!(code(&output), 2);
    let doc = json(&output);
    assert_eq!(doc["error"]["kind"], "usage");
    assert_eq!(doc["error"]["message"], "unrecognized subcommand 'bogus'");
}

#[test]
fn help_and_version_exit_0() {
    let env = TestEnv::empty();
    let output = env.run(&["--help"]);
    assert_eq!(code(&output), 0);
    assert!(stdout(&output).contains("Exit codes: 0 ok, 1 failed"));
    let output = env.run(&["--version"]);
    assert_eq!(code(&output), 0);
    assert_eq!(
        stdout(&output),
        format!("tenantctl {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn bad_fly_toml_files_name_the_line() {
    let env = TestEnv::empty();
    for (name, line) in [("bad-type.fly.toml", 5), ("not-toml.fly.toml", 3)] {
        let path = fixture(name);
        let output = env.run(&[
            "render",
            "--file",
            path.to_str().unwrap(),
            "--machine-config",
        ]);
        assert_eq!(code(&output), 2, "{name}: {}", stderr(&output));
        assert!(
            stderr(&output).contains(&format!("{name}:{line}: ")),
            "{name}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn unknown_process_group() {
    let env = TestEnv::empty();
    let path = fixture("two-groups.fly.toml");
    let output = env.run(&[
        "render",
        "--file",
        path.to_str().unwrap(),
        "--group",
        "web",
        "--machine-config",
    ]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("has no process group `web`; it has: app, worker"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn template_errors_name_file_and_line() {
    let env = TestEnv::example();
    env.write(
        "work/fly-templates/pro.toml",
        "app = \"{{app}}\"\n\n[env]\nX = \"{{tenant_name}}\"\n",
    );
    let output = env.run(&["render", "acme", "--tier", "pro"]);
    assert_eq!(code(&output), 2);
    insta::assert_snapshot!("template_unknown_placeholder", env.render_output(&output));

    env.write(
        "work/fly-templates/pro.toml",
        "app = \"{{app}}\"\n\"{{tier}}\" = 1\n",
    );
    let output = env.run(&["render", "acme", "--tier", "pro"]);
    assert_eq!(code(&output), 2);
    assert!(
        env.redact(&stderr(&output))
            .contains("[TMP]/work/fly-templates/pro.toml:2: placeholder in key"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_template_flyctl_would_refuse_is_an_error() {
    let env = TestEnv::example();
    env.write(
        "work/fly-templates/pro.toml",
        "app = \"{{app}}\"\n[http_service]\ninternal_port = 8080\nmin_machines_running = 1\n[checks.x]\ntype = \"udp\"\n",
    );
    let output = env.run(&["render", "acme", "--tier", "pro"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("template `pro` renders a fly.toml that flyctl would refuse"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn always_on_must_agree_with_the_template() {
    let config =
        crate::harness::example_config().replace("template = \"pro\"", "template = \"starter\"");
    let env = TestEnv::with_config(&config);
    let output = env.run(&["render", "acme", "--tier", "pro"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("tier `pro` has always_on = true"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn ctrl_c_exits_130() {
    let env = TestEnv::empty();
    // `render --file -` waits on stdin, which the test keeps open.
    let mut child = env
        .std_cmd()
        .args(["render", "--file", "-", "--machine-config"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tenantctl starts");
    // Give the runtime time to install its Ctrl-C handler.
    std::thread::sleep(Duration::from_millis(1500));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "tenantctl did not stop after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = child.wait_with_output().unwrap();
    assert_eq!(status.code(), Some(130), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("error: interrupted"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn stdin_fly_toml_is_converted() {
    let env = TestEnv::empty();
    let output = env
        .cmd()
        .args([
            "render",
            "--file",
            "-",
            "--machine-config",
            "--group",
            "app",
        ])
        .write_stdin("app = \"x\"\n[env]\nA = \"1\"\n")
        .output()
        .unwrap();
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let config: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(config["env"]["A"], "1");
}

#[test]
fn arbitrary_bytes_do_not_panic() {
    let env = TestEnv::example();
    let inputs: &[&[u8]] = &[
        b"\xff\xfe",
        b"app = \"\xff\"",
        b"[[[",
        b"",
        b"app = 1\n[processes]\napp = 7\n",
        b"\x00\x00\x00",
    ];
    for input in inputs {
        let output = env
            .cmd()
            .args(["render", "--file", "-", "--machine-config"])
            .write_stdin(*input)
            .output()
            .unwrap();
        let err = stderr(&output);
        assert!(!err.contains("panicked"), "{input:?}: {err}");
        assert!(matches!(code(&output), 0 | 2), "{input:?}: {err}");
    }
}

#[test]
fn tenant_ids_are_checked_first() {
    let env = TestEnv::empty();
    // No config anywhere: the bad id is still what gets reported.
    for args in [
        &["provision", "Acme", "--tier", "pro"][..],
        &["status", "7acme"],
        &["destroy", "acme_"],
        &["render", "acme-", "--tier", "pro"],
    ] {
        let output = env.run(args);
        assert_eq!(code(&output), 2, "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).contains("invalid tenant id"), "{args:?}");
    }
}
