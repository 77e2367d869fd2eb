//! `tenantctl render`: every tier, text and JSON, against reviewed snapshots.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::harness::{TestEnv, code, fixture, json, stderr, stdout};

const TIERS: [&str; 3] = ["free", "starter", "pro"];

/// Our own copy of the `render` document: decoding into it checks the documented contract
/// (docs/json.md) independently of the types that produce it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RenderDoc {
    schema_version: u32,
    kind: String,
    tenant: String,
    app: String,
    tier: String,
    template: String,
    template_version: String,
    region: String,
    image: String,
    fly_toml: String,
    #[serde(default)]
    machine_configs: Option<BTreeMap<String, serde_json::Value>>,
}

#[test]
fn every_tier_renders_text() {
    let env = TestEnv::example();
    for tier in TIERS {
        insta::assert_snapshot!(
            format!("render_{tier}_text"),
            env.snapshot(&["render", "acme", "--tier", tier])
        );
    }
}

#[test]
fn every_tier_renders_json() {
    let env = TestEnv::example();
    for tier in TIERS {
        let output = env.run(&["render", "acme", "--tier", tier, "-o", "json"]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        let doc: RenderDoc = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(doc.schema_version, 1);
        assert_eq!(doc.kind, "render");
        assert_eq!(doc.tenant, "acme");
        assert_eq!(doc.app, "acme-acme");
        assert_eq!(doc.tier, tier);
        assert_eq!(doc.template, tier);
        assert_eq!(doc.template_version.len(), 12);
        assert_eq!(doc.region, "fra");
        assert_eq!(doc.image, "registry.fly.io/acme-drupal:2026-11-20");
        assert!(doc.machine_configs.is_none());
        // The JSON carries exactly what text mode prints.
        let text = env.run(&["render", "acme", "--tier", tier]);
        assert_eq!(doc.fly_toml, stdout(&text));
        insta::assert_snapshot!(format!("render_{tier}_json"), stdout(&output));
    }
}

#[test]
fn tiers_differ_where_the_issue_says() {
    let env = TestEnv::example();
    let render = |tier: &str| -> toml::Table {
        let output = env.run(&["render", "acme", "--tier", tier]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        toml::from_str(&stdout(&output)).expect("rendered fly.toml parses")
    };
    let starter = render("starter");
    assert_eq!(
        starter["http_service"]["auto_stop_machines"].as_str(),
        Some("stop")
    );
    assert_eq!(
        starter["http_service"]["min_machines_running"].as_integer(),
        Some(0)
    );
    let pro = render("pro");
    assert_eq!(
        pro["http_service"]["auto_stop_machines"].as_str(),
        Some("off")
    );
    assert_eq!(
        pro["http_service"]["min_machines_running"].as_integer(),
        Some(1)
    );
    assert_eq!(pro["mounts"][0]["initial_size"].as_str(), Some("20gb"));
    assert_eq!(pro["vm"][0]["size"].as_str(), Some("shared-cpu-2x"));
    assert_eq!(
        render("free")["vm"][0]["size"].as_str(),
        Some("shared-cpu-1x")
    );
    for table in [&starter, &pro] {
        assert_eq!(table["app"].as_str(), Some("acme-acme"));
        assert_eq!(table["primary_region"].as_str(), Some("fra"));
    }
}

#[test]
fn rendering_is_deterministic_and_versioned() {
    let env = TestEnv::example();
    let first = env.run(&["render", "acme", "--tier", "pro", "-o", "json"]);
    let second = env.run(&["render", "acme", "--tier", "pro", "-o", "json"]);
    assert_eq!(first.stdout, second.stdout);
    let other = env.run(&["render", "globex", "--tier", "pro", "-o", "json"]);
    assert_eq!(
        json(&first)["template_version"],
        json(&other)["template_version"]
    );
}

#[test]
fn region_and_image_flags_override_the_config() {
    let env = TestEnv::example();
    let output = env.run(&[
        "render", "acme", "--tier", "free", "--region", "syd", "--image", "img:9", "-o", "json",
    ]);
    let doc = json(&output);
    assert_eq!(doc["region"], "syd");
    assert_eq!(doc["image"], "img:9");
    let fly: toml::Table = toml::from_str(doc["fly_toml"].as_str().unwrap()).unwrap();
    assert_eq!(fly["primary_region"].as_str(), Some("syd"));
    assert_eq!(fly["build"]["image"].as_str(), Some("img:9"));
}

#[test]
fn local_mode_uses_the_built_in_config() {
    let env = TestEnv::empty();
    insta::assert_snapshot!(
        "render_local_builtin",
        env.snapshot(&["--local", "render", "acme", "--tier", "pro"])
    );
}

#[test]
fn a_project_fly_templates_dir_is_used() {
    let env = TestEnv::example();
    env.write(
        "work/fly-templates/pro.toml",
        "app = \"{{app}}\"\nprimary_region = \"{{region}}\"\n[env]\nCUSTOM = \"{{tenant}}-{{tier}}\"\n[http_service]\ninternal_port = 80\nauto_stop_machines = \"off\"\nmin_machines_running = 1\n",
    );
    let output = env.run(&["render", "acme", "--tier", "pro", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    let fly: toml::Table = toml::from_str(doc["fly_toml"].as_str().unwrap()).unwrap();
    assert_eq!(fly["env"]["CUSTOM"].as_str(), Some("acme-pro"));
    // No _common.toml in the project dir: nothing is merged in.
    assert!(fly.get("build").is_none());
    // The version covers the project's sources, not the built-in ones.
    let builtin = TestEnv::example().run(&["render", "acme", "--tier", "pro", "-o", "json"]);
    assert_ne!(doc["template_version"], json(&builtin)["template_version"]);

    // The other tiers have no template in that directory.
    let output = env.run(&["render", "acme", "--tier", "free"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("template `free` does not exist; available: pro"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn templates_dir_key_points_elsewhere() {
    let config = crate::harness::example_config().replace(
        "# templates_dir = \"fly-templates\"",
        "templates_dir = \"../shared-templates\"",
    );
    let env = TestEnv::with_config(&config);
    env.write(
        "shared-templates/pro.toml",
        "app = \"{{app}}\"\n[env]\nFROM = \"shared\"\n[http_service]\ninternal_port = 80\nmin_machines_running = 1\n",
    );
    let output = env.run(&["render", "acme", "--tier", "pro"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stdout(&output).contains("FROM = \"shared\""));
}

#[test]
fn machine_config_for_every_tier() {
    let env = TestEnv::example();
    for tier in TIERS {
        insta::assert_snapshot!(
            format!("render_{tier}_machine_config"),
            env.snapshot(&["render", "acme", "--tier", tier, "--machine-config"])
        );
    }
}

#[test]
fn machine_config_of_a_file_per_group() {
    let env = TestEnv::empty();
    let file = fixture("two-groups.fly.toml");
    let file = file.to_str().unwrap();
    insta::assert_snapshot!(
        "render_file_all_groups",
        env.snapshot(&["render", "--file", file, "--machine-config"])
    );
    insta::assert_snapshot!(
        "render_file_one_group",
        env.snapshot(&[
            "render",
            "--file",
            file,
            "--group",
            "worker",
            "--machine-config"
        ])
    );
    insta::assert_snapshot!(
        "render_file_json",
        env.snapshot(&["render", "--file", file, "--machine-config", "-o", "json"])
            .replace(file, "[FIXTURE]")
    );
}
