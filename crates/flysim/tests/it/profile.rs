use flysim::Profile;

#[test]
fn profile_loads_from_toml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("profile.toml");
    std::fs::write(
        &path,
        "latency_ms = 50\nboot_ms = 1500\nrate_limit = true\nseed = 9\n\n[faults]\nerror_503 = 0.25\nretry_after_s = 2\n",
    )
    .expect("write");
    let p = Profile::load(&path).expect("profile loads");
    assert_eq!(p.latency_ms, 50);
    assert_eq!(p.boot_ms, 1500);
    assert!(p.rate_limit);
    assert_eq!(p.seed, 9);
    assert_eq!(p.faults.error_503, 0.25);
    assert_eq!(p.faults.retry_after_s, 2);
    assert_eq!(p.stop_ms, 0, "unset fields default to the zero profile");

    std::fs::write(&path, "boot_ms = \"fast\"\n").expect("write");
    assert!(Profile::load(&path).is_err(), "wrong types are refused");
    assert!(Profile::load(&dir.path().join("missing.toml")).is_err());
}

#[test]
fn presets() {
    let z = Profile::zero();
    assert_eq!(
        (z.latency_ms, z.boot_ms, z.stop_ms, z.rate_limit),
        (0, 0, 0, false),
        "zero profile is instant and unlimited"
    );
    let r = Profile::realistic();
    assert!(r.latency_ms > 0 && r.boot_ms >= 500, "{r:?}");
}
