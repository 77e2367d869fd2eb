//! Faults on each write path in turn: the first run fails naming the step, the second run
//! resumes and ends with exactly one app, volume and machine. A single unknown-outcome failure
//! of a create is recovered within the run by looking before creating again.

use fly_api::types::ListMachinesParams;
use tenantctl_core::ops::{ErrorClass, StepStatus};
use tenantctl_test_support::{STEP_FAULTS, fault as rule};

use crate::common::{Env, HEALTH_CHECKS, SEED_HOOK, config_text, count, show};

async fn assert_exactly_one_of_each(env: &Env, app: &str) {
    let apps = env.client.list_apps("personal").await.expect("apps");
    assert_eq!(apps.iter().filter(|a| a.name == app).count(), 1);
    let volumes = env.client.list_volumes(app).await.expect("volumes");
    assert_eq!(volumes.len(), 1, "{volumes:?}");
    let machines = env
        .client
        .list_machines(app, &ListMachinesParams::default())
        .await
        .expect("machines");
    assert_eq!(machines.len(), 1, "{machines:?}");
    assert_eq!(machines[0].state, "started");
    let config = machines[0].config.as_ref().expect("config");
    assert_eq!(config.mounts[0].volume, volumes[0].id);
    let ips = env.client.list_ips(app).await.expect("ips");
    assert_eq!(ips.len(), 2, "{ips:?}");
    let seed = env.volume_dir(&volumes[0].id).join("files/seed.txt");
    assert!(seed.is_file(), "hook output missing at {}", seed.display());
}

#[tokio::test]
async fn a_fault_at_each_step_fails_that_step_and_a_rerun_completes() {
    let cases = STEP_FAULTS;
    for (method, path, step, skip) in cases {
        let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
        let mut options = env.options("resume");
        options.domains = vec!["resume.example.com".into()];
        // Enough failures to outlast the client's retries and the step's look-then-retry.
        env.sim.inject(flysim::FaultRule {
            skip: *skip,
            ..rule(method, path, 10)
        });
        let err = env
            .provision(&options)
            .await
            .expect_err(&format!("{method} {path} fault should fail"));
        assert_eq!(err.step(), Some(*step), "{method} {path}: {err}");
        assert_eq!(err.class(), ErrorClass::Failed, "{err}");
        let resume = err.resume().map(|r| r.words()).unwrap_or_default();
        assert!(
            resume.starts_with("provision resume --tier basic --region ams"),
            "{resume}"
        );
        assert!(resume.contains("--domain resume.example.com"), "{resume}");
        let text = err.to_string();
        assert!(text.contains(&format!("step `{step}`")), "{text}");
        assert!(
            text.starts_with("provisioning tenant `resume` failed at step"),
            "{text}"
        );

        env.sim.clear_faults();
        let report = env
            .provision(&options)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: resume failed: {e}"));
        assert!(report.changed, "{method} {path}");
        assert_exactly_one_of_each(&env, "tenant-resume").await;
        let log = env.log();
        assert_eq!(count(&log, "POST", "/v1/apps", true), 1, "{}", show(&log));
        assert_eq!(count(&log, "POST", "/volumes", true), 1, "{}", show(&log));
        assert_eq!(count(&log, "POST", "/machines", true), 1, "{}", show(&log));
        assert_eq!(
            count(&log, "POST", "/certificates/acme", true),
            1,
            "{}",
            show(&log)
        );
        let hook_runs = count(&log, "POST", "/exec", true);
        if *path == "/metadata" {
            // The hook succeeded but its completion could not be recorded: it runs again.
            assert_eq!(hook_runs, 2, "{}", show(&log));
        } else {
            assert_eq!(hook_runs, 1, "{}", show(&log));
        }

        // And a third run changes nothing.
        env.sim.clear_request_log();
        let report = env.provision(&options).await.expect("third run");
        assert!(report.steps.iter().all(|s| s.status == StepStatus::Skipped));
        assert!(
            env.log().iter().all(|r| r.method == "GET"),
            "{}",
            show(&env.log())
        );
    }
}

#[tokio::test]
async fn one_unknown_outcome_per_create_is_recovered_by_looking_first() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    let mut options = env.options("shaky");
    options.domains = vec!["shaky.example.com".into()];
    for path in [
        "/v1/apps",
        "/volumes",
        "/ip_assignments",
        "/certificates/acme",
        "/machines",
    ] {
        env.sim.inject(rule("POST", path, 1));
    }
    let report = env
        .provision(&options)
        .await
        .expect("recovers within the run");
    assert!(report.steps.iter().all(|s| s.status == StepStatus::Done));
    let log = env.log();
    // Each failed create was followed by a look-up, then the second (successful) attempt.
    let seq = |m: &str, p: &str| -> Vec<u16> {
        log.iter()
            .filter(|r| r.method == m && r.path == p)
            .map(|r| r.status)
            .collect()
    };
    let index = |m: &str, p: &str, status: u16, after: usize| {
        log.iter()
            .enumerate()
            .skip(after)
            .find(|(_, r)| r.method == m && r.path == p && r.status == status)
            .map(|(i, _)| i)
            .unwrap_or_else(|| panic!("{m} {p} {status} after #{after} not in\n{}", show(&log)))
    };
    assert_eq!(seq("POST", "/v1/apps"), [500, 201]);
    let failed = index("POST", "/v1/apps", 500, 0);
    let looked = index("GET", "/v1/apps/tenant-shaky", 404, failed);
    assert!(looked < index("POST", "/v1/apps", 201, failed));
    let volumes = "/v1/apps/tenant-shaky/volumes";
    assert_eq!(seq("POST", volumes), [500, 200]);
    let failed = index("POST", volumes, 500, 0);
    let looked = index("GET", volumes, 200, failed);
    assert!(looked < index("POST", volumes, 200, failed));
    let machines = "/v1/apps/tenant-shaky/machines";
    assert_eq!(seq("POST", machines), [500, 200], "{}", show(&log));
    let failed = index("POST", machines, 500, 0);
    let looked = index("GET", machines, 200, failed);
    assert!(looked < index("POST", machines, 200, failed));
    assert_exactly_one_of_each(&env, "tenant-shaky").await;
}

#[tokio::test]
async fn resumed_run_finds_the_machine_by_metadata() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    let options = env.options("meta");
    // The first run dies at the hook, after the machine exists; the resumed run must find
    // that machine rather than create a second one.
    env.sim.inject(rule("POST", "/exec", 10));
    let err = env.provision(&options).await.expect_err("hook fault");
    assert_eq!(err.step(), Some("hooks"));
    env.sim.clear_faults();
    env.sim.clear_request_log();
    env.provision(&options).await.expect("resumes");
    let log = env.log();
    assert_eq!(count(&log, "POST", "/machines", false), 0, "{}", show(&log));
    assert!(
        log.iter().any(|r| r.method == "GET"
            && r.path.ends_with("/machines")
            && r.query
                .as_deref()
                .is_some_and(|q| q.contains("metadata.tenantctl_tenant=meta"))),
        "{}",
        show(&log)
    );
    assert_exactly_one_of_each(&env, "tenant-meta").await;
}
