//! The fleet file: every tenant as it should be, so a pull request is the record of a change.
//!
//! Either one file (`fleet.toml`, tenants under `[tenants.<id>]`, shared values under
//! `[defaults]`) or a folder with one file per tenant (`fleet/<id>.toml`, shared values in
//! `fleet/_defaults.toml`), so that adding a tenant touches one file. Per tenant: `tier`,
//! `image` (a pin; absent or `"latest"`: the config's image), `region`, `domains`,
//! `backups`, `protected`.
//!
//! A file that does not validate applies nothing: every tenant is checked (id, tier, region,
//! domains, image) against the config and the templates first, and each error names the file
//! and the line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::config::spans::KeyIndex;
use crate::desired::{DesiredTenant, TenantRequest};
use crate::error::OpError;
use crate::ops::deploy::check_image;
use crate::template::TemplateSet;

/// The image pin meaning "whatever `image` in tenantctl.toml says".
pub const LATEST: &str = "latest";

/// One tenant's entry as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    tier: Option<String>,
    image: Option<String>,
    region: Option<String>,
    domains: Option<Vec<String>>,
    backups: Option<bool>,
    protected: Option<bool>,
}

impl Entry {
    /// `self` with the unset values taken from `defaults`.
    fn over(self, defaults: &Entry) -> Entry {
        Entry {
            tier: self.tier.or_else(|| defaults.tier.clone()),
            image: self.image.or_else(|| defaults.image.clone()),
            region: self.region.or_else(|| defaults.region.clone()),
            domains: self.domains.or_else(|| defaults.domains.clone()),
            backups: self.backups.or(defaults.backups),
            protected: self.protected.or(defaults.protected),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SingleFile {
    #[serde(default)]
    defaults: Entry,
    #[serde(default)]
    tenants: BTreeMap<String, Entry>,
}

/// A tenant as the fleet file wants it, defaults applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WantedTenant {
    pub tenant: String,
    pub tier: String,
    /// The image to run: the pin, or the config's image.
    pub image: String,
    /// True when the file pins the image (not "latest").
    pub pinned: bool,
    pub region: String,
    pub domains: Vec<String>,
    pub backups: bool,
    pub protected: bool,
    /// Where the tenant is written, `file:line`.
    pub source: String,
}

/// Every tenant of a fleet file, in tenant id order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FleetFile {
    pub path: String,
    pub tenants: Vec<WantedTenant>,
}

impl FleetFile {
    pub fn get(&self, tenant: &str) -> Option<&WantedTenant> {
        self.tenants.iter().find(|t| t.tenant == tenant)
    }
}

/// Where a fleet file is looked for when none is named: `fleet.toml`, else `fleet/`, beside
/// tenantctl.toml.
pub fn default_path(config_dir: &Path) -> Option<PathBuf> {
    [config_dir.join("fleet.toml"), config_dir.join("fleet")]
        .into_iter()
        .find(|p| p.exists())
}

/// Reads and validates the fleet file or folder at `path`.
pub fn load(path: &Path, config: &Config, templates: &TemplateSet) -> Result<FleetFile, OpError> {
    let shown = path.display().to_string();
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|e| {
            OpError::not_found(format!("cannot read the fleet file {}: {e}", p.display()))
        })
    };
    let entries = if path.is_dir() {
        read_folder(path, &read)?
    } else {
        let text = read(path)?;
        read_single(&shown, &text)?
    };
    let mut tenants = Vec::with_capacity(entries.len());
    for (tenant, entry, source) in entries {
        tenants.push(validate(tenant, entry, source, config, templates)?);
    }
    tenants.sort_by(|a, b| a.tenant.cmp(&b.tenant));
    Ok(FleetFile {
        path: shown,
        tenants,
    })
}

/// A tenant, its entry with defaults applied, and where it and each of its keys are written.
type Located = (String, Entry, Source);

/// Where a tenant is written: the file and the line of each key.
#[derive(Debug, Clone)]
struct Source {
    file: String,
    tenant_line: usize,
    lines: BTreeMap<&'static str, usize>,
}

impl Source {
    fn at(&self, key: &str) -> String {
        let line = self.lines.get(key).copied().unwrap_or(self.tenant_line);
        format!("{}:{line}", self.file)
    }
}

const KEYS: [&str; 6] = ["tier", "image", "region", "domains", "backups", "protected"];

fn parse_error(file: &str, text: &str, error: &toml::de::Error) -> OpError {
    let index = KeyIndex::build(text);
    let line = error
        .span()
        .map(|span| index.line_col(span.start).0)
        .unwrap_or(1);
    OpError::invalid(format!("{file}:{line}: {}", error.message())).with_hint(format!(
        "a tenant's keys are {}; see docs/fleet.md",
        KEYS.join(", ")
    ))
}

fn read_single(file: &str, text: &str) -> Result<Vec<Located>, OpError> {
    let parsed: SingleFile = toml::from_str(text).map_err(|e| parse_error(file, text, &e))?;
    let index = KeyIndex::build(text);
    Ok(parsed
        .tenants
        .into_iter()
        .map(|(tenant, entry)| {
            let prefix = format!("tenants.{tenant}");
            let source = Source {
                file: file.to_string(),
                tenant_line: index.line_of(&prefix).unwrap_or(1),
                lines: KEYS
                    .iter()
                    .filter_map(|k| Some((*k, index.line_of(&format!("{prefix}.{k}"))?)))
                    .collect(),
            };
            (tenant, entry.over(&parsed.defaults), source)
        })
        .collect())
}

fn read_folder(
    dir: &Path,
    read: &dyn Fn(&Path) -> Result<String, OpError>,
) -> Result<Vec<Located>, OpError> {
    let listing = std::fs::read_dir(dir).map_err(|e| {
        OpError::not_found(format!(
            "cannot list the fleet folder {}: {e}",
            dir.display()
        ))
    })?;
    let mut files: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let defaults_path = dir.join("_defaults.toml");
    let defaults: Entry = if defaults_path.exists() {
        let text = read(&defaults_path)?;
        let shown = defaults_path.display().to_string();
        toml::from_str(&text).map_err(|e| parse_error(&shown, &text, &e))?
    } else {
        Entry::default()
    };
    let mut seen = BTreeSet::new();
    let mut located = Vec::new();
    for path in files.into_iter().filter(|p| *p != defaults_path) {
        let shown = path.display().to_string();
        let tenant = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        // File systems that ignore case would let `Acme.toml` and `acme.toml` both stand.
        if !seen.insert(tenant.to_ascii_lowercase()) {
            return Err(OpError::invalid(format!(
                "{shown}:1: tenant `{tenant}` is written twice in {}",
                dir.display()
            )));
        }
        let text = read(&path)?;
        let entry: Entry = toml::from_str(&text).map_err(|e| parse_error(&shown, &text, &e))?;
        let index = KeyIndex::build(&text);
        let source = Source {
            file: shown,
            tenant_line: 1,
            lines: KEYS
                .iter()
                .filter_map(|k| Some((*k, index.line_of(k)?)))
                .collect(),
        };
        located.push((tenant, entry.over(&defaults), source));
    }
    Ok(located)
}

fn validate(
    tenant: String,
    entry: Entry,
    source: Source,
    config: &Config,
    templates: &TemplateSet,
) -> Result<WantedTenant, OpError> {
    let invalid = |key: &str, message: String| {
        OpError::invalid(format!("{}: tenant `{tenant}`: {message}", source.at(key)))
    };
    crate::tenant::TenantId::parse(&tenant).map_err(|e| {
        OpError::invalid(format!("{}:{}: {e}", source.file, source.tenant_line))
            .with_hint("a tenant id is its [tenants.<id>] key, or its file name in a folder")
    })?;
    let tier = entry.tier.ok_or_else(|| {
        invalid(
            "tier",
            "no tier (set `tier`, or one in the defaults)".into(),
        )
        .with_hint(format!("tiers are {}", config.tier_names().join(", ")))
    })?;
    let tier_config = config.tier(&tier).map_err(|_| {
        invalid("tier", format!("unknown tier `{tier}`"))
            .with_hint(format!("tiers are {}", config.tier_names().join(", ")))
    })?;
    let (image, pinned) = match entry.image.as_deref() {
        None | Some(LATEST) => (config.image.clone(), false),
        Some(pin) => {
            check_image(pin).map_err(|e| {
                invalid("image", e.reason().to_string())
                    .with_hint("pin an image such as registry.fly.io/cms:2026-12-01, or \"latest\"")
            })?;
            (pin.to_string(), true)
        }
    };
    let region = entry.region.unwrap_or_else(|| config.region.clone());
    let domains = entry.domains.unwrap_or_default();
    let request = TenantRequest {
        tenant: tenant.clone(),
        tier: tier.clone(),
        region: region.clone(),
        domains: domains.clone(),
        image: Some(image.clone()),
        // Not used by the checks; render refuses an empty one.
        actor: "fleet-file".to_string(),
    };
    // The same checks as `provision`: tenant id and app name, region, domains, template.
    DesiredTenant::render(config, templates, &request).map_err(|e| {
        let key = KEYS
            .iter()
            .find(|k| e.reason().contains(**k))
            .copied()
            .unwrap_or("");
        let error = OpError::invalid(format!("{}: {}", source.at(key), e.reason()));
        match e.hint() {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    })?;
    Ok(WantedTenant {
        // Unset: as tenantctl.toml says (the tier's `backups`, or the add-on list).
        backups: entry
            .backups
            .unwrap_or_else(|| config.has_backups(&tenant, Some(&tier))),
        protected: entry.protected.unwrap_or(tier_config.protected),
        source: format!("{}:{}", source.file, source.tenant_line),
        tenant,
        tier,
        image,
        pinned,
        region,
        domains,
    })
}
