//! tenantctl.toml texts for tests: tiers that render the built-in `local` template in flysim's
//! `personal` org.

/// The image test tenants run.
pub const IMAGE: &str = "registry.fly.io/demo:1";

/// A post-provision hook that writes `$DATA_DIR/files/seed.txt` on the tenant's volume.
pub const SEED_HOOK: &str = r#"
[[hooks.post_provision]]
name = "seed"
command = ["sh", "-c", "mkdir -p \"$DATA_DIR/files\" && printf '%s' \"$TENANT_ID\" > \"$DATA_DIR/files/seed.txt\""]
timeout = "30s"
"#;

/// A health gate on Fly's checks with a short timeout.
pub const HEALTH_CHECKS: &str =
    "[health]\nrequire = [\"machine_started\", \"fly_checks\"]\ntimeout = \"5s\"\n";

/// One always-on tier `basic` (1 GB), with the given hooks and health sections.
pub fn config_text(hooks: &str, health: &str) -> String {
    format!(
        r#"org = "personal"
region = "ams"
image = "{IMAGE}"

[tiers.basic]
template = "local"
volume_size_gb = 1
vm_size = "shared-cpu-1x"
vm_memory = "256mb"
always_on = true

{hooks}

{health}
"#
    )
}

/// What the CLI tests use: tiers `starter` (1 GB) and `pro` (2 GB, protected), both always on, the app
/// name pattern spelled out, the seed hook and a 10 s health gate on Fly's checks.
pub fn cli_config() -> String {
    format!(
        r#"org = "personal"
app_name_pattern = "tenant-{{id}}"
region = "ams"
image = "{IMAGE}"

[tiers.starter]
template = "local"
volume_size_gb = 1
vm_size = "shared-cpu-1x"
vm_memory = "256mb"
always_on = true

[tiers.pro]
template = "local"
volume_size_gb = 2
vm_size = "shared-cpu-2x"
vm_memory = "1gb"
always_on = true
protected = true
{SEED_HOOK}
[health]
require = ["machine_started", "fly_checks"]
timeout = "10s"
"#
    )
}
