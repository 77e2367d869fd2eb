//! Errors at the edge: the exit-code table, hints, and the one place errors are rendered.
//!
//! Library crates return typed errors; commands return `anyhow::Error`. [`classify`] walks the
//! chain and finds the first error it knows: the CLI's own, a prompt's, or one of core's (all
//! of which core turns into its one [`OpError`]), whose class decides the exit code.

use std::fmt;

use tenantctl_core::error::{ErrorClass, OpError, Suggestion};
use tenantctl_core::shell;

use crate::context::OutputFormat;
use crate::output::{self, ErrorBody, ErrorDocument};
use crate::ui::printer::Printer;
use crate::ui::prompt::PromptError;

/// tenantctl's exit codes (docs/exit-codes.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exit {
    /// 0: success.
    Ok,
    /// 1: the operation failed (API error, failed step, command not available yet).
    Failed,
    /// 2: bad usage or configuration: fix the command line, tenantctl.toml or a template.
    Usage,
    /// 3: something named does not exist (tenant, app, file).
    NotFound,
    /// 4: conflict or locked: the tenant exists already, or another run holds its lock.
    Conflict,
    /// 130: interrupted (Ctrl-C), as shells report SIGINT.
    Interrupted,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
            Exit::NotFound => 3,
            Exit::Conflict => 4,
            Exit::Interrupted => 130,
        }
    }

    /// The stable name used in JSON error objects.
    pub fn kind(self) -> &'static str {
        match self {
            Exit::Ok => "ok",
            Exit::Failed => "failed",
            Exit::Usage => "usage",
            Exit::NotFound => "not_found",
            Exit::Conflict => "conflict",
            Exit::Interrupted => "interrupted",
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

/// An error raised by the CLI layer itself, with its exit code and next step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
    pub hint: Option<String>,
    /// The command already printed its result document on stdout (a fleet report with
    /// failures in it): the error goes to stderr only, so stdout holds one document.
    pub result_printed: bool,
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl CliError {
    pub fn new(exit: Exit, message: impl Into<String>) -> CliError {
        CliError {
            exit,
            message: message.into(),
            hint: None,
            result_printed: false,
        }
    }

    /// Marks the error as following a result already printed on stdout.
    #[must_use]
    pub fn after_result(mut self) -> CliError {
        self.result_printed = true;
        self
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> CliError {
        self.hint = Some(hint.into());
        self
    }

    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::new(Exit::Usage, message)
    }

    pub fn not_found(message: impl Into<String>) -> CliError {
        CliError::new(Exit::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> CliError {
        CliError::new(Exit::Conflict, message)
    }

    pub fn interrupted() -> CliError {
        CliError::new(Exit::Interrupted, "interrupted")
            .with_hint("run the same command again to continue")
    }
}

/// The exit code of an operation error's class.
pub fn exit_for_class(class: ErrorClass) -> Exit {
    match class {
        // A refused token is a configuration problem: fix FLY_API_TOKEN and run again.
        ErrorClass::Invalid | ErrorClass::Auth => Exit::Usage,
        ErrorClass::NotFound => Exit::NotFound,
        ErrorClass::Conflict => Exit::Conflict,
        ErrorClass::Failed => Exit::Failed,
    }
}

/// What to do about a refused token; core's hint does not know variable or command names.
fn auth_hint() -> String {
    "set FLY_API_TOKEN to a token of the configured org with write access (`fly tokens create org`); read-only tokens can only run status and list".to_string()
}

/// Exit code and hint of an operation error, in the CLI's words.
fn classify_op(op: &OpError) -> (Exit, Option<String>) {
    // A refused Fly token gets the token hint, which core cannot word; storage refusals keep
    // theirs (credentials, permissions).
    let storage = op.reason().starts_with("storage refused");
    let hint = match op.class() {
        ErrorClass::Auth if !storage => Some(auth_hint()),
        _ => op.hint().map(str::to_string),
    };
    (exit_for_class(op.class()), hint)
}

/// A suggested change of input, as the flag to pass.
fn suggestion_text(suggestion: &Suggestion) -> String {
    match suggestion {
        Suggestion::Org(org) => format!("pass --org {}", shell::quote(org)),
        Suggestion::Region(Some(region)) => format!("pass --region {}", shell::quote(region)),
        Suggestion::Region(None) => "pass a region Fly accepts with --region".to_string(),
        Suggestion::Tier(tier) => format!(
            "pass --tier {} to resume it (changing tiers is `tenantctl upgrade`)",
            shell::quote(tier)
        ),
    }
}

/// An operation error as the CLI shows it: with the flag its suggestion means, and for a
/// resumable failure the command that resumes it, with the global options this run used
/// (`target`, e.g. ` --local`).
pub fn from_op(op: &OpError, target: &str) -> CliError {
    let (exit, hint) = classify_op(op);
    let mut message = op.to_string();
    if let Some(suggestion) = op.suggestion() {
        message.push_str(&format!(" ({})", suggestion_text(suggestion)));
    }
    let Some(resume) = op.resume() else {
        let mut error = CliError::new(exit, message);
        error.hint = hint;
        return error;
    };
    let resume = format!("tenantctl{target} {}", resume.words());
    let hint = match op.class() {
        ErrorClass::Auth => format!(
            "{}; then re-run `{resume}`",
            hint.clone().unwrap_or_else(auth_hint)
        ),
        _ => format!("re-run `{resume}`: finished steps are skipped"),
    };
    CliError::new(exit, format!("{message}\nto resume: {resume}")).with_hint(hint)
}

/// Exit code and hint for an error: the first cause tenantctl knows decides.
pub fn classify(error: &anyhow::Error) -> (Exit, Option<String>) {
    for cause in error.chain() {
        if let Some(e) = cause.downcast_ref::<CliError>() {
            return (e.exit, e.hint.clone());
        }
        if let Some(e) = cause.downcast_ref::<PromptError>() {
            return (e.exit(), e.hint());
        }
        if let Some(op) = tenantctl_core::error::classify(cause) {
            let (exit, hint) = classify_op(&op);
            let hint = match (hint, op.suggestion()) {
                (None, Some(suggestion)) => Some(suggestion_text(suggestion)),
                (hint, _) => hint,
            };
            return (exit, hint);
        }
        if let Some(e) = cause.downcast_ref::<std::io::Error>() {
            return match e.kind() {
                std::io::ErrorKind::Interrupted => (Exit::Interrupted, None),
                std::io::ErrorKind::NotFound => (Exit::NotFound, None),
                _ => (Exit::Failed, None),
            };
        }
    }
    (Exit::Failed, None)
}

/// The error's message and its distinct causes, outermost first.
fn messages(error: &anyhow::Error) -> (String, Vec<String>) {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        // Wrappers often repeat their source's text; show each sentence once.
        if parts.last().is_none_or(|last| !last.contains(&text)) {
            parts.push(text);
        }
    }
    let mut parts = parts.into_iter();
    let message = parts.next().unwrap_or_default();
    (message, parts.collect())
}

/// Renders `error` once, in the format the user asked for, and returns the exit code.
///
/// Human mode writes to stderr; JSON mode writes one error object to stdout (docs/json.md).
///
/// With `annotate` (running in GitHub Actions) the error also becomes an `::error::` annotation
/// on stderr, so it shows on the workflow run's summary.
pub fn report(
    printer: &Printer,
    format: OutputFormat,
    annotate: bool,
    error: &anyhow::Error,
) -> Exit {
    let (exit, hint) = classify(error);
    let (message, causes) = messages(error);
    let result_printed = error.chain().any(|c| {
        c.downcast_ref::<CliError>()
            .is_some_and(|e| e.result_printed)
    });
    let format = if result_printed {
        OutputFormat::Table
    } else {
        format
    };
    if annotate {
        let mut text = message.clone();
        if let Some(hint) = &hint {
            text.push_str(&format!("\nhint: {hint}"));
        }
        printer.error(&format!(
            "::error title=tenantctl failed (exit {})::{}",
            exit.code(),
            crate::ui::progress::escape_data(&text)
        ));
    }
    match format {
        OutputFormat::Json => {
            let document = ErrorDocument {
                schema_version: output::SCHEMA_VERSION,
                error: ErrorBody {
                    message,
                    causes,
                    hint,
                    exit_code: exit.code(),
                    kind: exit.kind().to_string(),
                },
            };
            printer.json(&document);
        }
        OutputFormat::Table => {
            let mut text = format!("{} {message}", printer.paint_error("error:"));
            for cause in causes {
                text.push_str(&format!("\n  caused by: {cause}"));
            }
            if let Some(hint) = hint {
                text.push_str(&format!("\n{} {hint}", printer.paint_hint("hint:")));
            }
            printer.error(&text);
        }
    }
    exit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_documented_ones() {
        let table = [
            (Exit::Ok, 0, "ok"),
            (Exit::Failed, 1, "failed"),
            (Exit::Usage, 2, "usage"),
            (Exit::NotFound, 3, "not_found"),
            (Exit::Conflict, 4, "conflict"),
            (Exit::Interrupted, 130, "interrupted"),
        ];
        for (exit, code, kind) in table {
            assert_eq!((exit.code(), exit.kind()), (code, kind));
        }
    }

    #[test]
    fn classify_walks_the_chain() {
        let conflict = anyhow::Error::new(CliError::conflict("tenant `acme` is locked"))
            .context("provisioning acme");
        assert_eq!(classify(&conflict).0, Exit::Conflict);

        let tenant = tenantctl_core::tenant::TenantId::parse("Bad").unwrap_err();
        let (exit, hint) = classify(&anyhow::Error::new(tenant));
        assert_eq!(exit, Exit::Usage);
        assert!(hint.is_some());

        let missing = tenantctl_core::config::ConfigError::Read {
            path: "x".into(),
            not_found: true,
            message: "gone".into(),
        };
        assert_eq!(classify(&anyhow::Error::new(missing)).0, Exit::NotFound);

        let interrupted = std::io::Error::from(std::io::ErrorKind::Interrupted);
        assert_eq!(
            classify(&anyhow::Error::new(interrupted)).0,
            Exit::Interrupted
        );
        assert_eq!(classify(&anyhow::anyhow!("boom")).0, Exit::Failed);

        let missing = OpError::not_found("tenant `acme` not found").with_hint("look elsewhere");
        let (exit, hint) = classify(&anyhow::Error::new(missing));
        assert_eq!(exit, Exit::NotFound);
        assert_eq!(hint.as_deref(), Some("look elsewhere"));

        let refused = OpError::new(ErrorClass::Auth, "the Fly API refused the token");
        let (exit, hint) = classify(&anyhow::Error::new(refused));
        assert_eq!(exit, Exit::Usage);
        assert!(hint.is_some_and(|h| h.contains("FLY_API_TOKEN")));

        let resumable = OpError::failed("boom")
            .at_step("volume")
            .with_resume(tenantctl_core::error::Resume::new("provision", ["acme"]));
        let shown = from_op(&resumable, " --local");
        assert!(
            shown
                .message
                .ends_with("\nto resume: tenantctl --local provision acme"),
            "{}",
            shown.message
        );
        assert_eq!(shown.exit, Exit::Failed);
        assert_eq!(exit_for_class(ErrorClass::Conflict), Exit::Conflict);
        assert_eq!(exit_for_class(ErrorClass::Auth), Exit::Usage);
        assert_eq!(exit_for_class(ErrorClass::Failed), Exit::Failed);
    }

    #[test]
    fn messages_drop_repeated_causes() {
        let error = anyhow::Error::new(std::io::Error::other("disk full")).context("writing x");
        let (message, causes) = messages(&error);
        assert_eq!(message, "writing x");
        assert_eq!(causes, ["disk full"]);
    }
}
