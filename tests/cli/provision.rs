//! `provision` against flysim: fresh, resumed after a fault, dry run, and what it prints.

use tenantctl_test_support::{STEP_FAULTS, fault};

use crate::harness::{TestEnv, code, json, stderr, stdout};
use crate::sim::{CONFIG, Sim, show};

#[test]
fn provisions_a_fresh_tenant() {
    let sim = Sim::start();
    let env = sim.env().var("GITHUB_ACTOR", "octocat");
    let output = env.run(&["provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));

    // The summary on stdout: one row per step with its outcome and elapsed time.
    let out = stdout(&output);
    let header = out.lines().next().unwrap_or_default();
    for column in ["STEP", "OUTCOME", "ELAPSED", "DETAIL"] {
        assert!(header.contains(column), "{out}");
    }
    for step in [
        "app",
        "secrets",
        "ips",
        "volume",
        "certificates",
        "machine",
        "hooks",
        "health",
    ] {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(step))
            .unwrap_or_else(|| panic!("no row for {step}:\n{out}"));
        assert!(
            line.contains(" done ") || line.contains(" skipped "),
            "{line}"
        );
        assert!(line.contains('s'), "{line}");
    }
    assert!(!out.contains("start "), "progress leaked to stdout:\n{out}");

    // Progress on stderr, one plain line per event (stderr is not a terminal here).
    let err = stderr(&output);
    assert!(err.contains("start  app: create app tenant-acme"), "{err}");
    assert!(err.contains("done   volume: created volume data"), "{err}");
    assert!(err.contains("done   hooks: ran seed"), "{err}");
    assert!(
        err.contains("Provisioned tenant-acme (tier starter, region ams)"),
        "{err}"
    );
    assert!(!err.contains("::error"), "{err}");

    assert_eq!(sim.counts(), (1, 1, 1));

    // Who provisioned it is recorded.
    let status = json(&env.run(&["status", "acme", "-o", "json"]));
    assert_eq!(status["tenant"]["provisioned_by"], "octocat");
}

#[test]
fn provision_json_summary() {
    let sim = Sim::start();
    let output = sim.env().run(&[
        "provision",
        "acme",
        "--tier",
        "pro",
        "--domain",
        "shop.example.com",
        "-o",
        "json",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["kind"], "provision");
    assert_eq!(doc["tenant"], "acme");
    assert_eq!(doc["app"], "tenant-acme");
    assert_eq!(doc["tier"], "pro");
    assert_eq!(doc["dry_run"], false);
    assert_eq!(doc["changed"], true);
    assert_eq!(doc["actor"], "unknown");
    assert_eq!(doc["domains"][0], "shop.example.com");
    let steps = doc["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 8);
    for step in steps {
        assert!(
            step["status"] == "done" || step["status"] == "skipped",
            "{step}"
        );
        assert!(step["elapsed_ms"].is_u64(), "{step}");
    }
    assert!(doc["machine_id"].is_string());
    assert!(doc["volume_id"].is_string());
}

#[test]
fn resumes_after_a_failed_step() {
    let sim = Sim::start();
    let summary_dir = tempfile::tempdir().unwrap();
    let summary = summary_dir.path().join("summary.md");
    let env = sim
        .env()
        .var("GITHUB_ACTIONS", "true")
        .var("GITHUB_STEP_SUMMARY", summary.to_str().unwrap());
    // Both the create and the create after the look-up fail: the outcome stays a failure.
    sim.inject(fault("POST", "/volumes", 2));
    let first = env.run(&["provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&first), 1, "{}", stderr(&first));
    assert!(stdout(&first).is_empty(), "{}", stdout(&first));
    let err = stderr(&first);
    assert!(
        err.contains(
            "error: provisioning tenant `acme` failed at step `volume`: create the volume"
        ),
        "{err}"
    );
    assert!(
        err.contains("to resume: tenantctl provision acme --tier starter --region ams"),
        "{err}"
    );
    // Only commands that exist are suggested.
    assert!(!err.contains("tenantctl destroy"), "{err}");
    assert!(err.contains("FAILED volume"), "{err}");
    // GitHub Actions: the failed step and the run's error become annotations.
    assert!(err.contains("::error title=create volume data"), "{err}");
    assert!(
        err.contains("::error title=tenantctl failed (exit 1)::"),
        "{err}"
    );
    assert_eq!(sim.counts(), (1, 0, 0), "{}", show(&sim.log()));
    let md = std::fs::read_to_string(&summary).expect("step summary written");
    assert!(md.contains("### tenantctl provision `acme` failed"), "{md}");
    assert!(md.contains("Step `volume`: create the volume"), "{md}");

    let second = env.run(&["provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    let out = stdout(&second);
    let row = |step: &str| {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(step))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row("app").contains("skipped"), "{out}");
    assert!(row("volume").contains("done"), "{out}");
    let md = std::fs::read_to_string(&summary).expect("step summary written");
    assert!(md.contains("| app | skipped |"), "{md}");
    assert!(md.contains("| volume | done |"), "{md}");
    assert_eq!(sim.counts(), (1, 1, 1), "{}", show(&sim.log()));
}

#[test]
fn a_resume_command_keeps_the_target_options() {
    let sim = Sim::start();
    let env = sim.env();
    sim.inject(tenantctl_test_support::answer("POST", "/machines", 422, 1));
    let output = env.run(&[
        "--org",
        "personal",
        "provision",
        "acme",
        "--tier",
        "pro",
        "--domain",
        "a.example.com",
    ]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("failed at step `machine`"), "{err}");
    assert!(
        err.contains(
            "to resume: tenantctl --org personal provision acme --tier pro --region ams --domain a.example.com"
        ),
        "{err}"
    );
}

#[test]
fn missing_tier_without_a_terminal_exits_2_with_a_hint() {
    let sim = Sim::start();
    let env = sim.env();
    for extra in [&[][..], &["--no-input"]] {
        let mut args = vec!["provision", "acme"];
        args.extend_from_slice(extra);
        let output = env.run(&args);
        assert_eq!(code(&output), 2, "{}", stderr(&output));
        let err = stderr(&output);
        assert!(
            err.contains("no tier given, and tenantctl cannot ask for one"),
            "{err}"
        );
        assert!(err.contains("hint: pass --tier starter|pro"), "{err}");
    }
    assert!(sim.log().is_empty(), "{}", show(&sim.log()));
}

#[test]
fn bad_input_is_refused_before_any_call() {
    let sim = Sim::start();
    let env = sim.env();
    let cases: &[(&[&str], &str)] = &[
        (
            &["provision", "acme", "--tier", "gold"],
            "unknown tier `gold`",
        ),
        (
            &[
                "provision",
                "acme",
                "--tier",
                "pro",
                "--domain",
                "not a domain",
            ],
            "invalid domain",
        ),
        (
            &[
                "provision",
                "acme",
                "--tier",
                "pro",
                "--region",
                "Amsterdam",
            ],
            "region",
        ),
    ];
    for (args, message) in cases {
        let output = env.run(args);
        assert_eq!(code(&output), 2, "{args:?}: {}", stderr(&output));
        assert!(
            stderr(&output).contains(message),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert!(sim.log().is_empty(), "{}", show(&sim.log()));
    // Input errors come first, before the missing token.
    let output = crate::harness::TestEnv::with_config(&crate::sim::CONFIG).run(&[
        "provision",
        "acme",
        "--tier",
        "gold",
    ]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("unknown tier `gold`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn read_only_token_cannot_provision() {
    let sim = Sim::start();
    let env = sim.env_with_token(&sim.readonly_token());
    let output = env.run(&["provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("failed at step `app`"), "{err}");
    // Nothing was created, so there is nothing to clean up.
    assert!(!err.contains("to remove what was created"), "{err}");
    assert!(err.contains("refused the token"), "{err}");
    assert!(err.contains("FLY_API_TOKEN"), "{err}");
    assert!(
        err.contains("read-only tokens can only run status and list"),
        "{err}"
    );
    assert_eq!(sim.counts(), (0, 0, 0));
    // The same token reads fine.
    let output = env.run(&["list"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}

#[test]
fn an_app_name_taken_in_another_org_exits_4() {
    let sim = Sim::start();
    // A rival org takes the name first: app names are global on Fly.
    let rival = TestEnv::with_config(&CONFIG.replace("org = \"personal\"", "org = \"rival\""))
        .var("TENANTCTL_API_URL", &sim.url())
        .var("FLY_API_TOKEN", &sim.org_token_for("rival"));
    let output = rival.run(&["provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));

    let output = sim.env().run(&["provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&output), 4, "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("failed at step `app`"), "{err}");
    assert!(err.contains("tenant-acme"), "{err}");
    assert_eq!(sim.counts(), (0, 0, 0), "nothing created in our org");
}

/// A fault on each write path in turn, through the real binary: the first run fails naming the
/// step and exits 1, the second resumes, and the tenant ends with exactly one app, volume and
/// machine.
#[test]
fn a_fault_at_each_step_is_resumed_by_running_provision_again() {
    let cases = STEP_FAULTS;
    for (method, path, step, skip) in cases {
        let sim = Sim::start();
        let env = sim.env();
        let args = [
            "provision",
            "acme",
            "--tier",
            "starter",
            "--domain",
            "shop.acme.example",
        ];
        // Enough failures to outlast the client's retries and the step's look-then-retry.
        sim.inject(flysim::FaultRule {
            skip: *skip,
            ..fault(method, path, 10)
        });
        let first = env.run(&args);
        let err = stderr(&first);
        assert_eq!(code(&first), 1, "{method} {path}: {err}");
        assert!(
            err.contains(&format!("failed at step `{step}`")),
            "{method} {path}: {err}"
        );
        assert!(
            err.contains("to resume: tenantctl provision acme --tier starter"),
            "{err}"
        );

        sim.clear_faults();
        let second = env.run(&args);
        assert_eq!(code(&second), 0, "{method} {path}: {}", stderr(&second));
        assert_eq!(
            sim.counts(),
            (1, 1, 1),
            "{method} {path}: {}",
            show(&sim.log())
        );
    }
}

/// A provision whose health gate failed because the machine's checks went critical on its boot
/// is finished by a re-run: the re-run waits on that boot once more, then restarts the machine
/// and passes the gate on the new boot (found by the reliability bench, where re-runs of such a
/// provision failed every time).
#[test]
fn a_rerun_restarts_a_machine_whose_checks_failed_its_gate() {
    let sim = Sim::start();
    let env = sim.env();
    env.write(
        "work/tenantctl.toml",
        &CONFIG.replace("timeout = \"10s\"", "timeout = \"1s\""),
    );
    sim.fail_checks_of_next_boots(1);
    let output = env.run(&["provision", "acme", "--tier", "starter"]);
    let err = stderr(&output);
    assert_eq!(code(&output), 1, "{err}");
    assert!(err.contains("failed at step `health`"), "{err}");

    let output = env.run(&["provision", "acme", "--tier", "starter"]);
    let err = stderr(&output);
    assert_eq!(code(&output), 0, "{err}");
    assert!(err.contains("restarting it"), "{err}");
    let client = sim.client();
    let machines = sim
        .block_on(client.list_machines("tenant-acme", &Default::default()))
        .expect("machines");
    assert_eq!(machines.len(), 1, "the same machine, restarted");
    let lease = sim
        .block_on(client.get_lease("tenant-acme", &machines[0].id))
        .expect("lease");
    assert!(lease.is_none(), "the lease was left behind");
    let output = env.run(&["status", "acme", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}
