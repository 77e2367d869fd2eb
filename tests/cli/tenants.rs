//! `status` and `list`: tables for people, the documented JSON (docs/json.md) for scripts.

use crate::harness::{code, stderr, stdout};
use crate::sim::{Sim, show};

/// Our own copies of the documented shapes: decoding with deny_unknown_fields fails when the
/// output gains, loses or retypes a field unnoticed.
mod contract {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct StatusDoc {
        pub schema_version: u32,
        pub kind: String,
        pub tenant: Tenant,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ListDoc {
        pub schema_version: u32,
        pub kind: String,
        pub org: String,
        pub tenants: Vec<Tenant>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Tenant {
        pub tenant: String,
        pub app: String,
        pub tier: Option<String>,
        pub region: Option<String>,
        pub machine: Option<Machine>,
        pub volume: Option<Volume>,
        pub checks: Checks,
        pub certificates: Vec<Certificate>,
        pub created_at: Option<String>,
        pub template_version: Option<String>,
        pub provisioned_by: Option<String>,
        pub error: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Machine {
        pub id: String,
        pub state: Option<String>,
        pub image: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Volume {
        pub id: String,
        pub size_gb: Option<u64>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Checks {
        pub passing: usize,
        pub total: usize,
        pub summary: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Certificate {
        pub hostname: String,
        pub status: String,
    }
}

fn provision(sim: &Sim, tenant: &str, tier: &str, extra: &[&str]) {
    let mut args = vec!["provision", tenant, "--tier", tier];
    args.extend_from_slice(extra);
    let output = sim.env().run(&args);
    assert_eq!(code(&output), 0, "{tenant}: {}", stderr(&output));
}

#[test]
fn status_table_and_json() {
    let sim = Sim::start();
    provision(&sim, "acme", "pro", &["--domain", "shop.example.com"]);
    let env = sim.env();
    sim.clear_log();

    let output = env.run(&["status", "acme"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    for column in [
        "TENANT",
        "TIER",
        "REGION",
        "MACHINE STATE",
        "IMAGE",
        "VOLUME SIZE",
        "CHECKS",
        "CERTIFICATE",
        "CREATED",
    ] {
        assert!(lines[0].contains(column), "{column}: {out}");
    }
    for cell in [
        "acme",
        "pro",
        "ams",
        "started",
        "registry.fly.io/demo:1",
        "2 GB",
        "1/1 passing",
        "shop.example.com (",
    ] {
        assert!(lines[1].contains(cell), "{cell}: {out}");
    }

    let output = env.run(&["status", "acme", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc: contract::StatusDoc = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", stdout(&output)));
    assert_eq!(doc.schema_version, 1);
    assert_eq!(doc.kind, "status");
    let t = doc.tenant;
    assert_eq!((t.tenant.as_str(), t.app.as_str()), ("acme", "tenant-acme"));
    assert_eq!(t.tier.as_deref(), Some("pro"));
    assert_eq!(t.region.as_deref(), Some("ams"));
    let machine = t.machine.expect("machine");
    assert_eq!(machine.state.as_deref(), Some("started"));
    assert_eq!(machine.image.as_deref(), Some("registry.fly.io/demo:1"));
    assert!(!machine.id.is_empty());
    let volume = t.volume.expect("volume");
    assert_eq!(volume.size_gb, Some(2));
    assert!(volume.id.starts_with("vol_"), "{}", volume.id);
    assert_eq!((t.checks.passing, t.checks.total), (1, 1));
    assert_eq!(t.checks.summary, "1/1 passing");
    assert_eq!(t.certificates.len(), 1);
    assert_eq!(t.certificates[0].hostname, "shop.example.com");
    assert!(!t.certificates[0].status.is_empty());
    assert!(t.created_at.is_some());
    assert_eq!(t.template_version.as_deref().map(str::len), Some(12));
    assert_eq!(t.provisioned_by.as_deref(), Some("unknown"));
    assert_eq!(t.error, None);

    // Read-only: status sent GETs only.
    let log = sim.log();
    assert!(!log.is_empty());
    assert!(log.iter().all(|r| r.method == "GET"), "{}", show(&log));
}

#[test]
fn list_shows_every_tenant() {
    let sim = Sim::start();
    provision(&sim, "globex", "starter", &[]);
    provision(&sim, "acme", "pro", &[]);
    provision(&sim, "initech", "starter", &[]);
    let env = sim.env();
    sim.clear_log();

    let output = env.run(&["list"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let out = stdout(&output);
    let tenants: Vec<&str> = out
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(tenants, ["acme", "globex", "initech"], "{out}");
    assert!(
        out.lines()
            .next()
            .unwrap_or_default()
            .contains("MACHINE STATE")
    );

    let output = env.run(&["list", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc: contract::ListDoc = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", stdout(&output)));
    assert_eq!(doc.schema_version, 1);
    assert_eq!(doc.kind, "list");
    assert_eq!(doc.org, "personal");
    let names: Vec<&str> = doc.tenants.iter().map(|t| t.tenant.as_str()).collect();
    assert_eq!(names, ["acme", "globex", "initech"]);
    let tiers: Vec<Option<&str>> = doc.tenants.iter().map(|t| t.tier.as_deref()).collect();
    assert_eq!(tiers, [Some("pro"), Some("starter"), Some("starter")]);
    assert!(
        doc.tenants
            .iter()
            .all(|t| t.machine.is_some() && t.error.is_none())
    );

    let output = env.run(&["list", "--tier", "starter", "-o", "json"]);
    let doc: contract::ListDoc = serde_json::from_slice(&output.stdout).expect("list json");
    let names: Vec<&str> = doc.tenants.iter().map(|t| t.tenant.as_str()).collect();
    assert_eq!(names, ["globex", "initech"]);

    let output = env.run(&["list", "--tier", "gold"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));

    let log = sim.log();
    assert!(log.iter().all(|r| r.method == "GET"), "{}", show(&log));
}

#[test]
fn list_of_an_empty_org() {
    let sim = Sim::start();
    let output = sim.env().run(&["list", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc: contract::ListDoc = serde_json::from_slice(&output.stdout).expect("list json");
    assert!(doc.tenants.is_empty());
}

#[test]
fn unknown_tenant_exits_3_with_one_line() {
    let sim = Sim::start();
    let env = sim.env();
    let output = env.run(&["status", "nope"]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "error: tenant `nope` not found: app `tenant-nope` does not exist in org `personal`"
        ),
        "{err}"
    );
    assert!(err.contains("`tenantctl list`"), "{err}");

    let output = env.run(&["status", "nope", "-o", "json"]);
    assert_eq!(code(&output), 3);
    let doc = crate::harness::json(&output);
    assert_eq!(doc["error"]["kind"], "not_found");
    assert_eq!(doc["error"]["exit_code"], 3);
}

#[test]
fn list_reports_a_tenant_it_cannot_read_and_goes_on() {
    let sim = Sim::start();
    provision(&sim, "acme", "starter", &[]);
    provision(&sim, "globex", "starter", &[]);
    sim.inject(tenantctl_test_support::answer(
        "GET",
        "/apps/tenant-globex/machines",
        400,
        100,
    ));
    let env = sim.env();
    let output = env.run(&["list", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("warning: tenant `globex`: cannot read its details"),
        "{}",
        stderr(&output)
    );
    let doc: contract::ListDoc = serde_json::from_slice(&output.stdout).expect("list json");
    assert_eq!(doc.tenants.len(), 2);
    assert_eq!(doc.tenants[0].error, None);
    assert!(doc.tenants[1].error.is_some());
    assert_eq!(doc.tenants[1].checks.summary, "unknown");

    let output = env.run(&["list"]);
    let out = stdout(&output);
    let globex = out
        .lines()
        .find(|l| l.trim_start().starts_with("globex"))
        .unwrap_or_default();
    assert!(globex.contains("error"), "{out}");
}

#[test]
fn list_by_tier_still_reports_a_tenant_it_cannot_read() {
    let sim = Sim::start();
    provision(&sim, "acme", "starter", &[]);
    provision(&sim, "globex", "starter", &[]);
    sim.inject(tenantctl_test_support::answer(
        "GET",
        "/apps/tenant-globex/machines",
        400,
        100,
    ));
    let env = sim.env();
    let output = env.run(&["list", "--tier", "starter", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("warning: tenant `globex`: cannot read its details"),
        "{}",
        stderr(&output)
    );
    let doc: contract::ListDoc = serde_json::from_slice(&output.stdout).expect("list json");
    let names: Vec<&str> = doc.tenants.iter().map(|t| t.tenant.as_str()).collect();
    // Its tier cannot be read, so it may be on the asked-for tier: it is not left out.
    assert_eq!(names, ["acme", "globex"]);
    assert!(doc.tenants[1].error.is_some());
}
