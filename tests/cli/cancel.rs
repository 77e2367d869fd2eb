//! Ctrl-C and SIGTERM while a provision holds a machine's lease: the process releases the
//! lease, exits 130 within a few seconds, and a re-run completes.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use fly_api::types::{ListMachinesParams, StopRequest, WaitParams};
use flysim::DelayRule;

use crate::harness::{TestEnv, code, stderr, stdout};
use crate::sim::Sim;

const APP: &str = "tenant-acme";
const PROVISION: &[&str] = &["provision", "acme", "--tier", "starter"];

/// Provisions the tenant and stops its machine, so the next provision starts it under its
/// lease; returns the machine id.
fn provisioned_and_stopped(sim: &Sim, env: &TestEnv) -> String {
    let first = env.run(PROVISION);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let client = sim.client();
    sim.block_on(async {
        let machines = client
            .list_machines(APP, &ListMachinesParams::default())
            .await
            .expect("machines");
        let id = machines.first().expect("one machine").id.clone();
        client
            .stop_machine(APP, &id, &StopRequest::default(), None)
            .await
            .expect("stop");
        client
            .wait_for_state(
                APP,
                &id,
                &WaitParams::new(&["stopped"], Duration::from_secs(10)),
            )
            .await
            .expect("stopped");
        id
    })
}

fn lease_held(sim: &Sim, id: &str) -> bool {
    let client = sim.client();
    sim.block_on(client.get_lease(APP, id))
        .expect("read lease")
        .is_some()
}

/// Spawns provision with the machine start held up, and waits until its lease is taken.
fn provision_holding_the_lease(sim: &Sim, env: &TestEnv, id: &str) -> Child {
    sim.delay(DelayRule {
        method: Some("POST".into()),
        path_contains: "/start".into(),
        delay_ms: 60_000,
        times: 1,
        skip: 0,
    });
    let child = env
        .std_cmd()
        .args(PROVISION)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tenantctl starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !lease_held(sim, id) {
        assert!(Instant::now() < deadline, "provision never took the lease");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn signal(child: &Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} failed");
}

/// Waits for the child to exit, failing the test after `bound`.
fn exits_within(mut child: Child, bound: Duration) -> std::process::Output {
    let started = Instant::now();
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if started.elapsed() > bound {
            let _ = child.kill();
            let output = child.wait_with_output().expect("output");
            panic!(
                "tenantctl did not exit within {bound:?} of the signal:\n{}",
                stderr(&output)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn interrupted_and_released(signal_name: &str) {
    let sim = Sim::start();
    let env = sim.env();
    let id = provisioned_and_stopped(&sim, &env);
    let child = provision_holding_the_lease(&sim, &env, &id);

    signal(&child, signal_name);
    let output = exits_within(child, Duration::from_secs(5));
    assert_eq!(code(&output), 130, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("interrupted"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    assert!(
        !lease_held(&sim, &id),
        "the lease must be released, not left to expire"
    );

    // Resumable: the next run starts the machine and completes.
    sim.clear_faults();
    let again = env.run(PROVISION);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(!lease_held(&sim, &id));
}

#[test]
fn sigint_while_a_lease_is_held_releases_it_and_exits_130() {
    interrupted_and_released("INT");
}

#[test]
fn sigterm_as_github_actions_sends_on_cancel_does_the_same() {
    interrupted_and_released("TERM");
}

#[test]
fn a_second_ctrl_c_exits_at_once() {
    let sim = Sim::start();
    let env = sim.env();
    let id = provisioned_and_stopped(&sim, &env);
    let child = provision_holding_the_lease(&sim, &env, &id);
    // Releasing the lease hangs, so the first Ctrl-C's cleanup cannot finish by itself.
    sim.delay(DelayRule {
        method: Some("DELETE".into()),
        path_contains: "/lease".into(),
        delay_ms: 60_000,
        times: 10,
        skip: 0,
    });
    signal(&child, "INT");
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "INT");
    // Well before the bounded cleanup of the first signal would have given up.
    let output = exits_within(child, Duration::from_secs(2));
    assert_eq!(code(&output), 130, "{}", stderr(&output));
}
