//! The fleet options shared by commands that take tenants: which tenants (`--all`,
//! `--tenants`, `--tenants-file`, `--shard`) and, for rollouts, how (`--canary`,
//! `--concurrency`, `--max-failures`, `--hold-back`).
//!
//! The tier filter is each command's own flag: `upgrade --tier` already names the tier to move
//! to, so there the filter is `--from-tier`.

use std::path::PathBuf;

use tenantctl_core::fleet::{FailureBudget, RolloutOptions, Selection, Shard, parse_tenants_file};
use tenantctl_core::tenant::TenantId;

use crate::context::shell_word;
use crate::error::{CliError, from_op};

#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Fleet selection")]
pub struct SelectArgs {
    /// Every tenant of the org
    #[arg(long)]
    pub all: bool,
    /// These tenants, comma-separated, in this order (the first ones are the canaries)
    #[arg(
        long = "tenants",
        id = "tenant_list",
        value_delimiter = ',',
        value_name = "A,B"
    )]
    pub tenants: Vec<String>,
    /// Tenants listed in a file, one id per line (# comments)
    #[arg(long, value_name = "FILE")]
    pub tenants_file: Option<PathBuf>,
    /// Only shard i of n (e.g. 2/4); every tenant is in exactly one shard
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
}

impl SelectArgs {
    /// The selection of a command: tenant ids checked first (before any config is read), then
    /// the selection, then the tier filter against tenantctl.toml.
    pub fn checked(
        &self,
        ctx: &crate::context::Context,
        named: &[String],
        tier: Option<&str>,
    ) -> anyhow::Result<Selection> {
        for tenant in named {
            TenantId::parse(tenant)?;
        }
        let selection = self.selection(named, tier.map(str::to_string))?;
        if let Some(tier) = tier {
            ctx.config()?.tier(tier)?;
        }
        Ok(selection)
    }

    /// The selection: `named` (positional tenants) first, then `--tenants`, then the file.
    pub fn selection(&self, named: &[String], tier: Option<String>) -> Result<Selection, CliError> {
        let mut tenants: Vec<String> = named.to_vec();
        tenants.extend(self.tenants.iter().map(|t| t.trim().to_string()));
        if let Some(path) = &self.tenants_file {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| {
                CliError::usage(format!("cannot read the tenants file {shown}: {e}"))
            })?;
            tenants.extend(parse_tenants_file(&shown, &text).map_err(|e| from_op(&e, ""))?);
        }
        let shard = self
            .shard
            .as_deref()
            .map(Shard::parse)
            .transpose()
            .map_err(|e| from_op(&e, ""))?;
        let selection = Selection {
            all: self.all,
            tenants,
            tier,
            shard,
        };
        selection.check().map_err(|e| from_op(&e, ""))?;
        Ok(selection)
    }
}

/// The selection as command-line words, to repeat in a resume hint.
pub fn selection_words(
    named: &[String],
    select: &SelectArgs,
    tier_flag: Option<(&str, &str)>,
) -> Vec<String> {
    let mut words: Vec<String> = named.iter().map(|t| shell_word(t)).collect();
    if select.all {
        words.push("--all".into());
    }
    if !select.tenants.is_empty() {
        words.push("--tenants".into());
        words.push(shell_word(&select.tenants.join(",")));
    }
    if let Some(path) = &select.tenants_file {
        words.push("--tenants-file".into());
        words.push(shell_word(&path.display().to_string()));
    }
    if let Some(shard) = &select.shard {
        words.push("--shard".into());
        words.push(shell_word(shard));
    }
    if let Some((flag, tier)) = tier_flag {
        words.push(flag.to_string());
        words.push(shell_word(tier));
    }
    words
}

#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Rollout")]
pub struct RolloutArgs {
    /// Tenants in the canary wave; any canary failure halts the rollout
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub canary: usize,
    /// Tenants changed at the same time after the canaries
    #[arg(long, default_value_t = 4, value_name = "C",
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Halt once more tenants than this fail: a count or a percentage (10%)
    #[arg(long, default_value = "0", value_name = "N|P%")]
    pub max_failures: String,
    /// Keep these tenants as they are (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub hold_back: Vec<String>,
}

impl RolloutArgs {
    pub fn options(&self) -> Result<RolloutOptions, CliError> {
        for tenant in &self.hold_back {
            TenantId::parse(tenant.trim())
                .map_err(|e| CliError::usage(format!("--hold-back: {e}")))?;
        }
        Ok(RolloutOptions {
            canary: self.canary,
            concurrency: usize::from(self.concurrency),
            max_failures: FailureBudget::parse(&self.max_failures).map_err(|e| from_op(&e, ""))?,
        })
    }

    /// The rollout options as command-line words, defaults left out.
    pub fn words(&self) -> Vec<String> {
        let mut words = Vec::new();
        if self.canary != 1 {
            words.extend(["--canary".to_string(), self.canary.to_string()]);
        }
        if self.concurrency != 4 {
            words.extend(["--concurrency".to_string(), self.concurrency.to_string()]);
        }
        if self.max_failures != "0" {
            words.extend(["--max-failures".to_string(), shell_word(&self.max_failures)]);
        }
        if !self.hold_back.is_empty() {
            words.extend([
                "--hold-back".to_string(),
                shell_word(&self.hold_back.join(",")),
            ]);
        }
        words
    }

    pub fn holds_back(&self, tenant: &str) -> bool {
        self.hold_back.iter().any(|t| t.trim() == tenant)
    }
}
