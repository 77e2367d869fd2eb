//! Machine lifecycle: states move along a persisted plan of timed steps.
//!
//! A machine row holds its current state and the steps still to come (state + due time).
//! Every read applies the steps that are due, so the state is correct after restarts and
//! needs no background timers.

use std::sync::atomic::{AtomicI64, Ordering};

use rusqlite::Connection;
use serde_json::{Value, json};

use crate::Sim;
use crate::error::ApiResult;
use crate::store::{MachineRow, Step, insert_event, insert_log, save_machine};

pub const STATES: &[&str] = &[
    "created",
    "starting",
    "started",
    "stopping",
    "stopped",
    "suspending",
    "suspended",
    "replacing",
    "destroying",
    "destroyed",
];

pub fn step(state: &str, at: i64, event: Option<(&str, &str)>, logs: Vec<String>) -> Step {
    Step {
        state: state.to_string(),
        at,
        logs,
        event: event.map(|(t, s)| (t.to_string(), s.to_string())),
    }
}

/// Last log timestamp handed out: keeps log timestamps strictly increasing in id order.
static LAST_LOG_NS: AtomicI64 = AtomicI64::new(0);

/// Write a machine log line at `ts_ms` (`offset` orders lines of one step).
pub fn log_line(
    conn: &Connection,
    m: &MachineRow,
    ts_ms: i64,
    offset: i64,
    msg: &str,
) -> ApiResult<()> {
    let wanted = ts_ms * 1_000_000 + offset * 1000;
    let ts = LAST_LOG_NS
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
            Some(wanted.max(last + 1000))
        })
        .map(|last| wanted.max(last + 1000))
        .unwrap_or(wanted);
    insert_log(conn, &m.app, ts, "info", &m.id, &m.region, msg)
}

/// Apply the due steps of the plan. Returns true when the row changed (and was saved).
pub fn settle(sim: &Sim, conn: &Connection, m: &mut MachineRow, now: i64) -> ApiResult<bool> {
    if m.plan.first().is_none_or(|s| s.at > now) {
        return Ok(false);
    }
    while let Some(first) = m.plan.first() {
        if first.at > now {
            break;
        }
        let s = m.plan.remove(0);
        enter(sim, conn, m, &s)?;
        let faults = sim.faults.profile_faults();
        if faults.stuck_states.iter().any(|st| st == &s.state) {
            let p = if faults.stuck > 0.0 {
                faults.stuck
            } else {
                1.0
            };
            if sim.faults.chance(p) {
                m.plan.clear();
                log_line(
                    conn,
                    m,
                    s.at,
                    99,
                    "machine is taking longer than expected to change state",
                )?;
                break;
            }
        }
    }
    save_machine(conn, m)?;
    Ok(true)
}

fn enter(sim: &Sim, conn: &Connection, m: &mut MachineRow, s: &Step) -> ApiResult<()> {
    m.state = s.state.clone();
    m.updated_at = s.at;
    if let Some((kind, status)) = &s.event {
        // Exits carry the process's exit details, as flyd reports them.
        let request = (kind == "exit").then(|| {
            json!({
                "exit_event": {
                    "exit_code": 0,
                    "guest_exit_code": 0,
                    "guest_signal": -1,
                    "oom_killed": false,
                    "requested_stop": true,
                    "restarting": false,
                    "signal": -1,
                    "exited_at": crate::util::rfc3339_ms(s.at),
                },
                "restart_count": 0,
            })
        });
        insert_event(conn, &m.id, kind, status, "flyd", s.at, request.as_ref())?;
    }
    for (i, line) in s.logs.iter().enumerate() {
        log_line(conn, m, s.at, i as i64, line)?;
    }
    match s.state.as_str() {
        "started" => {
            m.started_at = Some(s.at);
            m.checks_failing = sim.faults.boot_checks_fail();
            if m.plan.is_empty() {
                m.plan = autostop_steps(sim, m, s.at);
            }
        }
        "destroyed" => {
            conn.prepare_cached(
                "UPDATE volumes SET attached_machine_id = NULL WHERE attached_machine_id = ?1",
            )?
            .execute([&m.id])?;
            m.lease = None;
        }
        _ => {}
    }
    Ok(())
}

/// The autostop mode of the machine's services: None, Some(false) = stop, Some(true) = suspend.
pub fn autostop_mode(config: &Value) -> Option<bool> {
    let services = config.get("services")?.as_array()?;
    let mut mode = None;
    for svc in services {
        match svc.get("autostop") {
            Some(Value::Bool(true)) => mode = Some(mode.unwrap_or(false)),
            Some(Value::String(s)) if s == "stop" => mode = Some(mode.unwrap_or(false)),
            Some(Value::String(s)) if s == "suspend" => mode = Some(true),
            _ => {}
        }
    }
    mode
}

/// Fly suspends machines of up to 2 GB memory and without swap.
pub fn can_suspend(config: &Value) -> bool {
    let memory = config
        .get("guest")
        .and_then(|g| g.get("memory_mb"))
        .and_then(Value::as_i64)
        .unwrap_or(256);
    let swap = config
        .get("init")
        .and_then(|i| i.get("swap_size_mb"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    memory <= 2048 && swap <= 0
}

/// Steps that idle-stop a started machine, if its services ask for autostop.
pub fn autostop_steps(sim: &Sim, m: &MachineRow, from: i64) -> Vec<Step> {
    let idle = sim.profile.autostop_idle_ms as i64;
    if idle <= 0 {
        return Vec::new();
    }
    match autostop_mode(&m.config) {
        None => Vec::new(),
        Some(suspend) => {
            let at = from + idle;
            let msg = "Downscaling app: no traffic for a while".to_string();
            if suspend && can_suspend(&m.config) {
                vec![
                    step(
                        "suspending",
                        at,
                        None,
                        vec![msg, "Suspending machine".into()],
                    ),
                    step(
                        "suspended",
                        at + sim.profile.stop_ms as i64,
                        Some(("suspend", "suspended")),
                        vec!["Machine suspended".into()],
                    ),
                ]
            } else {
                let mut v = stop_steps(sim, m, at, None);
                if let Some(first) = v.first_mut() {
                    first.logs.insert(0, msg);
                }
                v
            }
        }
    }
}

fn process_line(m: &MachineRow) -> String {
    let init = m.config.get("init");
    let pick = |k: &str| -> Option<String> {
        let arr = init?.get(k)?.as_array()?;
        let parts: Vec<&str> = arr.iter().filter_map(Value::as_str).collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    };
    pick("exec")
        .or_else(|| match (pick("entrypoint"), pick("cmd")) {
            (Some(e), Some(c)) => Some(format!("{e} {c}")),
            (e, c) => e.or(c),
        })
        .unwrap_or_else(|| "/docker-entrypoint.sh".to_string())
}

/// starting -> started, beginning at `now`. `cold` adds the cold-start time.
pub fn boot_steps(sim: &Sim, m: &MachineRow, now: i64, cold: bool) -> Vec<Step> {
    let boot = sim.profile.boot_ms as i64
        + if cold {
            sim.profile.cold_start_ms as i64
        } else {
            0
        };
    let image = m
        .config
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_string();
    vec![
        step(
            "starting",
            now,
            Some(("start", "starting")),
            vec![
                "Starting machine".into(),
                "Configuring firecracker".into(),
                format!("Pulling container image {image}"),
            ],
        ),
        step(
            "started",
            now + boot,
            Some(("start", "started")),
            vec![
                format!(
                    "Successfully prepared image {image} ({:.1}s)",
                    boot as f64 / 2000.0
                ),
                "Starting init (commit: 6c3fbc7)...".into(),
                format!("Preparing to run: `{}` as root", process_line(m)),
                format!("Machine started in {:.1}s", boot as f64 / 1000.0),
            ],
        ),
    ]
}

/// stopping -> stopped, beginning at `now`.
/// Steps of a stop. The signal is the call's own when it names one, else the config's
/// `stop_config.signal`, else SIGINT, as on Fly.
pub fn stop_steps(sim: &Sim, m: &MachineRow, now: i64, signal: Option<&str>) -> Vec<Step> {
    let signal = signal
        .filter(|s| !s.is_empty())
        .or_else(|| {
            m.config
                .get("stop_config")
                .and_then(|s| s.get("signal"))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        })
        .unwrap_or("SIGINT")
        .to_string();
    vec![
        step(
            "stopping",
            now,
            Some(("stop", "stopping")),
            vec![
                "Stopping machine".into(),
                format!("Sending signal {signal} to main child process w/ PID 313"),
            ],
        ),
        step(
            "stopped",
            now + sim.profile.stop_ms as i64,
            Some(("exit", "stopped")),
            vec![
                "Main child exited normally with code: 0".into(),
                "Starting clean up.".into(),
                "Machine stopped".into(),
            ],
        ),
    ]
}

pub fn suspend_steps(sim: &Sim, now: i64) -> Vec<Step> {
    vec![
        step(
            "suspending",
            now,
            Some(("suspend", "suspending")),
            vec!["Suspending machine".into()],
        ),
        step(
            "suspended",
            now + sim.profile.stop_ms as i64,
            Some(("suspend", "suspended")),
            vec!["Machine suspended".into()],
        ),
    ]
}

pub fn destroy_steps(sim: &Sim, was_running: bool, now: i64) -> Vec<Step> {
    let delay = if was_running {
        sim.profile.stop_ms as i64
    } else {
        0
    };
    vec![
        step(
            "destroying",
            now,
            Some(("destroy", "destroying")),
            vec!["Destroying machine".into()],
        ),
        step(
            "destroyed",
            now + delay,
            Some(("destroy", "destroyed")),
            vec!["Machine destroyed".into()],
        ),
    ]
}

/// After a restart the profile may have changed: pull pending steps in so that none is
/// further away than the current profile's timing for it (autostop steps keep the idle time).
pub fn retime(sim: &Sim, plan: &mut Vec<Step>, now: i64) {
    let p = &sim.profile;
    let mut prev_at = now;
    let mut prev_state: Option<String> = None;
    let mut keep = plan.len();
    for (i, s) in plan.iter_mut().enumerate() {
        let autostop = matches!(s.state.as_str(), "stopping" | "suspending")
            && prev_state.as_deref() == Some("started");
        if autostop && p.autostop_idle_ms == 0 {
            keep = i;
            break;
        }
        let delay = match s.state.as_str() {
            _ if autostop => p.autostop_idle_ms,
            "started" => p.boot_ms + p.cold_start_ms,
            "stopped" | "suspended" | "destroyed" => p.stop_ms,
            _ => 0,
        } as i64;
        s.at = s.at.min(prev_at + delay);
        prev_at = prev_at.max(s.at);
        prev_state = Some(s.state.clone());
    }
    plan.truncate(keep);
}

/// Retime every pending plan (see `retime`); run once at startup.
pub fn retime_all(sim: &Sim) -> ApiResult<()> {
    let now = crate::util::now_ms();
    sim.store.tx(|tx| {
        let ids: Vec<(String, String)> = tx
            .prepare("SELECT app, id FROM machines WHERE plan != '[]'")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (app, id) in ids {
            if let Some(mut m) = crate::store::load_machine(tx, &app, &id)? {
                let before = m.plan.clone();
                retime(sim, &mut m.plan, now);
                if m.plan != before {
                    save_machine(tx, &m)?;
                }
            }
        }
        Ok(())
    })
}

/// Checks of a machine: config.checks plus service checks, named as Fly names them.
pub fn checks(sim: &Sim, m: &MachineRow, now: i64) -> Vec<Value> {
    let mut names: Vec<String> = Vec::new();
    if let Some(map) = m.config.get("checks").and_then(Value::as_object) {
        names.extend(map.keys().cloned());
    }
    if let Some(services) = m.config.get("services").and_then(Value::as_array) {
        for (si, svc) in services.iter().enumerate() {
            let port = svc
                .get("internal_port")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            if let Some(cs) = svc.get("checks").and_then(Value::as_array) {
                for c in cs {
                    let kind = c.get("type").and_then(Value::as_str).unwrap_or("tcp");
                    names.push(format!("servicecheck-{si:02}-{kind}-{port}"));
                }
            }
        }
    }
    let (status, output, since) = match (m.state.as_str(), m.started_at) {
        ("started", Some(started)) => {
            let pass_at = started + sim.profile.checks_pass_after_ms as i64;
            if m.checks_failing && now >= pass_at {
                ("critical", "connect: connection refused", pass_at)
            } else if now >= pass_at {
                ("passing", "Success", pass_at)
            } else {
                ("critical", "waiting for the first check to run", started)
            }
        }
        _ => ("critical", "the machine is not running", m.updated_at),
    };
    names
        .into_iter()
        .map(|name| {
            json!({
                "name": name,
                "status": status,
                "output": output,
                "updated_at": crate::util::rfc3339_ms(since),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autostop_modes() {
        assert_eq!(autostop_mode(&json!({})), None);
        assert_eq!(
            autostop_mode(&json!({"services":[{"autostop":false}]})),
            None
        );
        assert_eq!(
            autostop_mode(&json!({"services":[{"autostop":true}]})),
            Some(false)
        );
        assert_eq!(
            autostop_mode(&json!({"services":[{"autostop":"suspend"}]})),
            Some(true)
        );
    }

    fn sim_with(profile: crate::Profile) -> (tempfile::TempDir, Sim) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = crate::store::Store::open(&dir.path().join("db")).expect("store");
        let tokens = crate::auth::Tokens::load(&store).expect("tokens");
        let sim = Sim {
            store,
            tokens,
            faults: crate::faults::FaultEngine::new(profile.faults.clone(), profile.seed),
            profile,
            state_dir: dir.path().to_path_buf(),
            reqlog: Default::default(),
            ratelimit: Default::default(),
            objects: None,
            changed: tokio::sync::Notify::new(),
            stopping: std::sync::atomic::AtomicBool::new(false),
        };
        (dir, sim)
    }

    #[test]
    fn retime_pulls_steps_in_to_the_current_profile() {
        let (_dir, sim) = sim_with(crate::Profile {
            boot_ms: 100,
            autostop_idle_ms: 0,
            ..Default::default()
        });
        let now = 1_000_000;
        let mut plan = vec![
            step("starting", now - 5, None, vec![]),
            step("started", now + 60_000, None, vec![]),
            step("stopping", now + 120_000, None, vec![]),
            step("stopped", now + 121_000, None, vec![]),
        ];
        retime(&sim, &mut plan, now);
        // The boot now takes the profile's 100 ms; autostop is off, so its steps go.
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].at, now - 5);
        assert_eq!(plan[1].at, now + 100);
    }

    #[test]
    fn settle_applies_due_steps_and_honours_stuck_states() {
        let faults = crate::Faults {
            stuck_states: vec!["stopping".into()],
            ..Default::default()
        };
        let (_dir, sim) = sim_with(crate::Profile {
            faults,
            ..Default::default()
        });
        let mut m = MachineRow {
            id: "m1".into(),
            app: "a".into(),
            name: "n".into(),
            region: "iad".into(),
            state: "created".into(),
            plan: vec![
                step("starting", 10, None, vec![]),
                step("started", 20, None, vec!["Machine started in 0.0s".into()]),
            ],
            config: json!({"image": "x"}),
            instance_id: "v1".into(),
            private_ip: "fdaa::2".into(),
            created_at: 0,
            updated_at: 0,
            started_at: None,
            boot_secrets: Default::default(),
            boot_id: String::new(),
            checks_failing: false,
            cordoned: false,
            lease: None,
        };
        sim.store
            .tx(|tx| {
                assert!(!settle(&sim, tx, &mut m, 5)?);
                assert!(settle(&sim, tx, &mut m, 15)?);
                assert_eq!(m.state, "starting");
                assert!(settle(&sim, tx, &mut m, 25)?);
                assert_eq!((m.state.as_str(), m.started_at), ("started", Some(20)));
                m.plan = vec![
                    step("stopping", 30, None, vec![]),
                    step("stopped", 40, None, vec![]),
                ];
                assert!(settle(&sim, tx, &mut m, 100)?);
                assert_eq!(m.state, "stopping", "stuck in stopping");
                assert!(m.plan.is_empty());
                Ok(())
            })
            .expect("settle");
    }
}
