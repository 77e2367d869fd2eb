//! Hostile values cannot change the structure of a rendered fly.toml.

use crate::harness::{TestEnv, code, example_config, json, stderr, stdout};

/// Values that would break a template rendered by text splicing.
const HOSTILE: &[&str] = &[
    "\"",
    "\"\"\"",
    "'''",
    "img\"\n[evil]\nkey = 1",
    "img]]\n[[vm]]\nsize = \"performance-16x\"",
    "a\\\"b\\",
    "x # not a comment",
    "ünïcødé 🚀 \u{202e}rtl",
    "{{app}} {{tenant}}",
    "}}{{",
    "\t\r\n",
];

fn render(env: &TestEnv, extra: &[&str]) -> (toml::Table, serde_json::Value) {
    let mut args = vec!["render", "acme", "--tier", "pro", "-o", "json"];
    args.extend_from_slice(extra);
    let output = env.run(&args);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let doc = json(&output);
    let text = doc["fly_toml"].as_str().expect("fly_toml is a string");
    let table: toml::Table = toml::from_str(text)
        .unwrap_or_else(|e| panic!("rendered fly.toml does not parse: {e}\n{text}"));
    (table, doc)
}

/// Replaces the image so two renders can be compared for structure.
fn without_image(mut table: toml::Table) -> toml::Table {
    table["build"]
        .as_table_mut()
        .expect("[build] is a table")
        .insert("image".into(), "IMAGE".into());
    table
}

#[test]
fn hostile_images_from_the_command_line_stay_one_string() {
    let env = TestEnv::example();
    let (reference, _) = render(&env, &["--image", "plain"]);
    for value in HOSTILE {
        let (table, doc) = render(&env, &["--image", value]);
        assert_eq!(table["build"]["image"].as_str(), Some(*value));
        assert_eq!(doc["image"].as_str(), Some(*value));
        assert_eq!(
            without_image(table),
            without_image(reference.clone()),
            "--image {value:?} changed the structure"
        );
    }
}

#[test]
fn hostile_images_from_the_config_stay_one_string() {
    // NUL cannot travel through argv, so it comes from tenantctl.toml as an escape.
    let cases = [
        ("img\\u0000x", "img\u{0}x"),
        ("\\\"\\\"\\\"\\n[x]", "\"\"\"\n[x]"),
        ("]]\\n[[mounts]]", "]]\n[[mounts]]"),
        ("\\u001b[31mred", "\u{1b}[31mred"),
    ];
    let (reference, _) = render(&TestEnv::example(), &["--image", "plain"]);
    for (escaped, value) in cases {
        let config = example_config().replace(
            "image = \"registry.fly.io/acme-drupal:2026-11-20\"",
            &format!("image = \"{escaped}\""),
        );
        let env = TestEnv::with_config(&config);
        let (table, _) = render(&env, &[]);
        assert_eq!(table["build"]["image"].as_str(), Some(value));
        assert_eq!(without_image(table), without_image(reference.clone()));
    }
}

#[test]
fn hostile_machine_config_image_is_passed_through_as_a_value() {
    let env = TestEnv::example();
    let value = "img\"\n]]\u{202e}";
    let output = env.run(&[
        "render",
        "acme",
        "--tier",
        "pro",
        "--image",
        value,
        "--machine-config",
        "--group",
        "app",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let config: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(config["image"].as_str(), Some(value));
}

#[test]
fn hostile_tenant_ids_and_regions_are_refused_before_rendering() {
    let env = TestEnv::example();
    for id in [
        "acme\"\n[evil]",
        "acme]]",
        "acme\"\"\"",
        "ÄCME",
        "acme\u{202e}",
        "",
    ] {
        let output = env.run(&["render", id, "--tier", "pro"]);
        assert_eq!(code(&output), 2, "{id:?}: {}", stderr(&output));
        assert!(stdout(&output).is_empty());
        assert!(
            stderr(&output).contains("invalid tenant id"),
            "{id:?}: {}",
            stderr(&output)
        );
    }
    for region in ["fra\"\n[x]", "FRA", "fr", "]]"] {
        let output = env.run(&["render", "acme", "--tier", "pro", "--region", region]);
        assert_eq!(code(&output), 2, "{region:?}: {}", stderr(&output));
        assert!(stderr(&output).contains("is not a Fly region code"));
    }
}
