use std::time::Duration;

use serde_json::json;

use crate::common::*;

fn assert_429(r: &Resp) {
    let ra = r
        .header("retry-after")
        .unwrap_or_else(|| panic!("429 carries Retry-After: {r}"));
    let secs: u64 = ra
        .parse()
        .unwrap_or_else(|_| panic!("Retry-After is whole seconds: {ra}"));
    assert!((1..=60).contains(&secs), "{ra}");
    r.error_body();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_machine_is_limited_per_machine() {
    let sim = Sim::with_profile(profile_with(|p| p.rate_limit = true)).await;
    let app = sim.new_app("rl").await;
    let a = str_of(
        &sim.create_machine(&app, json!({"region": "ord", "config": basic_config()}))
            .await,
        "id",
    );
    // Creates are limited per app at 1 rps burst 3: pace the second create.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let b = str_of(
        &sim.create_machine(&app, json!({"region": "ord", "config": basic_config()}))
            .await,
        "id",
    );

    // GET machine: 5 rps, burst 10. 30 GETs at once must hit the limit (sent together so a
    // slow machine cannot refill the bucket between them).
    let path = format!("/v1/apps/{app}/machines/{a}");
    let answers = futures::future::join_all((0..30).map(|_| sim.get(&path).send())).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    for r in &answers {
        assert!(r.status == 200 || r.status == 429, "{r}");
    }
    let limited = answers
        .into_iter()
        .find(|r| r.status == 429)
        .unwrap_or_else(|| panic!("no 429 among {statuses:?}"));
    assert_429(&limited);
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert!(ok >= 10, "the burst of 10 goes through: {statuses:?}");

    // The limit is per machine: another machine is not affected.
    sim.get(&format!("/v1/apps/{app}/machines/{b}"))
        .send()
        .await
        .expect(200);

    // After Retry-After the machine is reachable again.
    let wait: u64 = limited
        .header("retry-after")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(100)).await;
    sim.get(&format!("/v1/apps/{app}/machines/{a}"))
        .send()
        .await
        .expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_are_limited_at_one_per_second_burst_three() {
    let sim = Sim::with_profile(profile_with(|p| p.rate_limit = true)).await;
    let app = sim.new_app("rlact").await;
    let m = sim
        .create_machine(&app, json!({"region": "ord", "config": basic_config()}))
        .await;
    let id = str_of(&m, "id");
    sim.wait_state(&app, &id, "started").await;

    let mut statuses = Vec::new();
    let mut limited = None;
    for i in 0..6 {
        let r = sim
            .post(&format!("/v1/apps/{app}/machines/{id}"))
            .json(json!({"config": {"image": IMAGE, "env": {"N": i.to_string()}}}))
            .send()
            .await;
        statuses.push(r.status);
        if r.status == 429 {
            limited = Some(r);
        }
    }
    let limited = limited.unwrap_or_else(|| panic!("6 updates in a burst: no 429 in {statuses:?}"));
    assert_429(&limited);
    assert!(
        statuses.iter().take(3).all(|s| *s == 200),
        "the burst of 3 passes: {statuses:?}"
    );
    // A different app is not limited by this one's usage.
    let other = sim.new_app("rlother").await;
    sim.create_machine(&other, json!({"region": "ord", "config": basic_config()}))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_limit_in_the_zero_profile() {
    let sim = Sim::start().await;
    let app = sim.new_app("rlzero").await;
    let m = sim
        .create_machine(&app, json!({"region": "ord", "config": basic_config()}))
        .await;
    let id = str_of(&m, "id");
    for _ in 0..30 {
        sim.get(&format!("/v1/apps/{app}/machines/{id}"))
            .send()
            .await
            .expect(200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_are_limited_per_app() {
    let sim = Sim::with_profile(profile_with(|p| p.rate_limit = true)).await;
    let app = sim.new_app("rlcreate").await;
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..6 {
        let r = sim
            .post(&format!("/v1/apps/{app}/machines"))
            .json(json!({"region": "ord", "skip_launch": true, "config": basic_config()}))
            .send()
            .await;
        statuses.push(r.status);
        if r.status == 429 {
            limited = Some(r);
        }
    }
    assert_429(&limited.unwrap_or_else(|| panic!("no 429 among {statuses:?}")));
    assert!(statuses.iter().take(3).all(|s| *s == 200), "{statuses:?}");
    let list = sim
        .get(&format!("/v1/apps/{app}/machines"))
        .send()
        .await
        .json();
    let created = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(created),
        "a limited create creates nothing"
    );
}
