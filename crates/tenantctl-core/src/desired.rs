//! The desired tenant: what config, templates and a request say a tenant should be, worked out
//! before any API call (so bad input is refused before anything is sent).

use std::path::Path;

use fly_api::types::MachineConfig;

use crate::config::{Config, Hook};
use crate::error::OpError;
use crate::flytoml::{AppConfig, ConvertOptions, DEFAULT_PROCESS_GROUP, to_machine_config};
use crate::metadata;
use crate::template::{TemplateSet, TenantRenderRequest, render_tenant};

/// What to build a tenant from.
#[derive(Debug, Clone)]
pub struct TenantRequest {
    /// Tenant id as typed; validated here.
    pub tenant: String,
    pub tier: String,
    pub region: String,
    /// Hostnames to add certificates for.
    pub domains: Vec<String>,
    /// Image to run instead of the config's `image`.
    pub image: Option<String>,
    /// Who asks (recorded in machine metadata), e.g. a user name or CI job.
    pub actor: String,
}

/// A tenant as it should be.
#[derive(Debug, Clone)]
pub struct DesiredTenant {
    pub tenant: String,
    pub app: String,
    pub org: String,
    pub tier: String,
    pub region: String,
    pub image: String,
    pub template: String,
    pub template_version: String,
    pub volume_name: String,
    pub volume_size_gb: u32,
    pub always_on: bool,
    /// Complete except for the volume id of the mount.
    pub machine_config: MachineConfig,
    /// Normalised, without duplicates.
    pub domains: Vec<String>,
    /// (metadata key, hook) in run order.
    pub hooks: Vec<(String, Hook)>,
}

impl DesiredTenant {
    /// Renders the tier's template for the tenant and turns it into a machine config with the
    /// tenant's metadata.
    pub fn render(
        config: &Config,
        templates: &TemplateSet,
        request: &TenantRequest,
    ) -> Result<DesiredTenant, OpError> {
        let rendered = render_tenant(
            config,
            templates,
            &TenantRenderRequest {
                tenant: request.tenant.clone(),
                tier: request.tier.clone(),
                region: Some(request.region.clone()),
                image: request.image.clone(),
            },
        )?;
        if rendered.image.trim().is_empty() {
            return Err(OpError::invalid("the image must not be empty"));
        }
        if request.actor.trim().is_empty() {
            return Err(OpError::invalid(
                "the actor (who provisions) must not be empty",
            ));
        }
        let tier = config.tier(&request.tier)?;
        let domains = normalise_domains(&request.domains)?;

        let path = format!("{}.toml (rendered for {})", rendered.template, rendered.app);
        let app_config = AppConfig::parse(&rendered.fly_toml, Path::new(&path))
            .map_err(|e| OpError::invalid(format!("rendered fly.toml: {e}")))?;
        let mut machine_config = to_machine_config(
            &app_config,
            DEFAULT_PROCESS_GROUP,
            &ConvertOptions {
                image: Some(rendered.image.clone()),
                ..ConvertOptions::default()
            },
        )
        .map_err(|e| {
            OpError::invalid(format!(
                "template `{}` cannot become a machine config: {e}",
                rendered.template
            ))
        })?;
        if machine_config.mounts.len() != 1 {
            return Err(OpError::invalid(format!(
                "template `{}` must mount exactly one volume (the tenant's data) for process group `{DEFAULT_PROCESS_GROUP}`; it mounts {}",
                rendered.template,
                machine_config.mounts.len()
            )));
        }
        let volume_name = machine_config.mounts[0].name.clone();
        machine_config.image = Some(rendered.image.clone());
        let meta = &mut machine_config.metadata;
        meta.insert(metadata::TENANT.into(), rendered.tenant.to_string());
        meta.insert(metadata::TIER.into(), rendered.tier.clone());
        meta.insert(
            metadata::TEMPLATE_VERSION.into(),
            rendered.template_version.clone(),
        );
        meta.insert(metadata::PROVISIONED_BY.into(), request.actor.clone());

        let hooks = config
            .hooks
            .post_provision
            .iter()
            .map(|hook| (metadata::hook_key(hook), hook.clone()))
            .collect();

        Ok(DesiredTenant {
            tenant: rendered.tenant.to_string(),
            app: rendered.app.to_string(),
            org: config.org.clone(),
            tier: rendered.tier,
            region: request.region.clone(),
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

    /// Each tenant gets its own private network so tenants cannot reach each other over 6PN.
    pub fn network(&self) -> String {
        format!("{}-net", self.app)
    }
}

/// Lowercases, checks and de-duplicates hostnames.
pub fn normalise_domains(domains: &[String]) -> Result<Vec<String>, OpError> {
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
            return Err(
                OpError::invalid(format!("invalid domain `{}`", raw.escape_debug()))
                    .with_hint("pass a hostname such as shop.example.com"),
            );
        }
        if !out.contains(&domain) {
            out.push(domain);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised_and_checked() {
        let ok = normalise_domains(&["Shop.Example.com.".into(), "shop.example.com".into()])
            .expect("valid");
        assert_eq!(ok, ["shop.example.com"]);
        for bad in ["localhost", "a..b", "-a.com", "a_b.com", "a b.com", ""] {
            assert!(normalise_domains(&[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
