//! flaps_apps.go: CreateApp, GetApp, ListApps, DeleteApp (and AppNameAvailable's reading of
//! the statuses).

use reqwest::Method;
use serde_json::{Value, json};

use super::*;

/// `CreateAppRequest` has no omitempty: all four keys are sent, empty strings included.
fn create_body(name: &str, role: &str) -> Value {
    json!({"name": name, "org_slug": "personal", "network": "", "app_role_id": role})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_get_list_delete() {
    let sim = Sim::start().await;
    let name = app_name("flaps-app");

    // AppNameAvailable: only a 404 means the name is free.
    flaps(&sim, Method::GET, &format!("/apps/{name}"))
        .send()
        .await
        .expect_error(404);

    // CreateApp posts to /apps?wait=true and decodes an App from the answer.
    let created = flaps(&sim, Method::POST, "/apps?wait=true")
        .json(create_body(&name, ""))
        .send()
        .await
        .expect(201)
        .json();
    assert_app(&created);
    assert_eq!(created["name"], json!(name));
    assert_eq!(created["organization"]["slug"], "personal");
    assert_eq!(created["app_role"], "", "no role asked for: {created}");

    let got = flaps(&sim, Method::GET, &format!("/apps/{name}"))
        .send()
        .await
        .expect(200)
        .json();
    assert_app(&got);
    assert_eq!(got["id"], created["id"]);
    assert_eq!(got["internal_numeric_id"], created["internal_numeric_id"]);
    // fly-go: "hashid.appname.fly.dev, for ACME HTTP-01 pointing only to v6".
    let cname = str_of(&got, "cname_target");
    assert!(
        cname.ends_with(&format!(".{name}.fly.dev")),
        "cname_target names the app under fly.dev: {cname}"
    );
    // Deployed() is true only for "deployed" or "suspended": an empty app is neither.
    assert_ne!(got["status"], "deployed", "{got}");

    // ListApps: org_slug always, the answer is {"apps": [...]}.
    let list = flaps(&sim, Method::GET, "/apps?org_slug=personal")
        .send()
        .await
        .expect(200)
        .json();
    let item = array(&list, "apps")
        .iter()
        .find(|a| a["name"] == json!(name))
        .unwrap_or_else(|| panic!("new app listed: {list}"))
        .clone();
    for k in ["id", "name", "network", "app_role"] {
        assert_string(&item, k);
    }
    assert_u64(&item, "machine_count");
    assert_u64(&item, "volume_count");

    // DeleteApp: DELETE /apps/{name}, 202, and the name is free again.
    flaps(&sim, Method::DELETE, &format!("/apps/{name}"))
        .send()
        .await
        .expect(202);
    flaps(&sim, Method::GET, &format!("/apps/{name}"))
        .send()
        .await
        .expect_error(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_role_is_kept_and_filters_the_list() {
    let sim = Sim::start().await;
    let pg = app_name("flaps-pg");
    let plain = app_name("flaps-plain");
    let made = flaps(&sim, Method::POST, "/apps?wait=true")
        .json(create_body(&pg, "postgres_cluster"))
        .send()
        .await
        .expect(201)
        .json();
    // IsPostgresApp() reads app_role.
    assert_eq!(made["app_role"], "postgres_cluster", "{made}");
    flaps(&sim, Method::POST, "/apps?wait=true")
        .json(create_body(&plain, ""))
        .send()
        .await
        .expect(201);

    let got = flaps(&sim, Method::GET, &format!("/apps/{pg}"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(got["app_role"], "postgres_cluster", "{got}");

    // ListAppsRequest.AppRole adds app_role to the query (url.Values.Encode sorts keys).
    let list = flaps(
        &sim,
        Method::GET,
        "/apps?app_role=postgres_cluster&org_slug=personal",
    )
    .send()
    .await
    .expect(200)
    .json();
    let names: Vec<&Value> = array(&list, "apps").iter().map(|a| &a["name"]).collect();
    assert_eq!(names, vec![&json!(pg)], "only the postgres app: {list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_is_401_and_instance_pin_is_harmless() {
    let sim = Sim::start().await;
    // A token-less request is what flaps sends when it has no tokens at all.
    flaps(&sim, Method::GET, "/apps?org_slug=personal")
        .no_auth()
        .send()
        .await
        .expect_error(401);
    // FLY_FORCE_INSTANCE_ID pins flaps to one instance; a single flysim has nothing to pin,
    // and the header must not get in the way.
    let list = flaps(&sim, Method::GET, "/apps?org_slug=personal")
        .header("Fly-Force-Instance-Id", "e2865013b36286")
        .send()
        .await
        .expect(200)
        .json();
    assert!(list["apps"].is_array(), "{list}");
}
