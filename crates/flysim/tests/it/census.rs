//! `Handle::census`: the whole state read from the store, as the reliability bench counts it.

use serde_json::json;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn census_lists_every_resource_with_its_app_and_active_leases() {
    let sim = Sim::start().await;
    let app = sim.new_app("census").await;
    let volume = sim.create_volume(&app, "data", "ams").await;
    let m = sim.started_machine(&app, basic_config()).await;
    let id = str_of(&m, "id");
    sim.post(&format!("/v1/apps/{app}/machines/{id}/lease?ttl=60"))
        .json(json!({"description": "census test"}))
        .send()
        .await
        .expect(200);
    sim.post(&format!("/v1/apps/{app}/ip_assignments"))
        .json(json!({"type": "v6", "region": "", "org_slug": "personal"}))
        .send()
        .await
        .expect_ok();
    let other = sim.new_app("census-other").await;

    let census = sim.h().census().expect("census");
    assert!(census.apps.contains(&app) && census.apps.contains(&other));
    let machines: Vec<_> = census.machines.iter().filter(|m| m.app == app).collect();
    assert_eq!(machines.len(), 1, "{census:?}");
    assert_eq!(machines[0].id, id);
    assert_eq!(machines[0].state, "started", "due steps are applied");
    assert_eq!(machines[0].config["image"], m["config"]["image"]);
    assert!(machines[0].lease_owner.is_some(), "the lease is held");
    let volumes: Vec<_> = census.volumes.iter().filter(|v| v.app == app).collect();
    assert_eq!(volumes.len(), 1);
    assert_eq!(volumes[0].id, str_of(&volume, "id"));
    assert_eq!(census.ips.iter().filter(|(a, _)| a == &app).count(), 1);
    assert!(census.machines.iter().all(|m| m.app != other));

    sim.delete(&format!("/v1/apps/{app}")).send().await;
    let census = sim.h().census().expect("census");
    assert!(!census.apps.contains(&app));
    assert!(census.machines.iter().all(|m| m.app != app));
    assert!(census.volumes.iter().all(|v| v.app != app));
    assert!(census.ips.iter().all(|(a, _)| a != &app));
}
