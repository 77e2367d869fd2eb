use serde_json::{Value, json};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_with_network_then_get() {
    let sim = Sim::start().await;
    let name = app_name("net");
    let net = format!("{name}-net");
    // fly-go asks the server to wait until the app is usable.
    sim.post("/v1/apps?wait=true")
        .json(json!({"name": name, "org_slug": "personal", "network": net}))
        .send()
        .await
        .expect(201);

    let app = sim
        .get(&format!("/v1/apps/{name}"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(str_of(&app, "name"), name);
    assert!(!str_of(&app, "id").is_empty());
    assert!(app.get("status").is_some_and(Value::is_string), "{app}");
    assert_eq!(app["organization"]["slug"], "personal", "{app}");
    assert_eq!(
        app["network"],
        json!(net),
        "app keeps its private network: {app}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_accepts_spec_field_app_name() {
    // The 2024 spec names the field `app_name`; fly-go sends `name`. Both must work.
    let sim = Sim::start().await;
    let name = app_name("specname");
    sim.post("/v1/apps")
        .json(json!({"app_name": name, "org_slug": "personal"}))
        .send()
        .await
        .expect(201);
    sim.get(&format!("/v1/apps/{name}"))
        .send()
        .await
        .expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_name_is_name_taken() {
    let sim = Sim::start().await;
    let name = sim.new_app("dup").await;
    let r = sim
        .post("/v1/apps")
        .json(json!({"name": name, "org_slug": "personal"}))
        .send()
        .await;
    let body = r.expect_client_error();
    assert_eq!(body["status"], "name_taken", "{body}");
    assert!(
        body["error"].as_str().unwrap_or_default().contains("taken"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_by_org() {
    let sim = Sim::start().await;
    let a = sim.new_app("lista").await;
    let b = sim.new_app("listb").await;
    sim.create_machine(&a, json!({"region": "ord", "config": basic_config()}))
        .await;

    let list = sim
        .get("/v1/apps?org_slug=personal")
        .send()
        .await
        .expect(200)
        .json();
    let apps = list["apps"].as_array().expect("apps array");
    assert_eq!(
        list["total_apps"].as_u64(),
        Some(apps.len() as u64),
        "{list}"
    );
    let find = |n: &str| {
        apps.iter()
            .find(|x| x["name"] == n)
            .unwrap_or_else(|| panic!("{n} not listed in {list}"))
            .clone()
    };
    assert_eq!(find(&a)["machine_count"], 1, "{list}");
    assert_eq!(find(&b)["machine_count"], 0, "{list}");
    assert!(find(&a)["id"].is_string());

    // org_slug is required; an unknown org has no apps to show.
    sim.get("/v1/apps").send().await.expect_client_error();
    let other = sim.get("/v1/apps?org_slug=no-such-org-x").send().await;
    if other.status == 200 {
        assert_eq!(other.json()["total_apps"], 0, "{other}");
    } else {
        other.expect_client_error();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_empty_app() {
    let sim = Sim::start().await;
    let name = sim.new_app("del").await;
    sim.delete(&format!("/v1/apps/{name}"))
        .send()
        .await
        .expect(202);
    sim.get(&format!("/v1/apps/{name}"))
        .send()
        .await
        .expect_error(404);
    let list = sim.get("/v1/apps?org_slug=personal").send().await.json();
    assert!(
        !list["apps"]
            .as_array()
            .expect("apps")
            .iter()
            .any(|x| x["name"] == name.as_str()),
        "{list}"
    );
    // A deleted app's name is free again.
    sim.create_app(&name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_removes_the_app_with_everything_in_it_as_fly_does() {
    // Fly's DeleteApp has no parameters and answers 202 with the machines, volumes (and their
    // data), IPs, certificates and secrets gone. A refusal here would let tests of tenantctl
    // believe data is safe where one call on Fly wipes it.
    let sim = Sim::start().await;
    let name = sim.new_app("delall").await;
    let vol = sim.create_volume(&name, "data", "ord").await;
    let m = sim
        .started_machine(
            &name,
            json!({"image": IMAGE, "mounts": [{"volume": vol["id"], "path": "/data"}]}),
        )
        .await;
    let id = str_of(&m, "id");
    sim.sh(&name, &id, "echo precious > /data/db.sqlite").await;
    sim.post(&format!(
        "/v1/apps/{name}/volumes/{}/snapshots",
        str_of(&vol, "id")
    ))
    .send()
    .await
    .expect(200);
    sim.set_secret(&name, "DB_PASSWORD", "hunter2").await;
    sim.post(&format!("/v1/apps/{name}/ip_assignments"))
        .json(json!({"type": "shared_v4"}))
        .send()
        .await
        .expect_ok();
    sim.post(&format!("/v1/apps/{name}/certificates/acme"))
        .json(json!({"hostname": format!("{name}.example.com")}))
        .send()
        .await
        .expect_ok();
    assert!(!sim.h().leftovers_of(&name).is_empty());

    sim.delete(&format!("/v1/apps/{name}"))
        .send()
        .await
        .expect(202);
    assert_eq!(
        sim.h().leftovers_of(&name),
        Vec::<String>::new(),
        "nothing of the app is left"
    );
    for path in [
        format!("/v1/apps/{name}"),
        format!("/v1/apps/{name}/machines"),
        format!("/v1/apps/{name}/machines/{id}"),
        format!("/v1/apps/{name}/volumes/{}", str_of(&vol, "id")),
    ] {
        sim.get(&path).send().await.expect_error(404);
    }
    // A second delete finds nothing.
    sim.delete(&format!("/v1/apps/{name}"))
        .send()
        .await
        .expect_error(404);

    // The name can be reused, and the new app starts empty. `force` is accepted and changes
    // nothing.
    sim.create_app(&name).await;
    sim.set_secret(&name, "X", "y").await;
    sim.create_volume(&name, "data", "ord").await;
    sim.delete(&format!("/v1/apps/{name}?force=true"))
        .send()
        .await
        .expect(202);
    assert_eq!(sim.h().leftovers_of(&name), Vec::<String>::new());
    sim.create_app(&name).await;
    for (path, key) in [
        ("machines", None),
        ("volumes", None),
        ("secrets", Some("secrets")),
    ] {
        let v = sim
            .get(&format!("/v1/apps/{name}/{path}"))
            .send()
            .await
            .expect(200)
            .json();
        let items = match key {
            Some(k) => v[k].clone(),
            None => v.clone(),
        };
        assert_eq!(items, json!([]), "{path} of the re-created app: {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_app_names_are_refused() {
    let sim = Sim::start().await;
    let long = "a".repeat(70);
    for bad in [
        "Upper-Case",
        "under_score",
        "-leading",
        "trailing-",
        "sp ace",
        "",
        long.as_str(),
        "dot.name",
    ] {
        let r = sim
            .post("/v1/apps")
            .json(json!({"name": bad, "org_slug": "personal"}))
            .send()
            .await;
        assert!(
            (400..500).contains(&r.status),
            "app name {bad:?} should be refused: {r}"
        );
        r.error_body();
    }
    let list = sim.get("/v1/apps?org_slug=personal").send().await.json();
    assert_eq!(list["total_apps"], 0, "no app was created: {list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_app_is_404_everywhere() {
    let sim = Sim::start().await;
    for path in [
        "/v1/apps/nope-app",
        "/v1/apps/nope-app/machines",
        "/v1/apps/nope-app/volumes",
        "/v1/apps/nope-app/secrets",
        "/v1/apps/nope-app/ip_assignments",
        "/v1/apps/nope-app/certificates",
        "/api/v1/apps/nope-app/logs",
    ] {
        sim.get(path).send().await.expect_error(404);
    }
    sim.delete("/v1/apps/nope-app")
        .send()
        .await
        .expect_error(404);
    sim.post("/v1/apps/nope-app/machines")
        .json(json!({"config": basic_config()}))
        .send()
        .await
        .expect_error(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_pending_until_a_machine_runs() {
    let sim = Sim::start().await;
    let name = sim.new_app("status").await;
    let app = sim.get(&format!("/v1/apps/{name}")).send().await.json();
    assert_eq!(app["status"], "pending", "{app}");
    sim.started_machine(&name, basic_config()).await;
    let app = sim.get(&format!("/v1/apps/{name}")).send().await.json();
    assert_eq!(app["status"], "deployed", "{app}");
    assert_eq!(app["machine_count"], 1, "{app}");
}

fn prefix48(ip: &str) -> String {
    let addr: std::net::Ipv6Addr = ip
        .parse()
        .unwrap_or_else(|e| panic!("private_ip {ip} is IPv6: {e}"));
    let s = addr.segments();
    format!("{:x}:{:x}:{:x}", s[0], s[1], s[2])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_networks_get_their_own_6pn_prefix() {
    // Apps of an org share its 6PN network; an app created with `network` gets an isolated one.
    let sim = Sim::start().await;
    let mut prefixes = Vec::new();
    for network in [None, None, Some("tenant-a"), Some("tenant-b")] {
        let name = app_name("sixpn");
        let mut body = json!({"name": name, "org_slug": "personal"});
        if let Some(n) = network {
            body["network"] = json!(format!("{n}-{name}"));
        }
        sim.post("/v1/apps").json(body).send().await.expect(201);
        let m = sim
            .create_machine(&name, json!({"region": "ord", "config": basic_config()}))
            .await;
        prefixes.push(prefix48(&str_of(&m, "private_ip")));
    }
    assert_eq!(
        prefixes[0], prefixes[1],
        "default network is shared: {prefixes:?}"
    );
    assert_ne!(prefixes[2], prefixes[0], "{prefixes:?}");
    assert_ne!(prefixes[3], prefixes[0], "{prefixes:?}");
    assert_ne!(prefixes[2], prefixes[3], "{prefixes:?}");
    assert!(
        prefixes.iter().all(|p| p.starts_with("fdaa:")),
        "{prefixes:?}"
    );
}
