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

#[test]
fn generated_secrets_are_masked_before_they_are_sent() {
    let sim = Sim::start();
    let env = sim.env().var("GITHUB_ACTIONS", "true");
    let output = env.run(&["provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let err = stderr(&output);
    let lines: Vec<&str> = err.lines().collect();
    let masks: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.strip_prefix("::add-mask::").map(|v| (i, v)))
        .collect();
    assert_eq!(masks.len(), 2, "{err}");
    let secrets_done = lines
        .iter()
        .position(|l| l.contains("done   secrets"))
        .expect("secrets step line");
    assert!(masks.iter().all(|(i, _)| *i < secrets_done), "{err}");
    // The tenant's step lines come as one group.
    let open = lines.iter().position(|l| *l == "::group::tenant acme");
    let close = lines.iter().position(|l| *l == "::endgroup::");
    assert!(
        matches!((open, close), (Some(o), Some(c)) if o < secrets_done && secrets_done < c),
        "{err}"
    );

    // The masked values are the ones the machine has.
    let client = sim.client();
    let machines = sim
        .block_on(client.list_machines("tenant-acme", &Default::default()))
        .expect("machines");
    let request = fly_api::types::ExecRequest::new(["printenv", "DATABASE_PASSWORD"]);
    let seen = sim
        .block_on(client.exec("tenant-acme", &machines[0].id, &request))
        .expect("exec");
    let password = seen.stdout.trim();
    assert_eq!(password.len(), 64);
    assert!(masks.iter().any(|(_, v)| *v == password), "{err}");
    // Masked, and nowhere else in the output.
    assert_eq!(err.matches(password).count(), 1, "{err}");

    // -q hides progress, not the masks.
    let output = env.run(&["-q", "provision", "globex", "--tier", "starter"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        stderr(&output).matches("::add-mask::").count(),
        2,
        "{}",
        stderr(&output)
    );
}
