//! status and list: fields, unknown tenants, and the calls they make.

use fly_api::types::CreateAppRequest;
use tenantctl_core::ops::{ErrorClass, ListOptions, list, status};

use crate::common::{Env, HEALTH_CHECKS, IMAGE, SEED_HOOK, config_text, show};

#[tokio::test]
async fn status_reports_the_tenant() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    let mut options = env.options("acme");
    options.domains = vec!["acme.example.com".into()];
    env.provision(&options).await.expect("provisions");
    env.sim.clear_request_log();

    let st = status(&env.client, &env.config, "acme")
        .await
        .expect("status");
    assert_eq!(st.tenant, "acme");
    assert_eq!(st.app, "tenant-acme");
    assert_eq!(st.tier.as_deref(), Some("basic"));
    assert_eq!(st.region.as_deref(), Some("ams"));
    assert_eq!(st.machine_state.as_deref(), Some("started"));
    assert_eq!(st.image.as_deref(), Some(IMAGE));
    assert_eq!(st.volume_size_gb, Some(1));
    assert_eq!(st.checks, "1/1 passing");
    assert_eq!(st.certificates.len(), 1);
    assert_eq!(st.certificates[0].hostname, "acme.example.com");
    assert!(!st.certificates[0].status.is_empty());
    assert!(st.created_at.is_some());
    assert_eq!(st.provisioned_by.as_deref(), Some("ci-bot"));
    assert!(st.error.is_none());

    let log = env.log();
    assert_eq!(log.len(), 3, "{}", show(&log));
    assert!(log.iter().all(|r| r.method == "GET"));
    let json = serde_json::to_value(&st).expect("serialises");
    assert_eq!(json["machine_state"], "started");
}

#[tokio::test]
async fn unknown_tenant_is_not_found() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    let err = status(&env.client, &env.config, "ghost")
        .await
        .expect_err("unknown");
    assert_eq!(err.class(), ErrorClass::NotFound, "{err}");
    assert!(err.to_string().contains("ghost"), "{err}");
    let err = status(&env.client, &env.config, "Not_Valid")
        .await
        .expect_err("invalid");
    assert_eq!(err.class(), ErrorClass::Invalid, "{err}");
}

#[tokio::test]
async fn list_shows_every_tenant_and_nothing_else() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    for tenant in ["charlie", "alpha", "bravo"] {
        env.provision(&env.options(tenant))
            .await
            .expect("provisions");
    }
    env.client
        .create_app(&CreateAppRequest::new("unrelated-app", "personal"))
        .await
        .expect("other app");
    // An app that matches the pattern but was never provisioned (no machine, no volume).
    env.client
        .create_app(&CreateAppRequest::new("tenant-empty", "personal"))
        .await
        .expect("empty tenant app");
    env.sim.clear_request_log();

    let tenants = list(&env.client, &env.config, &ListOptions { concurrency: 2 })
        .await
        .expect("lists");
    let names: Vec<&str> = tenants.iter().map(|t| t.tenant.as_str()).collect();
    assert_eq!(names, ["alpha", "bravo", "charlie", "empty"]);
    for t in &tenants[..3] {
        assert_eq!(t.machine_state.as_deref(), Some("started"), "{t:?}");
        assert_eq!(t.tier.as_deref(), Some("basic"));
        assert_eq!(t.checks, "1/1 passing");
        assert!(t.error.is_none());
    }
    assert_eq!(tenants[3].machine_state, None);
    let log = env.log();
    assert!(log.iter().all(|r| r.method == "GET"), "{}", show(&log));
    // 1 app listing + 3 calls per complete tenant + only certificates for the empty one.
    assert_eq!(log.len(), 1 + 3 * 3 + 1, "{}", show(&log));
}
