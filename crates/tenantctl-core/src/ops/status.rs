//! `status`: what one tenant looks like on Fly, read-only.

use fly_api::FlyClient;
use fly_api::types::{
    CertificateSummary, ListCertificatesResponse, ListMachinesParams, Machine, Volume,
};
use serde::Serialize;

use crate::config::Config;
use crate::error::OpError;
use crate::metadata::{
    PROVISIONED_BY as METADATA_PROVISIONED_BY, TEMPLATE_VERSION as METADATA_TEMPLATE_VERSION,
    TENANT as METADATA_TENANT, TIER as METADATA_TIER, get as metadata,
};
use crate::tenant::{AppName, TenantId};

/// One tenant as `status` and `list` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantStatus {
    pub tenant: String,
    pub app: String,
    /// From the machine's `tenantctl_tier` metadata.
    pub tier: Option<String>,
    pub region: Option<String>,
    pub machine_id: Option<String>,
    /// `started`, `stopped`, `suspended`, ...; `None` when the tenant has no machine.
    pub machine_state: Option<String>,
    pub image: Option<String>,
    pub volume_id: Option<String>,
    pub volume_size_gb: Option<u64>,
    pub checks_passing: usize,
    pub checks_total: usize,
    /// e.g. "2/2 passing", or "no checks".
    pub checks: String,
    pub certificates: Vec<CertificateState>,
    /// When the tenant was created: its volume's creation time (the volume outlives machine
    /// replacements), else the machine's.
    pub created_at: Option<String>,
    pub template_version: Option<String>,
    pub provisioned_by: Option<String>,
    /// Set by `list` when this tenant's details could not be read; the other fields are then
    /// mostly empty.
    pub error: Option<String>,
}

/// One hostname's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateState {
    pub hostname: String,
    /// Fly's status text, e.g. "awaiting configuration" or "issued".
    pub status: String,
}

impl TenantStatus {
    pub(crate) fn empty(tenant: &str, app: &str) -> TenantStatus {
        TenantStatus {
            tenant: tenant.to_string(),
            app: app.to_string(),
            tier: None,
            region: None,
            machine_id: None,
            machine_state: None,
            image: None,
            volume_id: None,
            volume_size_gb: None,
            checks_passing: 0,
            checks_total: 0,
            checks: "no machine".to_string(),
            certificates: Vec::new(),
            created_at: None,
            template_version: None,
            provisioned_by: None,
            error: None,
        }
    }

    /// An entry for a tenant whose details could not be read.
    pub(crate) fn failed(tenant: &str, app: &str, error: &OpError) -> TenantStatus {
        TenantStatus {
            checks: "unknown".to_string(),
            error: Some(error.to_string()),
            ..TenantStatus::empty(tenant, app)
        }
    }
}

/// What the app listing already says, so calls that cannot find anything are skipped.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Known {
    pub no_machines: bool,
    pub no_volumes: bool,
}

/// The status of one tenant. Read-only: at most three GETs (machines, volumes, certificates),
/// sent concurrently. An unknown tenant is an [`OpError`] of class `NotFound`.
pub async fn status(
    client: &FlyClient,
    config: &Config,
    tenant: &str,
) -> Result<TenantStatus, OpError> {
    let id = TenantId::parse(tenant)?;
    let app = AppName::for_tenant(&config.app_name_pattern, &id)?;
    fetch(client, config, id.as_str(), app.as_str(), Known::default()).await
}

pub(crate) async fn fetch(
    client: &FlyClient,
    config: &Config,
    tenant: &str,
    app: &str,
    known: Known,
) -> Result<TenantStatus, OpError> {
    let machines = async {
        if known.no_machines {
            Ok(Vec::new())
        } else {
            client
                .list_machines(app, &ListMachinesParams::default())
                .await
        }
    };
    let volumes = async {
        if known.no_volumes {
            Ok(Vec::new())
        } else {
            client.list_volumes(app).await
        }
    };
    let certificates = all_certificates(client, app);
    let (machines, volumes, certificates) = futures::join!(machines, volumes, certificates);
    let not_found = || {
        OpError::not_found(format!(
            "tenant `{tenant}` not found: app `{app}` does not exist in org `{}`",
            config.org
        ))
    };
    let machines = match machines {
        Ok(m) => m,
        Err(e) if e.is_not_found() => return Err(not_found()),
        Err(e) => return Err(OpError::api(format!("list machines of {app}"), e)),
    };
    let volumes = match volumes {
        Ok(v) => v,
        Err(e) if e.is_not_found() => return Err(not_found()),
        Err(e) => return Err(OpError::api(format!("list volumes of {app}"), e)),
    };
    let certificates = match certificates {
        Ok(c) => c,
        Err(e) if e.is_not_found() => return Err(not_found()),
        Err(e) => return Err(OpError::api(format!("list certificates of {app}"), e)),
    };
    Ok(summarise(tenant, app, &machines, &volumes, &certificates))
}

async fn all_certificates(
    client: &FlyClient,
    app: &str,
) -> Result<Vec<CertificateSummary>, fly_api::ApiError> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let ListCertificatesResponse {
            certificates,
            next_cursor,
            ..
        } = client.list_certificates(app, cursor.as_deref()).await?;
        all.extend(certificates);
        match next_cursor.filter(|c| !c.is_empty()) {
            Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
            _ => return Ok(all),
        }
    }
}

fn summarise(
    tenant: &str,
    app: &str,
    machines: &[Machine],
    volumes: &[Volume],
    certificates: &[CertificateSummary],
) -> TenantStatus {
    let mut status = TenantStatus::empty(tenant, app);
    let machine = machines
        .iter()
        .filter(|m| m.is_active())
        .find(|m| metadata(m, METADATA_TENANT) == Some(tenant))
        .or_else(|| machines.iter().find(|m| m.is_active()));
    let mounted = machine
        .and_then(|m| m.config.as_ref())
        .and_then(|c| c.mounts.first())
        .map(|mount| mount.volume.clone());
    let volume = volumes
        .iter()
        .filter(|v| !v.is_being_destroyed())
        .find(|v| Some(&v.id) == mounted.as_ref())
        .or_else(|| volumes.iter().find(|v| !v.is_being_destroyed()));

    if let Some(m) = machine {
        let checks: Vec<_> = m.real_checks().collect();
        let passing = checks.iter().filter(|c| c.is_passing()).count();
        status.tier = metadata(m, METADATA_TIER).map(str::to_string);
        status.template_version = metadata(m, METADATA_TEMPLATE_VERSION).map(str::to_string);
        status.provisioned_by = metadata(m, METADATA_PROVISIONED_BY).map(str::to_string);
        status.region = Some(m.region.clone()).filter(|r| !r.is_empty());
        status.machine_id = Some(m.id.clone());
        status.machine_state = Some(m.state.clone());
        status.image = m
            .config
            .as_ref()
            .and_then(|c| c.image.clone())
            .or_else(|| m.image_ref.as_ref().map(|i| i.display_name()));
        status.checks_passing = passing;
        status.checks_total = checks.len();
        status.checks = if checks.is_empty() {
            "no checks".to_string()
        } else {
            format!("{passing}/{} passing", checks.len())
        };
        status.created_at = m.created_at.clone();
    }
    if let Some(v) = volume {
        status.volume_id = Some(v.id.clone());
        status.volume_size_gb = Some(v.size_gb);
        if status.region.is_none() {
            status.region = Some(v.region.clone());
        }
        if v.created_at.is_some() {
            status.created_at = v.created_at.clone();
        }
    }
    status.certificates = certificates
        .iter()
        .map(|c| CertificateState {
            hostname: c.hostname.clone(),
            status: c.status.clone(),
        })
        .collect();
    status
}
