//! flaps_secrets.go: ListAppSecrets, GetAppSecrets, SetAppSecret, DeleteAppSecret,
//! UpdateAppSecrets.

use reqwest::Method;
use serde_json::json;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_values_sets_and_null_unsets() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-secrets").await;
    let path = format!("/apps/{app}/secrets");

    // UpdateAppSecrets: {"values": map[string]*string}; nil (null) deletes.
    let first = flaps(&sim, Method::POST, &path)
        .json(json!({"values": {"DATABASE_URL": "postgres://a", "API_KEY": "k1"}}))
        .send()
        .await
        .expect(200)
        .json();
    let v1 = assert_u64(&first, "version");
    let names: Vec<String> = array(&first, "secrets")
        .iter()
        .inspect(|s| assert_secret(s))
        .map(|s| str_of(s, "name"))
        .collect();
    assert_eq!(names, vec!["API_KEY", "DATABASE_URL"]);
    assert!(
        array(&first, "secrets")
            .iter()
            .all(|s| s.get("value").is_none()),
        "values stay hidden: {first}"
    );

    let second = flaps(&sim, Method::POST, &path)
        .json(json!({"values": {"API_KEY": null, "REDIS_URL": "redis://b"}}))
        .send()
        .await
        .expect(200)
        .json();
    let v2 = assert_u64(&second, "version");
    assert!(v2 > v1, "every write bumps the version: {v1} -> {v2}");
    let names: Vec<String> = array(&second, "secrets")
        .iter()
        .map(|s| str_of(s, "name"))
        .collect();
    assert_eq!(names, vec!["DATABASE_URL", "REDIS_URL"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_get_list_delete_one() {
    let sim = Sim::start().await;
    let app = sim.new_app("flaps-secret").await;
    let path = format!("/apps/{app}/secrets");

    // SetAppSecret: POST /secrets/{name} {"value"}; SetAppSecretResp = AppSecret + version.
    let set = flaps(&sim, Method::POST, &format!("{path}/SESSION_KEY"))
        .json(json!({"value": "s3cret"}))
        .send()
        .await
        .expect_ok()
        .json();
    assert_secret(&set);
    assert_eq!(set["name"], "SESSION_KEY");
    let version = assert_u64(&set, "version");

    // GetAppSecrets with show_secrets=true reveals the value.
    let got = flaps(
        &sim,
        Method::GET,
        &format!("{path}/SESSION_KEY?show_secrets=true"),
    )
    .send()
    .await
    .expect(200)
    .json();
    assert_secret(&got);
    assert_eq!(got["value"], "s3cret");

    // ListAppSecrets sends version and show_secrets (url.Values.Encode sorts them).
    let list = flaps(
        &sim,
        Method::GET,
        &format!("{path}?show_secrets=true&version={version}"),
    )
    .send()
    .await
    .expect(200)
    .json();
    let secrets = array(&list, "secrets");
    assert_eq!(secrets.len(), 1, "{list}");
    assert_eq!(secrets[0]["value"], "s3cret");

    // DeleteAppSecret answers {"version"}.
    let del = flaps(&sim, Method::DELETE, &format!("{path}/SESSION_KEY"))
        .send()
        .await
        .expect(200)
        .json();
    assert!(assert_u64(&del, "version") > version, "{del}");
    flaps(&sim, Method::GET, &format!("{path}/SESSION_KEY"))
        .send()
        .await
        .expect_error(404);
    let list = flaps(&sim, Method::GET, &path)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(array(&list, "secrets").len(), 0, "{list}");
}
