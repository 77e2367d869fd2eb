//! flaps_ip_assignments.go: GetIPAssignments, AssignIP, DeleteIPAssignment.

use reqwest::Method;
use serde_json::{Value, json};

use super::*;

/// `AssignIPRequest` has no omitempty: all five keys go out, empty strings included.
fn assign_request(kind: &str, network: &str) -> Value {
    json!({"type": kind, "region": "", "org_slug": "personal", "network": network, "service_name": ""})
}

/// `IPAssignment`: ip, region, service_name strings, shared bool, created_at time.Time.
fn assert_ip(v: &Value) -> String {
    assert_string(v, "region");
    assert_string(v, "service_name");
    assert_bool(v, "shared");
    assert_time(v, "created_at");
    assert_nonempty(v, "ip")
}

/// The third group of an fdaa: address names the 6PN network.
fn net_group(ip: &str) -> String {
    ip.split(':').nth(2).unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assign_list_delete() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-ips").await;
    let path = format!("/apps/{app}/ip_assignments");

    let shared = flaps(&sim, Method::POST, &path)
        .json(assign_request("shared_v4", ""))
        .send()
        .await
        .expect(200)
        .json();
    let shared_ip = assert_ip(&shared);
    assert_eq!(shared["shared"], true, "{shared}");
    assert!(!shared_ip.contains(':'), "a v4 address: {shared_ip}");

    let v6 = flaps(&sim, Method::POST, &path)
        .json(assign_request("v6", ""))
        .send()
        .await
        .expect(200)
        .json();
    let v6_ip = assert_ip(&v6);
    assert_eq!(v6["shared"], false);

    // GetIPAssignments decodes {"ips": [...]}.
    let list = flaps(&sim, Method::GET, &path)
        .send()
        .await
        .expect(200)
        .json();
    let mut ips: Vec<String> = array(&list, "ips").iter().map(assert_ip).collect();
    ips.sort();
    let mut want = vec![shared_ip.clone(), v6_ip.clone()];
    want.sort();
    assert_eq!(ips, want);

    // DeleteIPAssignment: DELETE /ip_assignments/{ip}; the answer is not decoded.
    ok(flaps(&sim, Method::DELETE, &format!("{path}/{v6_ip}"))
        .send()
        .await);
    let list = flaps(&sim, Method::GET, &path)
        .send()
        .await
        .expect(200)
        .json();
    let ips: Vec<String> = array(&list, "ips").iter().map(assert_ip).collect();
    assert_eq!(ips, vec![shared_ip]);
    flaps(&sim, Method::DELETE, &format!("{path}/{v6_ip}"))
        .send()
        .await
        .expect_error(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flycast_with_empty_network_is_in_the_apps_network() {
    let sim = Sim::start().await;
    // An app on its own network, as CreateApp's `network` sets it.
    let app = app_name("flaps-flycast");
    flaps(&sim, Method::POST, "/apps?wait=true")
        .json(json!({"name": app, "org_slug": "personal", "network": "tenant-net", "app_role_id": ""}))
        .send()
        .await
        .expect(201);
    let path = format!("/apps/{app}/ip_assignments");
    let m = launched(&sim, &app, machine_config()).await;
    let machine_net = net_group(&str_of(&m, "private_ip"));

    // flaps sends "network": "" unless asked for another: that means the app's own.
    let flycast = flaps(&sim, Method::POST, &path)
        .json(assign_request("private_v6", ""))
        .send()
        .await
        .expect(200)
        .json();
    let ip = assert_ip(&flycast);
    assert!(ip.starts_with("fdaa:"), "IsFlycast(): {ip}");
    assert_eq!(
        net_group(&ip),
        machine_net,
        "same 6PN network as the app's machines"
    );

    let elsewhere = flaps(&sim, Method::POST, &path)
        .json(assign_request("private_v6", "other-network"))
        .send()
        .await
        .expect(200)
        .json();
    assert_ne!(net_group(&assert_ip(&elsewhere)), machine_net);
}
