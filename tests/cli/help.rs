//! The help texts, snapshotted so every change to the command line shows up in review.

use crate::harness::TestEnv;

#[test]
fn help_texts() {
    let env = TestEnv::empty();
    for (name, args) in [
        ("help_root", &["--help"][..]),
        ("help_render", &["render", "--help"]),
        ("help_provision", &["provision", "--help"]),
        ("help_snapshot", &["snapshot", "--help"]),
    ] {
        insta::assert_snapshot!(name, env.snapshot(args));
    }
}
