use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::*;

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Recorder {
    fn lines(&self) -> Vec<String> {
        self.0.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Reporter for Recorder {
    fn step(&self, subject: &str, step: &str, event: StepEvent) {
        let kind = match event {
            StepEvent::Started { .. } => "start",
            StepEvent::Done { .. } => "done",
            StepEvent::Skipped { .. } => "skip",
            StepEvent::Failed { .. } => "fail",
            StepEvent::Progress { .. } => "progress",
            StepEvent::Undoing => "undoing",
            StepEvent::Undone { .. } => "undone",
        };
        if let Ok(mut log) = self.0.lock() {
            log.push(format!("{subject} {kind} {step}"));
        }
    }
}

type Test<'a> = Graph<'a, String>;

/// A step that sleeps in apply and outputs `value`; satisfied when `exists`.
fn sleeper<'a, D: Deps>(
    name: &'static str,
    deps: D,
    ms: u64,
    value: u32,
    exists: bool,
) -> Step<'a, D, u32, (), String> {
    Step::new(
        name,
        name,
        deps,
        move |_| async move {
            Ok(if exists {
                Observation::satisfied(value, "exists")
            } else {
                Observation::change((), format!("create {name}"))
            })
        },
        move |_, ()| async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(Applied::new(value, format!("made {value}")))
        },
    )
}

#[tokio::test(start_paused = true)]
async fn independent_steps_overlap_and_dependents_get_typed_outputs() {
    let recorder = Recorder::default();
    let started = tokio::time::Instant::now();
    let mut graph: Test = Graph::new("acme");
    let a = graph.add(sleeper("a", (), 100, 1, false));
    let b = graph.add(sleeper("b", a, 100, 2, false));
    let c = graph.add(sleeper("c", a, 100, 3, false));
    let sum = graph.add(Step::new(
        "d",
        "d",
        (b, c),
        |_| async { Ok(Observation::change((), "add")) },
        |(b, c): (std::sync::Arc<u32>, std::sync::Arc<u32>), ()| async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Ok(Applied::new(*b + *c, "added"))
        },
    ));
    let outcomes = run(&graph, RunOptions::default(), &recorder)
        .await
        .expect("runs");
    assert_eq!(outcomes.get(sum).as_deref(), Some(&5));
    // a, then b and c together, then d: three rounds, not four.
    assert_eq!(started.elapsed(), Duration::from_millis(300));
    let log = recorder.lines();
    let pos = |s: &str| log.iter().position(|l| l == s).expect(s);
    assert!(pos("acme done a") < pos("acme start b"));
    assert!(pos("acme done b") < pos("acme start d"));
    assert!(pos("acme done c") < pos("acme start d"));
    assert!(outcomes.changed());
}

#[tokio::test(start_paused = true)]
async fn a_failure_stops_new_steps_but_lets_running_ones_finish() {
    let recorder = Recorder::default();
    let mut graph: Test = Graph::new("acme");
    let a = graph.add(Step::new(
        "a",
        "a",
        (),
        |_| async { Ok(Observation::<u32, ()>::change((), "a")) },
        |_, ()| async { Err::<Applied<u32>, _>("boom".to_string()) },
    ));
    graph.add(sleeper("slow", (), 50, 1, false));
    graph.add(sleeper("after", a, 1, 1, false));
    let err = run(&graph, RunOptions::default(), &recorder)
        .await
        .expect_err("fails");
    match err {
        RunError::Step {
            step,
            error,
            outcomes,
            rollback,
        } => {
            assert_eq!(step, "a");
            assert_eq!(error, "boom");
            assert!(rollback.is_none());
            let after = outcomes.steps.iter().find(|s| s.name == "after");
            assert_eq!(after.map(|s| s.state), Some(StepState::Pending));
        }
        other => panic!("unexpected {other}"),
    }
    let log = recorder.lines();
    assert!(log.contains(&"acme done slow".to_string()), "{log:?}");
    assert!(!log.iter().any(|l| l.ends_with(" after")), "{log:?}");
}

#[tokio::test]
async fn plan_observes_only_and_dependents_of_a_change_get_no_inputs() {
    let applied = AtomicBool::new(false);
    let saw_inputs = Mutex::new(Vec::new());
    let record = |name: &'static str, got: bool| {
        if let Ok(mut seen) = saw_inputs.lock() {
            seen.push((name, got));
        }
    };
    let mut graph: Test = Graph::new("acme");
    let app = graph.add(sleeper("app", (), 1, 1, true));
    let volume = graph.add(sleeper("volume", app, 1, 2, false));
    graph.add(Step::new(
        "machine",
        "machine",
        (app, volume),
        |(app, volume): (Option<std::sync::Arc<u32>>, Option<std::sync::Arc<u32>>)| {
            record("machine", app.is_some() && volume.is_some());
            async { Ok(Observation::change((), "create machine")) }
        },
        |_, ()| {
            applied.store(true, Ordering::SeqCst);
            async { Ok(Applied::new(3u32, "made")) }
        },
    ));
    graph.add(Step::new(
        "ips",
        "ips",
        app,
        |inputs: Option<std::sync::Arc<u32>>| {
            record("ips", inputs.is_some());
            async { Ok(Observation::satisfied(4u32, "addresses exist")) }
        },
        |_, ()| async { Ok(Applied::new(4u32, "allocated")) },
    ));
    let outcomes = plan(&graph).await.expect("plans");
    assert!(!applied.load(Ordering::SeqCst));
    let states: Vec<_> = outcomes
        .steps
        .iter()
        .map(|s| (s.name, s.state, s.detail.as_str()))
        .collect();
    assert_eq!(
        states,
        [
            ("app", StepState::Satisfied, "exists"),
            ("volume", StepState::Pending, "create volume"),
            ("machine", StepState::Pending, "create machine"),
            ("ips", StepState::Satisfied, "addresses exist"),
        ]
    );
    let mut seen = saw_inputs.lock().expect("lock").clone();
    seen.sort();
    assert_eq!(seen, [("ips", true), ("machine", false)]);
    assert!(!outcomes.changed());
}

#[tokio::test]
async fn rollback_undoes_this_runs_changes_newest_first() {
    let recorder = Recorder::default();
    let mut graph: Test = Graph::new("acme");
    let undo = |name: &'static str| {
        move |value: std::sync::Arc<u32>| async move { Ok(format!("removed {name} {value}")) }
    };
    let kept = graph.add(sleeper("kept", (), 1, 1, true).undo(undo("kept")));
    let first = graph.add(sleeper("first", kept, 1, 2, false).undo(undo("first")));
    let plain = graph.add(sleeper("plain", first, 1, 3, false));
    let second = graph.add(sleeper("second", plain, 1, 4, false).undo(undo("second")));
    graph.add(Step::new(
        "gate",
        "gate",
        second,
        |_| async { Ok(Observation::<u32, ()>::change((), "check")) },
        |_, ()| async { Err::<Applied<u32>, _>("gate failed".to_string()) },
    ));
    let err = run(&graph, RunOptions { rollback: true }, &recorder)
        .await
        .expect_err("gate fails");
    let RunError::Step {
        rollback, outcomes, ..
    } = err
    else {
        panic!("a step failure");
    };
    let rollback = rollback.expect("rolled back");
    assert_eq!(
        rollback.undone,
        [
            ("second", "removed second 4".to_string()),
            ("first", "removed first 2".to_string())
        ]
    );
    // `plain` changed something it cannot undo; `kept` changed nothing this run.
    assert_eq!(rollback.left, ["plain"]);
    assert!(rollback.failed.is_none());
    let state = |name: &str| {
        outcomes
            .steps
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.state)
    };
    assert_eq!(state("second"), Some(StepState::Undone));
    assert_eq!(state("kept"), Some(StepState::Satisfied));
    let log = recorder.lines();
    let pos = |s: &str| log.iter().position(|l| l == s).expect(s);
    assert!(pos("acme undone second") < pos("acme undoing first"));
}
