//! The Context: every setting resolved once (command line > environment > tenantctl.toml), the
//! terminal facts, and the output machinery, passed by reference to every command.
//!
//! This is the only module that reads environment variables ([`Env::from_process`]); tests build
//! an [`Env`] by hand instead of mutating the process.

use std::collections::BTreeMap;
use std::fmt;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::OnceLock;

use tenantctl_core::config::{Config, ConfigError};
use tenantctl_core::template::{TemplateError, TemplateSet};

use crate::cancel::Cancel;
use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::role::Role;
use crate::ui::printer::{Printer, Verbosity};
use crate::ui::progress::{Progress, ProgressMode};
use crate::ui::prompt::{Interactivity, Prompter};

/// The Machines API endpoint used unless --api-url or an environment variable says otherwise.
pub const DEFAULT_API_URL: &str = "https://api.machines.dev";

/// Recorded as the provisioning actor when no GITHUB_ACTOR or USER is set.
pub const UNKNOWN_ACTOR: &str = "unknown";

/// Environment variables tenantctl reads (docs/env.md).
pub mod vars {
    pub const CONFIG: &str = "TENANTCTL_CONFIG";
    pub const API_URL: &str = "TENANTCTL_API_URL";
    /// The base URL variable Fly's Machines API docs use.
    pub const FLY_API_HOSTNAME: &str = "FLY_API_HOSTNAME";
    /// The base URL variable Fly's Go client (flaps) reads.
    pub const FLY_FLAPS_BASE_URL: &str = "FLY_FLAPS_BASE_URL";
    /// A file holding the Fly API token (its whole content, surrounding whitespace ignored).
    pub const TOKEN_FILE: &str = "TENANTCTL_TOKEN_FILE";
    pub const ORG: &str = "TENANTCTL_ORG";
    pub const ROLE: &str = "TENANTCTL_ROLE";
    pub const LOG: &str = "TENANTCTL_LOG";
    pub const FLY_API_TOKEN: &str = "FLY_API_TOKEN";
    pub const FLY_ACCESS_TOKEN: &str = "FLY_ACCESS_TOKEN";
    pub const NO_COLOR: &str = "NO_COLOR";
    pub const FORCE_COLOR: &str = "FORCE_COLOR";
    pub const CLICOLOR_FORCE: &str = "CLICOLOR_FORCE";
    pub const CI: &str = "CI";
    pub const GITHUB_ACTIONS: &str = "GITHUB_ACTIONS";
    pub const GITHUB_ACTOR: &str = "GITHUB_ACTOR";
    pub const GITHUB_STEP_SUMMARY: &str = "GITHUB_STEP_SUMMARY";
    pub const GITHUB_OUTPUT: &str = "GITHUB_OUTPUT";
    pub const USER: &str = "USER";
    /// Backup storage credentials (S3's own names; R2 reads the same).
    pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
    pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
    /// A file with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY lines (dotenv or AWS ini).
    pub const BACKUP_CREDENTIALS_FILE: &str = "TENANTCTL_BACKUP_CREDENTIALS_FILE";
    /// The audit trail's JSON Lines file (docs/audit.md); wins over `[audit] file`.
    pub const AUDIT_FILE: &str = "TENANTCTL_AUDIT_FILE";
    /// How long answers of 429 are retried for (`--retry-budget`).
    pub const RETRY_BUDGET: &str = "TENANTCTL_RETRY_BUDGET";
    /// The GitHub Actions run, recorded with each audit record.
    pub const GITHUB_SERVER_URL: &str = "GITHUB_SERVER_URL";
    pub const GITHUB_REPOSITORY: &str = "GITHUB_REPOSITORY";
    pub const GITHUB_RUN_ID: &str = "GITHUB_RUN_ID";

    /// Every variable above, for [`super::Env::from_process`].
    pub const ALL: &[&str] = &[
        CONFIG,
        API_URL,
        FLY_API_HOSTNAME,
        FLY_FLAPS_BASE_URL,
        TOKEN_FILE,
        ORG,
        ROLE,
        LOG,
        FLY_API_TOKEN,
        FLY_ACCESS_TOKEN,
        NO_COLOR,
        FORCE_COLOR,
        CLICOLOR_FORCE,
        CI,
        GITHUB_ACTIONS,
        GITHUB_ACTOR,
        GITHUB_STEP_SUMMARY,
        GITHUB_OUTPUT,
        USER,
        AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY,
        BACKUP_CREDENTIALS_FILE,
        AUDIT_FILE,
        RETRY_BUDGET,
        GITHUB_SERVER_URL,
        GITHUB_REPOSITORY,
        GITHUB_RUN_ID,
    ];
}

/// Which streams are terminals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Terminals {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
}

/// A snapshot of the process environment: the variables tenantctl reads, the working directory
/// and the terminal facts.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    pub cwd: PathBuf,
    pub terminals: Terminals,
    /// Columns of the terminal stdout is attached to, when it is one.
    pub width: Option<u16>,
}

impl Env {
    /// Reads the real process environment.
    pub fn from_process() -> Env {
        let vars = vars::ALL
            .iter()
            .filter_map(|name| std::env::var(name).ok().map(|v| ((*name).to_string(), v)))
            .collect();
        let terminals = Terminals {
            stdin: std::io::stdin().is_terminal(),
            stdout: std::io::stdout().is_terminal(),
            stderr: std::io::stderr().is_terminal(),
        };
        let width = terminals
            .stdout
            .then(|| std::env::var("COLUMNS").ok()?.parse().ok())
            .flatten();
        Env {
            vars,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            terminals,
            width,
        }
    }

    /// An environment built by hand (tests).
    pub fn new(
        vars: impl IntoIterator<Item = (String, String)>,
        cwd: PathBuf,
        terminals: Terminals,
    ) -> Env {
        Env {
            vars: vars.into_iter().collect(),
            cwd,
            terminals,
            width: None,
        }
    }

    /// A variable's value; empty counts as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn flag(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| v != "0" && v != "false")
    }
}

/// The format of results on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    // No doc comments here: clap would turn them into a long list in every command's help.
    #[default]
    Table,
    Json,
}

/// A Fly API token. Never printed: Debug and Display show a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    /// The secret itself, for the Authorization header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(<redacted>)")
    }
}

impl fmt::Display for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where the Fly API token came from; named in every error about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    FlyApiToken,
    FlyAccessToken,
    TokenFile,
}

impl TokenSource {
    /// The environment variable to fix.
    pub fn variable(self) -> &'static str {
        match self {
            TokenSource::FlyApiToken => vars::FLY_API_TOKEN,
            TokenSource::FlyAccessToken => vars::FLY_ACCESS_TOKEN,
            TokenSource::TokenFile => vars::TOKEN_FILE,
        }
    }
}

/// Where the Machines API base URL came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiUrlSource {
    Flag,
    Env(&'static str),
    Default,
}

/// The base URL as Fly's variables hold it: a scheme is added when missing, and a trailing `/`
/// or `/v1` is dropped (the client adds `/v1/...` itself; Fly's curl examples append it too).
pub fn normalise_api_url(raw: &str) -> String {
    let trimmed = raw.trim();
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    let without_slash = with_scheme.trim_end_matches('/');
    without_slash
        .strip_suffix("/v1")
        .unwrap_or(without_slash)
        .to_string()
}

/// The Machines API base URL: --api-url > TENANTCTL_API_URL > FLY_API_HOSTNAME >
/// FLY_FLAPS_BASE_URL > the default.
pub fn resolve_api_url(flag: Option<&str>, env: &Env) -> (String, ApiUrlSource) {
    if let Some(url) = flag.filter(|u| !u.trim().is_empty()) {
        return (normalise_api_url(url), ApiUrlSource::Flag);
    }
    for name in [
        vars::API_URL,
        vars::FLY_API_HOSTNAME,
        vars::FLY_FLAPS_BASE_URL,
    ] {
        let Some(value) = env.get(name) else {
            continue;
        };
        // flyctl's `peer` means "over its own WireGuard tunnel", which tenantctl does not have.
        if name == vars::FLY_FLAPS_BASE_URL && value.trim().eq_ignore_ascii_case("peer") {
            continue;
        }
        return (normalise_api_url(value), ApiUrlSource::Env(name));
    }
    (DEFAULT_API_URL.to_string(), ApiUrlSource::Default)
}

/// Who provisions: the GitHub user who triggered the workflow, else the login name.
pub fn resolve_actor(env: &Env) -> String {
    env.get(vars::GITHUB_ACTOR)
        .or_else(|| env.get(vars::USER))
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .unwrap_or(UNKNOWN_ACTOR)
        .to_string()
}

/// How the config file is to be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigRequest {
    /// --config PATH.
    Flag(PathBuf),
    /// TENANTCTL_CONFIG.
    Env(PathBuf),
    /// Walk up from the working directory.
    Discover,
}

/// Everything a command needs, resolved once.
pub struct Context {
    pub output: OutputFormat,
    pub printer: Printer,
    pub prompter: Prompter,
    pub progress_mode: ProgressMode,
    /// --yes: answer confirmations with yes.
    pub assume_yes: bool,
    /// --dry-run: show what would change, change nothing.
    pub dry_run: bool,
    /// --local: run against the in-process emulator.
    pub local: bool,
    /// TENANTCTL_RETRY_BUDGET as set; `--retry-budget` wins over it.
    pub retry_budget_env: Option<String>,
    /// The Machines API base URL (see [`resolve_api_url`]).
    pub api_url: String,
    pub api_url_source: ApiUrlSource,
    /// Recorded with each provisioned tenant (GITHUB_ACTOR, else USER).
    pub actor: String,
    /// The global options as given, to repeat them in resume commands.
    pub global: GlobalArgs,
    /// CI=true.
    pub ci: bool,
    /// GITHUB_ACTIONS=true.
    pub github_actions: bool,
    /// GITHUB_STEP_SUMMARY, in GitHub Actions only: Markdown appended here shows on the run page.
    pub step_summary: Option<PathBuf>,
    /// GITHUB_OUTPUT, in GitHub Actions only: `key=value` lines become the step's outputs.
    pub step_outputs: Option<PathBuf>,
    pub cwd: PathBuf,
    /// Width of the stdout terminal, for tables; None when stdout is not a terminal.
    pub width: Option<u16>,
    pub config_request: ConfigRequest,
    /// Ctrl-C / SIGTERM, shared with every frame.
    pub cancel: Cancel,
    /// --org > TENANTCTL_ORG; applied over the config's `org`.
    org_override: Option<String>,
    /// TENANTCTL_ROLE as set (checked when the role is asked for).
    role_env: Option<String>,
    /// From FLY_API_TOKEN or FLY_ACCESS_TOKEN.
    token: Option<(ApiToken, TokenSource)>,
    /// TENANTCTL_TOKEN_FILE, read only when no token variable is set.
    token_file: Option<PathBuf>,
    /// Backup storage credentials as the environment gives them.
    pub storage_env: crate::storage::StorageEnv,
    /// What this run's commands changed, per tenant, for the audit trail.
    pub audit: tenantctl_core::audit::Recorder,
    /// Who runs and where the audit trail goes, as the environment says.
    pub audit_env: crate::audit::AuditEnv,
    config: OnceLock<Result<Config, ConfigError>>,
    templates: OnceLock<Result<TemplateSet, TemplateError>>,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("output", &self.output)
            .field("api_url", &self.api_url)
            .field("local", &self.local)
            .field("config_request", &self.config_request)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

/// Directory of local mode's emulator state, under the project (or the working directory).
pub const LOCAL_STATE_DIR: &str = ".tenantctl/local";

/// The colour decision for stderr: NO_COLOR (non-empty) wins, then FORCE_COLOR/CLICOLOR_FORCE,
/// then whether stderr is a terminal.
pub fn resolve_color(env: &Env) -> bool {
    if env.get(vars::NO_COLOR).is_some() {
        false
    } else if env.flag(vars::FORCE_COLOR) || env.flag(vars::CLICOLOR_FORCE) {
        true
    } else {
        env.terminals.stderr
    }
}

/// Spinners on a terminal unless -v (log lines and spinners do not mix); lines elsewhere.
pub fn resolve_progress(env: &Env, verbosity: Verbosity) -> ProgressMode {
    match verbosity {
        Verbosity::Quiet => ProgressMode::Hidden,
        Verbosity::Normal if env.terminals.stderr => ProgressMode::Terminal,
        _ if env.flag(vars::GITHUB_ACTIONS) => ProgressMode::GithubActions,
        _ => ProgressMode::Plain,
    }
}

/// Prompts need a person at stdin and at stderr, and no --no-input.
pub fn resolve_interactivity(env: &Env, no_input: bool) -> Interactivity {
    if no_input {
        Interactivity::NoInputFlag
    } else if env.terminals.stdin && env.terminals.stderr {
        Interactivity::Interactive
    } else {
        Interactivity::NotATerminal
    }
}

/// The tracing filter: TENANTCTL_LOG if set, else from -v/-q (warn by default).
pub fn resolve_log_filter(env: &Env, verbosity: Verbosity) -> String {
    if let Some(filter) = env.get(vars::LOG) {
        return filter.to_string();
    }
    match verbosity {
        Verbosity::Quiet => "error",
        Verbosity::Normal => "warn",
        Verbosity::Verbose(1) => "info",
        Verbosity::Verbose(2) => "debug",
        Verbosity::Verbose(_) => "trace",
    }
    .to_string()
}

impl Context {
    /// Resolves the global options against the environment. Reads no files: the config is
    /// loaded on first use, so commands that need none (completions) work anywhere.
    pub fn resolve(global: &GlobalArgs, env: &Env) -> Context {
        let verbosity = Verbosity::from_counts(global.verbose, global.quiet);
        let color = resolve_color(env);
        let config_request = match (&global.config, env.get(vars::CONFIG)) {
            (Some(path), _) => ConfigRequest::Flag(env.cwd.join(path)),
            (None, Some(path)) => ConfigRequest::Env(env.cwd.join(path)),
            (None, None) => ConfigRequest::Discover,
        };
        let token = [
            (vars::FLY_API_TOKEN, TokenSource::FlyApiToken),
            (vars::FLY_ACCESS_TOKEN, TokenSource::FlyAccessToken),
        ]
        .into_iter()
        .find_map(|(name, source)| env.get(name).map(|t| (ApiToken(t.to_string()), source)));
        let (api_url, api_url_source) = resolve_api_url(global.api_url.as_deref(), env);
        Context {
            output: global.output,
            printer: Printer::new(verbosity, color),
            prompter: Prompter::new(
                resolve_interactivity(env, global.no_input),
                global.yes,
                color,
            ),
            progress_mode: resolve_progress(env, verbosity),
            assume_yes: global.yes,
            dry_run: global.dry_run,
            local: global.local,
            api_url,
            api_url_source,
            actor: resolve_actor(env),
            retry_budget_env: env.get(vars::RETRY_BUDGET).map(str::to_string),
            global: global.clone(),
            ci: env.flag(vars::CI),
            github_actions: env.flag(vars::GITHUB_ACTIONS),
            step_summary: env
                .flag(vars::GITHUB_ACTIONS)
                .then(|| env.get(vars::GITHUB_STEP_SUMMARY).map(PathBuf::from))
                .flatten(),
            step_outputs: env
                .flag(vars::GITHUB_ACTIONS)
                .then(|| env.get(vars::GITHUB_OUTPUT).map(PathBuf::from))
                .flatten(),
            cwd: env.cwd.clone(),
            width: env.width,
            config_request,
            cancel: Cancel::new(),
            org_override: global
                .org
                .clone()
                .or_else(|| env.get(vars::ORG).map(str::to_string)),
            role_env: env.get(vars::ROLE).map(str::to_string),
            token,
            token_file: env.get(vars::TOKEN_FILE).map(|p| env.cwd.join(p)),
            storage_env: crate::storage::StorageEnv::from_env(env),
            audit: tenantctl_core::audit::Recorder::new(),
            audit_env: crate::audit::AuditEnv::from_env(env),
            config: OnceLock::new(),
            templates: OnceLock::new(),
        }
    }

    /// The Fly API token from FLY_API_TOKEN or FLY_ACCESS_TOKEN (never from the command line).
    /// A token file is read by [`Context::load_token`].
    pub fn token(&self) -> Option<&ApiToken> {
        self.token.as_ref().map(|(token, _)| token)
    }

    /// The token and where it came from: FLY_API_TOKEN, then FLY_ACCESS_TOKEN, then the file
    /// TENANTCTL_TOKEN_FILE names. A missing or unreadable token is a usage error (exit 2)
    /// naming the variable to set.
    pub fn load_token(&self) -> Result<(ApiToken, TokenSource), CliError> {
        if let Some((token, source)) = &self.token {
            return Ok((token.clone(), *source));
        }
        let Some(path) = &self.token_file else {
            return Err(CliError::usage(format!(
                "no Fly API token: set {} (or {} to a file holding one)",
                vars::FLY_API_TOKEN,
                vars::TOKEN_FILE
            ))
            .with_hint(
                "create one with `fly tokens create org` and export it as FLY_API_TOKEN, or use --local",
            ));
        };
        let unreadable = |what: String| {
            CliError::usage(format!(
                "{} names {}, which {what}",
                vars::TOKEN_FILE,
                path.display()
            ))
            .with_hint(format!(
                "write the output of `fly tokens create` to that file, or set {} instead",
                vars::FLY_API_TOKEN
            ))
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| unreadable(format!("cannot be read: {e}")))?;
        let text = text.trim();
        if text.is_empty() {
            return Err(unreadable("is empty".to_string()));
        }
        warn_if_shared(&self.printer, path);
        Ok((ApiToken(text.to_string()), TokenSource::TokenFile))
    }

    /// The project configuration with --org / TENANTCTL_ORG applied, loaded on first use:
    /// --config, else TENANTCTL_CONFIG, else tenantctl.toml found walking up from the working
    /// directory, else (with --local only) the built-in local configuration.
    pub fn config(&self) -> Result<&Config, ConfigError> {
        self.config
            .get_or_init(|| {
                let mut config = match &self.config_request {
                    ConfigRequest::Flag(path) | ConfigRequest::Env(path) => Config::load(path),
                    ConfigRequest::Discover => match tenantctl_core::config::discover(&self.cwd) {
                        Some(path) => Config::load(&path),
                        None if self.local => Config::builtin_local(),
                        None => Err(ConfigError::NotFound {
                            start: self.cwd.clone(),
                        }),
                    },
                }?;
                if let Some(org) = &self.org_override {
                    config.org.clone_from(org);
                }
                Ok(config)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The role this run acts in: --role, else TENANTCTL_ROLE, else `role` in tenantctl.toml,
    /// else operator. An unknown TENANTCTL_ROLE is a usage error, not a silent operator.
    pub fn role(&self) -> Result<Role, CliError> {
        if let Some(role) = self.global.role {
            return Ok(role);
        }
        if let Some(value) = self.role_env.as_deref().filter(|v| !v.trim().is_empty()) {
            return Role::parse(value).ok_or_else(|| {
                CliError::usage(format!("{} is `{value}`, which is not a role", vars::ROLE))
                    .with_hint("set it to `operator` or `support`")
            });
        }
        // A config that does not load is reported by the command itself.
        let from_config = self
            .config()
            .ok()
            .and_then(|c| c.role.as_deref())
            .and_then(Role::parse);
        Ok(from_config.unwrap_or_default())
    }

    /// The templates the config points at, loaded on first use.
    pub fn templates(&self) -> anyhow::Result<&TemplateSet> {
        let config = self.config()?;
        let templates = self
            .templates
            .get_or_init(|| TemplateSet::for_config(config))
            .as_ref()
            .map_err(Clone::clone)?;
        Ok(templates)
    }

    /// The global options that change where a command acts (--local, --config, --org,
    /// --api-url), as words to repeat in a suggested command. Environment variables carry over
    /// by themselves.
    pub fn target_args(&self) -> Vec<String> {
        let mut words = Vec::new();
        if self.global.local {
            words.push("--local".to_string());
        }
        if let Some(path) = &self.global.config {
            words.push("--config".to_string());
            words.push(shell_word(&path.display().to_string()));
        }
        if let Some(org) = &self.global.org {
            words.push("--org".to_string());
            words.push(shell_word(org));
        }
        if let Some(url) = &self.global.api_url {
            words.push("--api-url".to_string());
            words.push(shell_word(url));
        }
        words
    }

    /// Prints rows as a table on stdout (human output; JSON is the contract for scripts).
    pub fn print_table(&self, headers: &[&str], rows: &[Vec<String>]) {
        self.printer
            .result(&crate::ui::table::render(headers, rows, self.width));
    }

    /// Appends Markdown to the GitHub Actions step summary, when running there. A summary that
    /// cannot be written is a warning, not a failure: the command's result stands.
    pub fn append_step_summary(&self, markdown: &str) {
        if let Some(path) = &self.step_summary {
            self.append_to(vars::GITHUB_STEP_SUMMARY, path, markdown);
        }
    }

    /// Sets the GitHub Actions step's outputs (`steps.<id>.outputs.<key>`), in GITHUB_OUTPUT's
    /// format: `key=value`, or a heredoc for a value with a line break.
    pub fn set_step_outputs(&self, outputs: &[(&str, &str)]) {
        let Some(path) = &self.step_outputs else {
            return;
        };
        let text: String = outputs
            .iter()
            .map(|(key, value)| github_output_line(key, value))
            .collect();
        self.append_to(vars::GITHUB_OUTPUT, path, &text);
    }

    fn append_to(&self, variable: &str, path: &std::path::Path, text: &str) {
        let written = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()));
        if let Err(e) = written {
            self.printer.warn(&format!(
                "cannot append to {variable} ({}): {e}",
                path.display()
            ));
        }
    }

    /// A progress display in the mode resolved for this run.
    pub fn progress(&self) -> Progress {
        Progress::new(self.progress_mode).with_masks(self.github_actions)
    }
}

pub use tenantctl_core::shell::quote as shell_word;

/// One GITHUB_OUTPUT entry. A value with a line break goes in a heredoc whose delimiter does
/// not occur in it.
fn github_output_line(key: &str, value: &str) -> String {
    if !value.contains(['\n', '\r']) {
        return format!("{key}={value}\n");
    }
    let mut delimiter = "TENANTCTL_EOF".to_string();
    while value.contains(&delimiter) {
        delimiter.push('_');
    }
    format!("{key}<<{delimiter}\n{value}\n{delimiter}\n")
}

/// Token files should be readable by their owner only.
#[cfg(unix)]
fn warn_if_shared(printer: &Printer, path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        printer.warn(&format!(
            "{} ({}) can be read by other users; `chmod 600` it",
            vars::TOKEN_FILE,
            path.display()
        ));
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_printer: &Printer, _path: &std::path::Path) {}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    use crate::error::Exit;

    fn env(vars: &[(&str, &str)], terminals: Terminals) -> Env {
        Env::new(
            vars.iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
            PathBuf::from("/work"),
            terminals,
        )
    }

    const TTY: Terminals = Terminals {
        stdin: true,
        stdout: true,
        stderr: true,
    };
    const PIPE: Terminals = Terminals {
        stdin: false,
        stdout: false,
        stderr: false,
    };

    #[test]
    fn colour_truth_table() {
        assert!(resolve_color(&env(&[], TTY)));
        assert!(!resolve_color(&env(&[], PIPE)));
        assert!(!resolve_color(&env(&[("NO_COLOR", "1")], TTY)));
        // An empty NO_COLOR does not count (no-color.org).
        assert!(resolve_color(&env(&[("NO_COLOR", "")], TTY)));
        assert!(resolve_color(&env(&[("FORCE_COLOR", "1")], PIPE)));
        assert!(!resolve_color(&env(&[("FORCE_COLOR", "0")], PIPE)));
        assert!(!resolve_color(&env(
            &[("NO_COLOR", "1"), ("FORCE_COLOR", "1")],
            TTY
        )));
    }

    #[test]
    fn progress_truth_table() {
        let normal = Verbosity::Normal;
        assert_eq!(
            resolve_progress(&env(&[], TTY), normal),
            ProgressMode::Terminal
        );
        assert_eq!(
            resolve_progress(&env(&[], PIPE), normal),
            ProgressMode::Plain
        );
        assert_eq!(
            resolve_progress(&env(&[("GITHUB_ACTIONS", "true")], PIPE), normal),
            ProgressMode::GithubActions
        );
        assert_eq!(
            resolve_progress(&env(&[], TTY), Verbosity::Verbose(1)),
            ProgressMode::Plain
        );
        assert_eq!(
            resolve_progress(&env(&[], TTY), Verbosity::Quiet),
            ProgressMode::Hidden
        );
    }

    #[test]
    fn interactivity_truth_table() {
        assert_eq!(
            resolve_interactivity(&env(&[], TTY), false),
            Interactivity::Interactive
        );
        assert_eq!(
            resolve_interactivity(&env(&[], TTY), true),
            Interactivity::NoInputFlag
        );
        assert_eq!(
            resolve_interactivity(&env(&[], PIPE), false),
            Interactivity::NotATerminal
        );
    }

    #[test]
    fn command_line_beats_environment() {
        let cli = crate::cli::Cli::parse_from([
            "tenantctl",
            "--api-url",
            "http://127.0.0.1:1",
            "--org",
            "flag-org",
            "list",
        ]);
        let e = env(
            &[
                ("TENANTCTL_API_URL", "http://env"),
                ("TENANTCTL_ORG", "env-org"),
                ("TENANTCTL_CONFIG", "env.toml"),
                ("FLY_API_TOKEN", "secret-token"),
            ],
            PIPE,
        );
        let ctx = Context::resolve(&cli.global, &e);
        assert_eq!(ctx.api_url, "http://127.0.0.1:1");
        assert_eq!(ctx.org_override.as_deref(), Some("flag-org"));
        assert_eq!(
            ctx.config_request,
            ConfigRequest::Env(PathBuf::from("/work/env.toml"))
        );
        assert_eq!(ctx.token().map(ApiToken::expose), Some("secret-token"));
        assert!(!format!("{ctx:?}").contains("secret-token"));

        let cli = crate::cli::Cli::parse_from(["tenantctl", "list"]);
        let ctx = Context::resolve(&cli.global, &e);
        assert_eq!(ctx.api_url, "http://env");
        assert_eq!(ctx.org_override.as_deref(), Some("env-org"));
    }

    #[test]
    fn github_outputs_use_a_heredoc_for_multi_line_values() {
        assert_eq!(
            github_output_line("app", "tenant-acme"),
            "app=tenant-acme\n"
        );
        assert_eq!(
            github_output_line("note", "a\nTENANTCTL_EOF"),
            "note<<TENANTCTL_EOF_\na\nTENANTCTL_EOF\nTENANTCTL_EOF_\n"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn local_mode_connects_to_an_in_process_emulator() {
        let dir = tempfile::tempdir().unwrap();
        let cli = crate::cli::Cli::parse_from(["tenantctl", "--local", "list"]);
        let e = Env::new([], dir.path().to_path_buf(), PIPE);
        let ctx = Context::resolve(&cli.global, &e);
        let connection = ctx.connect().await.unwrap();
        assert!(connection.is_local());
        let apps = connection.client.list_apps("personal").await.unwrap();
        assert!(apps.is_empty());
        connection.close().await;
        assert!(dir.path().join(LOCAL_STATE_DIR).is_dir());
    }

    #[tokio::test]
    async fn remote_mode_needs_a_token() {
        let cli = crate::cli::Cli::parse_from(["tenantctl", "list"]);
        let ctx = Context::resolve(&cli.global, &env(&[], PIPE));
        let err = ctx.connect().await.err().unwrap();
        assert_eq!(crate::error::classify(&err).0, Exit::Usage);
        assert!(err.to_string().contains("FLY_API_TOKEN"), "{err}");
        let ctx = Context::resolve(&cli.global, &env(&[("FLY_API_TOKEN", "fm2_abc")], PIPE));
        assert!(!ctx.connect().await.unwrap().is_local());
    }

    #[test]
    fn api_url_precedence_and_normalisation() {
        let url =
            |flag: Option<&str>, vars: &[(&str, &str)]| resolve_api_url(flag, &env(vars, PIPE));
        assert_eq!(
            url(None, &[]),
            (DEFAULT_API_URL.to_string(), ApiUrlSource::Default)
        );
        let all = [
            ("TENANTCTL_API_URL", "http://a"),
            ("FLY_API_HOSTNAME", "http://b"),
            ("FLY_FLAPS_BASE_URL", "http://c"),
        ];
        assert_eq!(url(Some("http://flag"), &all).0, "http://flag");
        assert_eq!(url(None, &all).0, "http://a");
        assert_eq!(
            url(None, &all[1..]),
            (
                "http://b".to_string(),
                ApiUrlSource::Env(vars::FLY_API_HOSTNAME)
            )
        );
        assert_eq!(url(None, &all[2..]).0, "http://c");
        // flyctl's WireGuard mode is skipped, not used as a URL.
        assert_eq!(
            url(None, &[("FLY_FLAPS_BASE_URL", "peer")]).1,
            ApiUrlSource::Default
        );
        assert_eq!(
            normalise_api_url(" api.machines.dev/v1/ "),
            "https://api.machines.dev"
        );
        assert_eq!(
            normalise_api_url("http://_api.internal:4280"),
            "http://_api.internal:4280"
        );
    }

    #[test]
    fn actor_comes_from_github_then_user() {
        assert_eq!(resolve_actor(&env(&[], PIPE)), UNKNOWN_ACTOR);
        assert_eq!(resolve_actor(&env(&[("USER", "alice")], PIPE)), "alice");
        assert_eq!(
            resolve_actor(&env(
                &[("USER", "runner"), ("GITHUB_ACTOR", "octocat")],
                PIPE
            )),
            "octocat"
        );
    }

    #[test]
    fn token_sources_in_order() {
        let cli = crate::cli::Cli::parse_from(["tenantctl", "list"]);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tok"), "  fm2_from-file\n").unwrap();
        let with = |vars: &[(&str, &str)]| {
            let e = Env::new(
                vars.iter()
                    .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
                dir.path().to_path_buf(),
                PIPE,
            );
            Context::resolve(&cli.global, &e).load_token()
        };
        let (token, source) = with(&[("TENANTCTL_TOKEN_FILE", "tok")]).unwrap();
        assert_eq!(
            (token.expose(), source),
            ("fm2_from-file", TokenSource::TokenFile)
        );
        let (token, source) = with(&[
            ("TENANTCTL_TOKEN_FILE", "tok"),
            ("FLY_ACCESS_TOKEN", "fm2_access"),
        ])
        .unwrap();
        assert_eq!(
            (token.expose(), source),
            ("fm2_access", TokenSource::FlyAccessToken)
        );
        let (_, source) = with(&[("FLY_ACCESS_TOKEN", "a"), ("FLY_API_TOKEN", "b")]).unwrap();
        assert_eq!(source, TokenSource::FlyApiToken);
        let missing = with(&[]).unwrap_err();
        assert_eq!(missing.exit, Exit::Usage);
        assert!(
            missing.message.contains("FLY_API_TOKEN"),
            "{}",
            missing.message
        );
        let unreadable = with(&[("TENANTCTL_TOKEN_FILE", "nope")]).unwrap_err();
        assert!(unreadable.message.contains("TENANTCTL_TOKEN_FILE"));
    }

    #[test]
    fn target_args_repeat_what_changes_the_target() {
        let cli = crate::cli::Cli::parse_from([
            "tenantctl",
            "--local",
            "--config",
            "my dir/t.toml",
            "--org",
            "o",
            "-v",
            "list",
        ]);
        let ctx = Context::resolve(&cli.global, &env(&[], PIPE));
        assert_eq!(
            ctx.target_args(),
            ["--local", "--config", "'my dir/t.toml'", "--org", "o"]
        );
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }

    #[test]
    fn log_filter_follows_verbosity() {
        let e = env(&[], PIPE);
        assert_eq!(resolve_log_filter(&e, Verbosity::Normal), "warn");
        assert_eq!(resolve_log_filter(&e, Verbosity::Verbose(2)), "debug");
        assert_eq!(
            resolve_log_filter(
                &env(&[("TENANTCTL_LOG", "fly_api=trace")], PIPE),
                Verbosity::Normal
            ),
            "fly_api=trace"
        );
    }
}
