//! Where the token and the API URL come from, what happens without them, and that the token is
//! never printed.

use crate::harness::{TestEnv, code, stderr, stdout};
use crate::sim::{CONFIG, Sim};

#[test]
fn missing_token_names_the_variable() {
    let env = TestEnv::with_config(&CONFIG).var("TENANTCTL_API_URL", "http://127.0.0.1:9");
    for args in [
        &["status", "acme"][..],
        &["list"],
        &["provision", "acme", "--tier", "starter"],
    ] {
        let output = env.run(args);
        assert_eq!(code(&output), 2, "{args:?}: {}", stderr(&output));
        let err = stderr(&output);
        assert!(
            err.starts_with("error: no Fly API token: set FLY_API_TOKEN"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("hint: create one with `fly tokens create org`"),
            "{err}"
        );
    }
}

#[test]
fn refused_token_names_the_variable() {
    let sim = Sim::start();
    let output = sim
        .env_with_token("fm2_not-a-real-token")
        .run(&["status", "acme"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("FLY_API_TOKEN"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("fm2_not-a-real-token"));
}

#[test]
fn unusable_token_names_its_source() {
    let output = TestEnv::with_config(&CONFIG)
        .var("FLY_ACCESS_TOKEN", "two words")
        .run(&["list"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("FLY_ACCESS_TOKEN does not hold a usable token"),
        "{err}"
    );
    assert!(!err.contains("two words"), "{err}");
}

#[test]
fn token_file_is_read_when_no_variable_is_set() {
    let sim = Sim::start();
    let env = TestEnv::with_config(&CONFIG)
        .var("TENANTCTL_API_URL", &sim.url())
        .var("TENANTCTL_TOKEN_FILE", "fly-token");
    let output = env.run(&["list"]);
    assert_eq!(code(&output), 2);
    let err = env.redact(&stderr(&output));
    assert!(
        err.contains("TENANTCTL_TOKEN_FILE names [TMP]/work/fly-token, which cannot be read"),
        "{err}"
    );

    let path = env.write("work/fly-token", &format!("{}\n", sim.org_token()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let output = env.run(&["list"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(!stderr(&output).contains("warning"), "{}", stderr(&output));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let output = env.run(&["list"]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        assert!(
            stderr(&output).contains("can be read by other users"),
            "{}",
            stderr(&output)
        );
    }

    // A variable beats the file.
    let output = TestEnv::with_config(&CONFIG)
        .var("TENANTCTL_API_URL", &sim.url())
        .var("TENANTCTL_TOKEN_FILE", path.to_str().unwrap())
        .var("FLY_API_TOKEN", "fm2_wrong")
        .run(&["list"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
}

#[test]
fn fly_url_variables_are_honoured_in_order() {
    let sim = Sim::start();
    let url = sim.url();
    let base = || TestEnv::with_config(&CONFIG).var("FLY_API_TOKEN", &sim.org_token());
    // Fly's docs variable, with the /v1 its curl examples append elsewhere.
    let output = base()
        .var("FLY_API_HOSTNAME", &format!("{url}/v1/"))
        .run(&["list"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    // Fly's Go client variable.
    let output = base().var("FLY_FLAPS_BASE_URL", &url).run(&["list"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    // TENANTCTL_API_URL beats both; --api-url beats everything.
    let dead = "http://127.0.0.1:9";
    let output = base()
        .var("TENANTCTL_API_URL", &url)
        .var("FLY_API_HOSTNAME", dead)
        .var("FLY_FLAPS_BASE_URL", dead)
        .run(&["list"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let output = base()
        .var("TENANTCTL_API_URL", dead)
        .run(&["--api-url", &url, "list"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let output = base()
        .var("FLY_API_HOSTNAME", &url)
        .var("FLY_FLAPS_BASE_URL", dead)
        .run(&["list"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}

#[test]
fn tokens_never_appear_in_output_even_at_high_verbosity() {
    let sim = Sim::start();
    let token = sim.org_token();
    let env = sim.env();
    let runs: &[&[&str]] = &[
        &["-vv", "provision", "acme", "--tier", "starter"],
        &["-vvv", "provision", "acme", "--tier", "starter"],
        &["-vv", "status", "acme", "-o", "json"],
        &["-vvv", "list"],
        &["-vv", "status", "nope"],
    ];
    for args in runs {
        let output = env.run(args);
        let all = format!("{}{}", stdout(&output), stderr(&output));
        assert!(!all.contains(&token), "{args:?} printed the token");
        // No fragment of it either (a truncated header value would still leak).
        let secret_part = token.trim_start_matches("fm2_");
        assert!(
            !all.contains(&secret_part[..secret_part.len().min(16)]),
            "{args:?} printed part of the token"
        );
    }
    // -vv really logs (the check above would pass trivially on empty stderr).
    let output = env.run(&["-vv", "list"]);
    assert!(
        stderr(&output).contains("fly api request"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_app_token_reads_its_tenant_but_cannot_create_tenants() {
    let sim = Sim::start();
    let output = sim.env().run(&["provision", "acme", "--tier", "starter"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let env = sim.env_with_token(&sim.app_token("tenant-acme"));
    let output = env.run(&["status", "acme"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let output = env.run(&["provision", "globex", "--tier", "starter"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("FLY_API_TOKEN"),
        "{}",
        stderr(&output)
    );
    assert_eq!(sim.counts(), (1, 1, 1));
}

#[test]
fn an_unusable_api_url_is_a_usage_error_naming_its_source() {
    let env = TestEnv::with_config(&CONFIG).var("FLY_API_TOKEN", "fm2_unused");
    let output = env.run(&["--api-url", "http://exa mple.com", "status", "acme"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("--api-url"), "{err}");
    assert!(err.contains("hint:"), "{err}");

    let output = TestEnv::with_config(&CONFIG)
        .var("FLY_API_TOKEN", "fm2_unused")
        .var("TENANTCTL_API_URL", "ftp://example.com")
        .run(&["list"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("TENANTCTL_API_URL"),
        "{}",
        stderr(&output)
    );
}
