//! Which tenants a fleet command works on: named ones (`a b`, `--tenants a,b`, a tenants
//! file), every tenant (`--all`), narrowed by tier and shard.
//!
//! Named tenants keep the order they were given in (so an operator picks the canaries by
//! naming them first); `--all` takes the fleet in tenant id order.

use std::collections::BTreeSet;

use super::Shard;
use crate::error::OpError;
use crate::ops::TenantStatus;
use crate::tenant::TenantId;

/// What the operator asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Every tenant of the org.
    pub all: bool,
    /// Named tenants, in order (from arguments, `--tenants` and a tenants file).
    pub tenants: Vec<String>,
    /// Only tenants on this tier.
    pub tier: Option<String>,
    pub shard: Option<Shard>,
}

impl Selection {
    /// True when the selection is one named tenant and nothing else, so the command can run
    /// its single-tenant form.
    pub fn single(&self) -> Option<&str> {
        match self.tenants.as_slice() {
            [one] if !self.all && self.tier.is_none() && self.shard.is_none() => Some(one),
            _ => None,
        }
    }

    /// Refuses bad or repeated tenant ids before anything is read.
    pub fn check(&self) -> Result<(), OpError> {
        if !self.all && self.tenants.is_empty() {
            return Err(OpError::invalid("no tenants selected")
                .with_hint("name tenants, pass --tenants a,b or --tenants-file F, or --all"));
        }
        if self.all && !self.tenants.is_empty() {
            return Err(OpError::invalid(
                "--all selects every tenant; it cannot be combined with named tenants",
            ));
        }
        let mut seen = BTreeSet::new();
        for tenant in &self.tenants {
            TenantId::parse(tenant)?;
            if !seen.insert(tenant.as_str()) {
                return Err(OpError::invalid(format!(
                    "tenant `{tenant}` is selected twice"
                )));
            }
        }
        Ok(())
    }

    /// Lists the org's tenants and returns the selected ones (see [`Selection::resolve`]).
    pub async fn select(
        &self,
        client: &fly_api::FlyClient,
        config: &crate::config::Config,
    ) -> Result<Vec<TenantStatus>, OpError> {
        let live = crate::ops::list(client, config, &crate::ops::ListOptions::default()).await?;
        Ok(self.resolve(&live)?.into_iter().cloned().collect())
    }

    /// The selected tenants among `live` (every tenant `list` found), in selection order.
    /// A named tenant that does not exist is an error: nothing runs on a misspelt fleet.
    pub fn resolve<'a>(&self, live: &'a [TenantStatus]) -> Result<Vec<&'a TenantStatus>, OpError> {
        let keep = |t: &TenantStatus| {
            self.tier
                .as_ref()
                .is_none_or(|tier| t.tier.as_ref() == Some(tier))
                && self.shard.is_none_or(|s| s.contains(&t.tenant))
        };
        if self.all {
            let mut all: Vec<&TenantStatus> = live.iter().filter(|t| keep(t)).collect();
            all.sort_by(|a, b| a.tenant.cmp(&b.tenant));
            return Ok(all);
        }
        let mut selected = Vec::new();
        let mut missing = Vec::new();
        for name in &self.tenants {
            match live.iter().find(|t| &t.tenant == name) {
                Some(t) if keep(t) => selected.push(t),
                Some(_) => {}
                None => missing.push(name.as_str()),
            }
        }
        if !missing.is_empty() {
            return Err(OpError::not_found(format!(
                "no such tenant(s) in the org: {}",
                missing.join(", ")
            ))
            .with_hint("`tenantctl list` shows the tenants; nothing was changed"));
        }
        Ok(selected)
    }
}

/// Tenant ids from a tenants file: one per line; blank lines and `#` comments are ignored.
/// A bad id names its line.
pub fn parse_tenants_file(path: &str, text: &str) -> Result<Vec<String>, OpError> {
    let mut tenants = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let id = line.split('#').next().unwrap_or_default().trim();
        if id.is_empty() {
            continue;
        }
        TenantId::parse(id).map_err(|e| {
            OpError::invalid(format!("{path}:{}: {e}", number + 1))
                .with_hint("a tenants file holds one tenant id per line; # starts a comment")
        })?;
        tenants.push(id.to_string());
    }
    Ok(tenants)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(names: &[(&str, &str)]) -> Vec<TenantStatus> {
        names
            .iter()
            .map(|(t, tier)| {
                let mut s = TenantStatus::empty(t, &format!("tenant-{t}"));
                s.tier = Some(tier.to_string());
                s
            })
            .collect()
    }

    fn names(selected: &[&TenantStatus]) -> Vec<String> {
        selected.iter().map(|t| t.tenant.clone()).collect()
    }

    #[test]
    fn named_tenants_keep_their_order_and_all_is_sorted() {
        let fleet = live(&[("b", "pro"), ("a", "free"), ("c", "pro")]);
        let named = Selection {
            tenants: vec!["c".into(), "a".into()],
            ..Selection::default()
        };
        assert_eq!(names(&named.resolve(&fleet).unwrap()), ["c", "a"]);
        let all = Selection {
            all: true,
            tier: Some("pro".into()),
            ..Selection::default()
        };
        assert_eq!(names(&all.resolve(&fleet).unwrap()), ["b", "c"]);
    }

    #[test]
    fn a_missing_tenant_fails_the_whole_selection() {
        let fleet = live(&[("a", "free")]);
        let named = Selection {
            tenants: vec!["a".into(), "zz".into()],
            ..Selection::default()
        };
        let error = named.resolve(&fleet).unwrap_err();
        assert!(error.to_string().contains("zz"), "{error}");
    }

    #[test]
    fn bad_selections_are_refused() {
        let twice = Selection {
            tenants: vec!["a".into(), "a".into()],
            ..Selection::default()
        };
        assert!(twice.check().is_err());
        assert!(Selection::default().check().is_err());
        let both = Selection {
            all: true,
            tenants: vec!["a".into()],
            ..Selection::default()
        };
        assert!(both.check().is_err());
    }

    #[test]
    fn tenants_files_skip_comments_and_name_bad_lines() {
        let text = "# canaries first\nacme\n\n  beta  # the beta customer\n";
        assert_eq!(parse_tenants_file("f", text).unwrap(), ["acme", "beta"]);
        let error = parse_tenants_file("fleet.txt", "acme\nBad_Id\n").unwrap_err();
        assert!(error.to_string().contains("fleet.txt:2"), "{error}");
    }
}
