//! The one error type of tenant operations.
//!
//! Every operation and building block returns [`OpError`]: a class the CLI maps to an exit
//! code, a message saying what failed and why, an optional hint, the step that failed and how
//! to resume. It carries no command-line wording (no variable names, no flags): the CLI adds
//! those when it shows the error.

use std::fmt;

use fly_api::ApiError;
use serde::Serialize;

use crate::config::ConfigError;
use crate::flytoml::{ConvertError, FlyTomlError};
use crate::template::{RenderError, TemplateError};
use crate::tenant::TenantError;

/// What kind of failure an operation error is; the CLI maps each class to an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The input was refused before anything was sent (tenant id, tier, region, domain,
    /// template, configuration).
    Invalid,
    /// Something named does not exist: the tenant (its app), a configuration file.
    NotFound,
    /// Someone else holds the name or the machine (app name taken in another org, lease held,
    /// a resource in the way).
    Conflict,
    /// The token was refused (401/403).
    Auth,
    /// Anything else: API errors, timeouts, failing hooks, a health gate that did not pass.
    Failed,
}

impl ErrorClass {
    /// Classifies an API error. A 403 is an auth problem here; callers that know a 403 means
    /// "name taken elsewhere" (GET of an app) decide that themselves.
    pub fn of(error: &ApiError) -> ErrorClass {
        if error.is_lease_held() {
            return ErrorClass::Conflict;
        }
        match error.status() {
            Some(401) | Some(403) => ErrorClass::Auth,
            Some(404) => ErrorClass::NotFound,
            Some(409) | Some(423) => ErrorClass::Conflict,
            _ => ErrorClass::Failed,
        }
    }
}

/// How to continue an operation that stopped: the operation and its arguments, already
/// quoted for a POSIX shell. The CLI prefixes its own name and global options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resume {
    pub operation: &'static str,
    pub args: Vec<String>,
}

impl Resume {
    /// `operation` with `args`, each quoted for a shell where it needs it.
    pub fn new(operation: &'static str, args: impl IntoIterator<Item = impl AsRef<str>>) -> Self {
        Resume {
            operation,
            args: args
                .into_iter()
                .map(|a| crate::shell::quote(a.as_ref()))
                .collect(),
        }
    }

    /// The operation and its arguments as one line: `provision acme --tier pro`.
    pub fn words(&self) -> String {
        std::iter::once(self.operation.to_string())
            .chain(self.args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A concrete change of input that would get past the failure; the CLI words it as the flag
/// to pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Suggestion {
    /// Work in this org instead (the tenant's app lives there).
    Org(String),
    /// Use this region (`None`: one Fly accepts).
    Region(Option<String>),
    /// Use this tier (the one the tenant is on).
    Tier(String),
}

/// Why an operation (or one of its steps) failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpError {
    // Boxed: errors travel through every `Result` of every step, and are rare.
    inner: Box<Inner>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    class: ErrorClass,
    message: String,
    hint: Option<String>,
    step: Option<&'static str>,
    /// What was being done ("provisioning tenant `acme`"), for the full sentence.
    operation: Option<String>,
    resume: Option<Resume>,
    suggestion: Option<Suggestion>,
    /// The failed change was undone: the tenant is as it was before.
    rolled_back: bool,
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.inner.operation, self.inner.step) {
            (Some(operation), Some(step)) => {
                write!(
                    f,
                    "{operation} failed at step `{step}`: {}",
                    self.inner.message
                )
            }
            (Some(operation), None) => write!(f, "{operation} failed: {}", self.inner.message),
            (None, _) => f.write_str(&self.inner.message),
        }
    }
}

impl std::error::Error for OpError {}

impl OpError {
    pub fn new(class: ErrorClass, message: impl Into<String>) -> Self {
        OpError {
            inner: Box::new(Inner {
                class,
                message: message.into(),
                hint: None,
                step: None,
                operation: None,
                resume: None,
                suggestion: None,
                rolled_back: false,
            }),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        OpError::new(ErrorClass::Invalid, message)
    }

    pub fn failed(message: impl Into<String>) -> Self {
        OpError::new(ErrorClass::Failed, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        OpError::new(ErrorClass::Conflict, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        OpError::new(ErrorClass::NotFound, message)
    }

    /// An API call failed while doing `what` ("create the volume").
    pub fn api(what: impl fmt::Display, error: ApiError) -> Self {
        if error.is_unauthorized() {
            return OpError::new(
                ErrorClass::Auth,
                format!("the Fly API refused the token: {error}"),
            )
            .with_hint("use a valid token of the configured org that may write to it");
        }
        let message = format!("{what}: {error}");
        let mentions_region = error
            .api_message()
            .is_some_and(|m| m.to_ascii_lowercase().contains("region"));
        let mut op = OpError::new(ErrorClass::of(&error), message);
        if matches!(error.status(), Some(400) | Some(422)) && mentions_region {
            op.inner.suggestion = Some(Suggestion::Region(None));
        }
        if error.is_transient() {
            op.inner.hint = Some("the Fly API failed temporarily; try again".into());
        }
        op
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.inner.hint = Some(hint.into());
        self
    }

    /// Ties the error to the step that failed, keeping a step set earlier.
    #[must_use]
    pub fn at_step(mut self, step: &'static str) -> Self {
        self.inner.step.get_or_insert(step);
        self
    }

    #[must_use]
    pub fn with_suggestion(mut self, suggestion: Suggestion) -> Self {
        self.inner.suggestion = Some(suggestion);
        self
    }

    #[must_use]
    pub fn with_resume(mut self, resume: Resume) -> Self {
        self.inner.resume = Some(resume);
        self
    }

    /// Replaces the reason, keeping the class, step and everything else.
    #[must_use]
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.inner.message = reason.into();
        self
    }

    /// Names what was being done ("provisioning tenant `acme`"); the error then reads
    /// "provisioning tenant `acme` failed at step `volume`: ...".
    #[must_use]
    pub fn in_operation(mut self, operation: impl Into<String>) -> Self {
        self.inner.operation = Some(operation.into());
        self
    }

    /// Marks the failure as undone by a rollback.
    #[must_use]
    pub fn mark_rolled_back(mut self) -> Self {
        self.inner.rolled_back = true;
        self
    }

    /// True when a rollback undid the failed change.
    pub fn rolled_back(&self) -> bool {
        self.inner.rolled_back
    }

    pub fn class(&self) -> ErrorClass {
        self.inner.class
    }

    /// Why it failed, without the operation and step (the whole sentence is `to_string`).
    pub fn reason(&self) -> &str {
        &self.inner.message
    }

    pub fn hint(&self) -> Option<&str> {
        self.inner.hint.as_deref()
    }

    /// The step that failed, if a step did.
    pub fn step(&self) -> Option<&'static str> {
        self.inner.step
    }

    /// How to continue, for operations that resume.
    pub fn resume(&self) -> Option<&Resume> {
        self.inner.resume.as_ref()
    }

    /// The input to change, if one would help.
    pub fn suggestion(&self) -> Option<&Suggestion> {
        self.inner.suggestion.as_ref()
    }
}

impl From<TenantError> for OpError {
    fn from(error: TenantError) -> Self {
        let hint = error.hint();
        OpError::invalid(error.to_string()).with_hint(hint)
    }
}

impl From<ConfigError> for OpError {
    fn from(error: ConfigError) -> Self {
        let class = if error.is_not_found() {
            ErrorClass::NotFound
        } else {
            ErrorClass::Invalid
        };
        let hint = error.hint();
        let mut op = OpError::new(class, error.to_string());
        op.inner.hint = hint;
        op
    }
}

impl From<TemplateError> for OpError {
    fn from(error: TemplateError) -> Self {
        let hint = error.hint();
        let mut op = OpError::invalid(error.to_string());
        op.inner.hint = hint;
        op
    }
}

impl From<RenderError> for OpError {
    fn from(error: RenderError) -> Self {
        match error {
            RenderError::Tenant(e) => e.into(),
            RenderError::Config(e) => e.into(),
            RenderError::Template(e) => e.into(),
            other => {
                let hint = match &other {
                    RenderError::Region(_) => Some("pick a Fly region code such as `ams`"),
                    RenderError::Refused { .. } => Some(
                        "fix the template; rendering it with --file shows the machine config a fly.toml becomes",
                    ),
                    RenderError::AlwaysOnMismatch { .. } => Some(
                        "make the tier's `always_on` agree with its template's http_service settings",
                    ),
                    _ => None,
                };
                let op = OpError::invalid(other.to_string());
                match hint {
                    Some(hint) => op.with_hint(hint),
                    None => op,
                }
            }
        }
    }
}

impl From<&FlyTomlError> for OpError {
    fn from(error: &FlyTomlError) -> Self {
        OpError::invalid(error.to_string()).with_hint(
            "fix the fly.toml at the line shown; flyctl's fly.toml reference lists every key",
        )
    }
}

impl From<&ConvertError> for OpError {
    fn from(error: &ConvertError) -> Self {
        OpError::invalid(error.to_string())
    }
}

/// The class and hint of any error core returns, found in an error's chain by the CLI: the
/// one place that knows core's error types.
pub fn classify(error: &(dyn std::error::Error + 'static)) -> Option<OpError> {
    if let Some(e) = error.downcast_ref::<OpError>() {
        return Some(e.clone());
    }
    if let Some(e) = error.downcast_ref::<ConfigError>() {
        return Some(e.clone().into());
    }
    if let Some(e) = error.downcast_ref::<RenderError>() {
        return Some(e.clone().into());
    }
    if let Some(e) = error.downcast_ref::<TenantError>() {
        return Some(e.clone().into());
    }
    if let Some(e) = error.downcast_ref::<TemplateError>() {
        return Some(e.clone().into());
    }
    if let Some(e) = error.downcast_ref::<FlyTomlError>() {
        return Some(e.into());
    }
    if let Some(e) = error.downcast_ref::<ConvertError>() {
        return Some(e.into());
    }
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An API error as Fly would answer it, for tests across the crate.
    pub(crate) fn api(status: u16, message: &str) -> ApiError {
        ApiError::Api {
            status,
            message: message.into(),
            code: None,
            request_id: None,
        }
    }

    #[test]
    fn api_errors_are_classified() {
        let unauthorized = api(401, "unauthorized");
        let op = OpError::api("create the app", unauthorized);
        assert_eq!(op.class(), ErrorClass::Auth);
        assert!(op.reason().contains("refused the token"), "{op}");

        let busy = api(409, "lease currently held by x");
        assert_eq!(OpError::api("start", busy).class(), ErrorClass::Conflict);

        let region = api(422, "invalid region xx");
        let op = OpError::api("create the volume", region);
        assert_eq!(op.suggestion(), Some(&Suggestion::Region(None)));
    }

    #[test]
    fn resume_quotes_its_words_and_steps_stick() {
        let resume = Resume::new("provision", ["acme", "--image", "a b"]);
        assert_eq!(resume.words(), "provision acme --image 'a b'");
        let op = OpError::failed("x")
            .at_step("volume")
            .at_step("other")
            .in_operation("provisioning tenant `acme`");
        assert_eq!(op.step(), Some("volume"));
        assert_eq!(
            op.to_string(),
            "provisioning tenant `acme` failed at step `volume`: x"
        );
    }
}
