//! Error classes and messages: auth, name taken, failing hook, health gate timeout, bad input.

use flysim::{Faults, Profile};
use tenantctl_core::ops::{ErrorClass, status};

use crate::common::{Env, HEALTH_CHECKS, SEED_HOOK, client_for, config_text, show};

#[tokio::test]
async fn bad_token_is_an_auth_error() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    let bad = client_for(&env.sim.base_url(), "fm2_not-a-real-token");
    let options = env.options("acme");
    let err = tenantctl_core::ops::provision(&bad, &options, &tenantctl_core::engine::NullReporter)
        .await
        .expect_err("refused");
    assert_eq!(err.class(), ErrorClass::Auth, "{err}");
    assert_eq!(err.step(), Some("app"));
    assert!(err.to_string().contains("refused the token"), "{err}");
    // Core names no variable or command: the CLI does (tests/cli/provision.rs).
    assert!(!err.to_string().contains("FLY_API_TOKEN"), "{err}");
    assert!(err.hint().is_some_and(|h| h.contains("valid token")));

    let err = status(&bad, &env.config, "acme")
        .await
        .expect_err("refused");
    assert_eq!(err.class(), ErrorClass::Auth, "{err}");
    assert!(err.to_string().contains("refused the token"), "{err}");
}

#[tokio::test]
async fn read_only_token_cannot_provision() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    let readonly = client_for(&env.sim.base_url(), &env.sim.readonly_token());
    let options = env.options("acme");
    let err =
        tenantctl_core::ops::provision(&readonly, &options, &tenantctl_core::engine::NullReporter)
            .await
            .expect_err("refused");
    assert_eq!(err.class(), ErrorClass::Auth, "{err}");
    assert!(err.to_string().contains("refused the token"), "{err}");
    assert!(
        env.log().iter().all(|r| r.status != 201),
        "{}",
        show(&env.log())
    );
}

#[tokio::test]
async fn app_name_taken_in_another_org_is_a_conflict() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    let other = client_for(&env.sim.base_url(), &env.sim.org_token_for("rival"));
    other
        .create_app(&fly_api::types::CreateAppRequest::new(
            "tenant-taken",
            "rival",
        ))
        .await
        .expect("rival creates the name");
    let err = env
        .provision(&env.options("taken"))
        .await
        .expect_err("taken");
    assert_eq!(err.class(), ErrorClass::Conflict, "{err}");
    assert_eq!(err.step(), Some("app"));
    assert!(err.to_string().contains("taken"), "{err}");
}

#[tokio::test]
async fn a_name_taken_by_this_org_a_moment_ago_is_a_concurrent_run_not_another_org() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    let client = client_for(&env.sim.base_url(), &env.sim.org_token());
    // What a concurrent provision of the same tenant does between this run's look-up and its
    // create: the app appears in this org.
    let note = |_: String| {};
    tenantctl_core::resources::app::create(&client, "tenant-race", "personal", "net-a", &note)
        .await
        .expect("the other run creates the app");
    let err =
        tenantctl_core::resources::app::create(&client, "tenant-race", "personal", "net-b", &note)
            .await
            .expect_err("taken");
    assert_eq!(err.class(), ErrorClass::Conflict, "{err}");
    assert!(err.to_string().contains("by another run"), "{err}");
    assert!(!err.to_string().contains("cannot see"), "{err}");
}

#[tokio::test]
async fn a_failing_hook_that_prints_its_secrets_has_them_redacted() {
    let hooks = r#"
[[hooks.post_provision]]
name = "leaky"
command = ["sh", "-c", "echo \"pw=$DATABASE_PASSWORD salt=$HASH_SALT\" >&2; exit 1"]
"#;
    let env = Env::new(&config_text(hooks, HEALTH_CHECKS)).await;
    let err = env
        .provision(&env.options("leaky"))
        .await
        .expect_err("hook fails");
    assert_eq!(err.step(), Some("hooks"));
    let text = err.to_string();
    assert!(
        text.contains("pw=[redacted] salt=[redacted]"),
        "the hook saw its secrets and they were redacted: {text}"
    );
}

#[tokio::test]
async fn failing_hook_names_the_step_and_shows_its_stderr() {
    let hooks = r#"
[[hooks.post_provision]]
name = "migrate"
command = ["sh", "-c", "echo 'table users already exists' >&2; exit 3"]
"#;
    let env = Env::new(&config_text(hooks, HEALTH_CHECKS)).await;
    let err = env
        .provision(&env.options("hooky"))
        .await
        .expect_err("hook fails");
    assert_eq!(err.step(), Some("hooks"));
    assert_eq!(err.class(), ErrorClass::Failed);
    let text = err.to_string();
    assert!(text.contains("`migrate` exited with code 3"), "{text}");
    assert!(text.contains("table users already exists"), "{text}");
    // Core names no commands; the CLI adds the one that resumes.
    assert!(!text.contains("tenantctl"), "{text}");
    assert!(
        err.resume()
            .is_some_and(|r| r.words().starts_with("provision hooky"))
    );
    // Nothing was recorded for the failed hook: a re-run tries it again.
    env.sim.clear_request_log();
    let again = env
        .provision(&env.options("hooky"))
        .await
        .expect_err("still fails");
    assert_eq!(again.step(), Some("hooks"));
    assert_eq!(
        env.log()
            .iter()
            .filter(|r| r.path.ends_with("/exec"))
            .count(),
        1,
        "{}",
        show(&env.log())
    );
}

#[tokio::test]
async fn health_gate_timeout_names_the_step() {
    let profile = Profile {
        faults: Faults {
            failing_checks: 1.0,
            ..Faults::default()
        },
        ..Profile::zero()
    };
    let health = "[health]\nrequire = [\"machine_started\", \"fly_checks\"]\ntimeout = \"1s\"\n";
    let env = Env::with_profile(&config_text(SEED_HOOK, health), profile).await;
    let err = env
        .provision(&env.options("sick"))
        .await
        .expect_err("gate fails");
    assert_eq!(err.step(), Some("health"), "{err}");
    assert_eq!(err.class(), ErrorClass::Failed);
    let text = err.to_string();
    assert!(text.contains("health gate not passed within 1s"), "{text}");
    assert!(text.contains("0/1 checks passing"), "{text}");
    assert!(
        err.resume()
            .is_some_and(|r| r.words().starts_with("provision sick"))
    );
}

#[tokio::test]
async fn machine_that_never_starts_names_the_machine_step() {
    let profile = Profile {
        boot_ms: 60_000,
        ..Profile::zero()
    };
    let env = Env::with_profile(&config_text(SEED_HOOK, HEALTH_CHECKS), profile).await;
    let mut options = env.options("slow");
    options.start_timeout = std::time::Duration::from_secs(1);
    let err = env.provision(&options).await.expect_err("never starts");
    assert_eq!(err.step(), Some("machine"), "{err}");
    assert!(err.to_string().contains("did not reach `started`"), "{err}");
}

/// A change that makes otherwise valid options invalid.
type Change = Box<dyn Fn(&mut tenantctl_core::ops::ProvisionOptions<'_>)>;

#[tokio::test]
async fn bad_input_is_refused_before_any_call() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    let cases: Vec<(&str, Change)> = vec![
        ("tenant", Box::new(|o| o.tenant = "Bad_Id".into())),
        ("tier", Box::new(|o| o.tier = "gold".into())),
        ("region", Box::new(|o| o.region = "amsterdam".into())),
        (
            "domain",
            Box::new(|o| o.domains = vec!["not a domain".into()]),
        ),
        ("actor", Box::new(|o| o.actor = " ".into())),
    ];
    for (what, change) in cases {
        let mut options = env.options("fine");
        change(&mut options);
        let err = env.provision(&options).await.expect_err(what);
        assert_eq!(err.class(), ErrorClass::Invalid, "{what}: {err:?}");
        assert_eq!(err.step(), None, "{what}: refused before any step");
    }
    assert!(env.log().is_empty(), "{}", show(&env.log()));
}

#[tokio::test]
async fn region_the_api_rejects_fails_a_step_and_says_so() {
    let env = Env::new(&config_text(SEED_HOOK, HEALTH_CHECKS)).await;
    let mut options = env.options("faraway");
    options.region = "xyz".into();
    let err = env.provision(&options).await.expect_err("rejected");
    assert_eq!(err.step(), Some("volume"), "{err}");
    assert_eq!(
        err.suggestion(),
        Some(&tenantctl_core::ops::Suggestion::Region(None)),
        "{err}"
    );
    // The app exists and a re-run with a good region finishes the job.
    options.region = "ams".into();
    env.provision(&options)
        .await
        .expect("resumes with a valid region");
}

#[tokio::test]
async fn app_in_another_visible_org_says_which_org_to_pass() {
    let env = Env::new(&config_text("", "")).await;
    env.provision(&env.options("moved"))
        .await
        .expect("first run");
    // The same token, but the config now names another org.
    let text = config_text("", "").replace("org = \"personal\"", "org = \"rival\"");
    let config = tenantctl_core::config::Config::parse(
        &text,
        tenantctl_core::config::ConfigSource::BuiltinLocal,
    )
    .expect("config");
    let mut options = env.options("moved");
    options.config = &config;
    let err = env.provision(&options).await.expect_err("other org");
    assert_eq!(err.class(), ErrorClass::Conflict, "{err}");
    assert_eq!(err.step(), Some("app"));
    let message = err.to_string();
    assert!(message.contains("`personal`"), "{message}");
    assert_eq!(
        err.suggestion(),
        Some(&tenantctl_core::ops::Suggestion::Org("personal".into()))
    );
}

#[tokio::test]
async fn resuming_on_another_tier_is_a_conflict_naming_the_tier() {
    let second_tier = "[tiers.pro]\ntemplate = \"local\"\nvolume_size_gb = 1\nvm_size = \"shared-cpu-1x\"\nvm_memory = \"256mb\"\nalways_on = true\n";
    let env = Env::new(&format!(
        "{}\n{second_tier}",
        config_text(SEED_HOOK, HEALTH_CHECKS)
    ))
    .await;
    env.provision(&env.options("tiered"))
        .await
        .expect("first provision");
    let mut other = env.options("tiered");
    other.tier = "pro".into();
    let err = env.provision(&other).await.expect_err("other tier");
    assert_eq!(err.step(), Some("machine"));
    assert_eq!(err.class(), ErrorClass::Conflict, "{err}");
    assert!(
        err.to_string().contains("provisioned on tier `basic`"),
        "{err}"
    );
}
