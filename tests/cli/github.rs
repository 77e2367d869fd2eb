//! GitHub Actions: a run's results become the step's outputs in GITHUB_OUTPUT's format.

use std::collections::BTreeMap;

use crate::harness::{code, stderr};
use crate::sim::Sim;

/// GITHUB_OUTPUT's `key=value` lines (no value here spans lines).
fn outputs(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn provision_and_deploy_set_the_step_outputs() {
    let sim = Sim::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("github_output");
    let env = sim
        .env()
        .var("GITHUB_ACTIONS", "true")
        .var("GITHUB_OUTPUT", file.to_str().unwrap());
    let output = env.run(&["provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let set = outputs(&std::fs::read_to_string(&file).expect("outputs written"));
    assert_eq!(set["tenant"], "acme");
    assert_eq!(set["app"], "tenant-acme");
    assert_eq!(set["hostname"], "tenant-acme.fly.dev");
    assert_eq!(set["tier"], "starter");
    assert_eq!(set["image"], "registry.fly.io/demo:1");
    assert!(!set["machine_id"].is_empty());
    let machine = set["machine_id"].clone();

    std::fs::remove_file(&file).unwrap();
    let output = env.run(&["deploy", "acme", "--image", "registry.fly.io/demo:2"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let set = outputs(&std::fs::read_to_string(&file).expect("outputs written"));
    assert_eq!(set["image"], "registry.fly.io/demo:2");
    assert_eq!(set["previous_image"], "registry.fly.io/demo:1");
    assert_eq!(set["machine_id"], machine);

    // Outside GitHub Actions the file is left alone.
    std::fs::remove_file(&file).unwrap();
    let plain = sim.env().var("GITHUB_OUTPUT", file.to_str().unwrap());
    let output = plain.run(&["deploy", "acme", "--image", "registry.fly.io/demo:2"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(!file.exists());
}
