//! Snapshots: taking one and waiting for `created`, restoring onto a new volume (the old one
//! kept), re-runs that reuse or change nothing, and the health gate's rollback.

use std::time::Duration;

use fly_api::types::ListMachinesParams;
use flysim::Profile;
use tenantctl_core::ops::snapshot::take_snapshot_within;
use tenantctl_core::ops::{
    ErrorClass, StepStatus, list_snapshots, restore_from_snapshot, take_snapshot,
};
use tenantctl_test_support::fault;

use crate::common::{Env, HEALTH_CHECKS, Recorder, SEED_HOOK, config_text, count, show};

const APP: &str = "tenant-acme";

/// A provisioned `acme` whose snapshots stay `running` for a moment, as Fly's do.
async fn provisioned() -> Env {
    let profile = Profile {
        snapshot_ms: 300,
        ..Profile::zero()
    };
    let env = Env::with_profile(&config_text(SEED_HOOK, HEALTH_CHECKS), profile).await;
    env.provision(&env.options("acme"))
        .await
        .expect("provisions");
    env
}

/// (machine id, the volume it mounts).
async fn mounted(env: &Env) -> (String, String) {
    let machines = env
        .client
        .list_machines(APP, &ListMachinesParams::default())
        .await
        .expect("machines");
    let m = &machines[0];
    let volume = m.config.as_ref().expect("config").mounts[0].volume.clone();
    (m.id.clone(), volume)
}

fn seed(env: &Env, volume: &str) -> String {
    std::fs::read_to_string(env.volume_dir(volume).join("files/seed.txt")).unwrap_or_default()
}

fn write_seed(env: &Env, volume: &str, text: &str) {
    std::fs::write(env.volume_dir(volume).join("files/seed.txt"), text).expect("write seed");
}

async fn volume_ids(env: &Env) -> Vec<String> {
    let volumes = env.client.list_volumes(APP).await.expect("volumes");
    volumes.into_iter().map(|v| v.id).collect()
}

#[tokio::test]
async fn a_snapshot_is_taken_and_restored_onto_a_new_volume() {
    let env = provisioned().await;
    let (machine_id, old) = mounted(&env).await;
    assert_eq!(seed(&env, &old), "acme");

    let taken = take_snapshot(&env.client, &env.config, "acme", &Recorder::default())
        .await
        .expect("snapshot");
    assert_eq!(taken.status, "created");
    assert_eq!(taken.volume_id, old);
    assert!(taken.size_bytes > 0, "{taken:?}");
    let listed = list_snapshots(&env.client, APP).await.expect("list");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].id, taken.snapshot_id);
    assert_eq!(listed[0].status, "created");

    // The data changes after the snapshot; the restore brings the snapshot's back.
    write_seed(&env, &old, "changed");
    let report = restore_from_snapshot(
        &env.client,
        &env.config,
        "acme",
        &taken.snapshot_id,
        &Recorder::default(),
        false,
    )
    .await
    .expect("restores");
    assert!(report.changed);
    assert_eq!(report.old_volume_id, old);
    let new = report.new_volume_id.clone().expect("new volume");
    assert_ne!(new, old);
    assert!(
        report
            .remove_old
            .contains(&format!("fly volumes destroy {old} --app {APP}")),
        "{}",
        report.remove_old
    );
    let names: Vec<&str> = report.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["volume", "machine", "health"]);

    let (still, now_mounted) = mounted(&env).await;
    assert_eq!(still, machine_id);
    assert_eq!(now_mounted, new);
    assert_eq!(seed(&env, &new), "acme");
    // The old volume is kept, with the data it had.
    assert_eq!(seed(&env, &old), "changed");
    let machine = env.client.get_machine(APP, &machine_id).await.expect("m");
    assert_eq!(machine.state, "started");
    let new_volume = env.client.get_volume(APP, &new).await.expect("volume");
    let old_volume = env.client.get_volume(APP, &old).await.expect("volume");
    assert_eq!(new_volume.name, old_volume.name);
    assert_eq!(new_volume.region, old_volume.region);
    assert!(new_volume.size_gb >= old_volume.size_gb);

    // Running it again changes nothing.
    env.sim.clear_request_log();
    let again = restore_from_snapshot(
        &env.client,
        &env.config,
        "acme",
        &taken.snapshot_id,
        &Recorder::default(),
        false,
    )
    .await
    .expect("re-run");
    assert!(!again.changed, "{again:?}");
    for step in &again.steps {
        assert_eq!(step.status, StepStatus::Skipped, "{step:?}");
    }
    assert_eq!(again.new_volume_id.as_deref(), Some(new.as_str()));
    assert_eq!(again.old_volume_id, old);
    let log = env.log();
    assert_eq!(count(&log, "POST", "/volumes", false), 0, "{}", show(&log));
    assert_eq!(volume_ids(&env).await.len(), 2);
}

#[tokio::test]
async fn a_rerun_after_an_interrupted_create_reuses_its_volume() {
    let env = provisioned().await;
    let (_, old) = mounted(&env).await;
    let taken = take_snapshot(&env.client, &env.config, "acme", &Recorder::default())
        .await
        .expect("snapshot");
    // The volume is made but its id never recorded: the window an interruption leaves.
    env.sim
        .inject(fault("POST", "/metadata/tenantctl_restore_volume", 20));
    let err = restore_from_snapshot(
        &env.client,
        &env.config,
        "acme",
        &taken.snapshot_id,
        &Recorder::default(),
        false,
    )
    .await
    .expect_err("fails at the volume step");
    assert_eq!(err.step(), Some("volume"), "{err}");
    assert_eq!(volume_ids(&env).await.len(), 2);
    assert_eq!(mounted(&env).await.1, old);

    env.sim.clear_faults();
    env.sim.clear_request_log();
    let report = restore_from_snapshot(
        &env.client,
        &env.config,
        "acme",
        &taken.snapshot_id,
        &Recorder::default(),
        false,
    )
    .await
    .expect("re-run restores");
    let log = env.log();
    assert_eq!(count(&log, "POST", "/volumes", false), 0, "{}", show(&log));
    let ids = volume_ids(&env).await;
    assert_eq!(ids.len(), 2, "{ids:?}");
    let new = report.new_volume_id.expect("new volume");
    assert!(ids.contains(&new) && new != old);
    assert_eq!(mounted(&env).await.1, new);
    assert_eq!(seed(&env, &new), "acme");
}

#[tokio::test]
async fn a_failed_health_gate_moves_the_machine_back_and_deletes_the_new_volume() {
    let env = provisioned().await;
    let (_, old) = mounted(&env).await;
    let taken = take_snapshot(&env.client, &env.config, "acme", &Recorder::default())
        .await
        .expect("snapshot");
    // The boot on the restored volume fails its checks; the boot back on the old one passes.
    env.sim.fail_checks_of_next_boots(1);
    let err = restore_from_snapshot(
        &env.client,
        &env.config,
        "acme",
        &taken.snapshot_id,
        &Recorder::default(),
        false,
    )
    .await
    .expect_err("health gate fails");
    assert_eq!(err.step(), Some("health"), "{err}");
    let text = err.to_string();
    assert!(text.contains("rolled back"), "{text}");
    assert!(text.contains(&format!("old volume {old} again")), "{text}");
    assert!(text.contains("deleted volume"), "{text}");
    assert_eq!(mounted(&env).await.1, old);
    assert_eq!(volume_ids(&env).await, std::slice::from_ref(&old));
    let machine = mounted(&env).await.0;
    let m = env.client.get_machine(APP, &machine).await.expect("m");
    let meta = &m.config.as_ref().expect("config").metadata;
    assert!(
        !meta.keys().any(|k| k.starts_with("tenantctl_restore")),
        "{meta:?}"
    );
}

#[tokio::test]
async fn unknown_snapshots_and_tenants_are_not_found() {
    let env = provisioned().await;
    let err = restore_from_snapshot(
        &env.client,
        &env.config,
        "acme",
        "vs_nope",
        &Recorder::default(),
        false,
    )
    .await
    .expect_err("unknown snapshot");
    assert_eq!(err.class(), ErrorClass::NotFound, "{err}");
    assert!(err.to_string().contains("vs_nope"), "{err}");
    assert!(
        err.hint()
            .unwrap_or_default()
            .contains("tenantctl backup list acme"),
        "{err:?}"
    );

    let err = take_snapshot(&env.client, &env.config, "ghost", &Recorder::default())
        .await
        .expect_err("unknown tenant");
    assert_eq!(err.class(), ErrorClass::NotFound, "{err}");
    assert!(err.hint().is_some(), "{err:?}");
}

#[tokio::test]
async fn a_dry_run_changes_nothing_and_a_slow_snapshot_times_out_clearly() {
    let env = provisioned().await;
    let (_, old) = mounted(&env).await;
    let taken = take_snapshot(&env.client, &env.config, "acme", &Recorder::default())
        .await
        .expect("snapshot");
    let plan = restore_from_snapshot(
        &env.client,
        &env.config,
        "acme",
        &taken.snapshot_id,
        &Recorder::default(),
        true,
    )
    .await
    .expect("plan");
    assert!(plan.dry_run && !plan.changed);
    assert_eq!(plan.new_volume_id, None);
    for step in &plan.steps {
        assert_eq!(step.status, StepStatus::Planned, "{step:?}");
    }
    assert_eq!(volume_ids(&env).await, [old]);

    let err = take_snapshot_within(
        &env.client,
        &env.config,
        "acme",
        &Recorder::default(),
        Duration::from_millis(50),
    )
    .await
    .expect_err("times out");
    assert!(
        err.to_string().contains("was not `created` within"),
        "{err}"
    );
}
