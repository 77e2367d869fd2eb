//! What an upgrade changes, worked out from the live machine and the new tier's rendering
//! before anything is sent: the machine config to send, the volume size, and the differences
//! people read before they confirm.

use fly_api::types::{Machine, MachineConfig, MachineService, Volume};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::config::Config;
use crate::desired::DesiredTenant;
use crate::error::OpError;
use crate::metadata;

/// Keys of the machine config that come from the template. When the new rendering lacks one,
/// the live value goes (a tier without checks drops the old tier's checks); every other key
/// the rendering lacks, such as fields Fly fills in, is kept as it is.
const RENDERED_KEYS: &[&str] = &[
    "env",
    "guest",
    "services",
    "checks",
    "statics",
    "files",
    "processes",
    "metrics",
    "restart",
    "stop_config",
];

/// Which way the tier moves, by the order `tenantctl.toml` lists the tiers (cheapest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Down,
    Same,
}

/// One difference a person reads before confirming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `tier`, `volume_size_gb`, `vm`, `auto_stop`, `min_machines_running`, `template_version`.
    pub field: &'static str,
    pub from: String,
    pub to: String,
    /// Set when the change is not made as asked (a volume is never shrunk).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The volume before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VolumePlan {
    pub id: String,
    pub size_gb: u64,
    /// The new tier's size.
    pub tier_size_gb: u64,
    /// The size after the upgrade: the larger of the two.
    pub target_size_gb: u64,
}

impl VolumePlan {
    pub fn extends(&self) -> bool {
        self.target_size_gb > self.size_gb
    }
}

/// The machine config before and after.
#[derive(Debug, Clone)]
pub struct MachinePlan {
    pub id: String,
    pub current: MachineConfig,
    pub target: MachineConfig,
    /// The machine already carries the new tier and template version.
    pub on_target: bool,
    /// The machine as read, for the health gate's first look.
    pub machine: Machine,
}

/// Works out the machine config to send: the new rendering, keeping the tenant's image, volume
/// and metadata (only tier and template version change) and the keys Fly filled in.
pub fn target_config(
    live: &MachineConfig,
    desired: &DesiredTenant,
) -> Result<MachineConfig, OpError> {
    let mut rendered = desired.machine_config.clone();
    rendered.image = live.image.clone();
    for (mount, live_mount) in rendered.mounts.iter_mut().zip(&live.mounts) {
        mount.volume = live_mount.volume.clone();
    }
    let mut metadata = live.metadata.clone();
    for key in [metadata::TIER, metadata::TEMPLATE_VERSION, metadata::TENANT] {
        if let Some(value) = rendered.metadata.get(key) {
            metadata.insert(key.to_string(), value.clone());
        }
    }
    rendered.metadata = metadata;

    let mut merged = as_object(live)?;
    let rendered = as_object(&rendered)?;
    for key in RENDERED_KEYS {
        if !rendered.contains_key(*key) {
            merged.remove(*key);
        }
    }
    merged.extend(rendered);
    serde_json::from_value(Value::Object(merged))
        .map_err(|e| OpError::failed(format!("the upgraded machine config does not decode: {e}")))
}

fn as_object(config: &MachineConfig) -> Result<Map<String, Value>, OpError> {
    match serde_json::to_value(config) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(OpError::failed("a machine config is not a JSON object")),
        Err(e) => Err(OpError::failed(format!(
            "a machine config does not encode: {e}"
        ))),
    }
}

/// The tier's direction: by list order, unknown tiers count as the top.
pub fn direction(config: &Config, from: &str, to: &str) -> Direction {
    let names = config.tier_names();
    let rank = |tier: &str| names.iter().position(|n| n == tier).unwrap_or(names.len());
    match rank(to).cmp(&rank(from)) {
        std::cmp::Ordering::Greater => Direction::Up,
        std::cmp::Ordering::Less => Direction::Down,
        std::cmp::Ordering::Equal if from == to => Direction::Same,
        // Two tiers the config no longer lists.
        std::cmp::Ordering::Equal => Direction::Down,
    }
}

/// The differences people read: tier, volume, VM size, auto-stop, minimum running, template.
pub fn changes(
    from_tier: &str,
    to_tier: &str,
    volume: &VolumePlan,
    machine: &MachinePlan,
) -> Vec<Change> {
    let mut out = Vec::new();
    let mut push = |field, from: String, to: String, note: Option<String>| {
        if from != to || note.is_some() {
            out.push(Change {
                field,
                from,
                to,
                note,
            });
        }
    };
    push("tier", from_tier.to_string(), to_tier.to_string(), None);
    let shrink_refused = (volume.tier_size_gb < volume.size_gb).then(|| {
        format!(
            "tier `{to_tier}` has {} GB volumes; a volume is never shrunk, so it keeps {} GB",
            volume.tier_size_gb, volume.size_gb
        )
    });
    push(
        "volume_size_gb",
        volume.size_gb.to_string(),
        volume.target_size_gb.to_string(),
        shrink_refused,
    );
    let (current, target) = (&machine.current, &machine.target);
    push("vm", vm(current), vm(target), None);
    push("auto_stop", auto_stop(current), auto_stop(target), None);
    push(
        "min_machines_running",
        min_running(current),
        min_running(target),
        None,
    );
    let version = |c: &MachineConfig| {
        c.metadata
            .get(metadata::TEMPLATE_VERSION)
            .cloned()
            .unwrap_or_else(|| "unknown".into())
    };
    push("template_version", version(current), version(target), None);
    out
}

fn vm(config: &MachineConfig) -> String {
    match &config.guest {
        Some(g) => format!("{} cpu x{}, {} MB", g.cpu_kind, g.cpus, g.memory_mb),
        None => "unset".into(),
    }
}

fn auto_stop(config: &MachineConfig) -> String {
    per_service(config, |s| s.autostop.unwrap_or_default().to_string())
}

fn min_running(config: &MachineConfig) -> String {
    per_service(config, |s| s.min_machines_running.unwrap_or(0).to_string())
}

/// One value per service, repeats folded ("off", or "stop, off" when services differ).
fn per_service(config: &MachineConfig, value: impl Fn(&MachineService) -> String) -> String {
    let mut values: Vec<String> = config.services.iter().map(value).collect();
    values.dedup();
    if values.is_empty() {
        "no services".into()
    } else {
        values.join(", ")
    }
}

/// A unified diff of the two configs as pretty JSON (keys sorted), three lines of context;
/// empty when they are the same.
pub fn config_diff(current: &MachineConfig, target: &MachineConfig) -> Vec<String> {
    let pretty = |c: &MachineConfig| {
        // serde_json's map is sorted, so both sides list keys in one order.
        let value = serde_json::to_value(c).unwrap_or(Value::Null);
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    };
    let (old, new) = (pretty(current), pretty(target));
    if old == new {
        return Vec::new();
    }
    let diff = similar::TextDiff::from_lines(&old, &new);
    diff.unified_diff()
        .context_radius(3)
        .header("live", "upgraded")
        .to_string()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The volume the machine mounts, with the sizes before and after.
pub fn volume_plan(volume: &Volume, tier_size_gb: u32) -> VolumePlan {
    let tier_size_gb = u64::from(tier_size_gb);
    VolumePlan {
        id: volume.id.clone(),
        size_gb: volume.size_gb,
        tier_size_gb,
        target_size_gb: volume.size_gb.max(tier_size_gb),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fly_api::types::{MachineGuest, MachineMount};

    fn config(memory_mb: i64, autostop: Option<fly_api::types::MachineAutostop>) -> MachineConfig {
        MachineConfig {
            image: Some("img:1".into()),
            guest: Some(MachineGuest {
                cpu_kind: "shared".into(),
                cpus: 1,
                memory_mb,
                ..MachineGuest::default()
            }),
            services: vec![MachineService {
                autostop,
                min_machines_running: Some(0),
                ..MachineService::default()
            }],
            mounts: vec![MachineMount {
                volume: "vol_live".into(),
                path: "/data".into(),
                name: "data".into(),
                ..MachineMount::default()
            }],
            ..MachineConfig::default()
        }
    }

    #[test]
    fn diff_is_empty_for_equal_configs_and_names_changed_lines() {
        let a = config(256, None);
        assert!(config_diff(&a, &a).is_empty());
        let b = config(1024, None);
        let diff = config_diff(&a, &b);
        assert!(diff.iter().any(|l| l.starts_with('-') && l.contains("256")));
        assert!(
            diff.iter()
                .any(|l| l.starts_with('+') && l.contains("1024"))
        );
    }

    #[test]
    fn shrinking_is_refused_in_the_plan() {
        let volume = Volume {
            id: "vol_1".into(),
            size_gb: 20,
            ..Volume::default()
        };
        let plan = volume_plan(&volume, 10);
        assert_eq!(plan.target_size_gb, 20);
        assert!(!plan.extends());
        let grow = volume_plan(&volume, 40);
        assert!(grow.extends());
        let machine = MachinePlan {
            id: "m".into(),
            current: config(256, None),
            target: config(256, None),
            on_target: false,
            machine: Machine::default(),
        };
        let changes = changes("pro", "starter", &plan, &machine);
        let volume_change = changes
            .iter()
            .find(|c| c.field == "volume_size_gb")
            .expect("a volume line");
        assert_eq!(
            (volume_change.from.as_str(), volume_change.to.as_str()),
            ("20", "20")
        );
        assert!(
            volume_change
                .note
                .as_deref()
                .is_some_and(|n| n.contains("never shrunk"))
        );
    }
}
