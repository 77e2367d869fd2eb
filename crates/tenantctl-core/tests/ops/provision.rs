//! A fresh provisioning, a re-run that changes nothing, and a dry run.

use fly_api::types::{ExecRequest, ListMachinesParams};
use tenantctl_core::metadata::{
    HEALTH_PASSED as METADATA_HEALTH_PASSED, PROVISIONED_BY as METADATA_PROVISIONED_BY,
    TEMPLATE_VERSION as METADATA_TEMPLATE_VERSION, TENANT as METADATA_TENANT,
    TIER as METADATA_TIER,
};
use tenantctl_core::ops::{GENERATED_SECRETS, StepStatus, provision};

use crate::common::{Env, HEALTH_CHECKS, IMAGE, Recorder, SEED_HOOK, config_text, count, show};

#[tokio::test]
async fn fresh_provision_creates_everything_once() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    let mut options = env.options("acme");
    options.domains = vec!["Shop.Example.com".into()];
    let recorder = Recorder::default();
    let report = provision(&env.client, &options, &recorder)
        .await
        .expect("provisions");

    assert_eq!(report.app, "tenant-acme");
    assert!(report.changed);
    for step in &report.steps {
        assert_eq!(step.status, StepStatus::Done, "{step:?}");
    }
    let names: Vec<&str> = report.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names[0], "app");
    assert_eq!(names.last(), Some(&"health"));
    assert_eq!(report.domains, ["shop.example.com"]);

    let log = env.log();
    // Exactly one create of each, and no look-ups after the app was created in this run.
    assert_eq!(count(&log, "POST", "/v1/apps", false), 1, "{}", show(&log));
    assert_eq!(count(&log, "POST", "/volumes", false), 1, "{}", show(&log));
    assert_eq!(count(&log, "POST", "/machines", false), 1, "{}", show(&log));
    assert_eq!(count(&log, "POST", "/secrets", false), 1, "{}", show(&log));
    assert_eq!(
        count(&log, "POST", "/ip_assignments", false),
        2,
        "{}",
        show(&log)
    );
    assert_eq!(
        count(&log, "POST", "/certificates/acme", false),
        1,
        "{}",
        show(&log)
    );
    for listing in [
        "/secrets",
        "/ip_assignments",
        "/volumes",
        "/machines",
        "/certificates",
    ] {
        assert_eq!(
            count(&log, "GET", listing, false),
            0,
            "GET {listing}\n{}",
            show(&log)
        );
    }
    // The only failed requests are the first look-ups of the (not yet existing) app and of
    // its tenant lock, which is then taken once and given back once.
    assert_eq!(
        log.iter()
            .filter(|r| r.status >= 400)
            .map(|r| format!("{} {} {}", r.method, r.path, r.status))
            .collect::<Vec<_>>(),
        [
            "GET /v1/apps/tenant-acme 404",
            "GET /v1/apps/tenant-acme/secrets/TENANTCTL_LOCK 404"
        ]
    );
    assert_eq!(count(&log, "POST", "/secrets/TENANTCTL_LOCK", true), 1);
    assert_eq!(count(&log, "DELETE", "/secrets/TENANTCTL_LOCK", true), 1);
    // Twelve steps' worth of calls, plus recording that the health gate passed; the tenant
    // lock (look, write, read back; at the end look and delete) and the hooks' lease (take,
    // read the machine under it, give back) add eight.
    assert_eq!(log.len(), 21, "{}", show(&log));
    assert!(count(&log, "GET", "/wait", true) >= 1, "{}", show(&log));

    // The state on the emulator.
    let app = "tenant-acme";
    let volumes = env.client.list_volumes(app).await.expect("volumes");
    assert_eq!(volumes.len(), 1);
    assert_eq!(volumes[0].size_gb, 1);
    assert_eq!(volumes[0].region, "ams");
    assert_eq!(report.volume_id.as_deref(), Some(volumes[0].id.as_str()));
    let machines = env
        .client
        .list_machines(app, &ListMachinesParams::default())
        .await
        .expect("machines");
    assert_eq!(machines.len(), 1);
    let machine = &machines[0];
    assert_eq!(machine.state, "started");
    let config = machine.config.as_ref().expect("config");
    assert_eq!(config.image.as_deref(), Some(IMAGE));
    assert_eq!(config.mounts[0].volume, volumes[0].id);
    assert_eq!(config.mounts[0].path, "/data");
    let md = &config.metadata;
    assert_eq!(md.get(METADATA_TENANT).map(String::as_str), Some("acme"));
    assert_eq!(md.get(METADATA_TIER).map(String::as_str), Some("basic"));
    assert_eq!(
        md.get(METADATA_TEMPLATE_VERSION),
        Some(&env.templates.version())
    );
    assert_eq!(
        md.get(METADATA_PROVISIONED_BY).map(String::as_str),
        Some("ci-bot")
    );
    assert_eq!(
        md.get(METADATA_HEALTH_PASSED),
        Some(&env.templates.version()),
        "the passed health gate is recorded"
    );
    assert_eq!(
        md.keys()
            .filter(|k| k.starts_with("tenantctl_hook_"))
            .count(),
        1,
        "{md:?}"
    );

    let app_info = env.client.get_app(app).await.expect("get").expect("exists");
    assert_eq!(app_info.network.as_deref(), Some("tenant-acme-net"));
    let secrets = env.client.list_secrets(app).await.expect("secrets");
    for name in GENERATED_SECRETS {
        assert!(secrets.iter().any(|s| s.name == *name), "{name} missing");
    }
    let ips = env.client.list_ips(app).await.expect("ips");
    assert!(
        ips.iter().any(|i| !i.ip.contains(':') && i.shared),
        "{ips:?}"
    );
    assert!(
        ips.iter().any(|i| i.ip.contains(':') && !i.is_flycast()),
        "{ips:?}"
    );
    assert_eq!(report.ips.len(), 2);
    let cert = env
        .client
        .get_certificate(app, "shop.example.com")
        .await
        .expect("cert");
    assert!(cert.is_some());

    // The hook wrote real data into the volume.
    let seed = env.volume_dir(&volumes[0].id).join("files/seed.txt");
    assert_eq!(std::fs::read_to_string(&seed).expect("seed file"), "acme");

    // The machine booted with the generated secrets; their values appear nowhere in the
    // report or the progress events.
    let out = env
        .client
        .exec(
            app,
            &machine.id,
            &ExecRequest::new(["printenv", "DATABASE_PASSWORD"]),
        )
        .await
        .expect("exec");
    let password = out.stdout.trim().to_string();
    assert_eq!(password.len(), 64, "generated password has 256 bits");
    let report_json = serde_json::to_string(&report).expect("report serialises");
    assert!(!report_json.contains(&password));
    let events = recorder.0.lock().expect("events").join("\n");
    assert!(!events.contains(&password));
    assert!(events.contains("machine: Done"), "{events}");
}

#[tokio::test]
async fn rerun_of_a_complete_tenant_only_reads_and_skips_every_step() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    let mut options = env.options("beta");
    options.domains = vec!["beta.example.com".into()];
    env.provision(&options).await.expect("first run");
    env.sim.clear_request_log();

    let report = env.provision(&options).await.expect("second run");
    assert!(!report.changed);
    for step in &report.steps {
        assert_eq!(step.status, StepStatus::Skipped, "{step:?}");
    }
    let log = env.log();
    assert!(!log.is_empty());
    assert!(
        log.iter().all(|r| r.method == "GET" && r.status == 200),
        "{}",
        show(&log)
    );
    // The seed hook's file is untouched and the hook did not run again.
    assert_eq!(count(&log, "POST", "/exec", false), 0);
}

#[tokio::test]
async fn dry_run_of_a_new_tenant_reads_only_and_plans_every_step() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    let mut options = env.options("gamma");
    options.dry_run = true;
    options.domains = vec!["gamma.example.com".into()];
    let report = env.provision(&options).await.expect("plans");
    assert!(report.dry_run);
    assert!(report.new_tenant);
    assert!(!report.changed);
    let log = env.log();
    assert!(log.iter().all(|r| r.method == "GET"), "{}", show(&log));
    // The app does not exist: one look, and nothing inside it is read.
    assert_eq!(log.len(), 1, "{}", show(&log));
    assert!(
        report.steps.iter().all(|s| s.status == StepStatus::Planned),
        "{:?}",
        report.steps
    );
    let names: Vec<&str> = report.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "app",
            "secrets",
            "ips",
            "volume",
            "certificates",
            "machine",
            "hooks",
            "health"
        ]
    );
    let detail = |n: &str| {
        report
            .steps
            .iter()
            .find(|s| s.name == n)
            .map(|s| s.detail.clone())
            .unwrap_or_default()
    };
    assert!(
        detail("app").contains("does not exist yet"),
        "{}",
        detail("app")
    );
    assert!(
        detail("volume").starts_with("create volume data"),
        "{}",
        detail("volume")
    );
    assert_eq!(
        detail("certificates"),
        "add certificates for gamma.example.com"
    );
    assert!(detail("hooks").starts_with("run "), "{}", detail("hooks"));
    assert_eq!(report.app, "tenant-gamma");
    assert_eq!(report.machine_id, None);
    assert!(
        env.client
            .get_app("tenant-gamma")
            .await
            .expect("get")
            .is_none()
    );
}

#[tokio::test]
async fn dry_run_of_a_half_provisioned_tenant_lists_exactly_the_missing_steps() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    let options = env.options("half");
    // A first run that stops at the machine: app, secrets, IPs, volume and certificates exist.
    env.sim
        .inject(tenantctl_test_support::answer("POST", "/machines", 422, 1));
    env.provision(&options)
        .await
        .expect_err("machine create refused");
    env.sim.clear_faults();
    env.sim.clear_request_log();

    let mut plan = options.clone();
    plan.dry_run = true;
    let report = env.provision(&plan).await.expect("plans");
    assert!(!report.new_tenant);
    let planned: Vec<&str> = report
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Planned)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        planned,
        ["machine", "hooks", "health"],
        "{:?}",
        report.steps
    );
    let log = env.log();
    assert!(!log.is_empty());
    assert!(log.iter().all(|r| r.method == "GET"), "{}", show(&log));
    assert!(report.volume_id.is_some(), "the found volume is reported");

    // The run does exactly what the plan said.
    let report = env.provision(&options).await.expect("completes");
    let done = steps_with(&report, StepStatus::Done);
    assert_eq!(done, ["machine", "hooks", "health"], "{:?}", report.steps);
}

/// The names of the report's steps that ended with `status`, in order.
fn steps_with(report: &tenantctl_core::ops::ProvisionReport, status: StepStatus) -> Vec<&str> {
    report
        .steps
        .iter()
        .filter(|s| s.status == status)
        .map(|s| s.name.as_str())
        .collect()
}

#[tokio::test]
async fn two_tenants_provisioned_at_once_report_without_mixing() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    let recorder = Recorder::default();
    let north = env.options("north");
    let south = env.options("south");
    let (a, b) = futures::join!(
        provision(&env.client, &north, &recorder),
        provision(&env.client, &south, &recorder)
    );
    a.expect("north provisions");
    b.expect("south provisions");
    let events = recorder.0.lock().expect("events").clone();
    for (tenant, other) in [("north", "south"), ("south", "north")] {
        let mine: Vec<&String> = events
            .iter()
            .filter(|e| e.starts_with(&format!("{tenant} ")))
            .collect();
        // Every step of this tenant started and finished under its own name.
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
            let started = format!("{tenant} {step}: Started");
            let done = format!("{tenant} {step}: Done");
            let skipped = format!("{tenant} {step}: Skipped");
            assert_eq!(
                mine.iter().filter(|e| e.starts_with(&started)).count(),
                1,
                "{tenant} {step}: {events:#?}"
            );
            assert_eq!(
                mine.iter()
                    .filter(|e| e.starts_with(&done) || e.starts_with(&skipped))
                    .count(),
                1,
                "{tenant} {step}: {events:#?}"
            );
        }
        // No event of this tenant carries the other tenant's app.
        assert!(
            !mine.iter().any(|e| e.contains(&format!("tenant-{other}"))),
            "{tenant}: {mine:#?}"
        );
    }
}

#[tokio::test]
async fn stopped_machine_is_started_under_a_lease_that_is_released() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    let options = env.options("delta");
    let report = env.provision(&options).await.expect("first run");
    let machine_id = report.machine_id.expect("machine id");
    env.client
        .stop_machine("tenant-delta", &machine_id, &Default::default(), None)
        .await
        .expect("stop");
    env.client
        .wait_for_state(
            "tenant-delta",
            &machine_id,
            &fly_api::types::WaitParams::new(&["stopped"], std::time::Duration::from_secs(10)),
        )
        .await
        .expect("stopped");
    env.sim.clear_request_log();

    let report = env.provision(&options).await.expect("resume");
    let machine = report
        .steps
        .iter()
        .find(|s| s.name == "machine")
        .expect("step");
    assert_eq!(machine.status, StepStatus::Done, "{machine:?}");
    assert!(machine.detail.contains("was stopped"), "{machine:?}");
    let log = env.log();
    assert_eq!(count(&log, "POST", "/lease", true), 1, "{}", show(&log));
    assert_eq!(count(&log, "POST", "/start", true), 1, "{}", show(&log));
    assert_eq!(count(&log, "DELETE", "/lease", true), 1, "{}", show(&log));
    assert_eq!(count(&log, "POST", "/machines", false), 0, "{}", show(&log));
    let lease = env
        .client
        .get_lease("tenant-delta", &machine_id)
        .await
        .expect("lease read");
    assert!(lease.is_none(), "lease left behind: {lease:?}");
}

/// The hook proposed for the built-in local config: a SQLite database and a files folder.
const LOCAL_MODE_HOOK: &str = r#"
[[hooks.post_provision]]
name = "init-data"
command = ["sh", "-c", "set -e; mkdir -p \"$DATA_DIR/files\"; if command -v sqlite3 >/dev/null 2>&1; then sqlite3 \"$DATA_DIR/site.db\" \"CREATE TABLE IF NOT EXISTS tenant (id TEXT PRIMARY KEY, created_at TEXT); INSERT OR IGNORE INTO tenant VALUES ('$TENANT_ID', datetime('now'));\"; elif command -v python3 >/dev/null 2>&1; then python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"CREATE TABLE IF NOT EXISTS tenant (id TEXT PRIMARY KEY, created_at TEXT)\"); c.execute(\"INSERT OR IGNORE INTO tenant VALUES (?, datetime(\\\"now\\\"))\", (sys.argv[2],)); c.commit()' \"$DATA_DIR/site.db\" \"$TENANT_ID\"; else printf '%s\\n' \"$TENANT_ID\" > \"$DATA_DIR/site.txt\"; fi"]
timeout = "60s"
"#;

#[tokio::test]
async fn local_mode_hook_creates_a_database_and_a_files_folder() {
    let env = Env::new(&config_text(LOCAL_MODE_HOOK, HEALTH_CHECKS)).await;
    let report = env
        .provision(&env.options("local"))
        .await
        .expect("provisions");
    let volume = env.volume_dir(report.volume_id.as_deref().expect("volume"));
    assert!(volume.join("files").is_dir());
    let db = volume.join("site.db");
    let txt = volume.join("site.txt");
    if db.is_file() {
        let bytes = std::fs::read(&db).expect("read db");
        assert!(bytes.starts_with(b"SQLite format 3\0"), "not a SQLite file");
    } else {
        // Neither sqlite3 nor python3 on this host: the plain data file fallback.
        assert_eq!(
            std::fs::read_to_string(&txt).expect("fallback file"),
            "local\n"
        );
    }
}

#[tokio::test]
async fn a_health_timeout_too_long_for_the_clock_does_not_panic() {
    // About 2^64 seconds: accepted by the config, but past what the clock can add.
    let health = "[health]\nrequire = [\"machine_started\", \"fly_checks\"]\ntimeout = \"5124095576030431h\"\n";
    let env = Env::new(&config_text("", health)).await;
    let report = env
        .provision(&env.options("gamma"))
        .await
        .expect("provisions");
    let health = report
        .steps
        .iter()
        .find(|s| s.name == "health")
        .expect("health step");
    assert_eq!(health.status, StepStatus::Done, "{health:?}");
}
