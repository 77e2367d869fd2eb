//! The project configuration, `tenantctl.toml`: schema, strict parsing with file:line errors,
//! discovery, and the built-in configuration local mode falls back to.
//!
//! Every table denies unknown keys: a typo must fail loudly instead of silently falling back to a
//! default, because the values decide what gets provisioned for paying customers.

mod audit;
mod backup;
mod duration;
mod error;
pub(crate) mod spans;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

pub use audit::{Audit, DEFAULT_AUDIT_FILE};
pub use backup::{Addressing, Backup, DatabaseDump, FilesArchive, LOCAL_BUCKET};
pub use duration::ConfigDuration;
pub use error::ConfigError;
use spans::KeyIndex;

use crate::tenant::{self, TenantId};

/// The file name looked for when walking up from the current directory.
pub const FILE_NAME: &str = "tenantctl.toml";

/// The directory next to tenantctl.toml that holds a project's own templates.
pub const DEFAULT_TEMPLATES_DIR: &str = "fly-templates";

/// Default `app_name_pattern`.
pub const DEFAULT_APP_NAME_PATTERN: &str = "tenant-{id}";

/// Text of the built-in local configuration (see [`Config::builtin_local`]).
pub const BUILTIN_LOCAL: &str = include_str!("local.toml");

/// tenantctl.toml as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    org: String,
    #[serde(default = "default_pattern")]
    app_name_pattern: String,
    region: String,
    image: String,
    #[serde(default)]
    templates_dir: Option<PathBuf>,
    #[serde(default)]
    tiers: Option<TierList>,
    #[serde(default)]
    hooks: Hooks,
    #[serde(default)]
    health: Health,
    /// `operator` or `support`: who uses this configuration (the CLI's --role wins).
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    backup: Option<Backup>,
    #[serde(default)]
    audit: Audit,
}

/// The roles `role` may name.
pub const ROLES: &[&str] = &["operator", "support"];

fn default_pattern() -> String {
    DEFAULT_APP_NAME_PATTERN.to_string()
}

/// One tier: how a tenant on it is provisioned.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Template name (a file in fly-templates/ without `.toml`); defaults to the tier name.
    #[serde(default)]
    pub template: Option<String>,
    /// Size of the tenant's volume in GB.
    pub volume_size_gb: u32,
    /// Fly VM size preset, e.g. `shared-cpu-2x`.
    pub vm_size: String,
    /// Memory, e.g. `1gb` or `512mb`.
    pub vm_memory: String,
    /// True: the machine always runs. False: Fly stops it when idle (auto-stop).
    pub always_on: bool,
    /// Protected tenants are never destroyed or downgraded without an explicit override.
    #[serde(default)]
    pub protected: bool,
    /// Tenants on this tier are backed up (when `[backup]` is configured).
    #[serde(default)]
    pub backups: bool,
}

/// serde names Rust types ("expected u32"); say what to write instead.
fn plain_type_names(message: &str) -> String {
    let mut message = message.to_string();
    for rust in [
        "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "usize",
    ] {
        message = message.replace(&format!("expected {rust}"), "expected a whole number");
    }
    message
        .replace("expected a sequence", "expected an array")
        .replace("expected a map", "expected a table")
}

/// Tiers in the order the file lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct TierList(Vec<(String, Tier)>);

impl<'de> Deserialize<'de> for TierList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TierListVisitor;
        impl<'de> Visitor<'de> for TierListVisitor {
            type Value = TierList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of tiers, e.g. [tiers.pro]")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TierList, A::Error> {
                let mut tiers: Vec<(String, Tier)> = Vec::new();
                while let Some((name, tier)) = map.next_entry::<String, Tier>()? {
                    if tiers.iter().any(|(n, _)| *n == name) {
                        return Err(de::Error::custom(format!("tier `{name}` is defined twice")));
                    }
                    tiers.push((name, tier));
                }
                Ok(TierList(tiers))
            }
        }
        deserializer.deserialize_map(TierListVisitor)
    }
}

/// Commands run after provisioning.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hooks {
    /// Run in order inside the tenant's machine once it has started, before the health gate.
    #[serde(default)]
    pub post_provision: Vec<Hook>,
}

/// One hook: an argv list, never a shell string, so tenant values cannot become shell syntax.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hook {
    /// Shown in progress output; defaults to the command's first word.
    #[serde(default)]
    pub name: Option<String>,
    pub command: Vec<String>,
    #[serde(default = "default_hook_timeout")]
    pub timeout: ConfigDuration,
}

fn default_hook_timeout() -> ConfigDuration {
    ConfigDuration::from_secs(600)
}

impl Hook {
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .or_else(|| self.command.first().map(String::as_str))
            .unwrap_or("hook")
    }
}

/// A check the health gate can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthCheck {
    /// The machine reached the `started` state.
    MachineStarted,
    /// Every check Fly runs for the machine (from fly.toml) is passing.
    FlyChecks,
}

impl HealthCheck {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthCheck::MachineStarted => "machine_started",
            HealthCheck::FlyChecks => "fly_checks",
        }
    }
}

/// The gate a provisioned tenant must pass, after its hooks ran, before provisioning reports
/// success.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Health {
    #[serde(default = "default_health_require")]
    pub require: Vec<HealthCheck>,
    #[serde(default = "default_health_timeout")]
    pub timeout: ConfigDuration,
}

fn default_health_require() -> Vec<HealthCheck> {
    vec![HealthCheck::MachineStarted, HealthCheck::FlyChecks]
}

fn default_health_timeout() -> ConfigDuration {
    ConfigDuration::from_secs(300)
}

impl Default for Health {
    fn default() -> Self {
        Health {
            require: default_health_require(),
            timeout: default_health_timeout(),
        }
    }
}

/// Where the configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// A file: named by --config, by TENANTCTL_CONFIG, or found by walking up.
    File(PathBuf),
    /// The configuration compiled into the binary, used by --local without a file.
    BuiltinLocal,
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::File(path) => write!(f, "{}", path.display()),
            ConfigSource::BuiltinLocal => f.write_str("<built-in local config>"),
        }
    }
}

/// Where templates are loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatesLocation {
    /// The templates compiled into the binary.
    Embedded,
    /// A project's own directory.
    Dir(PathBuf),
}

/// A validated tenantctl.toml.
#[derive(Debug, Clone)]
pub struct Config {
    pub source: ConfigSource,
    pub org: String,
    pub app_name_pattern: String,
    pub region: String,
    pub image: String,
    pub templates: TemplatesLocation,
    tiers: Vec<(String, Tier)>,
    pub hooks: Hooks,
    pub health: Health,
    /// One of [`ROLES`], when the file sets it.
    pub role: Option<String>,
    pub backup: Option<Backup>,
    /// `[audit]`: where the audit trail goes (defaults when the table is absent).
    pub audit: Audit,
    index: KeyIndex,
}

impl Config {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_path_buf(),
            not_found: e.kind() == std::io::ErrorKind::NotFound,
            message: e.to_string(),
        })?;
        Config::parse(&text, ConfigSource::File(path.to_path_buf()))
    }

    /// The configuration compiled into the binary.
    pub fn builtin_local() -> Result<Config, ConfigError> {
        Config::parse(BUILTIN_LOCAL, ConfigSource::BuiltinLocal)
    }

    /// Parses and validates config text; `source` names it in errors and anchors relative paths.
    pub fn parse(text: &str, source: ConfigSource) -> Result<Config, ConfigError> {
        let index = KeyIndex::build(text);
        let file = source.to_string();
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let (line, column, key) = match e.span() {
                Some(span) => {
                    let (line, column) = index.line_col(span.start);
                    // A missing field's span is the enclosing table, not a key of its own.
                    let key = if e.message().starts_with("missing field") {
                        None
                    } else {
                        index.path_at(span.start).map(str::to_string)
                    };
                    (Some(line), Some(column), key)
                }
                None => (None, None, None),
            };
            ConfigError::Invalid {
                file: file.clone(),
                line,
                column,
                key,
                message: plain_type_names(e.message().trim()),
            }
        })?;

        let invalid = |key: &str, message: String| ConfigError::Invalid {
            file: file.clone(),
            line: index.line_of(key),
            column: None,
            key: Some(key.to_string()),
            message,
        };

        check_label(&raw.org, "org").map_err(|m| invalid("org", m))?;
        let role = match raw.role.as_deref().map(str::trim) {
            Some(role) if !ROLES.contains(&role) => {
                return Err(invalid(
                    "role",
                    format!("`{role}` is not a role; use one of {}", ROLES.join(", ")),
                ));
            }
            role => role.map(str::to_string),
        };
        tenant::check_pattern(&raw.app_name_pattern)
            .map_err(|e| invalid("app_name_pattern", e.to_string()))?;
        // The fixed part of the pattern must itself be valid; check it with the shortest id.
        let probe = TenantId::parse("a").map_err(|e| invalid("app_name_pattern", e.to_string()))?;
        tenant::AppName::for_tenant(&raw.app_name_pattern, &probe)
            .map_err(|e| invalid("app_name_pattern", e.to_string()))?;
        check_region(&raw.region).map_err(|m| invalid("region", m))?;
        if raw.image.trim().is_empty() {
            return Err(invalid("image", "must not be empty".into()));
        }

        let tiers = match raw.tiers {
            Some(TierList(tiers)) => tiers,
            None => default_tiers(),
        };
        if tiers.is_empty() {
            return Err(invalid(
                "tiers",
                "defines no tiers; define at least one, e.g. [tiers.pro]".into(),
            ));
        }
        for (name, tier) in &tiers {
            let at = |field: &str| format!("tiers.{name}.{field}");
            check_label(name, "a tier name").map_err(|m| invalid(&format!("tiers.{name}"), m))?;
            if let Some(template) = &tier.template {
                check_template_name(template).map_err(|m| invalid(&at("template"), m))?;
            }
            if !(1..=500).contains(&tier.volume_size_gb) {
                return Err(invalid(
                    &at("volume_size_gb"),
                    format!(
                        "must be between 1 and 500 (GB), not {}",
                        tier.volume_size_gb
                    ),
                ));
            }
            check_vm_field(&tier.vm_size).map_err(|m| invalid(&at("vm_size"), m))?;
            check_vm_field(&tier.vm_memory).map_err(|m| invalid(&at("vm_memory"), m))?;
        }
        for (i, hook) in raw.hooks.post_provision.iter().enumerate() {
            let key = format!("hooks.post_provision[{i}].command");
            if hook.command.first().is_none_or(|c| c.trim().is_empty()) {
                return Err(invalid(
                    &key,
                    "must be a non-empty argv list, e.g. [\"drush\", \"cache:rebuild\"]".into(),
                ));
            }
        }

        if let Some(backup) = &raw.backup {
            backup.check().map_err(|(key, m)| invalid(&key, m))?;
            for tenant in &backup.tenants {
                TenantId::parse(tenant).map_err(|e| invalid("backup.tenants", e.to_string()))?;
            }
        }

        let config_dir = match &source {
            ConfigSource::File(path) => path.parent().map(Path::to_path_buf),
            ConfigSource::BuiltinLocal => None,
        };
        let templates = match (raw.templates_dir, &config_dir) {
            (Some(dir), Some(base)) => TemplatesLocation::Dir(base.join(dir)),
            (Some(dir), None) => TemplatesLocation::Dir(dir),
            (None, Some(base)) if base.join(DEFAULT_TEMPLATES_DIR).is_dir() => {
                TemplatesLocation::Dir(base.join(DEFAULT_TEMPLATES_DIR))
            }
            (None, _) => TemplatesLocation::Embedded,
        };

        Ok(Config {
            source,
            org: raw.org,
            app_name_pattern: raw.app_name_pattern,
            region: raw.region,
            image: raw.image,
            templates,
            tiers,
            hooks: raw.hooks,
            health: raw.health,
            role,
            backup: raw.backup,
            audit: raw.audit,
            index,
        })
    }

    /// Tiers in the order the file defines them.
    pub fn tiers(&self) -> impl Iterator<Item = (&str, &Tier)> {
        self.tiers.iter().map(|(n, t)| (n.as_str(), t))
    }

    pub fn tier_names(&self) -> Vec<String> {
        self.tiers.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Looks a tier up by name; an unknown name lists the known ones.
    pub fn tier(&self, name: &str) -> Result<&Tier, ConfigError> {
        self.tiers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t)
            .ok_or_else(|| ConfigError::UnknownTier {
                tier: name.to_string(),
                known: self.tier_names(),
                source_name: self.source.to_string(),
            })
    }

    /// The template a tier renders.
    pub fn template_of<'a>(&self, tier_name: &'a str, tier: &'a Tier) -> &'a str {
        tier.template.as_deref().unwrap_or(tier_name)
    }

    /// Whether `tenant`, on `tier`, has backups: `[backup]` is configured and the tier has
    /// them or the tenant has the add-on.
    pub fn has_backups(&self, tenant: &str, tier: Option<&str>) -> bool {
        let Some(backup) = &self.backup else {
            return false;
        };
        backup.tenants.iter().any(|t| t == tenant)
            || tier.is_some_and(|t| self.tier(t).is_ok_and(|t| t.backups))
    }

    /// An error about the value at `key`, located in this config's file.
    pub fn error_at(&self, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            file: self.source.to_string(),
            line: self.index.line_of(key),
            column: None,
            key: Some(key.to_string()),
            message: message.into(),
        }
    }
}

/// The tiers used when tenantctl.toml has no [tiers] table.
fn default_tiers() -> Vec<(String, Tier)> {
    // Paying (protected) tenants have backups by default.
    let tier = |volume, size: &str, memory: &str, always_on, protected| Tier {
        template: None,
        volume_size_gb: volume,
        vm_size: size.to_string(),
        vm_memory: memory.to_string(),
        always_on,
        protected,
        backups: protected,
    };
    vec![
        (
            "free".into(),
            tier(1, "shared-cpu-1x", "512mb", false, false),
        ),
        (
            "starter".into(),
            tier(5, "shared-cpu-1x", "1gb", false, false),
        ),
        ("pro".into(), tier(20, "shared-cpu-2x", "2gb", true, true)),
    ]
}

/// Lowercase letters, digits and dashes, starting with a letter: safe in app names, env and paths.
fn check_label(value: &str, what: &str) -> Result<(), String> {
    let ok = value.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{value}` is not valid for {what}: use lowercase letters, digits and `-`, starting with a letter"
        ))
    }
}

fn check_template_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && !name.starts_with('_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a template name: use the file name in fly-templates/ without `.toml` (letters, digits, `-`, `_`; not starting with `_`)"
        ))
    }
}

fn check_vm_field(value: &str) -> Result<(), String> {
    let ok = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{value}` is not valid: use a Fly size such as `shared-cpu-2x` or an amount such as `2gb`"
        ))
    }
}

/// Fly region codes are three lowercase letters (`ams`, `iad`, `syd`).
pub fn check_region(region: &str) -> Result<(), String> {
    if region.len() == 3 && region.chars().all(|c| c.is_ascii_lowercase()) {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a Fly region code: use three lowercase letters, e.g. `ams` or `iad`",
            region.escape_debug()
        ))
    }
}

/// Walks up from `start` looking for tenantctl.toml.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, ConfigSource::File(PathBuf::from("/p/tenantctl.toml")))
    }

    const MINIMAL: &str = "org = \"acme\"\nregion = \"ams\"\nimage = \"img:1\"\n";

    #[test]
    fn minimal_config_gets_defaults() {
        let config = parse(MINIMAL).unwrap();
        assert_eq!(config.app_name_pattern, "tenant-{id}");
        assert_eq!(config.tier_names(), ["free", "starter", "pro"]);
        assert!(config.tier("pro").unwrap().always_on);
        assert_eq!(config.health, Health::default());
        assert_eq!(config.templates, TemplatesLocation::Embedded);
    }

    #[test]
    fn builtin_local_config_is_valid() {
        let config = Config::builtin_local().unwrap();
        assert_eq!(config.source, ConfigSource::BuiltinLocal);
        assert!(
            config
                .tiers()
                .all(|(n, t)| config.template_of(n, t) == "local")
        );
    }

    #[test]
    fn unknown_key_names_line_and_allowed_keys() {
        let err = parse(&format!("{MINIMAL}\n[tiers.pro]\nvolume_size_gb = 20\nvm_size = \"shared-cpu-2x\"\nvm_memory = \"2gb\"\nalways_on = true\nprotectd = true\n")).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("/p/tenantctl.toml:10:"), "{text}");
        assert!(text.contains("unknown field `protectd`"), "{text}");
        assert!(text.contains("`protected`"), "{text}");
    }

    #[test]
    fn wrong_type_names_key_and_line() {
        let err = parse("org = \"acme\"\nregion = 7\nimage = \"i\"\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("/p/tenantctl.toml:2:"), "{text}");
        assert!(text.contains("`region`"), "{text}");
    }

    #[test]
    fn semantic_errors_name_the_line() {
        let err = parse(&format!(
            "{MINIMAL}[[hooks.post_provision]]\ncommand = []\n"
        ))
        .unwrap_err();
        assert!(err.to_string().starts_with("/p/tenantctl.toml:5:"), "{err}");
        let err = parse("org = \"acme\"\nregion = \"amsterdam\"\nimage = \"i\"\n").unwrap_err();
        assert!(err.to_string().starts_with("/p/tenantctl.toml:2:"), "{err}");
        let err = parse(&format!("{MINIMAL}app_name_pattern = \"tenant\"\n")).unwrap_err();
        assert!(err.to_string().starts_with("/p/tenantctl.toml:4:"), "{err}");
    }

    #[test]
    fn unknown_tier_lists_known_ones() {
        let config = parse(MINIMAL).unwrap();
        let err = config.tier("gold").unwrap_err().to_string();
        assert!(err.contains("`gold`"), "{err}");
        assert!(err.contains("free, starter, pro"), "{err}");
    }

    #[test]
    fn no_prefix_of_a_config_panics() {
        let text = format!(
            "{MINIMAL}app_name_pattern = \"t-{{id}}\"\n[tiers.pro]\nvolume_size_gb = 20\nvm_size = \"shared-cpu-2x\"\nvm_memory = \"2gb\"\nalways_on = true\n[[hooks.post_provision]]\ncommand = [\"drush\", \"cr\"]\ntimeout = \"1m\"\n[health]\nrequire = [\"fly_checks\"]\n"
        );
        assert!(parse(&text).is_ok());
        for (end, _) in text.char_indices() {
            // Ok or a located error, never a panic.
            if let Err(ConfigError::Invalid { line, .. }) = parse(&text[..end]) {
                assert!(line.is_none_or(|l| l <= text[..end].lines().count().max(1)));
            }
        }
    }

    #[test]
    fn discover_walks_up() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b/c");
        std::fs::create_dir_all(&nested).unwrap();
        assert_eq!(discover(&nested), None);
        std::fs::write(dir.path().join("a/tenantctl.toml"), MINIMAL).unwrap();
        assert_eq!(discover(&nested), Some(dir.path().join("a/tenantctl.toml")));
    }
}
