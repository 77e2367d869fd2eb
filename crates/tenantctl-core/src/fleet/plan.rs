//! `plan`: the fleet file against the live state, tenant by tenant. There is no state file:
//! what `list` reads from the Machines API is the state.

use std::collections::BTreeSet;

use serde::Serialize;

use super::file::{FleetFile, WantedTenant};
use crate::ops::TenantStatus;

/// One change `apply` would make to a tenant, in the order it makes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Change {
    /// The tenant is not in Fly (or was never finished): provision it.
    Create {
        tier: String,
        region: String,
        image: String,
        domains: Vec<String>,
    },
    /// Another tier, or the same tier from newer templates.
    Upgrade {
        from_tier: String,
        to_tier: String,
        from_templates: String,
        to_templates: String,
    },
    /// Another image.
    Deploy {
        from_image: String,
        to_image: String,
    },
    AddDomains {
        domains: Vec<String>,
    },
    RemoveDomains {
        domains: Vec<String>,
    },
    /// In Fly but not in the file: destroyed only by `apply --prune`.
    Prune {
        tier: String,
    },
}

impl Change {
    /// One line for tables and logs.
    pub fn describe(&self) -> String {
        match self {
            Change::Create {
                tier,
                region,
                image,
                domains,
            } => {
                let domains = if domains.is_empty() {
                    String::new()
                } else {
                    format!(", domains {}", domains.join(" "))
                };
                format!("create on tier {tier} in {region}, image {image}{domains}")
            }
            Change::Upgrade {
                from_tier,
                to_tier,
                from_templates,
                to_templates,
            } if from_tier == to_tier => {
                format!("upgrade tier {to_tier}: templates {from_templates} -> {to_templates}")
            }
            Change::Upgrade {
                from_tier, to_tier, ..
            } => format!("upgrade tier {from_tier} -> {to_tier}"),
            Change::Deploy {
                from_image,
                to_image,
            } => format!("deploy {from_image} -> {to_image}"),
            Change::AddDomains { domains } => format!("add domains {}", domains.join(" ")),
            Change::RemoveDomains { domains } => format!("remove domains {}", domains.join(" ")),
            Change::Prune { tier } => {
                format!("not in the fleet file (tier {tier}): destroyed only by apply --prune")
            }
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Change::Create { .. } => "create",
            Change::Upgrade { .. } => "upgrade",
            Change::Deploy { .. } => "deploy",
            Change::AddDomains { .. } => "add_domains",
            Change::RemoveDomains { .. } => "remove_domains",
            Change::Prune { .. } => "prune",
        }
    }
}

/// One tenant's part of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantPlan {
    pub tenant: String,
    /// In the fleet file (false: only in Fly).
    pub managed: bool,
    pub changes: Vec<Change>,
    /// What the plan cannot change, such as a region.
    pub warnings: Vec<String>,
}

/// The whole plan, tenants in id order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FleetPlan {
    pub tenants: Vec<TenantPlan>,
    pub creates: usize,
    pub upgrades: usize,
    pub deploys: usize,
    pub domain_changes: usize,
    /// Tenants in Fly that the file does not have.
    pub unmanaged: usize,
    pub unchanged: usize,
}

impl FleetPlan {
    /// True when `apply` would change something (unmanaged tenants count: they are drift).
    pub fn has_changes(&self) -> bool {
        self.tenants.iter().any(|t| !t.changes.is_empty())
    }

    pub fn get(&self, tenant: &str) -> Option<&TenantPlan> {
        self.tenants.iter().find(|t| t.tenant == tenant)
    }
}

/// What must change for `live` (None: not in Fly) to be as `wanted` says.
pub fn plan_tenant(
    wanted: &WantedTenant,
    live: Option<&TenantStatus>,
    template_version: &str,
) -> TenantPlan {
    let mut changes = Vec::new();
    let mut warnings = Vec::new();
    match live.filter(|l| l.machine_id.is_some()) {
        None => changes.push(Change::Create {
            tier: wanted.tier.clone(),
            region: wanted.region.clone(),
            image: wanted.image.clone(),
            domains: wanted.domains.clone(),
        }),
        Some(live) => {
            let from_tier = live.tier.clone().unwrap_or_else(|| "unknown".into());
            let from_templates = live.template_version.clone().unwrap_or_else(|| "?".into());
            if from_tier != wanted.tier || from_templates != template_version {
                changes.push(Change::Upgrade {
                    from_tier,
                    to_tier: wanted.tier.clone(),
                    from_templates,
                    to_templates: template_version.to_string(),
                });
            }
            let from_image = live.image.clone().unwrap_or_default();
            if from_image != wanted.image {
                changes.push(Change::Deploy {
                    from_image,
                    to_image: wanted.image.clone(),
                });
            }
            let have: BTreeSet<&str> = live
                .certificates
                .iter()
                .map(|c| c.hostname.as_str())
                .collect();
            let want: BTreeSet<&str> = wanted.domains.iter().map(String::as_str).collect();
            let add: Vec<String> = want.difference(&have).map(|d| d.to_string()).collect();
            let remove: Vec<String> = have.difference(&want).map(|d| d.to_string()).collect();
            if !add.is_empty() {
                changes.push(Change::AddDomains { domains: add });
            }
            if !remove.is_empty() {
                changes.push(Change::RemoveDomains { domains: remove });
            }
            if let Some(region) = live.region.as_deref().filter(|r| *r != wanted.region) {
                warnings.push(format!(
                    "runs in {region}, the file says {}: a region move is a restore into a new \
                     tenant, which apply does not do",
                    wanted.region
                ));
            }
        }
    }
    TenantPlan {
        tenant: wanted.tenant.clone(),
        managed: true,
        changes,
        warnings,
    }
}

/// The plan for the whole fleet file against `live` (every tenant `list` found).
pub fn plan(file: &FleetFile, live: &[TenantStatus], template_version: &str) -> FleetPlan {
    let mut tenants: Vec<TenantPlan> = file
        .tenants
        .iter()
        .map(|wanted| {
            let found = live.iter().find(|l| l.tenant == wanted.tenant);
            plan_tenant(wanted, found, template_version)
        })
        .collect();
    for extra in live.iter().filter(|l| file.get(&l.tenant).is_none()) {
        tenants.push(TenantPlan {
            tenant: extra.tenant.clone(),
            managed: false,
            changes: vec![Change::Prune {
                tier: extra.tier.clone().unwrap_or_else(|| "unknown".into()),
            }],
            warnings: Vec::new(),
        });
    }
    tenants.sort_by(|a, b| a.tenant.cmp(&b.tenant));
    let count = |name: &str| {
        tenants
            .iter()
            .filter(|t| t.changes.iter().any(|c| c.name() == name))
            .count()
    };
    FleetPlan {
        creates: count("create"),
        upgrades: count("upgrade"),
        deploys: count("deploy"),
        domain_changes: tenants
            .iter()
            .filter(|t| {
                t.changes
                    .iter()
                    .any(|c| matches!(c, Change::AddDomains { .. } | Change::RemoveDomains { .. }))
            })
            .count(),
        unmanaged: count("prune"),
        unchanged: tenants.iter().filter(|t| t.changes.is_empty()).count(),
        tenants,
    }
}
