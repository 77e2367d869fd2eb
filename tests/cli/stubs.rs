//! Commands a later version fills in say so plainly and exit 1.

use crate::harness::{TestEnv, code, json, stderr, stdout};

const NOT_YET: &[&[&str]] = &[
    &["upgrade", "acme", "globex", "--tier", "pro"],
    &["upgrade", "--all"],
    &["deploy", "acme", "globex"],
];

#[test]
fn not_yet_available_commands_exit_1_with_a_plain_message() {
    let env = TestEnv::example();
    for args in NOT_YET {
        let output = env.run(args);
        assert_eq!(code(&output), 1, "{args:?}: {}", stderr(&output));
        assert!(stdout(&output).is_empty(), "{args:?}");
        let expected = format!(
            "error: `tenantctl {}` is not available in this version yet\n",
            args[0]
        );
        assert!(
            stderr(&output).starts_with(&expected),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    insta::assert_snapshot!(
        "upgrade_all_not_available",
        env.snapshot(&["upgrade", "--all"])
    );
}

#[test]
fn not_yet_available_in_json_mode() {
    let env = TestEnv::example();
    let output = env.run(&["upgrade", "--all", "-o", "json"]);
    assert_eq!(code(&output), 1);
    let doc = json(&output);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(
        doc["error"]["message"],
        "`tenantctl upgrade` is not available in this version yet"
    );
    assert_eq!(doc["error"]["exit_code"], 1);
    assert_eq!(doc["error"]["kind"], "failed");
}

#[test]
fn tenant_ids_are_checked_first() {
    let env = TestEnv::empty();
    // No config anywhere: the bad id is still what gets reported.
    for args in [
        &["provision", "Acme", "--tier", "pro"][..],
        &["status", "7acme"],
        &["destroy", "acme_"],
        &["render", "acme-", "--tier", "pro"],
    ] {
        let output = env.run(args);
        assert_eq!(code(&output), 2, "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).contains("invalid tenant id"), "{args:?}");
    }
}
