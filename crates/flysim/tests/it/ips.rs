use std::net::IpAddr;

use serde_json::{Value, json};

use crate::common::*;

async fn allocate(sim: &Sim, app: &str, kind: &str) -> Value {
    let r = sim
        .post(&format!("/v1/apps/{app}/ip_assignments"))
        .json(json!({"type": kind, "region": "", "org_slug": "personal"}))
        .send()
        .await;
    r.expect_ok().json()
}

fn addr(v: &Value) -> IpAddr {
    str_of(v, "ip")
        .parse()
        .unwrap_or_else(|e| panic!("ip is an address ({e}): {v}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allocate_each_kind_list_and_release() {
    let sim = Sim::start().await;
    let app = sim.new_app("ips").await;
    let path = format!("/v1/apps/{app}/ip_assignments");

    let shared = allocate(&sim, &app, "shared_v4").await;
    assert!(addr(&shared).is_ipv4(), "{shared}");
    assert_eq!(shared["shared"], true, "{shared}");

    let v4 = allocate(&sim, &app, "v4").await;
    assert!(addr(&v4).is_ipv4(), "{v4}");
    assert_eq!(v4["shared"], false, "{v4}");

    let v6 = allocate(&sim, &app, "v6").await;
    assert!(addr(&v6).is_ipv6(), "{v6}");
    assert!(
        !str_of(&v6, "ip").starts_with("fdaa:"),
        "public v6 is not Flycast: {v6}"
    );

    let private = allocate(&sim, &app, "private_v6").await;
    assert!(addr(&private).is_ipv6(), "{private}");
    assert!(
        str_of(&private, "ip").starts_with("fdaa:"),
        "Flycast is fdaa:: {private}"
    );

    // Another app gets a different dedicated v4 and v6 (the shared v4 may repeat).
    let other = sim.new_app("ips2").await;
    let v4b = allocate(&sim, &other, "v4").await;
    assert_ne!(v4b["ip"], v4["ip"]);
    let v6b = allocate(&sim, &other, "v6").await;
    assert_ne!(v6b["ip"], v6["ip"]);

    let list = sim.get(&path).send().await.expect(200).json();
    let ips = list["ips"]
        .as_array()
        .unwrap_or_else(|| panic!("ips: {list}"));
    assert_eq!(ips.len(), 4, "{list}");
    for ip in ips {
        assert!(
            ip["created_at"].is_string() && ip["shared"].is_boolean(),
            "{ip}"
        );
    }

    let gone = str_of(&v4, "ip");
    sim.delete(&format!("{path}/{gone}"))
        .send()
        .await
        .expect_ok();
    let list = sim.get(&path).send().await.json();
    let left: Vec<&str> = list["ips"]
        .as_array()
        .expect("ips")
        .iter()
        .filter_map(|i| i["ip"].as_str())
        .collect();
    assert_eq!(left.len(), 3);
    assert!(!left.contains(&gone.as_str()));

    sim.delete(&format!("{path}/203.0.113.99"))
        .send()
        .await
        .expect_error(404);
    sim.post(&path)
        .json(json!({"type": "v5"}))
        .send()
        .await
        .expect_client_error();
}
