use std::collections::HashSet;

use serde_json::{Value, json};

use crate::common::*;

struct Page {
    entries: Vec<Value>,
    next_token: String,
}

async fn page(sim: &Sim, app: &str, query: &str) -> Page {
    let body = sim
        .get(&format!("/api/v1/apps/{app}/logs?{query}"))
        .send()
        .await
        .expect(200)
        .json();
    let data = body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("logs data array: {body}"))
        .clone();
    for d in &data {
        assert!(d["id"].is_string(), "{d}");
        let a = &d["attributes"];
        for k in ["timestamp", "message", "level", "instance", "region"] {
            assert!(a[k].is_string(), "log attribute {k} is a string: {d}");
        }
        assert!(
            time::OffsetDateTime::parse(
                a["timestamp"].as_str().unwrap_or(""),
                &time::format_description::well_known::Rfc3339
            )
            .is_ok(),
            "timestamp is RFC3339: {d}"
        );
    }
    let next_token = body["meta"]["next_token"]
        .as_str()
        .unwrap_or_else(|| panic!("meta.next_token: {body}"))
        .to_string();
    Page {
        entries: data,
        next_token,
    }
}

/// Follows next_token like flyctl's poller until a page comes back empty.
async fn drain(sim: &Sim, app: &str, filters: &str, mut token: String) -> (Vec<Value>, String) {
    let mut all = Vec::new();
    for _ in 0..1000 {
        let p = page(sim, app, &format!("next_token={token}{filters}")).await;
        if !p.next_token.is_empty() {
            token = p.next_token;
        }
        if p.entries.is_empty() {
            return (all, token);
        }
        all.extend(p.entries);
    }
    panic!("log paging never ended");
}

fn attr<'a>(e: &'a Value, k: &str) -> &'a str {
    e["attributes"][k].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_filters_and_content() {
    let sim = Sim::start().await;
    let app = sim.new_app("logs").await;
    let m1 = str_of(
        &sim.create_machine(&app, json!({"region": "ord", "config": basic_config()}))
            .await,
        "id",
    );
    let m2 = str_of(
        &sim.create_machine(&app, json!({"region": "ams", "config": basic_config()}))
            .await,
        "id",
    );
    sim.wait_state(&app, &m1, "started").await;
    sim.wait_state(&app, &m2, "started").await;
    // Many exec lines so the log spans several pages.
    for i in 0..60 {
        sim.exec(&app, &m1, &["echo", &format!("logmarker-{i}")])
            .await;
    }
    sim.post(&format!("/v1/apps/{app}/machines/{m2}/stop"))
        .send()
        .await
        .expect(200);
    sim.wait_state(&app, &m2, "stopped").await;

    let first = page(&sim, &app, "next_token=").await;
    assert!(!first.entries.is_empty());
    assert!(!first.next_token.is_empty());
    let (all, token) = drain(&sim, &app, "", String::new()).await;

    let ids: HashSet<&str> = all.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(ids.len(), all.len(), "no entry is repeated across pages");
    // The first page is a prefix of the whole; pages join up without repeats (above).
    let first_ids: Vec<&str> = first
        .entries
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    let all_ids: Vec<&str> = all.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(
        all_ids.get(..first_ids.len()),
        Some(&first_ids[..]),
        "pages start where the log starts"
    );
    let stamps: Vec<&str> = all.iter().map(|e| attr(e, "timestamp")).collect();
    let parsed: Vec<time::OffsetDateTime> = stamps
        .iter()
        .filter_map(|s| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        })
        .collect();
    assert!(parsed.windows(2).all(|w| w[0] <= w[1]), "oldest first");

    // Lifecycle lines for both machines, exec lines for m1.
    for m in [&m1, &m2] {
        assert!(
            all.iter().any(|e| attr(e, "instance") == m.as_str()
                && attr(e, "message").to_ascii_lowercase().contains("start")),
            "a start line for {m}"
        );
    }
    assert!(
        all.iter().any(|e| attr(e, "instance") == m2.as_str()
            && attr(e, "message").to_ascii_lowercase().contains("stop")),
        "a stop line for {m2}"
    );
    for i in [0, 59] {
        let marker = format!("logmarker-{i}");
        assert!(
            all.iter().any(|e| attr(e, "instance") == m1.as_str()
                && attr(e, "message").contains(&marker)),
            "exec line {marker} present"
        );
    }
    assert!(all.iter().all(|e| {
        let inst = attr(e, "instance");
        inst != m1.as_str() || attr(e, "region") == "ord"
    }));

    // The token from the end yields only what happens next.
    let p = page(&sim, &app, &format!("next_token={token}")).await;
    assert!(p.entries.is_empty(), "nothing new yet: {:?}", p.entries);
    sim.exec(&app, &m1, &["echo", "after-the-end"]).await;
    let (fresh, _) = drain(&sim, &app, "", token.clone()).await;
    assert!(!fresh.is_empty());
    assert!(
        fresh
            .iter()
            .any(|e| attr(e, "message").contains("after-the-end"))
    );
    assert!(
        !fresh
            .iter()
            .any(|e| attr(e, "message").contains("logmarker-"))
    );

    // Filters.
    let (only_m2, _) = drain(&sim, &app, &format!("&instance={m2}"), String::new()).await;
    assert!(!only_m2.is_empty());
    assert!(only_m2.iter().all(|e| attr(e, "instance") == m2.as_str()));
    let (ams, _) = drain(&sim, &app, "&region=ams", String::new()).await;
    assert!(!ams.is_empty());
    assert!(ams.iter().all(|e| attr(e, "region") == "ams"));
    let (none, _) = drain(&sim, &app, "&region=syd", String::new()).await;
    assert!(none.is_empty());

    // Logs of one app never show another's.
    let other = sim.new_app("logs-other").await;
    let (others, _) = drain(&sim, &other, "", String::new()).await;
    assert!(others.iter().all(|e| {
        let i = attr(e, "instance");
        i != m1.as_str() && i != m2.as_str()
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_next_token_is_not_a_server_error() {
    let sim = Sim::start().await;
    let app = sim.new_app("logbad").await;
    let r = sim
        .get(&format!("/api/v1/apps/{app}/logs?next_token=%%%garbage"))
        .send()
        .await;
    assert!(r.status == 200 || (400..500).contains(&r.status), "{r}");
}
