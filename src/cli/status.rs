//! `tenantctl status`: show one tenant, or several (`--all`, `--tenants`, `--tier`,
//! `--shard`: the same table and document as `list`). Read-only.

use tenantctl_core::ops::{self, ErrorClass, TenantStatus};

use crate::context::{Context, OutputFormat};
use crate::error::CliError;
use crate::frame::Access;
use crate::output::{SCHEMA_VERSION, StatusDocument, TenantDocument};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant id(s)
    pub tenants: Vec<String>,
    /// Only tenants on this tier
    #[arg(long, value_name = "TIER", help_heading = "Fleet selection")]
    pub tier: Option<String>,
    #[command(flatten)]
    pub select: crate::cli::select::SelectArgs,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let selection = args
        .select
        .checked(ctx, &args.tenants, args.tier.as_deref())?;
    let config = ctx.config()?;
    let Some(tenant) = selection.single() else {
        let tenants = ctx
            .connected(Access::Read, async |connection| {
                selection
                    .select(&connection.client, config)
                    .await
                    .map_err(crate::cli::backup::op_error(ctx))
            })
            .await?;
        return crate::cli::list::print(ctx, &tenants);
    };
    let args_tenant = tenant.to_string();
    let status = ctx
        .connected(Access::Read, async |connection| {
            ops::status(&connection.client, config, &args_tenant)
                .await
                .map_err(|e| match e.class() {
                    // One line is enough: the tenant is not there.
                    ErrorClass::NotFound => anyhow::Error::new(CliError::not_found(format!(
                        "{e} (`tenantctl{} list` shows the tenants that exist)",
                        target_suffix(ctx)
                    ))),
                    _ => anyhow::Error::new(e),
                })
        })
        .await?;
    match ctx.output {
        OutputFormat::Json => ctx.printer.json(&StatusDocument {
            schema_version: SCHEMA_VERSION,
            kind: StatusDocument::KIND.to_string(),
            tenant: TenantDocument::from(&status),
        }),
        OutputFormat::Table => ctx.print_table(HEADERS, &[row(&status)]),
    }
    Ok(())
}

/// ` --local` and the like, to repeat in a suggested command.
pub(crate) fn target_suffix(ctx: &Context) -> String {
    ctx.target_args().iter().map(|w| format!(" {w}")).collect()
}

/// Columns of `status` and `list` tables.
pub(crate) const HEADERS: &[&str] = &[
    "tenant",
    "tier",
    "region",
    "machine state",
    "image",
    "volume size",
    "checks",
    "certificate",
    "created",
];

const NONE: &str = "-";

/// One table row; a tenant whose details could not be read shows `error` as its state.
pub(crate) fn row(s: &TenantStatus) -> Vec<String> {
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| NONE.to_string());
    let state = if s.error.is_some() {
        "error".to_string()
    } else {
        s.machine_state
            .clone()
            .unwrap_or_else(|| "no machine".to_string())
    };
    vec![
        s.tenant.clone(),
        or_none(&s.tier),
        or_none(&s.region),
        state,
        or_none(&s.image),
        s.volume_size_gb
            .map_or_else(|| NONE.to_string(), |gb| format!("{gb} GB")),
        s.checks.clone(),
        certificates(s),
        or_none(&s.created_at),
    ]
}

/// One certificate as `host (status)`; several as counts per status.
fn certificates(s: &TenantStatus) -> String {
    match s.certificates.as_slice() {
        [] => NONE.to_string(),
        [one] => format!("{} ({})", one.hostname, one.status),
        many => {
            let mut counts: Vec<(String, usize)> = Vec::new();
            for cert in many {
                match counts.iter_mut().find(|(status, _)| *status == cert.status) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((cert.status.clone(), 1)),
                }
            }
            counts
                .iter()
                .map(|(status, n)| format!("{n} {status}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenantctl_core::ops::CertificateState;

    fn status() -> TenantStatus {
        TenantStatus {
            tenant: "acme".into(),
            app: "tenant-acme".into(),
            tier: Some("pro".into()),
            region: Some("ams".into()),
            machine_id: Some("m1".into()),
            machine_state: Some("started".into()),
            image: Some("img:1".into()),
            volume_id: Some("vol_1".into()),
            volume_size_gb: Some(20),
            checks_passing: 1,
            checks_total: 2,
            checks: "1/2 passing".into(),
            certificates: Vec::new(),
            created_at: Some("2026-11-25T10:00:00Z".into()),
            template_version: None,
            provisioned_by: None,
            error: None,
        }
    }

    #[test]
    fn rows_follow_the_headers() {
        let row = row(&status());
        assert_eq!(row.len(), HEADERS.len());
        assert_eq!(
            row,
            [
                "acme",
                "pro",
                "ams",
                "started",
                "img:1",
                "20 GB",
                "1/2 passing",
                "-",
                "2026-11-25T10:00:00Z"
            ]
        );
    }

    #[test]
    fn certificates_are_summarised() {
        let cert = |h: &str, st: &str| CertificateState {
            hostname: h.into(),
            status: st.into(),
        };
        let mut s = status();
        s.certificates = vec![cert("a.example", "issued")];
        assert_eq!(certificates(&s), "a.example (issued)");
        s.certificates = vec![
            cert("a.example", "issued"),
            cert("b.example", "awaiting configuration"),
            cert("c.example", "issued"),
        ];
        assert_eq!(certificates(&s), "2 issued, 1 awaiting configuration");
    }

    #[test]
    fn unreadable_tenants_say_so() {
        let mut s = status();
        s.error = Some("boom".into());
        assert_eq!(row(&s)[3], "error");
    }
}
