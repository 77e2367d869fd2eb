//! `logs`: a tenant's lines as text or JSON lines, filtered, followed until Ctrl-C (exit 0)
//! without a line printed twice, and fenced off from workflow commands in GitHub Actions.

use std::collections::HashSet;
use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fly_api::types::{ListMachinesParams, StopRequest};

use crate::harness::{TestEnv, code, stderr, stdout};
use crate::sim::Sim;

fn provisioned(sim: &Sim) -> (TestEnv, String) {
    let env = sim.env();
    let output = env.run(&["provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let client = sim.client();
    let machines = sim
        .block_on(client.list_machines("tenant-acme", &ListMachinesParams::default()))
        .expect("machines");
    (env, machines[0].id.clone())
}

#[test]
fn logs_print_the_tenants_lines_as_text_or_json_lines() {
    let sim = Sim::start();
    let (env, machine) = provisioned(&sim);

    let output = env.run(&["logs", "acme"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let out = stdout(&output);
    assert!(!out.is_empty(), "a provisioned machine has boot lines");
    assert!(out.lines().all(|l| l.contains(&machine)), "{out}");

    let output = env.run(&["logs", "acme", "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    for line in stdout(&output).lines() {
        let entry: serde_json::Value = serde_json::from_str(line).expect("one JSON object a line");
        assert_eq!(entry["machine"], machine.as_str());
        assert!(entry["timestamp"].is_string() && entry["message"].is_string());
    }

    let output = env.run(&["logs", "acme", "--machine", "0000nothere"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));

    // Lines older than the window are left out: nothing was logged in the future.
    let output = env.run(&["logs", "acme", "--since", "0s"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
}

#[test]
fn logs_refuse_what_they_cannot_show() {
    let sim = Sim::start();
    let env = sim.env();
    let output = env.run(&["logs", "ghost"]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("tenant `ghost` not found"),
        "{}",
        stderr(&output)
    );
    let output = env.run(&["logs", "acme", "--since", "yesterday"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("--since"), "{}", stderr(&output));
}

#[test]
fn in_github_actions_log_lines_cannot_be_workflow_commands() {
    let sim = Sim::start();
    let (env, _) = provisioned(&sim);
    let env = env.var("GITHUB_ACTIONS", "true");
    let output = env.run(&["logs", "acme"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    let first = lines.first().copied().unwrap_or_default();
    let token = first
        .strip_prefix("::stop-commands::")
        .unwrap_or_else(|| panic!("no stop-commands first: {out}"));
    assert!(token.len() > 16, "{token}");
    assert_eq!(
        lines.last().copied(),
        Some(format!("::{token}::").as_str()),
        "{out}"
    );
}

#[test]
fn follow_prints_new_lines_once_and_ctrl_c_ends_it_with_success() {
    let sim = Sim::start();
    let (env, machine) = provisioned(&sim);
    let mut child = env
        .std_cmd()
        .args(["logs", "acme", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tenantctl starts");
    // Let it print what exists and start polling, then make new lines: stop the machine.
    std::thread::sleep(Duration::from_millis(1500));
    let client = sim.client();
    sim.block_on(client.stop_machine("tenant-acme", &machine, &StopRequest::default(), None))
        .expect("stop");
    std::thread::sleep(Duration::from_millis(3000));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(5);
    while child.try_wait().expect("try_wait").is_none() {
        assert!(
            Instant::now() < deadline,
            "logs --follow did not end on Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("read");
    let exit = child.wait().expect("exit");
    assert_eq!(exit.code(), Some(0), "{out}");

    // Every line the API has, exactly once, the stop's lines included.
    let all = stdout(&env.run(&["logs", "acme"]));
    let followed: Vec<&str> = out.lines().collect();
    let unique: HashSet<&str> = followed.iter().copied().collect();
    assert_eq!(
        unique.len(),
        followed.len(),
        "a line was printed twice:\n{out}"
    );
    assert_eq!(
        followed,
        all.lines().collect::<Vec<_>>(),
        "follow missed lines"
    );
    assert!(
        all.lines().count() > 0 && out.to_ascii_lowercase().contains("stop"),
        "the stop's lines were followed:\n{out}"
    );
}
