use serde_json::{Value, json};

use crate::common::*;

fn names(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list["secrets"]
        .as_array()
        .unwrap_or_else(|| panic!("secrets array: {list}"))
        .iter()
        .map(|s| str_of(s, "name"))
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_list_unset_with_versions() {
    let sim = Sim::start().await;
    let app = sim.new_app("sec").await;
    let path = format!("/v1/apps/{app}/secrets");

    let empty = sim.get(&path).send().await.expect(200).json();
    assert_eq!(names(&empty), Vec::<String>::new());

    let one = sim
        .post(&format!("{path}/DATABASE_URL"))
        .json(json!({"value": "postgres://x"}))
        .send()
        .await
        .expect_ok()
        .json();
    assert_eq!(one["name"], "DATABASE_URL");
    assert!(
        one.get("value").is_none() || one["value"].is_null(),
        "value not echoed: {one}"
    );
    let v1 = one["version"].as_i64().expect("version");
    assert!(one["digest"].is_string(), "{one}");

    // Listing hides values unless show_secrets=true.
    let list = sim.get(&path).send().await.expect(200).json();
    assert_eq!(names(&list), vec!["DATABASE_URL"]);
    assert!(
        list["secrets"][0].get("value").is_none() || list["secrets"][0]["value"].is_null(),
        "value hidden: {list}"
    );
    assert!(!list.to_string().contains("postgres://x"));
    let shown = sim
        .get(&format!("{path}?show_secrets=true"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(shown["secrets"][0]["value"], "postgres://x");
    let single = sim
        .get(&format!("{path}/DATABASE_URL?show_secrets=true"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(single["value"], "postgres://x");

    // Bulk: set one, delete another (null deletes); one version bump for the write.
    let bulk = sim
        .post(&path)
        .json(json!({"values": {"SMTP_PASSWORD": "p", "REDIS_URL": "r", "DATABASE_URL": null}}))
        .send()
        .await
        .expect_ok()
        .json();
    let v2 = bulk["version"].as_i64().expect("version");
    assert!(v2 > v1, "version increases: {v1} -> {v2}");
    let list = sim.get(&path).send().await.json();
    assert_eq!(names(&list), vec!["REDIS_URL", "SMTP_PASSWORD"]);

    // Digest changes with the value.
    let d1 = sim
        .post(&format!("{path}/REDIS_URL"))
        .json(json!({"value": "r2"}))
        .send()
        .await
        .json();
    let v3 = d1["version"].as_i64().expect("version");
    assert!(v3 > v2);
    let d_old = list["secrets"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "REDIS_URL"))
        .map(|s| s["digest"].clone())
        .expect("listed");
    assert_ne!(d1["digest"], d_old, "digest tracks the value");

    let del = sim
        .delete(&format!("{path}/SMTP_PASSWORD"))
        .send()
        .await
        .expect(200)
        .json();
    let v4 = del["version"].as_i64().expect("version");
    assert!(v4 > v3);
    sim.get(&format!("{path}/SMTP_PASSWORD"))
        .send()
        .await
        .expect_error(404);
    sim.delete(&format!("{path}/SMTP_PASSWORD"))
        .send()
        .await
        .expect_error(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_query_reads_at_least_that_version() {
    // `version` is a read-your-writes guard (flyctl sends the version of its last write).
    let sim = Sim::start().await;
    let app = sim.new_app("secver").await;
    let path = format!("/v1/apps/{app}/secrets");
    sim.set_secret(&app, "A", "one").await;
    let v2 = sim.set_secret(&app, "A", "two").await;
    let r = sim
        .get(&format!("{path}/A?version={v2}&show_secrets=true"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(r["value"], "two", "{r}");
    let list = sim
        .get(&format!("{path}?version={v2}&show_secrets=true"))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(list["secrets"][0]["value"], "two", "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn min_secrets_version_ahead_of_app_is_refused() {
    let sim = Sim::start().await;
    let app = sim.new_app("secmin").await;
    let v = sim.set_secret(&app, "A", "1").await;
    sim.post(&format!("/v1/apps/{app}/machines"))
        .json(json!({"region": "ord", "min_secrets_version": v + 5, "config": basic_config()}))
        .send()
        .await
        .expect_client_error();
    sim.post(&format!("/v1/apps/{app}/machines"))
        .json(json!({"region": "ord", "min_secrets_version": v, "config": basic_config()}))
        .send()
        .await
        .expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_names_and_bodies() {
    let sim = Sim::start().await;
    let app = sim.new_app("secbad").await;
    let path = format!("/v1/apps/{app}/secrets");
    sim.post(&format!("{path}/has%20space"))
        .json(json!({"value": "x"}))
        .send()
        .await
        .expect_client_error();
    sim.post(&format!("{path}/OK_NAME"))
        .json(json!({"val": "x"}))
        .send()
        .await
        .expect_client_error();
    sim.post(&path)
        .json(json!({"values": "nope"}))
        .send()
        .await
        .expect_client_error();
}
