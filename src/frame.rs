//! The frame every command that talks to Fly runs in: connect (to Fly, or with --local to an
//! emulator started in-process), run the command's work, and on every path close the
//! connection, so the local emulator is always shut down, also after an early error.
//!
//! The frame also owns cancellation: on Ctrl-C or SIGTERM the work is dropped at its next
//! await point, every machine lease this process holds is released, and the command ends
//! with exit code 130. A resumable operation is then simply run again.

use std::fmt;
use std::time::Duration;

use fly_api::{ClientConfig, FlyClient, Token};
use tenantctl_core::config::ConfigSource;

use crate::context::{ApiUrlSource, Context, DEFAULT_API_URL, LOCAL_STATE_DIR};
use crate::error::{CliError, Exit};

/// How long releasing the held leases may take after a cancel; a lease left behind expires on
/// its own after its TTL.
const LEASE_RELEASE_BOUND: Duration = Duration::from_secs(3);

/// What a command needs from the API: reads only, or changes too. Read commands are the ones
/// a read-only (support) token can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// What commands talk to: Fly's Machines API, or with --local an emulator running in-process.
pub struct Connection {
    pub client: FlyClient,
    /// Alive as long as the connection; its state persists in [`LOCAL_STATE_DIR`].
    local: Option<flysim::Handle>,
}

impl Connection {
    pub fn is_local(&self) -> bool {
        self.local.is_some()
    }

    /// The local emulator's S3-compatible object store, where local backups go.
    pub fn local_objects_url(&self) -> Option<String> {
        self.local.as_ref().and_then(flysim::Handle::objects_url)
    }

    /// Stops the local emulator, if any, after its in-flight requests.
    pub async fn close(self) {
        if let Some(handle) = self.local {
            handle.shutdown().await;
        }
    }
}

impl Context {
    /// Runs `work` connected: connects with the access it needs, runs it, and closes the
    /// connection on every path. A cancel drops the work, releases the leases the process
    /// holds and returns the interrupted error (exit 130).
    pub async fn connected<T>(
        &self,
        access: Access,
        work: impl AsyncFnOnce(&Connection) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        self.framed(access, work, || Err(CliError::interrupted().into()))
            .await
    }

    /// As [`Context::connected`], for work that runs until the user stops it (`logs
    /// --follow`): a cancel then ends it with success.
    pub async fn connected_until_cancel(
        &self,
        access: Access,
        work: impl AsyncFnOnce(&Connection) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.framed(access, work, || Ok(())).await
    }

    async fn framed<T>(
        &self,
        access: Access,
        work: impl AsyncFnOnce(&Connection) -> anyhow::Result<T>,
        on_cancel: impl FnOnce() -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let _frame = self.cancel.enter_frame();
        let connection = tokio::select! {
            connection = self.connect_for(access) => connection?,
            () = self.cancel.cancelled() => return Err(CliError::interrupted().into()),
        };
        let result = tokio::select! {
            result = work(&connection) => result,
            () = self.cancel.cancelled() => on_cancel(),
        };
        if self.cancel.is_cancelled() {
            // The work is gone; what it held must not stay locked until TTLs run out.
            let released = connection
                .client
                .release_held_leases(LEASE_RELEASE_BOUND)
                .await;
            if released > 0 {
                tracing::info!(released, "released machine leases after cancel");
            }
        }
        connection.close().await;
        result
    }

    async fn connect_for(&self, access: Access) -> anyhow::Result<Connection> {
        let connection = self.connect().await?;
        tracing::debug!(?access, local = connection.is_local(), "connected");
        Ok(connection)
    }

    /// A Machines API client: with --local, against an emulator started in-process whose state
    /// lives in `.tenantctl/local` next to tenantctl.toml (or in the working directory);
    /// otherwise against `api_url` with the token from FLY_API_TOKEN.
    ///
    /// Errors are typed ([`CliError`], [`ConfigError`]) so [`crate::error::classify`] finds the
    /// exit code.
    pub async fn connect(&self) -> anyhow::Result<Connection> {
        if self.local {
            return self.connect_local().await;
        }
        let (token, source) = self.load_token()?;
        let token = Token::parse(token.expose()).map_err(|e| {
            CliError::usage(format!(
                "{} does not hold a usable token: {e}",
                source.variable()
            ))
            .with_hint("copy the whole output of `fly tokens create`")
        })?;
        // Only a URL the user chose replaces both hosts; by default logs come from Fly's
        // logs host, not the Machines API's.
        let mut config = match self.api_url_source {
            ApiUrlSource::Default => ClientConfig::new(token),
            _ => ClientConfig::new(token).with_base_url(&self.api_url),
        };
        config.retry.rate_limit_budget = self.retry_budget()?;
        config.on_wait = self.wait_notifier();
        let client = FlyClient::new(config).map_err(|e| self.client_setup_error(&e))?;
        Ok(Connection {
            client,
            local: None,
        })
    }

    /// `--retry-budget`, else TENANTCTL_RETRY_BUDGET, else 2 minutes.
    fn retry_budget(&self) -> Result<std::time::Duration, CliError> {
        let (text, from) = match (&self.global.retry_budget, &self.retry_budget_env) {
            (Some(flag), _) => (flag.as_str(), "--retry-budget"),
            (None, Some(env)) => (env.as_str(), crate::context::vars::RETRY_BUDGET),
            (None, None) => return Ok(fly_api::DEFAULT_RATE_LIMIT_BUDGET),
        };
        tenantctl_core::config::ConfigDuration::parse(text)
            .map(|d| d.as_duration())
            .map_err(|e| {
                CliError::usage(format!("{from}: {e}"))
                    .with_hint("write a duration such as 90s, 5m or 1h")
            })
    }

    /// Says on stderr what the client waits for, on a terminal and with -v; elsewhere the
    /// wait shows in the logs at -v only (a CI log needs no running commentary).
    fn wait_notifier(&self) -> Option<fly_api::WaitNotifier> {
        let shown = self.progress_mode == crate::ui::progress::ProgressMode::Terminal
            || self.global.verbose > 0;
        if !shown || self.global.quiet > 0 {
            return None;
        }
        Some(fly_api::WaitNotifier(std::sync::Arc::new(
            |message: &str| {
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "   Waiting {message}");
            },
        )))
    }

    /// A client that cannot be built is almost always a bad base URL: that is the input to fix
    /// (exit 2), named by where it came from.
    fn client_setup_error(&self, error: &fly_api::ApiError) -> CliError {
        // The same client with the default URL builds: then the URL is what is wrong.
        let url_is_the_problem = Token::parse("probe").is_ok_and(|token| {
            FlyClient::new(ClientConfig::new(token).with_base_url(DEFAULT_API_URL)).is_ok()
        });
        if !url_is_the_problem {
            return CliError::new(
                Exit::Failed,
                format!("cannot set up the API client: {error}"),
            );
        }
        let source = match self.api_url_source {
            ApiUrlSource::Flag => "--api-url",
            ApiUrlSource::Env(name) => name,
            ApiUrlSource::Default => "the default API URL",
        };
        CliError::usage(format!(
            "{source} is not a usable Machines API URL: {error}"
        ))
        .with_hint(format!(
            "give {source} an http(s) URL such as {DEFAULT_API_URL}, or use --local"
        ))
    }

    async fn connect_local(&self) -> anyhow::Result<Connection> {
        let config = self.config()?;
        let base = match &config.source {
            ConfigSource::File(path) => path
                .parent()
                .map_or_else(|| self.cwd.clone(), std::path::Path::to_path_buf),
            ConfigSource::BuiltinLocal => self.cwd.clone(),
        };
        let state_dir = base.join(LOCAL_STATE_DIR);
        let failed = |e: &dyn fmt::Display| {
            CliError::new(
                Exit::Failed,
                format!(
                    "cannot start the local emulator in {}: {e}",
                    state_dir.display()
                ),
            )
            .with_hint(format!(
                "check that {} is writable; delete it to start from scratch",
                state_dir.display()
            ))
        };
        let handle = flysim::spawn(
            flysim::Config::new(&state_dir).with_objects(flysim::ObjectStoreConfig::local()),
        )
        .await
        .map_err(|e| failed(&e))?;
        let token = Token::parse(&handle.org_token_for(&config.org)).map_err(|e| failed(&e))?;
        let client = FlyClient::new(ClientConfig::new(token).with_base_url(handle.base_url()))
            .map_err(|e| failed(&e))?;
        tracing::info!(state_dir = %state_dir.display(), url = %handle.base_url(), "local emulator started");
        Ok(Connection {
            client,
            local: Some(handle),
        })
    }
}
