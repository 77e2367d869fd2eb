//! `tenantctl audit [tenant] [--since WHEN]`: read the audit trail. Read-only, so the support
//! role may run it; it reads the local file and, when configured, the backup bucket, and
//! never talks to Fly. The records and sinks are `tenantctl_core::audit`.

use tenantctl_core::audit::{self, Filter, Record, Since};
use tenantctl_core::tenant::TenantId;

use crate::cli::status::target_suffix;
use crate::context::{Context, OutputFormat};
use crate::error::{CliError, Exit, from_op};
use crate::output::{AuditDocument, AuditSource, SCHEMA_VERSION};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only records about this tenant
    pub tenant: Option<String>,
    /// Only records since a date (2026-01-02), an RFC 3339 time, or an age (24h, 7d)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Sinks to read: all (the file, and the bucket when configured), file or bucket
    #[arg(long, value_enum, default_value_t = Sink::All)]
    pub source: Sink,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Sink {
    All,
    File,
    Bucket,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    if let Some(tenant) = &args.tenant {
        TenantId::parse(tenant)?;
    }
    let now = time::OffsetDateTime::now_utc();
    let since = args
        .since
        .as_deref()
        .map(|text| Since::parse(text, now))
        .transpose()
        .map_err(|why| {
            CliError::usage(format!("--since: {why}"))
                .with_hint("e.g. `--since 7d` or `--since 2026-01-02`")
        })?;
    let config = ctx.config()?;
    let mut sources = Vec::new();
    let mut found = Vec::new();

    if args.source != Sink::Bucket {
        let path = crate::audit::file_path(ctx, config);
        let contents = audit::file::read(&path).map_err(|e| {
            CliError::new(
                Exit::Failed,
                format!("cannot read the audit file {}: {e}", path.display()),
            )
            .with_hint("check its permissions, or point TENANTCTL_AUDIT_FILE (or [audit] file) at the trail")
        })?;
        if !contents.bad_lines.is_empty() {
            ctx.printer.warn(&format!(
                "{}: line(s) {} are not audit records; skipped",
                path.display(),
                join_numbers(&contents.bad_lines)
            ));
        }
        sources.push(AuditSource {
            sink: "file".into(),
            location: path.display().to_string(),
            records: contents.records.len(),
        });
        found.push(contents.records);
    }

    if args.source != Sink::File {
        match crate::audit::bucket(ctx, config)? {
            Some((store, prefix)) => {
                let contents = audit::bucket::read(&store, &prefix, since, now)
                    .await
                    .map_err(|e| {
                        let mut error = from_op(&e, &target_suffix(ctx));
                        if args.source == Sink::All && error.hint.is_none() {
                            error =
                                error.with_hint("`--source file` reads the local audit file only");
                        }
                        error
                    })?;
                if !contents.bad_keys.is_empty() {
                    ctx.printer.warn(&format!(
                        "objects that are not audit records were skipped: {}",
                        contents.bad_keys.join(", ")
                    ));
                }
                sources.push(AuditSource {
                    sink: "bucket".into(),
                    location: crate::audit::bucket_location(&store, &prefix),
                    records: contents.records.len(),
                });
                found.push(contents.records);
            }
            None if args.source == Sink::Bucket => {
                return Err(CliError::usage(format!(
                    "{} sends no audit records to a bucket",
                    config.source
                ))
                .with_hint("the bucket sink needs [backup] with an endpoint (and [audit] bucket not false); without --source the local file is read")
                .into());
            }
            None => {}
        }
    }

    let filter = Filter {
        tenant: args.tenant.clone(),
        since,
    };
    let records = audit::merge(found, &filter);
    ctx.printer.status(
        "Read",
        &format!(
            "{} audit record{} from {}",
            records.len(),
            if records.len() == 1 { "" } else { "s" },
            sources
                .iter()
                .map(|s| s.location.as_str())
                .collect::<Vec<_>>()
                .join(" and ")
        ),
    );
    match ctx.output {
        OutputFormat::Json => ctx.printer.json(&AuditDocument {
            schema_version: SCHEMA_VERSION,
            kind: AuditDocument::KIND.to_string(),
            tenant: args.tenant,
            since: since.map(|s| Record::format_time(s.0)),
            sources,
            records,
        }),
        OutputFormat::Table => {
            let rows: Vec<Vec<String>> = records.iter().map(row).collect();
            ctx.print_table(
                &["TIME", "ACTOR", "COMMAND", "TENANT", "OUTCOME", "CHANGES"],
                &rows,
            );
        }
    }
    Ok(())
}

fn row(record: &Record) -> Vec<String> {
    // To the second: the id keeps the microseconds.
    let time = match record.time.split_once('.') {
        Some((seconds, _)) => format!("{seconds}Z"),
        None => record.time.clone(),
    };
    let outcome = match record.outcome {
        audit::Outcome::Ok => "ok".to_string(),
        other => format!("{} ({})", other.name(), record.exit_code),
    };
    let changes = if record.changes.is_empty() {
        record.error.clone().unwrap_or_else(|| "-".into())
    } else {
        record.changes.join("; ")
    };
    vec![
        time,
        record.actor.name.clone(),
        record.command.clone(),
        record.tenant.clone().unwrap_or_else(|| "-".into()),
        outcome,
        changes,
    ]
}

fn join_numbers(numbers: &[usize]) -> String {
    numbers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
