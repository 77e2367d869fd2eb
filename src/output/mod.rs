//! The `--output json` wire format: its own types, separate from domain and API types, so the
//! contract changes only when these change (docs/json.md).
//!
//! Every document is one JSON object on stdout with `"schema_version": 1` and a `kind`. Changes
//! within a version are additive only; a removed or retyped field means a new version.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Version of every JSON document tenantctl prints.
pub const SCHEMA_VERSION: u32 = 1;

/// `{"schema_version": 1, "error": {...}}`: printed on stdout instead of a result when a command
/// fails in JSON mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDocument {
    pub schema_version: u32,
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What failed.
    pub message: String,
    /// Underlying causes, outermost first (may be empty).
    pub causes: Vec<String>,
    /// What to do next, when tenantctl knows.
    pub hint: Option<String>,
    /// The process exit code (docs/exit-codes.md).
    pub exit_code: u8,
    /// Stable name of the exit code: failed, usage, not_found, conflict, interrupted.
    pub kind: String,
}

/// `tenantctl render <tenant>`: kind `render`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderDocument {
    pub schema_version: u32,
    pub kind: String,
    pub tenant: String,
    pub app: String,
    pub tier: String,
    pub template: String,
    /// Short sha256 of the template sources; provisioning stores it with the tenant.
    pub template_version: String,
    pub region: String,
    pub image: String,
    /// The rendered fly.toml text.
    pub fly_toml: String,
    /// Process group → Machines API machine config; present with --machine-config only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub machine_configs: Option<BTreeMap<String, serde_json::Value>>,
}

/// `tenantctl render --file PATH --machine-config`: kind `render_file`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderFileDocument {
    pub schema_version: u32,
    pub kind: String,
    /// The path as given (`-` for stdin).
    pub source: String,
    /// Process group → Machines API machine config.
    pub machine_configs: BTreeMap<String, serde_json::Value>,
}

impl RenderDocument {
    pub const KIND: &'static str = "render";
}

impl RenderFileDocument {
    pub const KIND: &'static str = "render_file";
}

/// `tenantctl provision`: kind `provision`, also for `--dry-run` (then `dry_run` is true and
/// every step is `planned`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionDocument {
    pub schema_version: u32,
    pub kind: String,
    pub tenant: String,
    pub app: String,
    pub tier: String,
    pub region: String,
    pub image: String,
    pub template: String,
    pub template_version: String,
    /// Recorded in the machine's metadata as who provisioned it.
    pub actor: String,
    pub dry_run: bool,
    /// True when some step changed something (false for a run that found everything done).
    pub changed: bool,
    /// In dependency order.
    pub steps: Vec<StepDocument>,
    pub machine_id: Option<String>,
    pub volume_id: Option<String>,
    pub ips: Vec<String>,
    pub domains: Vec<String>,
}

impl ProvisionDocument {
    pub const KIND: &'static str = "provision";
}

/// `tenantctl deploy <tenant> --image REF`: kind `deploy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployDocument {
    pub schema_version: u32,
    pub kind: String,
    pub tenant: String,
    pub app: String,
    pub machine_id: String,
    /// The image the machine ran before the deploy.
    pub previous_image: String,
    pub image: String,
    /// True: nothing was changed; `steps` say what would be.
    pub dry_run: bool,
    /// False when the tenant already ran the image (and always in a dry run).
    pub changed: bool,
    /// `machine`, then `health`.
    pub steps: Vec<StepDocument>,
}

impl DeployDocument {
    pub const KIND: &'static str = "deploy";
}

/// `tenantctl upgrade <tenant> --tier T`: kind `upgrade`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeDocument {
    pub schema_version: u32,
    pub kind: String,
    pub tenant: String,
    pub app: String,
    pub machine_id: String,
    pub from_tier: String,
    pub to_tier: String,
    /// `up`, `down` or `same`, by the order tenantctl.toml lists the tiers.
    pub direction: String,
    /// The image the tenant runs; an upgrade keeps it.
    pub image: String,
    /// The template version the new config is rendered from.
    pub template_version: String,
    pub volume: UpgradeVolume,
    /// What changes (or, with `dry_run`, would): tier, volume, VM size, auto-stop, ...
    pub changes: Vec<UpgradeChange>,
    /// Unified diff of the machine config, live against upgraded; empty when unchanged.
    pub config_diff: Vec<String>,
    /// True: nothing was changed; `changes` and `steps` say what would be.
    pub dry_run: bool,
    /// False when the tenant was already on the tier.
    pub changed: bool,
    /// `volume`, `machine`, `health`; empty for a dry run.
    pub steps: Vec<StepDocument>,
}

impl UpgradeDocument {
    pub const KIND: &'static str = "upgrade";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeVolume {
    pub id: String,
    /// Before the upgrade.
    pub size_gb: u64,
    /// The new tier's size.
    pub tier_size_gb: u64,
    /// After the upgrade: never less than before.
    pub target_size_gb: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeChange {
    /// `tier`, `volume_size_gb`, `vm`, `auto_stop`, `min_machines_running`, `template_version`.
    pub field: String,
    pub from: String,
    pub to: String,
    /// Set when the change is not made as asked (a volume is never shrunk).
    pub note: Option<String>,
}

/// `tenantctl destroy <tenant>`: kind `destroy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestroyDocument {
    pub schema_version: u32,
    pub kind: String,
    pub tenant: String,
    pub app: String,
    /// The tier recorded on the tenant's machine; null once no machine is left.
    pub tier: Option<String>,
    pub protected: bool,
    /// True: nothing was deleted; `steps` say what would be.
    pub dry_run: bool,
    /// What the tenant had when the destroy started.
    pub resources: DestroyedResources,
    /// `backup`, `machines`, `volumes`, `certificates`, `ips`, `app`.
    pub steps: Vec<StepDocument>,
}

impl DestroyDocument {
    pub const KIND: &'static str = "destroy";
}

/// `tenantctl snapshot <tenant>`: kind `snapshot`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotDocument {
    pub schema_version: u32,
    pub kind: String,
    pub tenant: String,
    pub app: String,
    /// The volume snapshotted (the one the tenant's machine mounts).
    pub volume_id: String,
    /// Fly's snapshot id; null in a dry run.
    pub snapshot_id: Option<String>,
    /// Bytes stored; null in a dry run.
    pub size_bytes: Option<u64>,
    /// RFC 3339, as Fly sent it; null in a dry run or when Fly sent none.
    pub created_at: Option<String>,
    /// Fly's snapshot status (`created` once taken); null in a dry run.
    pub status: Option<String>,
    /// True: nothing was taken; `volume_id` is what would be snapshotted.
    pub dry_run: bool,
}

impl SnapshotDocument {
    pub const KIND: &'static str = "snapshot";
}

/// The parts of a destroyed tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestroyedResources {
    /// Machine ids.
    pub machines: Vec<String>,
    pub volumes: Vec<DestroyedVolume>,
    pub ips: Vec<String>,
    /// Hostnames.
    pub certificates: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestroyedVolume {
    pub id: String,
    pub name: String,
    pub size_gb: u64,
    pub region: String,
}

/// One step of an operation (provision, deploy, destroy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDocument {
    /// Stable step name: app, secrets, ips, volume, certificates, machine, hooks, health.
    pub name: String,
    pub title: String,
    /// Steps this one waits for.
    pub needs: Vec<String>,
    /// The API calls the step may make.
    pub calls: Vec<String>,
    /// `done` (changed something), `skipped` (already done) or `planned` (dry run).
    pub status: String,
    /// What it did or found; empty when planned.
    pub detail: String,
    /// Wall time of the step; null when planned.
    pub elapsed_ms: Option<u64>,
}

/// `tenantctl status <tenant>`: kind `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusDocument {
    pub schema_version: u32,
    pub kind: String,
    pub tenant: TenantDocument,
}

impl StatusDocument {
    pub const KIND: &'static str = "status";
}

/// `tenantctl list`: kind `list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListDocument {
    pub schema_version: u32,
    pub kind: String,
    /// The org listed.
    pub org: String,
    /// Sorted by tenant id.
    pub tenants: Vec<TenantDocument>,
}

impl ListDocument {
    pub const KIND: &'static str = "list";
}

/// `tenantctl audit [tenant]`: kind `audit`. `records` are the audit records as stored
/// (docs/audit.md), oldest first, each once however many sinks hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditDocument {
    pub schema_version: u32,
    pub kind: String,
    /// The tenant asked for; null for all.
    pub tenant: Option<String>,
    /// `--since` as a UTC time; null without it.
    pub since: Option<String>,
    /// The sinks read, in order: `file`, then `bucket` when configured.
    pub sources: Vec<AuditSource>,
    pub records: Vec<tenantctl_core::audit::Record>,
}

impl AuditDocument {
    pub const KIND: &'static str = "audit";
}

/// One sink `audit` read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSource {
    /// `file` or `bucket`.
    pub sink: String,
    /// The file's path, or `s3://<bucket>/<prefix>_audit/`.
    pub location: String,
    /// Records it holds in the days read, before the tenant filter.
    pub records: usize,
}

/// One tenant as `status` and `list` show it. Optional fields are null when the tenant has no
/// machine or volume (for example after a provisioning that failed halfway).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantDocument {
    pub tenant: String,
    pub app: String,
    pub tier: Option<String>,
    pub region: Option<String>,
    pub machine: Option<MachineDocument>,
    pub volume: Option<VolumeDocument>,
    pub checks: ChecksDocument,
    pub certificates: Vec<CertificateDocument>,
    /// RFC 3339 time the tenant was created (its volume's creation time).
    pub created_at: Option<String>,
    pub template_version: Option<String>,
    pub provisioned_by: Option<String>,
    /// `list` only: why this tenant's details could not be read; null otherwise.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineDocument {
    pub id: String,
    /// Fly's machine state: `started`, `stopped`, `suspended`, `starting`, ...
    pub state: Option<String>,
    pub image: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeDocument {
    pub id: String,
    pub size_gb: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecksDocument {
    pub passing: usize,
    pub total: usize,
    /// e.g. `1/2 passing`, `no checks`, `no machine`.
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateDocument {
    pub hostname: String,
    /// Fly's status text, e.g. `awaiting configuration`, `issued`.
    pub status: String,
}

impl From<&tenantctl_core::ops::TenantStatus> for TenantDocument {
    fn from(s: &tenantctl_core::ops::TenantStatus) -> Self {
        TenantDocument {
            tenant: s.tenant.clone(),
            app: s.app.clone(),
            tier: s.tier.clone(),
            region: s.region.clone(),
            machine: s.machine_id.as_ref().map(|id| MachineDocument {
                id: id.clone(),
                state: s.machine_state.clone(),
                image: s.image.clone(),
            }),
            volume: s.volume_id.as_ref().map(|id| VolumeDocument {
                id: id.clone(),
                size_gb: s.volume_size_gb,
            }),
            checks: ChecksDocument {
                passing: s.checks_passing,
                total: s.checks_total,
                summary: s.checks.clone(),
            },
            certificates: s
                .certificates
                .iter()
                .map(|c| CertificateDocument {
                    hostname: c.hostname.clone(),
                    status: c.status.clone(),
                })
                .collect(),
            created_at: s.created_at.clone(),
            template_version: s.template_version.clone(),
            provisioned_by: s.provisioned_by.clone(),
            error: s.error.clone(),
        }
    }
}
