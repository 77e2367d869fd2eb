//! flyctl's own appconfig test inputs (tests/data/flyctl-appconfig, see NOTICE there), checked
//! against the results flyctl's Go tests and conversion rules give for them. Expected values
//! are written out by hand from flyctl (`internal/appconfig/*_test.go`, `machines.go`,
//! `processgroups.go`, `service.go`, `toplevelcheck.go`, `validation.go`).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use fly_api::types::{GoDuration, MachineAutostop, MachineGuest};
use serde_json::{Value, json};
use tenantctl_core::flytoml::{AppConfig, ConvertOptions, to_machine_config};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/flyctl-appconfig")
}

fn read(name: &str) -> (String, PathBuf) {
    let path = data_dir().join(name);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (text, path)
}

fn load(name: &str) -> AppConfig {
    let (text, path) = read(name);
    AppConfig::parse(&text, &path).unwrap_or_else(|e| panic!("{name} should parse: {e}"))
}

fn convert_with(config: &AppConfig, group: &str, options: &ConvertOptions) -> Value {
    let machine = to_machine_config(config, group, options)
        .unwrap_or_else(|e| panic!("group {group} should convert: {e}"));
    serde_json::to_value(machine).expect("machine config serializes")
}

fn convert(config: &AppConfig, group: &str) -> Value {
    convert_with(config, group, &ConvertOptions::default())
}

fn convert_error(config: &AppConfig, group: &str) -> String {
    match to_machine_config(config, group, &ConvertOptions::default()) {
        Ok(machine) => panic!("group {group} should not convert, got {machine:?}"),
        Err(e) => e.to_string(),
    }
}

fn meta(group: &str) -> Value {
    json!({"fly_platform_version": "v2", "fly_process_group": group})
}

fn assert_valid(name: &str, config: &AppConfig) {
    if let Err(errors) = config.validate() {
        panic!("{name} should validate, got {errors:?}");
    }
}

fn validation_messages(config: &AppConfig) -> Vec<String> {
    match config.validate() {
        Ok(()) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| e.message).collect(),
    }
}

fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        haystack.contains(needle),
        "expected {needle:?} in {haystack:?}"
    );
}

/// The minimal machine config flyctl builds for a group with nothing but a command.
fn bare_machine(group: &str, init: Value) -> Value {
    json!({"env": {"FLY_PROCESS_GROUP": group}, "init": init, "metadata": meta(group)})
}

/// Every file of the data directory, and how it is covered below.
const ACCEPTED: &[&str] = &[
    "app-name.toml",
    "build-with-args.toml",
    "build.toml",
    "compose-autodetect.toml",
    "docker.toml",
    "env-list.toml",
    "experimental-alt.toml",
    "format-quirks.toml",
    "image.toml",
    "mounts-array.toml",
    "old-format.toml",
    "old-pg-checks.toml",
    "old-processes.toml",
    "processes-multi.toml",
    "processes-multiwithapp.toml",
    "processes-none.toml",
    "processes-one.toml",
    "services-emptysection.toml",
    "services-multi.toml",
    "services-ports.toml",
    "setters-deploy.toml",
    "setters-experimental.toml",
    "setters-httpservice.toml",
    "setters-processes.toml",
    "setters-service.toml",
    "tomachine-compute-nodefault.toml",
    "tomachine-compute.toml",
    "tomachine-default-for-new-apps.toml",
    "tomachine-experimental.toml",
    "tomachine-hostdedicationid.toml",
    "tomachine-machinechecks.toml",
    "tomachine-mounts.toml",
    "tomachine-processgroups.toml",
    "tomachine-services.toml",
    "tomachine.toml",
    "validate-groups.toml",
];

/// Files flyctl refuses to deploy: at load (always-invalid-v2), at validation (validate-*,
/// full-reference), or while building the machine config (compose: the compose file is missing).
const REJECTED: &[&str] = &[
    "always-invalid-v2.toml",
    "compose.toml",
    "full-reference.toml",
    "validate-mounts.toml",
    "validate-services.toml",
];

#[test]
fn every_data_file_is_covered() {
    let on_disk: BTreeSet<String> = fs::read_dir(data_dir())
        .expect("data dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    let covered: BTreeSet<String> = ACCEPTED
        .iter()
        .chain(REJECTED)
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(on_disk, covered);
    for name in ACCEPTED {
        let config = load(name);
        assert_valid(name, &config);
        for group in config.process_groups() {
            to_machine_config(&config, &group, &ConvertOptions::default())
                .unwrap_or_else(|e| panic!("{name} group {group}: {e}"));
        }
    }
}

// ---- serde_test.go: loading ----

#[test]
fn app_name_and_build_sections() {
    assert_eq!(load("app-name.toml").app.as_deref(), Some("test-app"));
    assert_eq!(
        load("build.toml").build.expect("build").builder,
        "builder/name"
    );
    assert_eq!(load("image.toml").build.expect("build").image, "image/name");
    assert_eq!(
        load("docker.toml").build.expect("build").dockerfile,
        "./Dockerfile"
    );
    let args = load("build-with-args.toml").build.expect("build").args;
    assert_eq!(
        serde_json::to_value(&args).unwrap(),
        json!({"A": "B", "C": "D"})
    );
    for name in [
        "app-name.toml",
        "build.toml",
        "image.toml",
        "docker.toml",
        "build-with-args.toml",
    ] {
        let config = load(name);
        assert_eq!(
            convert(&config, "app"),
            bare_machine("app", json!({})),
            "{name}"
        );
    }
}

#[test]
fn compose_sections() {
    let explicit = load("compose.toml");
    let compose = explicit.build.as_ref().and_then(|b| b.compose.as_ref());
    assert_eq!(compose.map(|c| c.file.as_str()), Some("docker-compose.yml"));
    // flyctl reads the compose file next to fly.toml; it does not exist.
    assert_contains(
        &convert_error(&explicit, "app"),
        "failed to read compose file",
    );

    let auto = load("compose-autodetect.toml");
    let compose = auto.build.as_ref().and_then(|b| b.compose.as_ref());
    assert_eq!(compose.map(|c| c.file.as_str()), Some(""));
    // No compose file beside it: nothing to build containers from.
    assert_eq!(convert(&auto, "app"), bare_machine("app", json!({})));

    // With one beside it flyctl would build containers from it; we refuse rather than
    // deploy something else.
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("compose.yaml"), "services: {}\n").expect("write");
    let (text, _) = read("compose-autodetect.toml");
    let beside = AppConfig::parse(&text, &dir.path().join("fly.toml")).expect("parse");
    assert_contains(&convert_error(&beside, "app"), "compose.yaml");
}

#[test]
fn empty_service_section_is_ignored() {
    let config = load("services-emptysection.toml");
    assert!(config.services.is_empty());
    assert_eq!(convert(&config, "app"), bare_machine("app", json!({})));
}

#[test]
fn service_ports() {
    let config = load("services-ports.toml");
    assert_eq!(
        convert(&config, "app"),
        json!({
            "env": {"FLY_PROCESS_GROUP": "app"},
            "init": {},
            "metadata": meta("app"),
            "services": [{
                "protocol": "tcp",
                "internal_port": 8080,
                "ports": [
                    {
                        "port": 80,
                        "tls_options": {"alpn": ["h2", "http/1.1"], "versions": ["TLSv1.2", "TLSv1.3"]},
                        "http_options": {
                            "compress": true,
                            "response": {"headers": {
                                "fly-request-id": false,
                                "fly-wasnt-here": "yes, it was",
                                "multi-valued": ["value1", "value2"]
                            }}
                        }
                    },
                    {"port": 82, "handlers": ["proxy_proto"], "proxy_proto_options": {"version": "v2"}}
                ],
                "force_instance_key": null
            }]
        })
    );
}

#[test]
fn service_multi() {
    let config = load("services-multi.toml");
    assert_eq!(
        convert(&config, "app")["services"],
        json!([
            {"protocol": "tcp", "internal_port": 8081,
             "concurrency": {"type": "requests", "hard_limit": 22, "soft_limit": 13},
             "force_instance_key": null},
            {"protocol": "tcp", "internal_port": 9999,
             "concurrency": {"type": "connections", "hard_limit": 10, "soft_limit": 8},
             "force_instance_key": null}
        ])
    );
}

#[test]
fn invalid_v2_is_rejected_with_its_line() {
    let (text, path) = read("always-invalid-v2.toml");
    let err = AppConfig::parse(&text, &path).expect_err("flyctl cannot load it as v2");
    assert_eq!(err.line, Some(24));
    assert_contains(&err.message, "Unknown type for service concurrency: int64");
    assert_contains(&err.to_string(), "always-invalid-v2.toml:24:");
}

#[test]
fn experimental_alternative_forms() {
    let config = load("experimental-alt.toml");
    assert_eq!(config.kill_timeout, Some(GoDuration::from_secs(3)));
    let experimental = config.experimental.clone().expect("experimental");
    assert_eq!(experimental.cmd, ["cmd"]);
    assert_eq!(experimental.entrypoint, ["entrypoint"]);
    assert_eq!(experimental.exec, ["exec"]);
    assert_eq!(config.metrics.len(), 1);
    assert_eq!(
        convert(&config, "app"),
        json!({
            "env": {"FLY_PROCESS_GROUP": "app"},
            "init": {"cmd": ["cmd"], "entrypoint": ["entrypoint"], "exec": ["exec"]},
            "metadata": meta("app"),
            "metrics": {"port": 9000, "path": "/foo"},
            "stop_config": {"timeout": "3s"}
        })
    );
}

#[test]
fn mounts_array() {
    let config = load("mounts-array.toml");
    assert_eq!(config.mounts.len(), 1);
    assert_eq!(config.mounts[0].source, "pg_data");
    assert_eq!(config.mounts[0].destination, "/data");
    assert_eq!(
        convert(&config, "app")["mounts"],
        json!([{"path": "/data", "name": "pg_data"}])
    );
}

#[test]
fn format_quirks() {
    let config = load("format-quirks.toml");
    assert_eq!(config.vm.len(), 1);
    assert_eq!(config.vm[0].memory, "512");
    assert_eq!(config.vm[0].guest, None);
    let mount = &config.mounts[0];
    assert_eq!(
        (mount.source.as_str(), mount.destination.as_str()),
        ("data", "/data")
    );
    assert_eq!(mount.initial_size, "200");
    assert_eq!(mount.snapshot_retention, Some(10));
    assert_eq!(
        convert(&config, "app"),
        json!({
            "env": {"FLY_PROCESS_GROUP": "app"},
            "init": {},
            "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 512},
            "metadata": meta("app"),
            "mounts": [{"path": "/data", "name": "data"}]
        })
    );
}

#[test]
fn env_list() {
    let config = load("env-list.toml");
    assert_eq!(
        serde_json::to_value(&config.env).unwrap(),
        json!({"FOO": "BAR", "TWO": "2", "TRUE": "true"})
    );
    assert_eq!(
        convert(&config, "app")["env"],
        json!({"FOO": "BAR", "TWO": "2", "TRUE": "true", "FLY_PROCESS_GROUP": "app"})
    );
}

#[test]
fn old_format() {
    let config = load("old-format.toml");
    assert_eq!(
        config.build.as_ref().map(|b| b.build_target.as_str()),
        Some("thalayer")
    );
    assert!(
        config.experimental.is_none(),
        "empty [experimental] is dropped"
    );
    assert!(
        config.processes.is_empty(),
        "empty [[processes]] is dropped"
    );
    let service = &config.services[0];
    assert_eq!(service.auto_stop_machines, Some(MachineAutostop::Off));
    assert_eq!(service.http_checks[1].grace_period, None);
    assert_eq!(
        convert(&config, "app"),
        json!({
            "env": {"FOO": "STRING", "BAR": "123", "FLY_PROCESS_GROUP": "app"},
            "init": {},
            "metadata": meta("app"),
            "mounts": [{"path": "/data", "name": "data"}],
            "metrics": {"port": 9999, "path": "/metrics"},
            "services": [{
                "internal_port": 8080,
                "autostop": false,
                "ports": [{"port": 80, "handlers": ["http"]}],
                "checks": [
                    {"type": "tcp", "interval": "10s", "timeout": "2s"},
                    {"type": "tcp", "interval": "20s", "timeout": "3s"},
                    {"type": "http", "interval": "30s", "timeout": "4s",
                     "headers": [{"name": "origin", "values": ["http://localhost:8000"]}]},
                    {"type": "http", "interval": "20s", "timeout": "3s",
                     "headers": [
                        {"name": "astring", "values": ["string"]},
                        {"name": "fly-healthcheck", "values": ["1"]},
                        {"name": "metoo", "values": ["true"]}
                     ]}
                ],
                "concurrency": {"type": "requests", "hard_limit": 23, "soft_limit": 12},
                "force_instance_key": null
            }]
        })
    );
}

#[test]
fn old_processes() {
    let config = load("old-processes.toml");
    assert_eq!(config.app, None);
    assert_eq!(config.process_groups(), ["web", "worker"]);
    assert_eq!(
        convert(&config, "web"),
        bare_machine("web", json!({"cmd": ["./web"]}))
    );
    assert_eq!(
        convert(&config, "worker"),
        bare_machine("worker", json!({"cmd": ["./worker"]}))
    );
}

#[test]
fn old_pg_checks() {
    let config = load("old-pg-checks.toml");
    assert!(config.checks["pg"].headers.is_empty());
    assert_eq!(
        convert(&config, "app")["checks"],
        json!({"pg": {"port": 5500, "type": "http", "path": "/flycheck/pg"}})
    );
}

#[test]
fn full_reference_loads_every_field() {
    let config = load("full-reference.toml");
    assert_eq!(config.app.as_deref(), Some("foo"));
    assert_eq!(config.kill_signal.as_deref(), Some("SIGTERM"));
    assert_eq!(config.kill_timeout, Some(GoDuration::from_secs(3)));
    assert_eq!(config.swap_size_mb, Some(512));
    assert_eq!(config.primary_region, "sea");
    assert_eq!(config.console_command, "/bin/bash");
    assert_eq!(config.host_dedication_id, "06031957");

    assert_eq!(config.vm.len(), 2);
    let vm = &config.vm[0];
    assert_eq!(
        (vm.size.as_str(), vm.memory.as_str()),
        ("shared-cpu-1x", "8gb")
    );
    assert_eq!(vm.processes, ["app"]);
    assert_eq!(
        vm.guest,
        Some(MachineGuest {
            cpu_kind: "performance".into(),
            cpus: 8,
            memory_mb: 8192,
            gpus: 2,
            gpu_kind: "a100-pcie-40gb".into(),
            host_dedication_id: "isolated-xxx".into(),
            kernel_args: vec!["quiet".into()],
            ..MachineGuest::default()
        })
    );
    assert_eq!(
        config.vm[1].guest,
        Some(MachineGuest {
            memory_mb: 4096,
            ..MachineGuest::default()
        })
    );

    let experimental = config.experimental.as_ref().expect("experimental");
    assert!(experimental.auto_rollback && experimental.enable_consul && experimental.enable_etcd);

    assert_eq!(config.restart.len(), 1);
    assert_eq!(
        (
            config.restart[0].policy.as_str(),
            config.restart[0].max_retries
        ),
        ("always", 3)
    );

    let build = config.build.as_ref().expect("build");
    assert_eq!(build.builder, "dockerfile");
    assert_eq!(build.image, "foo/fighter");
    assert_eq!(build.builtin, "whatisthis");
    assert_eq!(build.dockerfile, "Dockerfile");
    assert_eq!(build.ignorefile, ".gitignore");
    assert_eq!(build.build_target, "target");
    assert_eq!(build.buildpacks, ["packme", "well"]);
    assert_eq!(
        serde_json::to_value(&build.settings).unwrap(),
        json!({"foo": "bar", "other": 2.0})
    );
    assert_eq!(build.args.len(), 2);

    let deploy = config.deploy.as_ref().expect("deploy");
    assert_eq!(deploy.strategy, "rolling-eyes");
    assert_eq!(deploy.max_unavailable, Some(0.2));
    assert_eq!(deploy.release_command, "release command");
    assert_eq!(
        deploy.release_command_timeout,
        Some(GoDuration::from_secs(180))
    );
    let release_vm = deploy.release_command_vm.as_ref().expect("release vm");
    assert_eq!(
        (release_vm.size.as_str(), release_vm.memory.as_str()),
        ("performance-2x", "8g")
    );

    let http = config.http_service.as_ref().expect("http_service");
    assert_eq!(http.internal_port, 8080);
    assert!(http.force_https);
    assert_eq!(http.auto_start_machines, Some(false));
    assert_eq!(http.auto_stop_machines, Some(MachineAutostop::Off));
    assert_eq!(http.min_machines_running, Some(0));
    assert_eq!(http.checks[0].interval, Some(GoDuration::from_secs(81)));
    assert_eq!(http.machine_checks[0].image, "curlimages/curl");
    assert_eq!(
        http.machine_checks[0].kill_timeout,
        Some(GoDuration::from_secs(5))
    );
    assert_eq!(config.machine_checks.len(), 1);

    assert_eq!(config.statics.len(), 1);
    assert_eq!(config.files.len(), 3);
    assert_eq!(config.files[2].local_path, "/local/path/config.yaml");
    assert_eq!(config.files[2].processes, ["web"]);
    let mount = &config.mounts[0];
    assert_eq!(mount.initial_size, "30gb");
    assert_eq!(mount.snapshot_retention, Some(17));
    assert_eq!(mount.scheduled_snapshots, Some(true));
    assert_eq!(config.process_groups(), ["task", "web"]);

    let service = &config.services[0];
    assert_eq!(service.internal_port, 8081);
    assert_eq!(service.processes, ["app"]);
    assert_eq!(service.min_machines_running, Some(1));
    assert_eq!(
        service.tcp_checks[0].grace_period,
        Some(GoDuration::from_secs(1))
    );
    assert_eq!(service.http_checks.len(), 2);
    assert_eq!(service.http_checks[1].method.as_deref(), Some("POST"));
    assert_eq!(service.machine_checks.len(), 1);
    let port = &service.ports[0];
    assert_eq!(
        (port.port, port.start_port, port.end_port),
        (Some(80), Some(100), Some(200))
    );
    assert_eq!(
        port.http_options.as_ref().and_then(|h| h.idle_timeout),
        Some(600)
    );
}

#[test]
fn full_reference_is_rejected() {
    let config = load("full-reference.toml");
    let messages = validation_messages(&config).join("\n");
    assert_contains(&messages, "unsupported deployment strategy 'rolling-eyes'");
    assert_contains(
        &messages,
        "Service has no processes set but app has 2 processes defined",
    );
    assert_contains(&messages, "Service specifies 'app' as one of its processes");
    // Its local file does not exist, so the machine config cannot be built either.
    assert_contains(
        &convert_error(&config, "web"),
        "could not read file /local/path/config.yaml",
    );
}

/// full-reference.toml with its local file present, converted per group.
#[test]
fn full_reference_converts_per_group() {
    let dir = tempfile::tempdir().expect("tempdir");
    let local = dir.path().join("config.yaml");
    fs::write(&local, "key: value\n").expect("write");
    let (text, _) = read("full-reference.toml");
    let text = text.replace("/local/path/config.yaml", &local.display().to_string());
    let config = AppConfig::parse(&text, &dir.path().join("fly.toml")).expect("parse");

    // flyctl merges [[files]] of every group into each group's machine.
    let files = json!([
        {"guest_path": "/path/to/hello.txt", "raw_value": "YUdWc2JHOGdkMjl5YkdRSw=="},
        {"guest_path": "/path/to/secret.txt", "secret_name": "SUPER_SECRET"},
        {"guest_path": "/path/to/config.yaml", "raw_value": "a2V5OiB2YWx1ZQo="}
    ]);
    let statics = json!([{"guest_path": "/path/to/statics", "url_prefix": "/static-assets",
                          "tigris_bucket": "example-bucket", "index_document": "index.html"}]);
    // The [[vm]] without processes applies to every group; the app-only one to none here.
    let guest = json!({"cpu_kind": "shared", "cpus": 1, "memory_mb": 4096,
                       "host_dedication_id": "06031957"});
    let http_options = json!({
        "compress": true,
        "idle_timeout": 600,
        "response": {"headers": {"fly-request-id": false, "fly-wasnt-here": "yes, it was",
                                 "multi-valued": ["value1", "value2"]}}
    });

    assert_eq!(
        convert(&config, "web"),
        json!({
            "env": {"FOO": "BAR", "FLY_PROCESS_GROUP": "web", "PRIMARY_REGION": "sea"},
            "init": {"cmd": ["run", "web"], "entrypoint": ["entrypoint"], "exec": ["exec"],
                     "swap_size_mb": 512},
            "guest": guest,
            "metadata": meta("web"),
            "metrics": {"port": 9998, "path": "/metrics"},
            "statics": statics,
            "files": files,
            "restart": {"policy": "always", "max_retries": 3},
            "stop_config": {"timeout": "3s", "signal": "SIGTERM"}
        })
    );

    // "task" sorts first, so sections without a processes list belong to it.
    assert_eq!(
        convert(&config, "task"),
        json!({
            "env": {"FOO": "BAR", "FLY_PROCESS_GROUP": "task", "PRIMARY_REGION": "sea"},
            "init": {"cmd": ["task", "all", "day"], "entrypoint": ["entrypoint"],
                     "exec": ["exec"], "swap_size_mb": 512},
            "guest": guest,
            "metadata": meta("task"),
            "mounts": [{"path": "/data", "name": "data"}],
            "metrics": {"port": 9999, "path": "/metrics"},
            "services": [{
                "protocol": "tcp",
                "internal_port": 8080,
                "autostop": false,
                "autostart": false,
                "min_machines_running": 0,
                "ports": [
                    {"port": 80, "handlers": ["http"], "force_https": true,
                     "http_options": http_options},
                    {"port": 443, "handlers": ["http", "tls"], "http_options": http_options,
                     "tls_options": {"alpn": ["h2", "http/1.1"], "versions": ["TLSv1.2", "TLSv1.3"],
                                     "default_self_signed": false}}
                ],
                "checks": [{
                    "type": "http", "interval": "1m21s", "timeout": "7s", "grace_period": "2s",
                    "method": "GET", "path": "/", "protocol": "https", "tls_skip_verify": true,
                    "tls_server_name": "sni2.com",
                    "headers": [{"name": "My-Custom-Header", "values": ["whatever"]}]
                }],
                "concurrency": {"type": "donuts", "hard_limit": 10, "soft_limit": 4},
                "force_instance_key": null
            }],
            "checks": {"status": {
                "port": 2020, "type": "http", "interval": "10s", "timeout": "2s",
                "grace_period": "27s", "method": "GET", "path": "/status", "protocol": "https",
                "tls_skip_verify": true, "tls_server_name": "sni3.com",
                "headers": [
                    {"name": "Authorization", "values": ["super-duper-secret"]},
                    {"name": "Content-Type", "values": ["application/json"]}
                ]
            }},
            "statics": statics,
            "files": files,
            "stop_config": {"timeout": "3s", "signal": "SIGTERM"}
        })
    );
}

// ---- processgroups_test.go ----

#[test]
fn process_names() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("processes-one.toml", "web", &["web"]),
        ("processes-multi.toml", "bar", &["bar", "foo", "zzz"]),
        (
            "processes-multiwithapp.toml",
            "app",
            &["aaa", "abc", "app", "ass", "bbb"],
        ),
        ("processes-none.toml", "app", &["app"]),
        ("app-name.toml", "app", &["app"]),
    ];
    for (name, default, groups) in cases {
        let config = load(name);
        assert_eq!(config.default_process_group(), *default, "{name}");
        assert_eq!(config.process_groups(), *groups, "{name}");
    }
    let multi = load("processes-multi.toml");
    assert_eq!(
        convert(&multi, "zzz"),
        bare_machine("zzz", json!({"cmd": ["/zzzz"]}))
    );
    assert_eq!(
        convert(&multi, "bar"),
        bare_machine("bar", json!({"cmd": ["/app/bar"]}))
    );
    let with_app = load("processes-multiwithapp.toml");
    assert_eq!(
        convert(&with_app, "app"),
        bare_machine("app", json!({"cmd": ["/run2"]}))
    );
    assert_eq!(
        convert(&with_app, "bbb"),
        bare_machine("bbb", json!({"cmd": ["/run3"]}))
    );
    let one = load("processes-one.toml");
    assert_eq!(
        convert(&one, "web"),
        bare_machine("web", json!({"cmd": ["/app/server"]}))
    );
    assert_eq!(
        convert(&load("processes-none.toml"), "app"),
        bare_machine("app", json!({}))
    );
}

// ---- setters_test.go inputs ----

#[test]
fn setters_inputs() {
    let deploy = load("setters-deploy.toml");
    assert_eq!(
        deploy.deploy.as_ref().map(|d| d.strategy.as_str()),
        Some("immediate")
    );
    assert_eq!(convert(&deploy, "app"), bare_machine("app", json!({})));

    let experimental = load("setters-experimental.toml");
    assert_eq!(
        convert(&experimental, "app"),
        bare_machine("app", json!({"exec": ["/exec"]}))
    );

    let http = load("setters-httpservice.toml");
    assert_eq!(
        convert(&http, "app")["services"],
        json!([{"protocol": "tcp", "internal_port": 9999,
                "ports": [{"port": 80, "handlers": ["http"]},
                          {"port": 443, "handlers": ["http", "tls"]}],
                "force_instance_key": null}])
    );

    let processes = load("setters-processes.toml");
    assert_eq!(processes.process_groups(), ["foo"]);
    assert_eq!(
        convert(&processes, "foo"),
        bare_machine("foo", json!({"cmd": ["bar"]}))
    );

    let service = load("setters-service.toml");
    assert_eq!(
        convert(&service, "app")["services"],
        json!([{"protocol": "tcp", "force_instance_key": null}])
    );
    // A service without ports is only a warning in flyctl.
    assert!(
        service
            .validation_warnings()
            .iter()
            .any(|w| w.contains("Service must expose at least one port"))
    );
}

// ---- machines_test.go ----

#[test]
fn to_machine_config_full() {
    let config = load("tomachine.toml");
    assert_eq!(
        convert(&config, "app"),
        json!({
            "env": {"FOO": "BAR", "PRIMARY_REGION": "mia", "FLY_PROCESS_GROUP": "app"},
            "init": {"swap_size_mb": 512},
            "metadata": meta("app"),
            "services": [{
                "protocol": "tcp",
                "internal_port": 8080,
                "ports": [
                    {"port": 80, "handlers": ["http"], "force_https": true},
                    {"port": 443, "handlers": ["http", "tls"]}
                ],
                "force_instance_key": null
            }],
            "metrics": {"port": 9999, "path": "/metrics"},
            "statics": [{"guest_path": "/guest/path", "url_prefix": "/url/prefix",
                         "tigris_bucket": "example-bucket", "index_document": "index.html"}],
            "mounts": [{"name": "data", "path": "/data"}],
            "checks": {
                "listening": {"port": 8080, "type": "tcp"},
                "status": {"port": 8080, "type": "http", "interval": "10s", "timeout": "1s",
                           "path": "/status"}
            },
            "stop_config": {"timeout": "10s", "signal": "SIGTERM"},
            "restart": {"policy": "always"},
            "dns": {"nameservers": ["1.2.3.4"]}
        })
    );
}

/// machines_test.go's TestToReleaseMachineConfig.
#[test]
fn release_command_machine() {
    let config = load("tomachine.toml");
    let machine =
        tenantctl_core::flytoml::to_release_machine_config(&config, &ConvertOptions::default())
            .expect("release machine");
    assert_eq!(
        serde_json::to_value(machine).unwrap(),
        json!({
            "init": {"cmd": ["migrate-db"], "swap_size_mb": 512},
            "env": {"FOO": "BAR", "PRIMARY_REGION": "mia", "RELEASE_COMMAND": "1",
                    "FLY_PROCESS_GROUP": "fly_app_release_command"},
            "metadata": meta("fly_app_release_command"),
            "auto_destroy": true,
            "restart": {"policy": "no"},
            "dns": {"skip_registration": true},
            "stop_config": {"timeout": "10s", "signal": "SIGTERM"},
            "guest": {"cpu_kind": "performance", "cpus": 2, "memory_mb": 4096}
        })
    );
}

/// machines_test.go's TestToConsoleMachineConfig.
#[test]
fn console_machine() {
    let config = load("tomachine.toml");
    let machine =
        tenantctl_core::flytoml::to_console_machine_config(&config, &ConvertOptions::default());
    assert_eq!(
        serde_json::to_value(machine).unwrap(),
        json!({
            "init": {"exec": ["/bin/sleep", "inf"], "swap_size_mb": 512},
            "env": {"FOO": "BAR", "PRIMARY_REGION": "mia", "FLY_PROCESS_GROUP": "fly_app_console"},
            "metadata": meta("fly_app_console"),
            "auto_destroy": true,
            "restart": {"policy": "no"},
            "dns": {"skip_registration": true}
        })
    );
}

/// machines_test.go's update case: fly.toml laid over an existing machine config.
#[test]
fn to_machine_config_updates_an_existing_machine() {
    let config = load("tomachine.toml");
    let existing: fly_api::types::MachineConfig = serde_json::from_value(json!({
        "guest": {"cpus": 3},
        "schedule": "24/7",
        "auto_destroy": true,
        "restart": {"policy": "always"},
        "dns": {"skip_registration": true},
        "env": {"removed": "by-update"},
        "mounts": [{"name": "removed", "path": "/by/update"}],
        "metadata": {"retain": "propagated"},
        "init": {"cmd": ["removed", "by", "update"]}
    }))
    .expect("existing config");
    let options = ConvertOptions {
        existing: Some(existing),
        ..ConvertOptions::default()
    };
    let got = convert_with(&config, "app", &options);
    let fresh = convert(&config, "app");
    assert_eq!(got["env"], fresh["env"]);
    assert_eq!(got["services"], fresh["services"]);
    assert_eq!(got["checks"], fresh["checks"]);
    assert_eq!(got["mounts"], fresh["mounts"]);
    assert_eq!(got["guest"], json!({"cpus": 3}));
    assert_eq!(got["schedule"], json!("24/7"));
    assert_eq!(got["auto_destroy"], json!(true));
    assert_eq!(got["restart"], json!({"policy": "always"}));
    assert_eq!(
        got["dns"],
        json!({"skip_registration": true, "nameservers": ["1.2.3.4"]})
    );
    assert_eq!(got["metadata"]["retain"], json!("propagated"));
    assert_eq!(got["init"], json!({"swap_size_mb": 512}));
}

/// machines_test.go's nullifyManagedFields: an empty fly.toml clears what fly.toml manages.
#[test]
fn to_machine_config_clears_managed_fields() {
    let config = parse_text("").expect("empty fly.toml");
    let existing: fly_api::types::MachineConfig = serde_json::from_value(json!({
        "env": {"FOO": "BAR", "PRIMARY_REGION": "mia"},
        "services": [{"protocol": "tcp", "internal_port": 8080,
                      "ports": [{"port": 80, "handlers": ["http"], "force_https": true}]}],
        "metrics": {"port": 9999, "path": "/metrics"},
        "statics": [{"guest_path": "/guest/path", "url_prefix": "/url/prefix",
                     "tigris_bucket": "example-bucket", "index_document": "index.html"}],
        "mounts": [{"name": "data", "path": "/data"}],
        "checks": {"listening": {"port": 8080, "type": "tcp"}}
    }))
    .expect("existing config");
    let options = ConvertOptions {
        existing: Some(existing),
        ..ConvertOptions::default()
    };
    assert_eq!(
        convert_with(&config, "app", &options),
        bare_machine("app", json!({}))
    );
}

#[test]
fn to_machine_config_with_image_and_version() {
    let config = load("tomachine.toml");
    let options = ConvertOptions {
        image: Some("registry.fly.io/foo:deployment-1".into()),
        flyctl_version: Some("0.3.200".into()),
        ..ConvertOptions::default()
    };
    let machine = convert_with(&config, "app", &options);
    assert_eq!(machine["image"], json!("registry.fly.io/foo:deployment-1"));
    assert_eq!(
        machine["metadata"],
        json!({"fly_platform_version": "v2", "fly_process_group": "app",
               "fly_flyctl_version": "0.3.200"})
    );
}

#[test]
fn to_machine_config_experimental() {
    let config = load("tomachine-experimental.toml");
    assert_eq!(
        convert(&config, "app")["init"],
        json!({"cmd": ["/call", "me"], "entrypoint": ["/IgoFirst"], "exec": ["ignore", "others"]})
    );
    // A group command wins over experimental.cmd.
    let mut with_command = config.clone();
    with_command
        .processes
        .insert("app".into(), "/override experimental".into());
    assert_eq!(
        convert(&with_command, "app")["init"],
        json!({"cmd": ["/override", "experimental"], "entrypoint": ["/IgoFirst"],
               "exec": ["ignore", "others"]})
    );
}

#[test]
fn to_machine_config_multi_process_groups() {
    let config = load("tomachine-processgroups.toml");
    let app = convert(&config, "app");
    assert_eq!(app["metadata"]["fly_process_group"], json!("app"));
    assert_eq!(app["init"], json!({"cmd": ["run-nginx"]}));
    assert_eq!(
        app["services"],
        json!([
            {"protocol": "tcp", "internal_port": 8080,
             "ports": [{"port": 80, "handlers": ["http"]}, {"port": 443, "handlers": ["http", "tls"]}],
             "force_instance_key": null},
            {"protocol": "tcp", "internal_port": 1111, "force_instance_key": null}
        ])
    );
    assert_eq!(
        app["checks"],
        json!({"listening": {"port": 8080, "type": "tcp"}})
    );
    assert_eq!(
        app["env"],
        json!({"FLY_PROCESS_GROUP": "app", "PRIMARY_REGION": "ord"})
    );

    let vpn = convert(&config, "vpn");
    assert_eq!(vpn["metadata"]["fly_process_group"], json!("vpn"));
    assert_eq!(vpn["init"], json!({"cmd": ["run-tailscale"]}));
    assert_eq!(
        vpn["services"],
        json!([
            {"protocol": "udp", "internal_port": 9999, "force_instance_key": null},
            {"protocol": "tcp", "internal_port": 1111, "force_instance_key": null}
        ])
    );
    assert_eq!(vpn.get("checks"), None);

    let foo = convert(&config, "foo");
    assert_eq!(foo["init"], json!({"cmd": ["keep", "me", "alive"]}));
    assert_eq!(
        foo["services"],
        json!([{"protocol": "tcp", "internal_port": 1111, "force_instance_key": null}])
    );
    assert_eq!(
        foo["checks"],
        json!({"listening": {"port": 8080, "type": "tcp"}})
    );
}

#[test]
fn to_machine_config_default_for_new_apps() {
    let config = load("tomachine-default-for-new-apps.toml");
    assert_eq!(
        convert(&config, "app"),
        json!({
            "env": {"PRIMARY_REGION": "ord", "FLY_PROCESS_GROUP": "app"},
            "init": {},
            "metadata": meta("app"),
            "services": [{
                "protocol": "tcp",
                "internal_port": 8080,
                "ports": [
                    {"port": 80, "handlers": ["http"], "force_https": true},
                    {"port": 443, "handlers": ["http", "tls"]}
                ],
                "force_instance_key": null
            }],
            "checks": {"alive": {"port": 8080, "type": "tcp", "interval": "15s",
                                 "timeout": "2s", "grace_period": "5s"}}
        })
    );
    // A check without a port needs an http_service to take it from.
    let mut without_http = config.clone();
    without_http.http_service = None;
    let err = convert_error(&without_http, "app");
    assert_eq!(
        err,
        "Check 'alive' for process group 'app' has no port set and the group has no http_service to take it from"
    );
}

#[test]
fn to_machine_config_mounts_per_group() {
    let config = load("tomachine-mounts.toml");
    assert_eq!(
        convert(&config, "app")["mounts"],
        json!([{"name": "data", "path": "/data"}])
    );
    assert_eq!(
        convert(&config, "back")["mounts"],
        json!([{"name": "trash", "path": "/trash"}])
    );
    assert_eq!(convert(&config, "hola").get("mounts"), None);
    assert_eq!(convert(&config, "hola")["init"], json!({"cmd": ["hi!"]}));
}

#[test]
fn to_machine_config_services() {
    let config = load("tomachine-services.toml");
    assert_eq!(
        convert(&config, "app")["services"],
        json!([
            {"protocol": "tcp", "internal_port": 8080, "autostart": true, "autostop": true,
             "ports": [{"port": 80, "handlers": ["http"], "force_https": true},
                       {"port": 443, "handlers": ["http", "tls"]}],
             "force_instance_key": null},
            {"protocol": "tcp", "internal_port": 1000, "autostart": true, "autostop": true,
             "force_instance_key": null},
            {"protocol": "tcp", "internal_port": 1001, "autostart": false, "autostop": false,
             "force_instance_key": null},
            {"protocol": "tcp", "internal_port": 1002, "autostart": false,
             "force_instance_key": null},
            {"protocol": "tcp", "internal_port": 1003, "autostop": true,
             "force_instance_key": null},
            {"protocol": "tcp", "internal_port": 1004, "force_instance_key": null}
        ])
    );
}

#[test]
fn to_machine_config_compute() {
    let config = load("tomachine-compute.toml");
    let cases = [
        (
            "app",
            json!({"cpu_kind": "shared", "cpus": 2, "memory_mb": 512}),
        ),
        (
            "worker",
            json!({"cpu_kind": "shared", "cpus": 2, "memory_mb": 512}),
        ),
        (
            "whisper",
            json!({"cpu_kind": "performance", "cpus": 8, "memory_mb": 65536,
                   "gpu_kind": "a100-pcie-40gb"}),
        ),
        (
            "isolated",
            json!({"cpu_kind": "shared", "cpus": 1, "memory_mb": 256,
                   "host_dedication_id": "lookma-iamsolo"}),
        ),
    ];
    for (group, guest) in cases {
        assert_eq!(convert(&config, group)["guest"], guest, "{group}");
    }
}

#[test]
fn to_machine_config_compute_none() {
    let config = load("tomachine-compute-nodefault.toml");
    assert_eq!(convert(&config, "app").get("guest"), None);
    assert_eq!(convert(&config, "woo").get("guest"), None);
    assert_eq!(
        convert(&config, "bar")["guest"],
        json!({"cpu_kind": "performance", "cpus": 4, "memory_mb": 8192})
    );
    // `fly deploy` gives such groups its default size instead.
    let options = ConvertOptions {
        default_guest: Some(MachineGuest::from_size("shared-cpu-1x").expect("preset")),
        ..ConvertOptions::default()
    };
    assert_eq!(
        convert_with(&config, "woo", &options)["guest"],
        json!({"cpu_kind": "shared", "cpus": 1, "memory_mb": 256})
    );
}

#[test]
fn to_machine_config_host_dedication_id() {
    let config = load("tomachine-hostdedicationid.toml");
    assert_eq!(config.flatten("front").host_dedication_id, "toplevel");
    assert_eq!(config.flatten("back").host_dedication_id, "specific");
    assert_eq!(config.flatten("other").host_dedication_id, "toplevel");
    assert_eq!(convert(&config, "front").get("guest"), None);
    assert_eq!(
        convert(&config, "back")["guest"],
        json!({"cpu_kind": "shared", "cpus": 1, "memory_mb": 256,
               "host_dedication_id": "specific"})
    );
    assert_eq!(
        convert(&config, "other")["guest"],
        json!({"cpu_kind": "shared", "cpus": 4, "memory_mb": 1024,
               "host_dedication_id": "toplevel"})
    );
}

#[test]
fn to_machine_config_machine_checks_file() {
    let config = load("tomachine-machinechecks.toml");
    let http = config.http_service.as_ref().expect("http_service");
    let check = &http.machine_checks[0];
    assert_eq!(check.image, "curlimages/curl");
    assert_eq!(check.command, ["curl", "https://fly.io"]);
    assert_eq!(check.entrypoint, ["/bin/sh"]);
    let service = json!([{"protocol": "tcp", "internal_port": 8080,
                          "ports": [{"port": 80, "handlers": ["http"], "force_https": true},
                                    {"port": 443, "handlers": ["http", "tls"]}],
                          "force_instance_key": null}]);
    for (group, cmd) in [
        ("greeting", json!(["echo", "Hello"])),
        ("salutation", json!(["echo", "Whatsssup"])),
    ] {
        let machine = convert(&config, group);
        assert_eq!(
            machine["init"],
            json!({"cmd": cmd, "swap_size_mb": 512}),
            "{group}"
        );
        assert_eq!(machine["services"], service, "{group}");
        assert_eq!(
            machine["env"],
            json!({"FLY_PROCESS_GROUP": group, "PRIMARY_REGION": "mia"})
        );
    }
    let farewell = convert(&config, "farewell");
    assert_eq!(
        farewell["init"],
        json!({"cmd": ["echo", "bye :("], "swap_size_mb": 512})
    );
    assert_eq!(farewell.get("services"), None);
}

// ---- validation_test.go ----

#[test]
fn validate_groups() {
    let mut config = load("validate-groups.toml");
    assert_valid("validate-groups.toml", &config);
    assert_eq!(
        convert(&config, "vpn")["services"],
        json!([
            {"protocol": "udp", "internal_port": 9999, "ports": [{"port": 80}],
             "force_instance_key": null},
            {"protocol": "tcp", "internal_port": 1111, "ports": [{"port": 81}],
             "force_instance_key": null}
        ])
    );
    assert_eq!(
        convert(&config, "app")["mounts"],
        json!([{"name": "foo", "path": "bar"}])
    );

    config.deploy = Some(tenantctl_core::flytoml::appconfig::Deploy {
        strategy: "canary".into(),
        ..Default::default()
    });
    let messages = validation_messages(&config).join("\n");
    assert_contains(
        &messages,
        "error canary deployment strategy is not supported when using mounted volumes",
    );
    assert!(config.validate_groups(&["app"]).is_err());
    assert_eq!(config.validate_groups(&["foo"]), Ok(()));
}

#[test]
fn validate_mounts() {
    let config = load("validate-mounts.toml");
    let messages = validation_messages(&config).join("\n");
    assert_contains(
        &messages,
        "has an initial_size '15Mb' value which is smaller than 1GB",
    );
    assert_contains(
        &messages,
        "mount 'data' with initial_size 'unparseable' will fail because of",
    );
    let group_errors = config
        .validate_groups(&["app"])
        .expect_err("two mounts for app");
    assert!(
        group_errors
            .iter()
            .any(|e| e.message == "group 'app' has more than one [[mounts]] section defined"),
        "{group_errors:?}"
    );
}

#[test]
fn validate_services() {
    let config = load("validate-services.toml");
    let messages = validation_messages(&config).join("\n");
    assert_contains(&messages, "Service has no processes set");
    assert!(
        config
            .validation_warnings()
            .iter()
            .any(|w| w.contains("Service must expose at least one port"))
    );
    assert_eq!(config.validate_groups(&["success"]), Ok(()));
    assert_eq!(
        convert(&config, "success")["services"],
        json!([{"internal_port": 8080, "ports": [{"port": 80}], "force_instance_key": null}])
    );
}

// ---- rules beyond flyctl's test files ----

fn parse_text(text: &str) -> Result<AppConfig, tenantctl_core::flytoml::FlyTomlError> {
    AppConfig::parse(text, Path::new("fly.toml"))
}

fn convert_text(text: &str, group: &str) -> Result<Value, String> {
    let config = parse_text(text).map_err(|e| e.to_string())?;
    to_machine_config(&config, group, &ConvertOptions::default())
        .map(|m| serde_json::to_value(m).expect("serializes"))
        .map_err(|e| e.to_string())
}

/// The worked example of the Machines API digest (fly.toml → MachineConfig).
#[test]
fn worked_example() {
    let text = r#"
app = "demo"
primary_region = "ord"
kill_signal = "SIGINT"
kill_timeout = "5s"
swap_size_mb = 512

[env]
  LOG_LEVEL = "info"

[http_service]
  internal_port = 8080
  force_https = true
  auto_stop_machines = "suspend"
  auto_start_machines = true
  min_machines_running = 0

  [[http_service.checks]]
    interval = "15s"
    timeout = "2s"
    grace_period = "5s"
    method = "GET"
    path = "/healthz"

[checks.alive]
  type = "tcp"
  interval = "30s"
  timeout = "5s"

[[mounts]]
  source = "data"
  destination = "/data"

[[vm]]
  size = "shared-cpu-2x"
  memory = "1gb"
"#;
    let config = parse_text(text).expect("parses");
    assert_valid("worked example", &config);
    let options = ConvertOptions {
        image: Some("registry.fly.io/demo:deployment-01J".into()),
        flyctl_version: Some("0.3.1".into()),
        ..ConvertOptions::default()
    };
    assert_eq!(
        convert_with(&config, "app", &options),
        json!({
            "image": "registry.fly.io/demo:deployment-01J",
            "env": {"LOG_LEVEL": "info", "FLY_PROCESS_GROUP": "app", "PRIMARY_REGION": "ord"},
            "init": {"swap_size_mb": 512},
            "guest": {"cpu_kind": "shared", "cpus": 2, "memory_mb": 1024},
            "metadata": {"fly_flyctl_version": "0.3.1", "fly_platform_version": "v2",
                         "fly_process_group": "app"},
            "services": [{
                "protocol": "tcp",
                "internal_port": 8080,
                "autostop": "suspend",
                "autostart": true,
                "min_machines_running": 0,
                "ports": [
                    {"port": 80, "handlers": ["http"], "force_https": true},
                    {"port": 443, "handlers": ["http", "tls"]}
                ],
                "checks": [{"type": "http", "interval": "15s", "timeout": "2s",
                            "grace_period": "5s", "method": "GET", "path": "/healthz"}],
                "force_instance_key": null
            }],
            "checks": {"alive": {"port": 8080, "type": "tcp", "interval": "30s", "timeout": "5s"}},
            "mounts": [{"path": "/data", "name": "data"}],
            "stop_config": {"timeout": "5s", "signal": "SIGINT"}
        })
    );
}

#[test]
fn autostop_forms() {
    for (written, wire) in [
        ("\"stop\"", json!(true)),
        ("true", json!(true)),
        ("\"off\"", json!(false)),
        ("false", json!(false)),
        ("\"suspend\"", json!("suspend")),
    ] {
        let text =
            format!("[http_service]\ninternal_port = 8080\nauto_stop_machines = {written}\n");
        let machine = convert_text(&text, "app").expect("converts");
        assert_eq!(machine["services"][0]["autostop"], wire, "{written}");
    }
    let err = parse_text("[http_service]\ninternal_port = 8080\nauto_stop_machines = \"later\"\n")
        .expect_err("unknown autostop");
    assert_eq!(err.line, Some(3));
    assert_contains(&err.message, "invalid autostop string value \"later\"");
}

#[test]
fn durations_in_checks() {
    let text = r#"
[[services]]
  internal_port = 8080
  [[services.tcp_checks]]
    interval = 60000
    timeout = "1m30s"
[checks.slow]
  type = "http"
  port = 80
  interval = "90s"
  method = "get"
"#;
    let machine = convert_text(text, "app").expect("converts");
    // Numbers in service checks are milliseconds; durations print the Go way.
    assert_eq!(
        machine["services"][0]["checks"][0],
        json!({"type": "tcp", "interval": "1m0s", "timeout": "1m30s"})
    );
    assert_eq!(
        machine["checks"]["slow"],
        json!({"type": "http", "port": 80, "interval": "1m30s", "method": "GET"})
    );
    // kill_timeout numbers are seconds.
    let stop = convert_text("kill_timeout = 75\n", "app").expect("converts");
    assert_eq!(stop["stop_config"], json!({"timeout": "1m15s"}));
}

#[test]
fn vm_presets_and_memory() {
    let guest = |vm: &str| -> Result<Value, String> {
        convert_text(&format!("[[vm]]\n{vm}\n"), "app").map(|m| m["guest"].clone())
    };
    assert_eq!(
        guest("size = \"shared-cpu-2x\""),
        Ok(json!({"cpu_kind": "shared", "cpus": 2, "memory_mb": 512}))
    );
    assert_eq!(
        guest("size = \"performance-8x\""),
        Ok(json!({"cpu_kind": "performance", "cpus": 8, "memory_mb": 16384}))
    );
    assert_eq!(
        guest("size = \"a100-40gb\""),
        Ok(
            json!({"cpu_kind": "performance", "cpus": 8, "memory_mb": 32768, "gpus": 1,
                  "gpu_kind": "a100-pcie-40gb"})
        )
    );
    assert_eq!(
        guest("memory = \"64gb\""),
        Ok(json!({"cpu_kind": "shared", "cpus": 1, "memory_mb": 65536}))
    );
    assert_eq!(
        guest("memory = \"512mb\""),
        Ok(json!({"cpu_kind": "shared", "cpus": 1, "memory_mb": 512}))
    );
    assert_eq!(
        guest("memory = 2048"),
        Ok(json!({"cpu_kind": "shared", "cpus": 1, "memory_mb": 2048}))
    );
    assert_eq!(
        guest("size = \"performance-2x\"\ncpus = 3\nmemory_mb = 5000"),
        Ok(json!({"cpu_kind": "performance", "cpus": 3, "memory_mb": 5000}))
    );
    assert_eq!(
        guest("gpu_kind = \"l40s\""),
        Ok(json!({"cpu_kind": "performance", "cpus": 8, "memory_mb": 16384, "gpu_kind": "l40s"}))
    );
    let zero = guest("memory = 0").expect_err("zero memory");
    assert_contains(&zero, "memory cannot be zero");
    let bad_memory = guest("memory = \"lots\"").expect_err("bad memory");
    assert_contains(&bad_memory, "invalid size");
    let unknown = guest("size = \"shared-cpu-3x\"").expect_err("unknown size");
    assert_contains(
        &unknown,
        "'shared-cpu-3x' is an invalid machine size, choose one of: [shared-cpu-1x shared-cpu-2x shared-cpu-4x shared-cpu-6x shared-cpu-8x]",
    );
    let unknown_perf = guest("size = \"performance-3x\"").expect_err("unknown size");
    assert_contains(&unknown_perf, "performance-16x performance-1x");
}

#[test]
fn vm_sections_per_group() {
    let text = r#"
[processes]
web = "serve"
worker = "work"

[[vm]]
size = "shared-cpu-4x"

[[vm]]
size = "performance-2x"
processes = ["worker"]
"#;
    assert_eq!(
        convert_text(text, "web").expect("web")["guest"],
        json!({"cpu_kind": "shared", "cpus": 4, "memory_mb": 1024})
    );
    assert_eq!(
        convert_text(text, "worker").expect("worker")["guest"],
        json!({"cpu_kind": "performance", "cpus": 2, "memory_mb": 4096})
    );
}

#[test]
fn restart_policies() {
    let restart = |policy: &str| {
        convert_text(
            &format!("[[restart]]\npolicy = \"{policy}\"\nretries = 2\n"),
            "app",
        )
        .map(|m| m["restart"].clone())
    };
    assert_eq!(
        restart("never"),
        Ok(json!({"policy": "no", "max_retries": 2}))
    );
    assert_eq!(
        restart("on-failure"),
        Ok(json!({"policy": "on-failure", "max_retries": 2}))
    );
    assert_contains(
        &restart("sometimes").expect_err("bad policy"),
        "invalid restart policy: sometimes",
    );
    // A single [restart] table is not a list; flyctl cannot decode it.
    let err = parse_text("[restart]\npolicy = \"always\"\n").expect_err("not a list");
    assert_contains(&err.message, "restart");
}

#[test]
fn machine_config_json() {
    let text = r#"
machine_config = '{"dns": {"nameservers": ["8.8.8.8"]}, "env": {"DROPPED": "1"}, "rootfs": {"persist": "restart"}, "containers": [{"name": "sidecar", "image": "redis"}, {"name": "app"}]}'

[experimental]
machine_config = '{"dns": {"nameservers": ["1.1.1.1"]}, "containers": [{"name": "sidecar", "image": "redis"}, {"name": "app"}]}'
"#;
    let config = parse_text(text).expect("parses");
    let options = ConvertOptions {
        image: Some("registry.fly.io/demo:v2".into()),
        ..ConvertOptions::default()
    };
    let machine = convert_with(&config, "app", &options);
    // experimental.machine_config wins; fly.toml still decides env.
    assert_eq!(machine["dns"], json!({"nameservers": ["1.1.1.1"]}));
    assert_eq!(machine.get("rootfs"), None);
    assert_eq!(machine["env"], json!({"FLY_PROCESS_GROUP": "app"}));
    assert_eq!(
        machine["containers"],
        json!([{"name": "sidecar", "image": "redis"},
               {"name": "app", "image": "registry.fly.io/demo:v2"}])
    );

    let missing_image = convert_text(
        "machine_config = '{\"containers\": [{\"name\": \"app\"}, {\"name\": \"db\"}]}'\n",
        "app",
    )
    .expect_err("db has no image");
    assert_eq!(
        missing_image,
        "container \"db\" must have an image specified"
    );
    let not_json = convert_text("machine_config = 'dns'\n", "app").expect_err("bad source");
    assert_contains(&not_json, "invalid machine config source");
}

#[test]
fn checks_errors_name_the_check_and_group() {
    let err =
        convert_text("[checks.web]\ntype = \"grpc\"\nport = 80\n", "app").expect_err("bad type");
    assert_eq!(
        err,
        "Check 'web' for process group 'app': Missing or invalid check type, must be 'http' or 'tcp'"
    );
    let config = parse_text("[checks.web]\ntype = \"grpc\"\nport = 80\n").expect("parses");
    assert_contains(
        &validation_messages(&config).join("\n"),
        "Can't process top level check 'web'",
    );
}

#[test]
fn unknown_group_is_refused() {
    let config = load("tomachine-processgroups.toml");
    let err = convert_error(&config, "api");
    assert_eq!(
        err,
        "process group 'api' is not defined in fly.toml (groups: app, foo, vpn)"
    );
}

#[test]
fn syntax_errors_name_file_and_line() {
    let err = AppConfig::parse(
        "app = \"x\"\n\n[http_service\ninternal_port = 1\n",
        Path::new("/t/fly.toml"),
    )
    .expect_err("syntax error");
    assert_eq!(err.line, Some(3));
    assert!(err.to_string().starts_with("/t/fly.toml:3: "), "{err}");

    let err = parse_text("app = \"x\"\napp = \"y\"\n").expect_err("duplicate key");
    assert_eq!(err.line, Some(2));
}

#[test]
fn wrong_types_name_the_line() {
    let err = parse_text("app = \"x\"\n\n[http_service]\n  internal_port = \"eighty\"\n")
        .expect_err("string port");
    assert_eq!(err.line, Some(4));
    assert_contains(&err.message, "http_service.internal_port");
    assert_contains(&err.message, "expected an integer");

    let err = parse_text("app = 5\n").expect_err("numeric app");
    assert_eq!(err.line, Some(1));
    assert_contains(&err.message, "app: expected a string");

    let err =
        parse_text("[[services]]\ninternal_port = 8080\n[[services.ports]]\nport = \"http\"\n")
            .expect_err("port is not a number");
    assert_eq!(err.line, Some(4));
    assert_contains(&err.message, "Can not convert 'http' to integer");

    let err = parse_text("[[vm]]\nsize = \"shared-cpu-1x\"\ncpus = \"two\"\n").expect_err("cpus");
    assert_eq!(err.line, Some(3));
    assert_contains(&err.message, "vm[0].cpus");
}

#[test]
fn env_values_are_stringified() {
    let machine = convert_text(
        "primary_region = \"ams\"\n[env]\nA = 1\nB = 1.5\nC = true\nD = 1000000.0\n",
        "app",
    )
    .expect("converts");
    assert_eq!(
        machine["env"],
        json!({"A": "1", "B": "1.5", "C": "true", "D": "1e+06",
               "FLY_PROCESS_GROUP": "app", "PRIMARY_REGION": "ams"})
    );
}

#[test]
fn keys_match_case_insensitively_like_flyctl() {
    let config =
        parse_text("APP = \"shout\"\n[HTTP_SERVICE]\nInternal_Port = 8080\n").expect("parses");
    assert_eq!(config.app.as_deref(), Some("shout"));
    assert_eq!(config.http_service.map(|h| h.internal_port), Some(8080));
}

#[test]
fn files_are_encoded_and_local_files_read_beside_fly_toml() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("motd.txt"), "hi\n").expect("write");
    let text = r#"
[[files]]
guest_path = "/etc/motd"
local_path = "motd.txt"

[[files]]
guest_path = "/etc/raw"
raw_value = "hello world"

[[files]]
guest_path = "/etc/secret"
secret_name = "SECRET"
"#;
    let config = AppConfig::parse(text, &dir.path().join("fly.toml")).expect("parses");
    assert_eq!(
        convert(&config, "app")["files"],
        json!([
            {"guest_path": "/etc/motd", "raw_value": "aGkK"},
            {"guest_path": "/etc/raw", "raw_value": "aGVsbG8gd29ybGQ="},
            {"guest_path": "/etc/secret", "secret_name": "SECRET"}
        ])
    );
}

#[test]
fn mount_auto_extend_sizes() {
    let text = r#"
[[mounts]]
source = "data"
destination = "/data"
auto_extend_size_threshold = 80
auto_extend_size_increment = "1GB"
auto_extend_size_limit = "10GB"
"#;
    assert_eq!(
        convert_text(text, "app").expect("converts")["mounts"],
        json!([{"path": "/data", "name": "data", "extend_threshold_percent": 80,
                "add_size_gb": 1, "size_gb_limit": 10}])
    );
    let bad = parse_text(&text.replace("80", "20")).expect("parses");
    assert_contains(
        &validation_messages(&bad).join("\n"),
        "auto_extend_size_threshold must be between 50 and 99",
    );
}
