//! `provision`: create a tenant's app, secrets, IPs, volume, machine and certificates, run its
//! post-provision hooks and wait for its health gate.
//!
//! Every step looks before it creates, so running provision again after a failure resumes
//! where the last run stopped, and running it on a complete tenant changes nothing (only GETs;
//! every step reports Skipped). When the `app` step created the app in this run, the later
//! steps know it is empty and skip their look-ups.
//!
//! Creates whose outcome is unknown (timeout after sending, 500, 504, 408) are never blindly
//! repeated: the step looks the resource up by name (or, for the machine, by the
//! `tenantctl_tenant` metadata key) and creates it again only when it is not there.
//!
//! Step graph (independent steps run concurrently):
//!
//! ```text
//! app ─┬─ secrets ─┐
//!      ├─ volume ──┴─ machine ── hooks ── health
//!      ├─ ips
//!      └─ certificates
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use fly_api::types::machines::state;
use fly_api::types::{
    AllocateIpRequest, CreateAppRequest, CreateVolumeRequest, ExecRequest, IpAssignment,
    LaunchMachineInput, ListMachinesParams, Machine, MachineConfig, SecretValue, Volume,
    WaitParams,
};
use fly_api::{ApiError, FlyClient};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::error::{ErrorClass, auth_message};
use super::secrets;
use crate::config::{Config, HealthCheck, Hook};
use crate::engine::{Plan, Reporter, RunError, Step, StepEvent, StepOutcome, run};
use crate::flytoml::{AppConfig, ConvertOptions, DEFAULT_PROCESS_GROUP, to_machine_config};
use crate::template::{RenderError, TemplateSet, TenantRenderRequest, render_tenant};

/// Machine metadata: the tier the tenant was provisioned on.
pub const METADATA_TIER: &str = "tenantctl_tier";
/// Machine metadata: the template set version the machine config was rendered from.
pub const METADATA_TEMPLATE_VERSION: &str = "tenantctl_template_version";
/// Machine metadata: who provisioned the tenant.
pub const METADATA_PROVISIONED_BY: &str = "tenantctl_provisioned_by";
/// Machine metadata: the tenant id; also how provision finds the tenant's machine.
pub const METADATA_TENANT: &str = "tenantctl_tenant";
/// Machine metadata keys recording finished hooks start with this, followed by a short hash of
/// the hook's argv (a changed hook runs again).
pub const METADATA_HOOK_PREFIX: &str = "tenantctl_hook_";
/// Set once the health gate has passed, so a re-run can tell an auto-stopped tenant that
/// completed from one whose gate never passed.
pub const METADATA_HEALTH_PASSED: &str = "tenantctl_health_passed";

/// The app secrets provision generates (random, 256 bits, never shown). Only missing ones are
/// set, so a re-run never rotates them.
pub const GENERATED_SECRETS: &[&str] = &["DATABASE_PASSWORD", "HASH_SALT"];

/// Lease taken while changing an existing machine (starting it on resume).
const LEASE_TTL_SECS: u64 = 30;
/// Longest hook stderr shown in an error.
const STDERR_TAIL_CHARS: usize = 2000;

/// What to provision. Missing values (tier, region) are the caller's job: prompt or fail there.
#[derive(Debug, Clone)]
pub struct ProvisionOptions<'a> {
    /// Tenant id as typed; validated here.
    pub tenant: String,
    pub tier: String,
    pub region: String,
    /// Hostnames to add certificates for.
    pub domains: Vec<String>,
    /// Image to run instead of the config's `image`.
    pub image: Option<String>,
    /// Who provisions (recorded in machine metadata), e.g. a user name or CI job.
    pub actor: String,
    /// Return the plan without calling the API at all (not even reads).
    pub dry_run: bool,
    pub config: &'a Config,
    pub templates: &'a TemplateSet,
    /// How long the machine may take to reach `started`.
    pub start_timeout: Duration,
    /// How often the health gate polls the machine's checks.
    pub health_poll_interval: Duration,
}

impl<'a> ProvisionOptions<'a> {
    /// Options with no domains, no image override, a 2 minute start timeout and a 250 ms
    /// health poll.
    pub fn new(
        config: &'a Config,
        templates: &'a TemplateSet,
        tenant: impl Into<String>,
        tier: impl Into<String>,
        region: impl Into<String>,
        actor: impl Into<String>,
    ) -> Self {
        ProvisionOptions {
            tenant: tenant.into(),
            tier: tier.into(),
            region: region.into(),
            domains: Vec::new(),
            image: None,
            actor: actor.into(),
            dry_run: false,
            config,
            templates,
            start_timeout: Duration::from_secs(120),
            health_poll_interval: Duration::from_millis(250),
        }
    }

    /// The command that resumes this provisioning (re-running provision resumes).
    pub fn resume_command(&self) -> String {
        let mut words = vec![
            "tenantctl".to_string(),
            "provision".to_string(),
            shell_word(&self.tenant),
            "--tier".to_string(),
            shell_word(&self.tier),
            "--region".to_string(),
            shell_word(&self.region),
        ];
        for domain in &self.domains {
            words.push("--domain".to_string());
            words.push(shell_word(domain));
        }
        if let Some(image) = &self.image {
            words.push("--image".to_string());
            words.push(shell_word(image));
        }
        words.join(" ")
    }

    /// The command that removes whatever a failed provisioning created.
    pub fn cleanup_command(&self) -> String {
        format!("tenantctl destroy {}", shell_word(&self.tenant))
    }
}

/// `word` quoted for a POSIX shell when it needs it, for the commands errors suggest.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// How one step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// It changed something.
    Done,
    /// Its work was already done.
    Skipped,
    /// Dry run: it would run.
    Planned,
}

/// One step of a provisioning, in dependency order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepReport {
    pub name: String,
    pub title: String,
    pub needs: Vec<String>,
    /// The API calls the step may make.
    pub calls: Vec<String>,
    pub status: StepStatus,
    /// What it did or found ("created vol_123", "app exists"); empty when planned.
    pub detail: String,
    /// How long it ran; `None` when planned. The CLI's JSON carries it as `elapsed_ms`.
    #[serde(skip)]
    pub elapsed: Option<Duration>,
}

/// The result of [`provision`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvisionReport {
    pub tenant: String,
    pub app: String,
    pub tier: String,
    pub region: String,
    pub image: String,
    pub template: String,
    pub template_version: String,
    pub dry_run: bool,
    /// True when some step changed something.
    pub changed: bool,
    pub steps: Vec<StepReport>,
    pub machine_id: Option<String>,
    pub volume_id: Option<String>,
    /// Public addresses of the app.
    pub ips: Vec<String>,
    pub domains: Vec<String>,
}

/// Why provisioning failed.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// Refused before any API call: bad tenant id, tier, region, domain or template.
    #[error("{message}")]
    Invalid {
        message: String,
        hint: Option<String>,
    },
    /// A step failed. Everything before it stays; re-running resumes.
    #[error(
        "provisioning tenant `{tenant}` failed at step `{step}`: {reason}\nre-run `{resume}` to resume, or run `{cleanup}` to remove what was created"
    )]
    Step {
        tenant: String,
        step: &'static str,
        class: ErrorClass,
        reason: String,
        resume: String,
        cleanup: String,
    },
}

impl ProvisionError {
    pub fn class(&self) -> ErrorClass {
        match self {
            ProvisionError::Invalid { .. } => ErrorClass::Invalid,
            ProvisionError::Step { class, .. } => *class,
        }
    }

    /// The step that failed, if one did.
    pub fn step(&self) -> Option<&'static str> {
        match self {
            ProvisionError::Step { step, .. } => Some(step),
            ProvisionError::Invalid { .. } => None,
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            ProvisionError::Invalid { hint, .. } => hint.clone(),
            ProvisionError::Step {
                class: ErrorClass::Auth,
                ..
            } => Some(super::error::auth_hint()),
            ProvisionError::Step { resume, .. } => Some(format!("re-run `{resume}` to resume")),
        }
    }

    fn invalid(message: impl fmt::Display) -> Self {
        ProvisionError::Invalid {
            message: message.to_string(),
            hint: None,
        }
    }
}

impl From<RenderError> for ProvisionError {
    fn from(error: RenderError) -> Self {
        let hint = match &error {
            RenderError::Tenant(e) => Some(e.hint().to_string()),
            RenderError::Config(e) => e.hint(),
            RenderError::Template(e) => e.hint(),
            RenderError::Region(_) => Some("pass a Fly region code, e.g. --region ams".into()),
            RenderError::Refused { .. } | RenderError::AlwaysOnMismatch { .. } => None,
        };
        ProvisionError::Invalid {
            message: error.to_string(),
            hint,
        }
    }
}

/// A step's failure, before it is tied to the step's name.
#[derive(Debug)]
struct StepError {
    class: ErrorClass,
    message: String,
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StepError {
    fn new(class: ErrorClass, message: impl Into<String>) -> Self {
        StepError {
            class,
            message: message.into(),
        }
    }

    fn api(what: &str, error: ApiError) -> Self {
        if error.is_unauthorized() {
            return StepError::new(ErrorClass::Auth, auth_message(&error));
        }
        let mut message = format!("{what}: {error}");
        let mentions_region = error
            .api_message()
            .is_some_and(|m| m.to_ascii_lowercase().contains("region"));
        if matches!(error.status(), Some(400) | Some(422)) && mentions_region {
            message.push_str(" (pass a region Fly accepts with --region)");
        }
        StepError::new(ErrorClass::of(&error), message)
    }
}

type StepResult = Result<StepOutcome, StepError>;

/// Everything provision works out before it calls the API.
struct Prepared {
    app: String,
    tenant: String,
    image: String,
    template: String,
    template_version: String,
    volume_name: String,
    volume_size_gb: u32,
    always_on: bool,
    /// Complete except for the volume id of the mount.
    machine_config: MachineConfig,
    domains: Vec<String>,
    /// (metadata key, hook) in run order.
    hooks: Vec<(String, Hook)>,
}

fn prepare(opts: &ProvisionOptions<'_>) -> Result<Prepared, ProvisionError> {
    let rendered = render_tenant(
        opts.config,
        opts.templates,
        &TenantRenderRequest {
            tenant: opts.tenant.clone(),
            tier: opts.tier.clone(),
            region: Some(opts.region.clone()),
            image: opts.image.clone(),
        },
    )?;
    if rendered.image.trim().is_empty() {
        return Err(ProvisionError::invalid("the image must not be empty"));
    }
    if opts.actor.trim().is_empty() {
        return Err(ProvisionError::invalid(
            "the actor (who provisions) must not be empty",
        ));
    }
    let tier = opts
        .config
        .tier(&opts.tier)
        .map_err(|e| ProvisionError::Invalid {
            message: e.to_string(),
            hint: e.hint(),
        })?;
    let domains = normalise_domains(&opts.domains)?;

    let path = format!("{}.toml (rendered for {})", rendered.template, rendered.app);
    let app_config = AppConfig::parse(&rendered.fly_toml, Path::new(&path))
        .map_err(|e| ProvisionError::invalid(format!("rendered fly.toml: {e}")))?;
    let mut machine_config = to_machine_config(
        &app_config,
        DEFAULT_PROCESS_GROUP,
        &ConvertOptions {
            image: Some(rendered.image.clone()),
            ..ConvertOptions::default()
        },
    )
    .map_err(|e| {
        ProvisionError::invalid(format!(
            "template `{}` cannot become a machine config: {e}",
            rendered.template
        ))
    })?;
    if machine_config.mounts.len() != 1 {
        return Err(ProvisionError::invalid(format!(
            "template `{}` must mount exactly one volume (the tenant's data) for process group `{DEFAULT_PROCESS_GROUP}`; it mounts {}",
            rendered.template,
            machine_config.mounts.len()
        )));
    }
    let volume_name = machine_config.mounts[0].name.clone();
    machine_config.image = Some(rendered.image.clone());
    let metadata = &mut machine_config.metadata;
    metadata.insert(METADATA_TENANT.into(), rendered.tenant.to_string());
    metadata.insert(METADATA_TIER.into(), rendered.tier.clone());
    metadata.insert(
        METADATA_TEMPLATE_VERSION.into(),
        rendered.template_version.clone(),
    );
    metadata.insert(METADATA_PROVISIONED_BY.into(), opts.actor.clone());

    let hooks = opts
        .config
        .hooks
        .post_provision
        .iter()
        .map(|hook| (hook_key(hook), hook.clone()))
        .collect();

    Ok(Prepared {
        app: rendered.app.to_string(),
        tenant: rendered.tenant.to_string(),
        image: rendered.image,
        template: rendered.template,
        template_version: rendered.template_version,
        volume_name,
        volume_size_gb: tier.volume_size_gb,
        always_on: tier.always_on,
        machine_config,
        domains,
        hooks,
    })
}

/// The metadata key that records a finished hook: a hash of its argv, so an edited hook runs
/// again while an unchanged one does not.
fn hook_key(hook: &Hook) -> String {
    let mut hasher = Sha256::new();
    for word in &hook.command {
        hasher.update(word.as_bytes());
        hasher.update([0]);
    }
    let digest = hex::encode(hasher.finalize());
    format!("{METADATA_HOOK_PREFIX}{}", &digest[..12])
}

/// Lowercases, checks and de-duplicates hostnames.
fn normalise_domains(domains: &[String]) -> Result<Vec<String>, ProvisionError> {
    let mut out: Vec<String> = Vec::new();
    for raw in domains {
        let domain = raw.trim().trim_end_matches('.').to_ascii_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        let valid = domain.len() <= 253
            && labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            });
        if !valid {
            return Err(ProvisionError::Invalid {
                message: format!("invalid domain `{}`", raw.escape_debug()),
                hint: Some("pass a hostname such as shop.example.com to --domain".into()),
            });
        }
        if !out.contains(&domain) {
            out.push(domain);
        }
    }
    Ok(out)
}

/// What the steps found or made, shared between them.
#[derive(Default)]
struct Found {
    volume_id: Option<String>,
    secrets_version: Option<u64>,
    machine: Option<Machine>,
    /// The machine step changed nothing (the machine was already there and running).
    machine_untouched: bool,
    /// The machine is stopped on purpose (auto-stop tier, provisioning complete).
    machine_idle: bool,
    ips: Vec<String>,
    /// Secret values this run generated, so hook output shown in an error can be redacted.
    generated_secrets: Vec<SecretValue>,
}

struct Ctx<'a> {
    client: &'a FlyClient,
    reporter: &'a dyn Reporter,
    config: &'a Config,
    prepared: &'a Prepared,
    org: &'a str,
    region: &'a str,
    start_timeout: Duration,
    health_poll_interval: Duration,
    /// Set by the `app` step when it created the app: later steps then skip their look-ups.
    created_app: AtomicBool,
    found: Mutex<Found>,
}

impl Ctx<'_> {
    fn found(&self) -> MutexGuard<'_, Found> {
        // A step that panicked while holding the lock leaves plain data behind; keep using it.
        self.found.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn app(&self) -> &str {
        &self.prepared.app
    }

    /// Each tenant gets its own private network so tenants cannot reach each other over 6PN.
    fn network(&self) -> String {
        format!("{}-net", self.prepared.app)
    }

    fn fresh_app(&self) -> bool {
        self.created_app.load(Ordering::SeqCst)
    }

    fn progress(&self, step: &str, message: impl Into<String>) {
        self.reporter.step(
            step,
            StepEvent::Progress {
                message: message.into(),
            },
        );
    }

    // ----------------------------------------------------------------- app

    async fn app_step(&self) -> StepResult {
        let app = self.app();
        match self.client.get_app(app).await {
            Ok(Some(existing)) => {
                let org = existing
                    .organization
                    .as_ref()
                    .map(|o| o.slug.as_str())
                    .unwrap_or_default();
                if !org.is_empty() && org != self.org {
                    return Err(StepError::new(
                        ErrorClass::Conflict,
                        format!(
                            "app `{app}` exists in org `{org}`, not in the configured org `{}`; pass --org {org} to provision it there, or pick another tenant id",
                            self.org
                        ),
                    ));
                }
                return Ok(StepOutcome::Skipped(format!("app {app} exists")));
            }
            Ok(None) => {}
            Err(e) if e.status() == Some(403) => return Err(name_taken(app, &e)),
            Err(e) => return Err(StepError::api("look up the app", e)),
        }
        let request = CreateAppRequest::new(app, self.org).with_network(self.network());
        match self.client.create_app(&request).await {
            Ok(_) => {}
            Err(e) if e.is_ambiguous() => {
                self.progress("app", "create outcome unknown; looking the app up");
                match self.client.get_app(app).await {
                    Ok(Some(_)) => {}
                    Ok(None) => {
                        self.client
                            .create_app(&request)
                            .await
                            .map_err(|e| create_app_error(app, e))?;
                    }
                    Err(e) => return Err(StepError::api("look up the app", e)),
                }
            }
            Err(e) => return Err(create_app_error(app, e)),
        }
        self.created_app.store(true, Ordering::SeqCst);
        Ok(StepOutcome::Done(format!(
            "created app {app} on network {}",
            self.network()
        )))
    }

    // ------------------------------------------------------------- secrets

    async fn secrets_step(&self) -> StepResult {
        let app = self.app();
        let missing: Vec<&str> = if self.fresh_app() {
            GENERATED_SECRETS.to_vec()
        } else {
            let existing = self
                .client
                .list_secrets(app)
                .await
                .map_err(|e| StepError::api("list secrets", e))?;
            GENERATED_SECRETS
                .iter()
                .copied()
                .filter(|name| !existing.iter().any(|s| s.name == *name))
                .collect()
        };
        if missing.is_empty() {
            return Ok(StepOutcome::Skipped(format!(
                "{} already set",
                GENERATED_SECRETS.join(", ")
            )));
        }
        let values: BTreeMap<String, SecretValue> = missing
            .iter()
            .map(|name| ((*name).to_string(), secrets::generate()))
            .collect();
        let written = self
            .client
            .set_secrets(app, &values)
            .await
            .map_err(|e| StepError::api("set secrets", e))?;
        let mut found = self.found();
        found.generated_secrets.extend(values.into_values());
        if written.version > 0 {
            found.secrets_version = Some(written.version);
        }
        drop(found);
        Ok(StepOutcome::Done(format!(
            "generated {} (values not shown)",
            missing.join(", ")
        )))
    }

    // ----------------------------------------------------------------- ips

    async fn ips_step(&self) -> StepResult {
        let app = self.app();
        let existing = if self.fresh_app() {
            Vec::new()
        } else {
            self.client
                .list_ips(app)
                .await
                .map_err(|e| StepError::api("list IP addresses", e))?
        };
        let need_v4 = !existing.iter().any(is_public_v4);
        let need_v6 = !existing.iter().any(is_public_v6);
        let mut ips: Vec<String> = existing
            .iter()
            .filter(|ip| !ip.is_flycast())
            .map(|ip| ip.ip.clone())
            .collect();
        if !need_v4 && !need_v6 {
            let detail = format!("addresses exist: {}", ips.join(", "));
            self.found().ips = ips;
            return Ok(StepOutcome::Skipped(detail));
        }
        let (v4, v6) = futures::join!(
            async {
                if need_v4 {
                    self.allocate_ip("shared_v4", is_public_v4).await.map(Some)
                } else {
                    Ok(None)
                }
            },
            async {
                if need_v6 {
                    self.allocate_ip("v6", is_public_v6).await.map(Some)
                } else {
                    Ok(None)
                }
            }
        );
        let mut allocated = Vec::new();
        for ip in [v4?, v6?].into_iter().flatten() {
            allocated.push(ip.clone());
            if !ips.contains(&ip) {
                ips.push(ip);
            }
        }
        self.found().ips = ips;
        Ok(StepOutcome::Done(format!(
            "allocated {}",
            allocated.join(", ")
        )))
    }

    async fn allocate_ip(
        &self,
        ip_type: &str,
        matches: fn(&IpAssignment) -> bool,
    ) -> Result<String, StepError> {
        let app = self.app();
        let request = AllocateIpRequest {
            ip_type: ip_type.to_string(),
            org_slug: Some(self.org.to_string()),
            ..AllocateIpRequest::default()
        };
        let what = format!("allocate {ip_type} address");
        match self.client.allocate_ip(app, &request).await {
            Ok(ip) => Ok(ip.ip),
            Err(e) if e.is_ambiguous() => {
                self.progress("ips", format!("{what}: outcome unknown; looking it up"));
                let ips = self
                    .client
                    .list_ips(app)
                    .await
                    .map_err(|e| StepError::api("list IP addresses", e))?;
                if let Some(found) = ips.iter().find(|ip| matches(ip)) {
                    return Ok(found.ip.clone());
                }
                self.client
                    .allocate_ip(app, &request)
                    .await
                    .map(|ip| ip.ip)
                    .map_err(|e| StepError::api(&what, e))
            }
            Err(e) => Err(StepError::api(&what, e)),
        }
    }

    // -------------------------------------------------------------- volume

    async fn volume_step(&self) -> StepResult {
        let app = self.app();
        let name = &self.prepared.volume_name;
        if !self.fresh_app()
            && let Some(volume) = self.find_volume().await?
        {
            let detail = format!(
                "volume {name} exists: {} ({} GB, {})",
                volume.id, volume.size_gb, volume.region
            );
            self.found().volume_id = Some(volume.id);
            return Ok(StepOutcome::Skipped(detail));
        }
        let request = CreateVolumeRequest {
            name: name.clone(),
            region: self.region.to_string(),
            size_gb: Some(u64::from(self.prepared.volume_size_gb)),
            // Placement hint: put the volume on a host with room for the machine.
            compute: self.prepared.machine_config.guest.clone(),
            ..CreateVolumeRequest::default()
        };
        let volume = match self.client.create_volume(app, &request).await {
            Ok(volume) => volume,
            Err(e) if e.is_ambiguous() => {
                self.progress("volume", "create outcome unknown; looking the volume up");
                match self.find_volume().await? {
                    Some(volume) => volume,
                    None => self
                        .client
                        .create_volume(app, &request)
                        .await
                        .map_err(|e| StepError::api("create the volume", e))?,
                }
            }
            Err(e) => return Err(StepError::api("create the volume", e)),
        };
        let detail = format!(
            "created volume {name}: {} ({} GB, {})",
            volume.id, volume.size_gb, volume.region
        );
        self.found().volume_id = Some(volume.id);
        Ok(StepOutcome::Done(detail))
    }

    /// The tenant's volume by name; never a second one. A volume in another region is a
    /// conflict: the machine must live where its volume is.
    async fn find_volume(&self) -> Result<Option<Volume>, StepError> {
        let volumes = self
            .client
            .list_volumes(self.app())
            .await
            .map_err(|e| StepError::api("list volumes", e))?;
        let Some(volume) = volumes
            .into_iter()
            .find(|v| v.name == self.prepared.volume_name && !v.is_being_destroyed())
        else {
            return Ok(None);
        };
        if volume.region != self.region {
            return Err(StepError::new(
                ErrorClass::Conflict,
                format!(
                    "the tenant's volume {} is in region {}, not {}; re-run with --region {}",
                    volume.id, volume.region, self.region, volume.region
                ),
            ));
        }
        Ok(Some(volume))
    }

    // ------------------------------------------------------------- machine

    async fn machine_step(&self) -> StepResult {
        let existing = if self.fresh_app() {
            None
        } else {
            self.find_machine().await?
        };
        let Some(machine) = existing else {
            let machine = self.create_machine().await?;
            let id = machine.id.clone();
            self.found().machine = Some(machine);
            self.wait_started(&id).await?;
            return Ok(StepOutcome::Done(format!(
                "created machine {id}; it started"
            )));
        };

        self.check_same_tier(&machine)?;
        let id = machine.id.clone();
        let was = machine.state.clone();
        let completed = self.pending_hooks(&machine).is_empty()
            && has_metadata(&machine, METADATA_HEALTH_PASSED);
        self.found().machine = Some(machine);
        match was.as_str() {
            state::STARTED => {
                self.found().machine_untouched = true;
                Ok(StepOutcome::Skipped(format!("machine {id} is running")))
            }
            state::STARTING | state::REPLACING => {
                self.wait_started(&id).await?;
                Ok(StepOutcome::Done(format!(
                    "machine {id} was {was}; it started"
                )))
            }
            state::STOPPED | state::SUSPENDED if !self.prepared.always_on && completed => {
                // Normal for an auto-stop tier: the proxy starts it on the next request.
                let mut found = self.found();
                found.machine_untouched = true;
                found.machine_idle = true;
                Ok(StepOutcome::Skipped(format!(
                    "machine {id} is {was} (auto-stop tier); it starts on the next request"
                )))
            }
            _ => {
                self.start_under_lease(&id).await?;
                self.wait_started(&id).await?;
                Ok(StepOutcome::Done(format!(
                    "started machine {id} (was {was})"
                )))
            }
        }
    }

    /// Resuming must not quietly report a tenant on another tier as provisioned: changing a
    /// tenant's tier is an upgrade, not a re-run of provision.
    fn check_same_tier(&self, machine: &Machine) -> Result<(), StepError> {
        let tier_of = |config: &MachineConfig| config.metadata.get(METADATA_TIER).cloned();
        let wanted = tier_of(&self.prepared.machine_config);
        let has = machine.config.as_ref().and_then(tier_of);
        match (wanted, has) {
            (Some(wanted), Some(has)) if wanted != has => Err(StepError::new(
                ErrorClass::Conflict,
                format!(
                    "tenant `{}` is provisioned on tier `{has}`, not `{wanted}`; re-run with \
                     --tier {has} to resume it (changing tiers is `tenantctl upgrade`)",
                    self.prepared.tenant
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The tenant's machine, found by its metadata (so an ambiguous create is found too).
    async fn find_machine(&self) -> Result<Option<Machine>, StepError> {
        let params = ListMachinesParams {
            metadata: BTreeMap::from([(METADATA_TENANT.to_string(), self.prepared.tenant.clone())]),
            ..ListMachinesParams::default()
        };
        let machines = self
            .client
            .list_machines(self.app(), &params)
            .await
            .map_err(|e| StepError::api("list machines", e))?;
        Ok(machines.into_iter().find(Machine::is_active))
    }

    async fn create_machine(&self) -> Result<Machine, StepError> {
        let (volume_id, min_secrets_version) = {
            let found = self.found();
            (found.volume_id.clone(), found.secrets_version)
        };
        let Some(volume_id) = volume_id else {
            return Err(StepError::new(
                ErrorClass::Failed,
                "the volume step did not record a volume id",
            ));
        };
        let mut config = self.prepared.machine_config.clone();
        for mount in &mut config.mounts {
            mount.volume = volume_id.clone();
        }
        let input = LaunchMachineInput {
            config,
            region: Some(self.region.to_string()),
            name: Some(self.app().to_string()),
            min_secrets_version,
            ..LaunchMachineInput::default()
        };
        match self.client.create_machine(self.app(), &input).await {
            Ok(machine) => Ok(machine),
            Err(e) if e.is_ambiguous() => {
                self.progress("machine", "create outcome unknown; looking the machine up");
                match self.find_machine().await? {
                    Some(machine) => Ok(machine),
                    None => self
                        .client
                        .create_machine(self.app(), &input)
                        .await
                        .map_err(|e| StepError::api("create the machine", e)),
                }
            }
            Err(e) => Err(StepError::api("create the machine", e)),
        }
    }

    async fn wait_started(&self, id: &str) -> Result<(), StepError> {
        self.progress("machine", format!("waiting for machine {id} to start"));
        let params = WaitParams::new(&[state::STARTED], self.start_timeout);
        self.client
            .wait_for_state(self.app(), id, &params)
            .await
            .map_err(|e| match e {
                ApiError::WaitTimeout { .. } => StepError::new(
                    ErrorClass::Failed,
                    format!(
                        "machine {id} did not reach `started` within {}s",
                        self.start_timeout.as_secs()
                    ),
                ),
                other => StepError::api(&format!("wait for machine {id} to start"), other),
            })
    }

    /// Starts an existing machine while holding its lease; the lease is released on every
    /// path (a release that fails leaves it to expire after its short TTL).
    async fn start_under_lease(&self, id: &str) -> Result<(), StepError> {
        let app = self.app();
        let lease = self
            .client
            .acquire_lease(app, id, Some(LEASE_TTL_SECS), Some("tenantctl provision"))
            .await
            .map_err(|e| {
                if e.is_lease_held() || e.is_conflict() {
                    StepError::new(
                        ErrorClass::Conflict,
                        format!("machine {id} is locked by another operation: {e}"),
                    )
                } else {
                    StepError::api(&format!("take the lease of machine {id}"), e)
                }
            })?;
        let started = self.client.start_machine(app, id, Some(&lease.nonce)).await;
        if let Err(e) = self.client.release_lease(app, id, &lease.nonce).await {
            self.progress(
                "machine",
                format!("could not release the lease of machine {id} ({e}); it expires in {LEASE_TTL_SECS}s"),
            );
        }
        started
            .map(drop)
            .map_err(|e| StepError::api(&format!("start machine {id}"), e))
    }

    // --------------------------------------------------------------- hooks

    fn pending_hooks<'h>(&'h self, machine: &Machine) -> Vec<&'h (String, Hook)> {
        let recorded = machine.config.as_ref().map(|c| &c.metadata);
        self.prepared
            .hooks
            .iter()
            .filter(|(key, _)| !recorded.is_some_and(|m| m.contains_key(key)))
            .collect()
    }

    async fn hooks_step(&self) -> StepResult {
        if self.prepared.hooks.is_empty() {
            return Ok(StepOutcome::Skipped("no post-provision hooks".into()));
        }
        let Some(machine) = self.found().machine.clone() else {
            return Err(StepError::new(
                ErrorClass::Failed,
                "the machine step did not record a machine",
            ));
        };
        let pending = self.pending_hooks(&machine);
        if pending.is_empty() {
            return Ok(StepOutcome::Skipped(format!(
                "all {} hooks already ran",
                self.prepared.hooks.len()
            )));
        }
        let app = self.app();
        let mut ran = Vec::new();
        for (key, hook) in pending {
            let name = hook.display_name();
            self.progress("hooks", format!("running hook `{name}`"));
            let mut request = ExecRequest::new(hook.command.iter().cloned());
            request.timeout = Some(hook.timeout.as_secs());
            let output = self
                .client
                .exec(app, &machine.id, &request)
                .await
                .map_err(|e| StepError::api(&format!("run hook `{name}`"), e))?;
            if output.exit_code != 0 {
                // Hooks see the tenant's secrets in their environment; a hook that echoes its
                // environment must not put them into an error message.
                let stderr = redact(&output.stderr, &self.found().generated_secrets);
                let stderr = tail(stderr.trim(), STDERR_TAIL_CHARS);
                let shown = if stderr.is_empty() {
                    "(no stderr)".to_string()
                } else {
                    stderr
                };
                return Err(StepError::new(
                    ErrorClass::Failed,
                    format!(
                        "hook `{name}` exited with code {}; stderr:\n{shown}",
                        output.exit_code
                    ),
                ));
            }
            self.client
                .set_metadata(app, &machine.id, key, "done")
                .await
                .map_err(|e| StepError::api(&format!("record that hook `{name}` ran"), e))?;
            ran.push(name.to_string());
        }
        Ok(StepOutcome::Done(format!("ran {}", ran.join(", "))))
    }

    // -------------------------------------------------------------- health

    async fn health_step(&self) -> StepResult {
        let health = &self.config.health;
        let (machine_id, untouched, idle) = {
            let found = self.found();
            (
                found.machine.as_ref().map(|m| m.id.clone()),
                found.machine_untouched,
                found.machine_idle,
            )
        };
        let Some(machine_id) = machine_id else {
            return Err(StepError::new(
                ErrorClass::Failed,
                "the machine step did not record a machine",
            ));
        };
        if idle {
            return Ok(StepOutcome::Skipped(
                "machine stopped by auto-stop; provisioning had completed".into(),
            ));
        }
        if !health.require.contains(&HealthCheck::FlyChecks) {
            // `machine_started` was proven by the machine step's wait.
            let machine = self.found().machine.clone();
            let recorded = machine
                .as_ref()
                .is_some_and(|m| has_metadata(m, METADATA_HEALTH_PASSED));
            self.record_health_passed(&machine_id, recorded).await?;
            let detail = format!("machine {machine_id} started");
            return Ok(if untouched && recorded {
                StepOutcome::Skipped(detail)
            } else {
                StepOutcome::Done(detail)
            });
        }
        let timeout = health.timeout.as_duration();
        let start = tokio::time::Instant::now();
        // A timeout the clock cannot add (the config accepts up to ~2^64 s) means "no limit".
        let deadline = start
            .checked_add(timeout)
            .unwrap_or_else(|| start + Duration::from_secs(100 * 365 * 24 * 3600));
        let mut first_look = true;
        let mut last_shown = String::new();
        // A machine the machine step found running and left alone was just read with its
        // checks; the first look uses that answer instead of asking again.
        let mut already_read = if untouched {
            self.found().machine.clone()
        } else {
            None
        };
        loop {
            let machine = match already_read.take() {
                Some(machine) => machine,
                None => self
                    .client
                    .get_machine(self.app(), &machine_id)
                    .await
                    .map_err(|e| StepError::api("read the machine's checks", e))?,
            };
            let checks: Vec<_> = machine.real_checks().collect();
            let passing = checks.iter().filter(|c| c.is_passing()).count();
            let summary = format!("{passing}/{} checks passing", checks.len());
            if machine.state == state::STARTED && passing == checks.len() {
                let recorded = has_metadata(&machine, METADATA_HEALTH_PASSED);
                self.record_health_passed(&machine_id, recorded).await?;
                return Ok(if first_look && untouched && recorded {
                    StepOutcome::Skipped(summary)
                } else {
                    StepOutcome::Done(summary)
                });
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                let failing: Vec<String> = checks
                    .iter()
                    .filter(|c| !c.is_passing())
                    .map(|c| format!("{} {}", c.name, c.status))
                    .collect();
                return Err(StepError::new(
                    ErrorClass::Failed,
                    format!(
                        "health gate not passed within {}: machine {machine_id} is {}, {summary} (failing: {})",
                        health.timeout,
                        machine.state,
                        failing.join(", ")
                    ),
                ));
            }
            if summary != last_shown {
                self.progress("health", format!("waiting for checks ({summary})"));
                last_shown = summary;
            }
            first_look = false;
            tokio::time::sleep(self.health_poll_interval.min(deadline - now)).await;
        }
    }

    async fn record_health_passed(
        &self,
        machine_id: &str,
        already_recorded: bool,
    ) -> Result<(), StepError> {
        if already_recorded {
            return Ok(());
        }
        self.client
            .set_metadata(
                self.app(),
                machine_id,
                METADATA_HEALTH_PASSED,
                &self.prepared.template_version,
            )
            .await
            .map_err(|e| StepError::api("record that the health gate passed", e))
    }

    // -------------------------------------------------------- certificates

    async fn certificates_step(&self) -> StepResult {
        let domains = &self.prepared.domains;
        if domains.is_empty() {
            return Ok(StepOutcome::Skipped("no domains".into()));
        }
        let existing: BTreeSet<String> = if self.fresh_app() {
            BTreeSet::new()
        } else {
            self.certificate_hostnames().await?
        };
        let missing: Vec<&String> = domains.iter().filter(|d| !existing.contains(*d)).collect();
        if missing.is_empty() {
            return Ok(StepOutcome::Skipped(format!(
                "certificates exist for {}",
                domains.join(", ")
            )));
        }
        let results =
            futures::future::join_all(missing.iter().map(|d| self.add_certificate(d))).await;
        for result in results {
            result?;
        }
        Ok(StepOutcome::Done(format!(
            "added {}",
            missing
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }

    async fn certificate_hostnames(&self) -> Result<BTreeSet<String>, StepError> {
        let mut names = BTreeSet::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .client
                .list_certificates(self.app(), cursor.as_deref())
                .await
                .map_err(|e| StepError::api("list certificates", e))?;
            names.extend(page.certificates.into_iter().map(|c| c.hostname));
            match page.next_cursor.filter(|c| !c.is_empty()) {
                Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
                _ => return Ok(names),
            }
        }
    }

    async fn add_certificate(&self, domain: &str) -> Result<(), StepError> {
        let app = self.app();
        let what = format!("add certificate for {domain}");
        match self.client.add_certificate(app, domain).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_ambiguous() => {
                let found = self
                    .client
                    .get_certificate(app, domain)
                    .await
                    .map_err(|e| StepError::api(&format!("look up certificate {domain}"), e))?;
                if found.is_some() {
                    return Ok(());
                }
                self.client
                    .add_certificate(app, domain)
                    .await
                    .map(drop)
                    .map_err(|e| StepError::api(&what, e))
            }
            Err(e) => Err(StepError::api(&what, e)),
        }
    }
}

fn is_public_v4(ip: &IpAssignment) -> bool {
    !ip.ip.contains(':')
}

fn is_public_v6(ip: &IpAssignment) -> bool {
    ip.ip.contains(':') && !ip.is_flycast()
}

fn name_taken(app: &str, error: &ApiError) -> StepError {
    StepError::new(
        ErrorClass::Conflict,
        format!(
            "app name `{app}` is taken by an org this token cannot see ({error}); app names are global on Fly, so pick another tenant id or app_name_pattern"
        ),
    )
}

fn create_app_error(app: &str, error: ApiError) -> StepError {
    if error.is_name_taken() {
        return name_taken(app, &error);
    }
    StepError::api("create the app", error)
}

/// The last `max_chars` characters of `text`, marked when cut.
fn tail(text: &str, max_chars: usize) -> String {
    let count = text.chars().count();
    if count <= max_chars {
        return text.to_string();
    }
    let skip = count - max_chars;
    format!("…{}", text.chars().skip(skip).collect::<String>())
}

/// The steps of a provisioning, each a lazy future: building them calls nothing.
fn steps<'a>(ctx: &'a Ctx<'a>) -> Vec<Step<'a, StepError>> {
    let p = ctx.prepared;
    let app = &p.app;
    let v1 = format!("/v1/apps/{app}");
    let domains = if p.domains.is_empty() {
        "no domains".to_string()
    } else {
        p.domains.join(", ")
    };
    vec![
        Step::new(
            "app",
            &[],
            format!("create app {app} on network {}", ctx.network()),
            ctx.app_step(),
        )
        .calls([format!("GET {v1}"), "POST /v1/apps (if missing)".to_string()]),
        Step::new(
            "secrets",
            &["app"],
            format!("set generated secrets {}", GENERATED_SECRETS.join(", ")),
            ctx.secrets_step(),
        )
        .calls([
            format!("GET {v1}/secrets (not when the app was just created)"),
            format!("POST {v1}/secrets (missing ones only)"),
        ]),
        Step::new(
            "ips",
            &["app"],
            "allocate a shared IPv4 and an IPv6 address",
            ctx.ips_step(),
        )
        .calls([
            format!("GET {v1}/ip_assignments (not when the app was just created)"),
            format!("POST {v1}/ip_assignments (shared_v4, v6; missing ones only)"),
        ]),
        Step::new(
            "volume",
            &["app"],
            format!(
                "create volume {} ({} GB, {})",
                p.volume_name, p.volume_size_gb, ctx.region
            ),
            ctx.volume_step(),
        )
        .calls([
            format!("GET {v1}/volumes (not when the app was just created)"),
            format!("POST {v1}/volumes (if missing)"),
        ]),
        Step::new(
            "certificates",
            &["app"],
            format!("add certificates ({domains})"),
            ctx.certificates_step(),
        )
        .calls(if p.domains.is_empty() {
            Vec::new()
        } else {
            vec![
                format!("GET {v1}/certificates (not when the app was just created)"),
                format!("POST {v1}/certificates/acme (per missing domain)"),
            ]
        }),
        Step::new(
            "machine",
            &["volume", "secrets"],
            format!("create machine ({}) and wait until started", p.image),
            ctx.machine_step(),
        )
        .calls([
            format!("GET {v1}/machines?metadata.{METADATA_TENANT}=... (not when the app was just created)"),
            format!("POST {v1}/machines (if missing)"),
            format!("POST {v1}/machines/{{id}}/lease, /start, DELETE .../lease (only to start a stopped machine)"),
            format!("GET {v1}/machines/{{id}}/wait?state=started"),
        ]),
        Step::new(
            "hooks",
            &["machine"],
            format!(
                "run {} post-provision hook{}",
                p.hooks.len(),
                if p.hooks.len() == 1 { "" } else { "s" }
            ),
            ctx.hooks_step(),
        )
        .calls(if p.hooks.is_empty() {
            Vec::new()
        } else {
            vec![
                format!("POST {v1}/machines/{{id}}/exec (per hook not yet recorded)"),
                format!("POST {v1}/machines/{{id}}/metadata/{METADATA_HOOK_PREFIX}... (per hook run)"),
            ]
        }),
        Step::new(
            "health",
            &["hooks"],
            format!(
                "health gate: {} within {}",
                ctx.config
                    .health
                    .require
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                ctx.config.health.timeout
            ),
            ctx.health_step(),
        )
        .calls(if ctx.config.health.require.contains(&HealthCheck::FlyChecks) {
            vec![format!("GET {v1}/machines/{{id}} (polled until the checks pass)")]
        } else {
            Vec::new()
        }),
    ]
}

/// Provisions a tenant (or resumes a provisioning that failed). See the module docs.
///
/// With `dry_run` nothing is sent to the API, not even reads: the plan lists every call a step
/// may make, and which ones it makes depends on what exists.
pub async fn provision(
    client: &FlyClient,
    opts: &ProvisionOptions<'_>,
    reporter: &dyn Reporter,
) -> Result<ProvisionReport, ProvisionError> {
    let prepared = prepare(opts)?;
    let ctx = Ctx {
        client,
        reporter,
        config: opts.config,
        prepared: &prepared,
        org: &opts.config.org,
        region: &opts.region,
        start_timeout: opts.start_timeout,
        health_poll_interval: opts.health_poll_interval,
        created_app: AtomicBool::new(false),
        found: Mutex::new(Found::default()),
    };
    let steps = steps(&ctx);
    let plan = Plan::of(&steps);
    let mut report = ProvisionReport {
        tenant: prepared.tenant.clone(),
        app: prepared.app.clone(),
        tier: opts.tier.clone(),
        region: opts.region.clone(),
        image: prepared.image.clone(),
        template: prepared.template.clone(),
        template_version: prepared.template_version.clone(),
        dry_run: opts.dry_run,
        changed: false,
        steps: Vec::new(),
        machine_id: None,
        volume_id: None,
        ips: Vec::new(),
        domains: prepared.domains.clone(),
    };
    let outcomes = if opts.dry_run {
        // Dropping the steps drops their futures unpolled: no request is made.
        drop(steps);
        BTreeMap::new()
    } else {
        run(steps, reporter).await.map_err(|e| match e {
            RunError::Step { step, source } => ProvisionError::Step {
                tenant: prepared.tenant.clone(),
                step,
                class: source.class,
                reason: source.message,
                resume: opts.resume_command(),
                cleanup: opts.cleanup_command(),
            },
            other => ProvisionError::invalid(other),
        })?
    };
    for planned in plan.steps {
        let finished = outcomes.get(planned.name);
        let (status, detail) = match finished.map(|f| &f.outcome) {
            Some(StepOutcome::Done(detail)) => (StepStatus::Done, detail.clone()),
            Some(StepOutcome::Skipped(reason)) => (StepStatus::Skipped, reason.clone()),
            None => (StepStatus::Planned, String::new()),
        };
        report.changed |= status == StepStatus::Done;
        report.steps.push(StepReport {
            name: planned.name.to_string(),
            title: planned.title,
            needs: planned.needs.iter().map(|n| n.to_string()).collect(),
            calls: planned.calls,
            status,
            detail,
            elapsed: finished.map(|f| f.elapsed),
        });
    }
    let found = ctx.found();
    report.machine_id = found.machine.as_ref().map(|m| m.id.clone());
    report.volume_id = found.volume_id.clone();
    report.ips = found.ips.clone();
    Ok(report)
}

fn has_metadata(machine: &Machine, key: &str) -> bool {
    machine
        .config
        .as_ref()
        .is_some_and(|c| c.metadata.contains_key(key))
}

/// `text` with every occurrence of the given secret values replaced by `[redacted]`.
fn redact(text: &str, secrets: &[SecretValue]) -> String {
    secrets
        .iter()
        .map(SecretValue::expose)
        .filter(|value| !value.is_empty())
        .fold(text.to_string(), |text, value| {
            text.replace(value, "[redacted]")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_replaces_every_secret_value() {
        let secrets = [SecretValue::new("s3cr3t"), SecretValue::new("")];
        assert_eq!(
            redact("DATABASE_PASSWORD=s3cr3t; again s3cr3t", &secrets),
            "DATABASE_PASSWORD=[redacted]; again [redacted]"
        );
    }

    #[test]
    fn domains_are_normalised_and_checked() {
        let ok = normalise_domains(&["Shop.Example.com.".into(), "shop.example.com".into()])
            .expect("valid");
        assert_eq!(ok, ["shop.example.com"]);
        for bad in ["localhost", "a..b", "-a.com", "a_b.com", "a b.com", ""] {
            assert!(normalise_domains(&[bad.to_string()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn hook_keys_follow_the_command() {
        let hook = |argv: &[&str]| Hook {
            name: None,
            command: argv.iter().map(|s| s.to_string()).collect(),
            timeout: crate::config::ConfigDuration::from_secs(10),
        };
        let a = hook_key(&hook(&["sh", "-c", "x"]));
        assert!(a.starts_with(METADATA_HOOK_PREFIX));
        assert_eq!(a, hook_key(&hook(&["sh", "-c", "x"])));
        assert_ne!(a, hook_key(&hook(&["sh", "-c", "y"])));
        // Word boundaries count: ["a b"] is not ["a", "b"].
        assert_ne!(hook_key(&hook(&["a b"])), hook_key(&hook(&["a", "b"])));
    }

    #[test]
    fn tail_keeps_the_end() {
        assert_eq!(tail("abc", 5), "abc");
        assert_eq!(tail("abcdef", 3), "…def");
    }
}
