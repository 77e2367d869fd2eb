//! `FlyClient`: the only code that speaks HTTP to Fly.
//!
//! Every call goes through one path that adds auth and user agent, waits for the client-side
//! rate limiter, applies a per-request timeout, retries transient failures, decodes Fly's error
//! body and logs one `tracing` debug event per attempt (method, path, status, fly-request-id,
//! elapsed). The `Authorization` header is never logged; request and response bodies are logged
//! at trace level except for secrets and exec calls, whose bodies are never logged.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{
    AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER, USER_AGENT,
};
use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::auth::Token;
use crate::error::ApiError;
use crate::lease::LeaseRegistry;
use crate::ratelimit::{RateLimit, RateLimiter};
use crate::retry::{RetryPolicy, parse_retry_after};
use crate::types::apps::CreateAppWire;
use crate::types::certificates::AddCertificateRequest;
use crate::types::logs::LogsWire;
use crate::types::machines::{LeaseRequest, MetadataValue};
use crate::types::volumes::ExtendVolumeRequest;
use crate::types::{
    AllocateIpRequest, App, AppOrganization, AppSecret, CertificateDetail, CreateAppRequest,
    CreateVolumeRequest, ExecRequest, ExecResponse, ExtendVolumeResponse, IpAssignment,
    LaunchMachineInput, LeaseData, ListAppsResponse, ListCertificatesResponse,
    ListIpAssignmentsResponse, ListMachinesParams, ListSecretsResponse, LogsQuery, LogsResponse,
    Machine, MachineEvent, MachineLease, RestartRequest, SecretValue, StartMachineResponse,
    StopRequest, UpdateSecretsRequest, UpdateSecretsResponse, Volume, VolumeSnapshot, WaitParams,
    go_duration,
};

/// Default Machines API base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.machines.dev";
/// Default base URL of the logs endpoint, which is not on the Machines API host.
pub const DEFAULT_LOGS_BASE_URL: &str = "https://api.fly.io";

const REQUEST_ID_HEADER: &str = "fly-request-id";
const NONCE_HEADER: &str = "fly-machine-lease-nonce";
const FORCE_INSTANCE_HEADER: &str = "fly-force-instance-id";
/// Fly's proxy cuts requests at 60 s, so one wait request may ask for at most that.
const MAX_WAIT_REQUEST: Duration = Duration::from_secs(60);
/// Pause between wait requests that found no machine (yet).
const NOT_FOUND_PAUSE: Duration = Duration::from_millis(250);

/// How a [`FlyClient`] is set up.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Machines API base (`https://api.machines.dev`; a flysim URL in tests). `/v1` is added.
    pub base_url: String,
    /// Base of the logs endpoint (`https://api.fly.io`; the flysim URL in tests).
    pub logs_base_url: String,
    pub token: Token,
    pub user_agent: String,
    /// Per-request timeout. Wait and exec calls add their own server-side timeout to it.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
    /// Limit per app (Fly keys its limits by machine or app); `None` disables it.
    pub rate_limit: Option<RateLimit>,
    /// Limit across all apps; `None` disables it.
    pub global_rate_limit: Option<RateLimit>,
    /// Pins requests to one flaps instance (`Fly-Force-Instance-Id`).
    pub force_instance_id: Option<String>,
    /// Told what the client waits for ("rate limited by Fly on create app; retrying in 2s"),
    /// so a terminal can show it.
    pub on_wait: Option<WaitNotifier>,
}

/// Receives the client's waiting messages.
#[derive(Clone)]
pub struct WaitNotifier(pub Arc<dyn Fn(&str) + Send + Sync>);

impl std::fmt::Debug for WaitNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WaitNotifier")
    }
}

impl ClientConfig {
    /// Defaults: Fly's production URLs, 30 s timeout, [`RetryPolicy::default`],
    /// [`RateLimit::default`].
    pub fn new(token: Token) -> Self {
        ClientConfig {
            base_url: DEFAULT_BASE_URL.to_owned(),
            logs_base_url: DEFAULT_LOGS_BASE_URL.to_owned(),
            token,
            user_agent: format!("tenantctl/{}", env!("CARGO_PKG_VERSION")),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            rate_limit: Some(RateLimit::PER_APP),
            global_rate_limit: Some(RateLimit::GLOBAL),
            force_instance_id: None,
            on_wait: None,
        }
    }

    /// Points both the Machines API and the logs endpoint at one server (flysim).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        let base_url = base_url.into();
        self.logs_base_url = base_url.clone();
        self.base_url = base_url;
        self
    }
}

/// Client of the Fly Machines API. Cheap to clone; clones share the connection pool and the
/// rate limiter.
#[derive(Clone)]
pub struct FlyClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    logs_base_url: Url,
    authorization: HeaderValue,
    timeout: Duration,
    retry: RetryPolicy,
    limiter: RateLimiter,
    /// Leases held through guards, shared by all clones so a shutdown path can release them.
    leases: LeaseRegistry,
    on_wait: Option<WaitNotifier>,
}

impl fmt::Debug for FlyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlyClient")
            .field("base_url", &self.inner.base_url.as_str())
            .field("logs_base_url", &self.inner.logs_base_url.as_str())
            .finish_non_exhaustive()
    }
}

/// Whether a request may be sent again after an outcome that leaves it unknown whether the
/// server acted on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Replay {
    /// Repeating it is harmless (GET, absolute PUTs, metadata/secrets sets).
    Idempotent,
    /// Retried only when the server surely did not act (429, 502, 503, connect failures).
    Unsafe,
    /// Like `Unsafe`, and an unknown outcome is reported as [`ApiError::Ambiguous`].
    Create,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Host {
    Machines,
    Logs,
}

/// One API call, before it is sent (possibly several times).
struct Call {
    method: Method,
    host: Host,
    segments: Vec<String>,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    nonce: Option<String>,
    replay: Replay,
    /// Never log the bodies (secrets, exec).
    sensitive: bool,
    timeout: Option<Duration>,
}

impl Call {
    /// What the call does, in words, for "rate limited by Fly on create app".
    fn action(&self) -> String {
        let method = self.method.as_str();
        let segments: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        let named = match (method, segments.as_slice()) {
            ("POST", ["apps"]) => "create app",
            ("DELETE", ["apps", _]) => "delete app",
            ("POST", ["apps", _, "machines"]) => "create machine",
            ("POST", ["apps", _, "machines", _]) => "update machine",
            ("POST", ["apps", _, "machines", _, "lease"]) => "take a machine lease",
            ("POST", ["apps", _, "machines", _, "start"]) => "start machine",
            ("POST", ["apps", _, "machines", _, "stop"]) => "stop machine",
            ("POST", ["apps", _, "machines", _, "restart"]) => "restart machine",
            ("POST", ["apps", _, "volumes"]) => "create volume",
            ("GET", ["apps", _, "machines", _]) => "get machine",
            ("POST", ["apps", _, "secrets", ..]) => "set secrets",
            _ => "",
        };
        if named.is_empty() {
            format!("{method} /{}", segments.join("/"))
        } else {
            named.to_string()
        }
    }

    /// The app this call is about (`/apps/{app}/...`), which keys its rate-limit bucket.
    fn app(&self) -> Option<&str> {
        match self.segments.as_slice() {
            [first, app, ..] if first == "apps" => Some(app.as_str()),
            _ => None,
        }
    }

    fn new(method: Method, replay: Replay, segments: &[&str]) -> Call {
        Call {
            method,
            host: Host::Machines,
            segments: segments.iter().map(|s| (*s).to_owned()).collect(),
            query: Vec::new(),
            body: None,
            nonce: None,
            replay,
            sensitive: false,
            timeout: None,
        }
    }

    fn get(segments: &[&str]) -> Call {
        Call::new(Method::GET, Replay::Idempotent, segments)
    }

    fn query(mut self, key: &str, value: impl Into<String>) -> Call {
        self.query.push((key.to_owned(), value.into()));
        self
    }

    fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Call, ApiError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| ApiError::Config(format!("could not encode the request body: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }

    fn nonce(mut self, nonce: Option<&str>) -> Call {
        self.nonce = nonce.filter(|n| !n.is_empty()).map(str::to_owned);
        self
    }

    fn sensitive(mut self) -> Call {
        self.sensitive = true;
        self
    }

    fn timeout(mut self, timeout: Duration) -> Call {
        self.timeout = Some(timeout);
        self
    }
}

/// A 2xx response.
struct Reply {
    status: u16,
    body: Vec<u8>,
}

/// What one attempt produced.
enum Attempt {
    Reply(Reply),
    Failed {
        error: ApiError,
        /// Retry-After of a 429/503, if any.
        retry_after: Option<Duration>,
        /// The server surely did not act on the request.
        not_processed: bool,
        /// The server may have acted on it (timeout after sending, 500, 504, 408).
        ambiguous: bool,
    },
}

impl FlyClient {
    /// Builds a client. Fails only on an unusable URL, user agent or token header.
    pub fn new(config: ClientConfig) -> Result<FlyClient, ApiError> {
        let base_url = parse_base(&config.base_url)?;
        let logs_base_url = parse_base(&config.logs_base_url)?;
        let mut authorization = HeaderValue::from_str(&config.token.authorization_value())
            .map_err(|_| ApiError::Config("the token is not a valid header value".into()))?;
        authorization.set_sensitive(true);

        let mut headers = HeaderMap::new();
        headers.insert(
            USER_AGENT,
            HeaderValue::from_str(&config.user_agent)
                .map_err(|_| ApiError::Config("invalid user agent".into()))?,
        );
        if let Some(instance) = config
            .force_instance_id
            .as_deref()
            .filter(|s| !s.is_empty())
        {
            headers.insert(
                FORCE_INSTANCE_HEADER,
                HeaderValue::from_str(instance)
                    .map_err(|_| ApiError::Config("invalid force instance id".into()))?,
            );
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(config.connect_timeout)
            .build()
            .map_err(|e| ApiError::Config(format!("could not build the HTTP client: {e}")))?;
        Ok(FlyClient {
            inner: Arc::new(Inner {
                http,
                base_url,
                logs_base_url,
                authorization,
                timeout: config.timeout,
                retry: config.retry,
                limiter: RateLimiter::new(config.rate_limit, config.global_rate_limit),
                leases: LeaseRegistry::default(),
                on_wait: config.on_wait.clone(),
            }),
        })
    }

    pub(crate) fn lease_registry(&self) -> &LeaseRegistry {
        &self.inner.leases
    }

    // ---------------------------------------------------------------- apps

    /// Creates an app (`POST /v1/apps?wait=true`).
    ///
    /// Not retried when the outcome is unknown (timeout after sending, 500, 504, 408): that
    /// returns [`ApiError::Ambiguous`], and the caller should [`FlyClient::get_app`] the name
    /// before creating again. A name collision (app names are global) is 422/409 with
    /// [`ApiError::is_name_taken`]. When Fly answers with an empty body (201) the returned
    /// [`App`] carries only what was requested.
    pub async fn create_app(&self, req: &CreateAppRequest) -> Result<App, ApiError> {
        let call = Call::new(Method::POST, Replay::Create, &["apps"])
            .query("wait", "true")
            .json(&CreateAppWire::from(req))?;
        let reply = self.execute(&call).await?;
        if is_blank(&reply.body) {
            return Ok(App {
                name: req.name.clone(),
                network: req.network.clone(),
                organization: Some(AppOrganization {
                    slug: req.org_slug.clone(),
                    ..AppOrganization::default()
                }),
                ..App::default()
            });
        }
        decode(&call, &reply)
    }

    /// Gets an app; `None` when it does not exist (404). A 403 (the name exists in an org the
    /// token cannot see) is an error.
    pub async fn get_app(&self, app: &str) -> Result<Option<App>, ApiError> {
        let call = Call::get(&["apps", app]);
        match self.execute(&call).await {
            Ok(reply) => decode(&call, &reply).map(Some),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether `app` is free to create. App names are global across all orgs: a 403 means the
    /// name exists in an org this token cannot see, so only a 404 means free. Any other failure
    /// (401 included) is an error, not an answer.
    pub async fn app_name_available(&self, app: &str) -> Result<bool, ApiError> {
        match self.get_app(app).await {
            Ok(found) => Ok(found.is_none()),
            Err(e) if e.status() == Some(403) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Lists the apps of an organization (`personal` allowed).
    pub async fn list_apps(&self, org_slug: &str) -> Result<Vec<App>, ApiError> {
        let call = Call::get(&["apps"]).query("org_slug", org_slug);
        let reply = self.execute(&call).await?;
        let list: ListAppsResponse = decode(&call, &reply)?;
        Ok(list.apps)
    }

    /// Deletes an app with everything in it.
    pub async fn delete_app(&self, app: &str) -> Result<(), ApiError> {
        let call = Call::new(Method::DELETE, Replay::Unsafe, &["apps", app]);
        self.execute(&call).await.map(drop)
    }

    // ------------------------------------------------------------ machines

    /// Creates (and, unless `skip_launch`, boots) a machine.
    ///
    /// Not retried when the outcome is unknown (timeout after sending, 500, 504, 408): that
    /// returns [`ApiError::Ambiguous`]. Give the machine a unique name or metadata key and list
    /// machines to find it before creating again.
    pub async fn create_machine(
        &self,
        app: &str,
        input: &LaunchMachineInput,
    ) -> Result<Machine, ApiError> {
        let call =
            Call::new(Method::POST, Replay::Create, &["apps", app, "machines"]).json(input)?;
        let reply = self.execute(&call).await?;
        decode(&call, &reply)
    }

    pub async fn get_machine(&self, app: &str, machine_id: &str) -> Result<Machine, ApiError> {
        let call = Call::get(&["apps", app, "machines", machine_id]);
        let reply = self.execute(&call).await?;
        decode(&call, &reply)
    }

    /// Lists machines. Destroyed machines are included only with `include_deleted`.
    pub async fn list_machines(
        &self,
        app: &str,
        params: &ListMachinesParams,
    ) -> Result<Vec<Machine>, ApiError> {
        let mut call = Call::get(&["apps", app, "machines"]);
        if params.include_deleted {
            call = call.query("include_deleted", "true");
        }
        if let Some(region) = &params.region {
            call = call.query("region", region.clone());
        }
        if let Some(state) = &params.state {
            call = call.query("state", state.clone());
        }
        for (key, value) in &params.metadata {
            call = call.query(&format!("metadata.{key}"), value.clone());
        }
        let reply = self.execute(&call).await?;
        let machines: Vec<Machine> = decode(&call, &reply)?;
        if params.metadata.is_empty() {
            return Ok(machines);
        }
        Ok(machines
            .into_iter()
            .filter(|m| metadata_matches(m, &params.metadata))
            .collect())
    }

    /// Replaces a machine's config (`POST /machines/{id}`). The machine gets a new
    /// `instance_id`; wait for it with [`WaitParams::with_instance_id`].
    pub async fn update_machine(
        &self,
        app: &str,
        machine_id: &str,
        input: &LaunchMachineInput,
        nonce: Option<&str>,
    ) -> Result<Machine, ApiError> {
        let call = Call::new(
            Method::POST,
            Replay::Unsafe,
            &["apps", app, "machines", machine_id],
        )
        .json(input)?
        .nonce(nonce);
        let reply = self.execute(&call).await?;
        decode(&call, &reply)
    }

    pub async fn start_machine(
        &self,
        app: &str,
        machine_id: &str,
        nonce: Option<&str>,
    ) -> Result<StartMachineResponse, ApiError> {
        let call = Call::new(
            Method::POST,
            Replay::Unsafe,
            &["apps", app, "machines", machine_id, "start"],
        )
        .nonce(nonce);
        let reply = self.execute(&call).await?;
        decode_or_default(&call, &reply)
    }

    pub async fn stop_machine(
        &self,
        app: &str,
        machine_id: &str,
        req: &StopRequest,
        nonce: Option<&str>,
    ) -> Result<(), ApiError> {
        let mut call = Call::new(
            Method::POST,
            Replay::Unsafe,
            &["apps", app, "machines", machine_id, "stop"],
        )
        .nonce(nonce);
        if req.signal.is_some() || req.timeout.is_some() {
            call = call.json(req)?;
        }
        self.execute(&call).await.map(drop)
    }

    pub async fn restart_machine(
        &self,
        app: &str,
        machine_id: &str,
        req: &RestartRequest,
        nonce: Option<&str>,
    ) -> Result<(), ApiError> {
        let mut call = Call::new(
            Method::POST,
            Replay::Unsafe,
            &["apps", app, "machines", machine_id, "restart"],
        )
        .query("force_stop", req.force_stop.to_string())
        .nonce(nonce);
        if let Some(timeout) = req.timeout {
            call = call.query("timeout", go_duration(timeout));
        }
        if let Some(signal) = &req.signal {
            call = call.query("signal", signal.clone());
        }
        self.execute(&call).await.map(drop)
    }

    pub async fn suspend_machine(
        &self,
        app: &str,
        machine_id: &str,
        nonce: Option<&str>,
    ) -> Result<(), ApiError> {
        let call = Call::new(
            Method::POST,
            Replay::Unsafe,
            &["apps", app, "machines", machine_id, "suspend"],
        )
        .nonce(nonce);
        self.execute(&call).await.map(drop)
    }

    /// Destroys a machine. `force` kills a running machine (sent as both `force=true` and
    /// fly-go's `kill=true`); without it Fly refuses to destroy a started machine.
    pub async fn destroy_machine(
        &self,
        app: &str,
        machine_id: &str,
        force: bool,
        nonce: Option<&str>,
    ) -> Result<(), ApiError> {
        let mut call = Call::new(
            Method::DELETE,
            Replay::Unsafe,
            &["apps", app, "machines", machine_id],
        )
        .nonce(nonce);
        if force {
            call = call.query("force", "true").query("kill", "true");
        }
        self.execute(&call).await.map(drop)
    }

    /// Waits until the machine is in one of `params.states` (default `started`).
    ///
    /// Each request asks the server to wait at most `request_timeout` (clamped to 1..=60 s);
    /// a 408 answer is retried until `overall_timeout` has passed, which then returns
    /// [`ApiError::WaitTimeout`]. A 404 within `not_found_grace` of the start is retried (a
    /// just-created machine can be briefly invisible); other errors return at once.
    pub async fn wait_for_state(
        &self,
        app: &str,
        machine_id: &str,
        params: &WaitParams,
    ) -> Result<(), ApiError> {
        let states: Vec<String> = if params.states.is_empty() {
            vec![crate::types::machines::state::STARTED.to_owned()]
        } else {
            params.states.clone()
        };
        let started = Instant::now();
        let deadline = started + params.overall_timeout;
        let per_request = params
            .request_timeout
            .clamp(Duration::from_secs(1), MAX_WAIT_REQUEST);
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(ApiError::WaitTimeout {
                    machine_id: machine_id.to_owned(),
                    states: states.join("|"),
                    waited: started.elapsed(),
                });
            }
            // Whole seconds, at least 1, never past the overall deadline by more than rounding.
            let secs = per_request.min(remaining).as_secs_f64().ceil().max(1.0) as u64;
            let mut call = Call::get(&["apps", app, "machines", machine_id, "wait"])
                .timeout(Duration::from_secs(secs) + self.inner.timeout);
            for state in &states {
                call = call.query("state", state.clone());
            }
            call = call.query("timeout", secs.to_string());
            if let Some(instance_id) = &params.instance_id {
                // The spec names it `instance_id`, fly-go sends `version`.
                call = call
                    .query("instance_id", instance_id.clone())
                    .query("version", instance_id.clone());
            }
            if let Some(event_id) = &params.from_event_id {
                call = call.query("from_event_id", event_id.clone());
            }
            match self.execute(&call).await {
                Ok(_) => return Ok(()),
                Err(e) if e.is_request_timeout() => {
                    let pause = self.inner.retry.base_delay.min(remaining);
                    if !pause.is_zero() {
                        tokio::time::sleep(pause).await;
                    }
                }
                // Right after a create the machine may not be visible yet.
                Err(e) if e.is_not_found() && started.elapsed() < params.not_found_grace => {
                    tokio::time::sleep(NOT_FOUND_PAUSE.min(remaining)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Takes the machine's lease (`ttl_seconds` default is the server's). A held lease is a 409
    /// with [`ApiError::is_lease_held`]. An unknown outcome returns [`ApiError::Ambiguous`]:
    /// the lease may be held by this caller without a known nonce until its TTL passes.
    pub async fn acquire_lease(
        &self,
        app: &str,
        machine_id: &str,
        ttl_seconds: Option<u64>,
        description: Option<&str>,
    ) -> Result<LeaseData, ApiError> {
        let mut call = Call::new(
            Method::POST,
            Replay::Create,
            &["apps", app, "machines", machine_id, "lease"],
        );
        if let Some(ttl) = ttl_seconds {
            call = call.query("ttl", ttl.to_string());
        }
        if let Some(description) = description {
            call = call.json(&LeaseRequest {
                ttl: ttl_seconds,
                description: Some(description.to_owned()),
            })?;
        }
        let reply = self.execute(&call).await?;
        lease_data(&call, decode(&call, &reply)?)
    }

    /// Extends a lease held with `nonce`. Fly returns the same nonce with a later expiry.
    pub async fn refresh_lease(
        &self,
        app: &str,
        machine_id: &str,
        nonce: &str,
        ttl_seconds: Option<u64>,
    ) -> Result<LeaseData, ApiError> {
        let mut call = Call::new(
            Method::POST,
            Replay::Idempotent,
            &["apps", app, "machines", machine_id, "lease"],
        )
        .nonce(Some(nonce));
        if let Some(ttl) = ttl_seconds {
            call = call.query("ttl", ttl.to_string());
        }
        let reply = self.execute(&call).await?;
        lease_data(&call, decode(&call, &reply)?)
    }

    pub async fn release_lease(
        &self,
        app: &str,
        machine_id: &str,
        nonce: &str,
    ) -> Result<(), ApiError> {
        let call = Call::new(
            Method::DELETE,
            Replay::Idempotent,
            &["apps", app, "machines", machine_id, "lease"],
        )
        .nonce(Some(nonce));
        self.execute(&call).await.map(drop)
    }

    /// The current lease, if any (Fly answers 404 when there is none).
    pub async fn get_lease(
        &self,
        app: &str,
        machine_id: &str,
    ) -> Result<Option<LeaseData>, ApiError> {
        let call = Call::get(&["apps", app, "machines", machine_id, "lease"]);
        match self.execute(&call).await {
            Ok(reply) => {
                let lease: MachineLease = decode_or_default(&call, &reply)?;
                Ok(lease.data.filter(|d| !d.nonce.is_empty()))
            }
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Runs a command in a started machine. Neither the request nor the output is ever logged.
    pub async fn exec(
        &self,
        app: &str,
        machine_id: &str,
        req: &ExecRequest,
    ) -> Result<ExecResponse, ApiError> {
        let server_timeout = Duration::from_secs(req.timeout.unwrap_or(0));
        let call = Call::new(
            Method::POST,
            Replay::Unsafe,
            &["apps", app, "machines", machine_id, "exec"],
        )
        .json(req)?
        .sensitive()
        .timeout(server_timeout.saturating_add(self.inner.timeout));
        let reply = self.execute(&call).await?;
        decode_or_default(&call, &reply)
    }

    pub async fn get_metadata(
        &self,
        app: &str,
        machine_id: &str,
    ) -> Result<BTreeMap<String, String>, ApiError> {
        let call = Call::get(&["apps", app, "machines", machine_id, "metadata"]);
        let reply = self.execute(&call).await?;
        decode_or_default(&call, &reply)
    }

    pub async fn set_metadata(
        &self,
        app: &str,
        machine_id: &str,
        key: &str,
        value: &str,
    ) -> Result<(), ApiError> {
        let call = Call::new(
            Method::POST,
            Replay::Idempotent,
            &["apps", app, "machines", machine_id, "metadata", key],
        )
        .json(&MetadataValue { value })?;
        self.execute(&call).await.map(drop)
    }

    pub async fn delete_metadata(
        &self,
        app: &str,
        machine_id: &str,
        key: &str,
    ) -> Result<(), ApiError> {
        let call = Call::new(
            Method::DELETE,
            Replay::Idempotent,
            &["apps", app, "machines", machine_id, "metadata", key],
        );
        self.execute(&call).await.map(drop)
    }

    /// The machine's event log, newest first.
    pub async fn list_events(
        &self,
        app: &str,
        machine_id: &str,
    ) -> Result<Vec<MachineEvent>, ApiError> {
        let call = Call::get(&["apps", app, "machines", machine_id, "events"]);
        let reply = self.execute(&call).await?;
        decode_or_default(&call, &reply)
    }

    // ------------------------------------------------------------- volumes

    /// Creates a volume.
    ///
    /// Not retried when the outcome is unknown (timeout after sending, 500, 504, 408): that
    /// returns [`ApiError::Ambiguous`]; list the app's volumes by name before creating again.
    pub async fn create_volume(
        &self,
        app: &str,
        req: &CreateVolumeRequest,
    ) -> Result<Volume, ApiError> {
        let call = Call::new(Method::POST, Replay::Create, &["apps", app, "volumes"]).json(req)?;
        let reply = self.execute(&call).await?;
        decode(&call, &reply)
    }

    pub async fn get_volume(&self, app: &str, volume_id: &str) -> Result<Volume, ApiError> {
        let call = Call::get(&["apps", app, "volumes", volume_id]);
        let reply = self.execute(&call).await?;
        decode(&call, &reply)
    }

    /// All volumes, including ones being destroyed (see [`Volume::is_being_destroyed`]).
    pub async fn list_volumes(&self, app: &str) -> Result<Vec<Volume>, ApiError> {
        let call = Call::get(&["apps", app, "volumes"]);
        let reply = self.execute(&call).await?;
        decode_or_default(&call, &reply)
    }

    /// Grows a volume to `size_gb` (volumes never shrink).
    pub async fn extend_volume(
        &self,
        app: &str,
        volume_id: &str,
        size_gb: u64,
    ) -> Result<ExtendVolumeResponse, ApiError> {
        let call = Call::new(
            Method::PUT,
            Replay::Idempotent,
            &["apps", app, "volumes", volume_id, "extend"],
        )
        .json(&ExtendVolumeRequest { size_gb })?;
        let reply = self.execute(&call).await?;
        decode(&call, &reply)
    }

    pub async fn delete_volume(&self, app: &str, volume_id: &str) -> Result<(), ApiError> {
        let call = Call::new(
            Method::DELETE,
            Replay::Unsafe,
            &["apps", app, "volumes", volume_id],
        );
        self.execute(&call).await.map(drop)
    }

    pub async fn list_snapshots(
        &self,
        app: &str,
        volume_id: &str,
    ) -> Result<Vec<VolumeSnapshot>, ApiError> {
        let call = Call::get(&["apps", app, "volumes", volume_id, "snapshots"]);
        let reply = self.execute(&call).await?;
        decode_or_default(&call, &reply)
    }

    /// Starts an on-demand snapshot. An unknown outcome returns [`ApiError::Ambiguous`]; list
    /// snapshots before taking another.
    pub async fn create_snapshot(&self, app: &str, volume_id: &str) -> Result<(), ApiError> {
        let call = Call::new(
            Method::POST,
            Replay::Create,
            &["apps", app, "volumes", volume_id, "snapshots"],
        );
        self.execute(&call).await.map(drop)
    }

    // ------------------------------------------------------------- secrets

    /// Secret names and digests (never values).
    pub async fn list_secrets(&self, app: &str) -> Result<Vec<AppSecret>, ApiError> {
        let call = Call::get(&["apps", app, "secrets"]).sensitive();
        let reply = self.execute(&call).await?;
        let list: ListSecretsResponse = decode_or_default(&call, &reply)?;
        Ok(list.secrets)
    }

    /// One secret with its value (`show_secrets=true`; an org token may read values), or
    /// `None` when the app has no secret of that name.
    pub async fn get_secret_value(
        &self,
        app: &str,
        name: &str,
    ) -> Result<Option<AppSecret>, ApiError> {
        let call = Call::get(&["apps", app, "secrets", name])
            .query("show_secrets", "true")
            .sensitive();
        match self.execute(&call).await {
            Ok(reply) => decode(&call, &reply).map(Some),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sets one secret (`POST /secrets/{name}`).
    pub async fn set_secret(
        &self,
        app: &str,
        name: &str,
        value: &SecretValue,
    ) -> Result<(), ApiError> {
        let body = serde_json::json!({ "value": value.expose() });
        let call = Call::new(
            Method::POST,
            Replay::Idempotent,
            &["apps", app, "secrets", name],
        )
        .json(&body)?
        .sensitive();
        self.execute(&call).await.map(drop)
    }

    /// Deletes one secret; one that is not there counts as deleted.
    pub async fn delete_secret(&self, app: &str, name: &str) -> Result<(), ApiError> {
        let call = Call::new(
            Method::DELETE,
            Replay::Idempotent,
            &["apps", app, "secrets", name],
        );
        match self.execute(&call).await {
            Ok(_) => Ok(()),
            Err(e) if e.status() == Some(404) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Sets several secrets in one write. Machines see them after their next update/restart;
    /// pass the returned `version` as `min_secrets_version`.
    pub async fn set_secrets(
        &self,
        app: &str,
        values: &BTreeMap<String, SecretValue>,
    ) -> Result<UpdateSecretsResponse, ApiError> {
        let req = UpdateSecretsRequest {
            values: values
                .iter()
                .map(|(k, v)| (k.clone(), Some(v.clone())))
                .collect(),
        };
        self.update_secrets(app, &req).await
    }

    /// Removes secrets in one write.
    pub async fn unset_secrets(
        &self,
        app: &str,
        names: &[&str],
    ) -> Result<UpdateSecretsResponse, ApiError> {
        let req = UpdateSecretsRequest {
            values: names.iter().map(|n| ((*n).to_owned(), None)).collect(),
        };
        self.update_secrets(app, &req).await
    }

    /// Bulk write: values set, `None` removes.
    pub async fn update_secrets(
        &self,
        app: &str,
        req: &UpdateSecretsRequest,
    ) -> Result<UpdateSecretsResponse, ApiError> {
        let call = Call::new(Method::POST, Replay::Idempotent, &["apps", app, "secrets"])
            .json(req)?
            .sensitive();
        let reply = self.execute(&call).await?;
        decode_or_default(&call, &reply)
    }

    // ----------------------------------------------------------------- ips

    pub async fn list_ips(&self, app: &str) -> Result<Vec<IpAssignment>, ApiError> {
        let call = Call::get(&["apps", app, "ip_assignments"]);
        let reply = self.execute(&call).await?;
        let list: ListIpAssignmentsResponse = decode_or_default(&call, &reply)?;
        Ok(list.ips)
    }

    /// Allocates an address. An unknown outcome returns [`ApiError::Ambiguous`]; list the
    /// app's IPs before allocating again.
    pub async fn allocate_ip(
        &self,
        app: &str,
        req: &AllocateIpRequest,
    ) -> Result<IpAssignment, ApiError> {
        let call = Call::new(
            Method::POST,
            Replay::Create,
            &["apps", app, "ip_assignments"],
        )
        .json(req)?;
        let reply = self.execute(&call).await?;
        decode(&call, &reply)
    }

    pub async fn release_ip(&self, app: &str, ip: &str) -> Result<(), ApiError> {
        let call = Call::new(
            Method::DELETE,
            Replay::Unsafe,
            &["apps", app, "ip_assignments", ip],
        );
        self.execute(&call).await.map(drop)
    }

    // -------------------------------------------------------- certificates

    /// Adds a hostname and starts ACME issuance. An unknown outcome returns
    /// [`ApiError::Ambiguous`]; get the hostname before adding it again.
    pub async fn add_certificate(
        &self,
        app: &str,
        hostname: &str,
    ) -> Result<CertificateDetail, ApiError> {
        let call = Call::new(
            Method::POST,
            Replay::Create,
            &["apps", app, "certificates", "acme"],
        )
        .json(&AddCertificateRequest { hostname })?;
        let reply = self.execute(&call).await?;
        decode(&call, &reply)
    }

    /// The certificate state of a hostname; `None` when the app has no such hostname.
    pub async fn get_certificate(
        &self,
        app: &str,
        hostname: &str,
    ) -> Result<Option<CertificateDetail>, ApiError> {
        let call = Call::get(&["apps", app, "certificates", hostname]);
        match self.execute(&call).await {
            Ok(reply) => decode(&call, &reply).map(Some),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Re-validates DNS and triggers issuance if needed.
    pub async fn check_certificate(
        &self,
        app: &str,
        hostname: &str,
    ) -> Result<CertificateDetail, ApiError> {
        let call = Call::new(
            Method::POST,
            Replay::Idempotent,
            &["apps", app, "certificates", hostname, "check"],
        );
        let reply = self.execute(&call).await?;
        decode(&call, &reply)
    }

    /// One page of the app's certificates; pass `next_cursor` back for the next page.
    pub async fn list_certificates(
        &self,
        app: &str,
        cursor: Option<&str>,
    ) -> Result<ListCertificatesResponse, ApiError> {
        let mut call = Call::get(&["apps", app, "certificates"]);
        if let Some(cursor) = cursor.filter(|c| !c.is_empty()) {
            call = call.query("cursor", cursor);
        }
        let reply = self.execute(&call).await?;
        decode_or_default(&call, &reply)
    }

    /// Removes a hostname and all its certificates.
    pub async fn delete_certificate(&self, app: &str, hostname: &str) -> Result<(), ApiError> {
        let call = Call::new(
            Method::DELETE,
            Replay::Unsafe,
            &["apps", app, "certificates", hostname],
        );
        self.execute(&call).await.map(drop)
    }

    // ---------------------------------------------------------------- logs

    /// One page of app logs from `{logs_base_url}/api/v1/apps/{app}/logs`. Poll with the
    /// returned `next_token` (keep the previous one when a page comes back empty).
    pub async fn get_logs(&self, app: &str, query: &LogsQuery) -> Result<LogsResponse, ApiError> {
        let mut call = Call::get(&["api", "v1", "apps", app, "logs"])
            .query("next_token", query.next_token.clone());
        call.host = Host::Logs;
        if let Some(instance) = &query.instance {
            call = call.query("instance", instance.clone());
        }
        if let Some(region) = &query.region {
            call = call.query("region", region.clone());
        }
        let reply = self.execute(&call).await?;
        let wire: LogsWire = decode_or_default(&call, &reply)?;
        Ok(wire.into())
    }

    // ----------------------------------------------------------- transport

    fn url(&self, call: &Call) -> Result<Url, ApiError> {
        // The URL library drops `.`/`..` segments, which would turn `DELETE machines/..` into a
        // call on a different resource; an empty ID would address the collection.
        if let Some(bad) = call
            .segments
            .iter()
            .find(|s| s.is_empty() || *s == "." || *s == "..")
        {
            return Err(ApiError::InvalidArgument {
                what: "path segment (app name, ID, key or hostname)",
                value: bad.clone(),
            });
        }
        let (mut url, prefix): (Url, &[&str]) = match call.host {
            Host::Machines => (self.inner.base_url.clone(), &["v1"]),
            Host::Logs => (self.inner.logs_base_url.clone(), &[]),
        };
        {
            let shown = url.to_string();
            let mut segments = url
                .path_segments_mut()
                .map_err(|()| ApiError::Config(format!("base URL {shown} cannot take a path")))?;
            segments.pop_if_empty();
            segments.extend(prefix);
            segments.extend(call.segments.iter());
        }
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(call.query.iter());
        }
        Ok(url)
    }

    /// Sends `call`, retrying per the policy. Returns the 2xx reply or the final error.
    async fn execute(&self, call: &Call) -> Result<Reply, ApiError> {
        let url = self.url(call)?;
        let path = match url.query() {
            Some(q) => format!("{}?{}", url.path(), q),
            None => url.path().to_owned(),
        };
        let policy = self.inner.retry;
        let first_attempt = Instant::now();
        let mut attempt_no: u32 = 0;
        // 429s are retried within the time budget; other failures count against the attempts.
        let mut rate_limited_retries: u32 = 0;
        let mut other_retries: u32 = 0;
        loop {
            attempt_no += 1;
            self.inner.limiter.acquire(call.app()).await;
            let (error, retry_after, not_processed, ambiguous) =
                match self.attempt(call, &url, &path, attempt_no).await {
                    Attempt::Reply(reply) => return Ok(reply),
                    Attempt::Failed {
                        error,
                        retry_after,
                        not_processed,
                        ambiguous,
                    } => (error, retry_after, not_processed, ambiguous),
                };
            let retryable = not_processed || (ambiguous && call.replay == Replay::Idempotent);
            if !retryable {
                if ambiguous && call.replay == Replay::Create {
                    return Err(ApiError::Ambiguous {
                        source: Box::new(error),
                    });
                }
                return Err(error);
            }
            let rate_limited = error.status() == Some(429);
            if rate_limited {
                rate_limited_retries += 1;
                let delay = policy.rate_limited_delay(rate_limited_retries - 1, retry_after);
                if first_attempt.elapsed() + delay > policy.rate_limit_budget {
                    tracing::debug!(
                        method = %call.method, path = %path, attempts = attempt_no,
                        "giving up: rate limited past the retry budget"
                    );
                    return Err(error);
                }
                let waiting = format!(
                    "rate limited by Fly on {}; retrying in {}",
                    call.action(),
                    crate::retry::seconds(delay)
                );
                tracing::info!(target: "fly_api::wait", "{waiting}");
                if let Some(notify) = &self.inner.on_wait {
                    (notify.0)(&waiting);
                }
                tokio::time::sleep(delay).await;
                continue;
            }
            other_retries += 1;
            if other_retries >= policy.max_attempts.max(1) {
                tracing::debug!(
                    method = %call.method, path = %path, attempts = attempt_no,
                    "giving up after the last attempt"
                );
                return Err(error);
            }
            let delay = retry_after.unwrap_or_else(|| policy.backoff(other_retries - 1));
            if first_attempt.elapsed() + delay > policy.max_elapsed {
                tracing::debug!(
                    method = %call.method, path = %path, attempts = attempt_no,
                    delay_ms = delay.as_millis() as u64,
                    "giving up: the next retry would pass the retry time budget"
                );
                return Err(error);
            }
            // Error text of sensitive calls may echo what was sent; log only the status then.
            let shown = if call.sensitive {
                format!("status {:?}", error.status())
            } else {
                error.to_string()
            };
            tracing::debug!(
                method = %call.method, path = %path, attempt = attempt_no,
                delay_ms = delay.as_millis() as u64, error = %shown,
                "retrying fly api request"
            );
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
        }
    }

    async fn attempt(&self, call: &Call, url: &Url, path: &str, attempt_no: u32) -> Attempt {
        let timeout = call.timeout.unwrap_or(self.inner.timeout);
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url.clone())
            .header(AUTHORIZATION, self.inner.authorization.clone())
            .timeout(timeout);
        if let Some(nonce) = &call.nonce {
            request = request.header(NONCE_HEADER, nonce.as_str());
        }
        if let Some(body) = &call.body {
            if !call.sensitive {
                tracing::trace!(
                    method = %call.method, path = %path,
                    body = %String::from_utf8_lossy(body),
                    "fly api request body"
                );
            }
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }

        let started = Instant::now();
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                let failure = transport_failure(call, path, timeout, &e);
                tracing::debug!(
                    method = %call.method, path = %path, attempt = attempt_no,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    error = %failure.0,
                    "fly api request failed"
                );
                return Attempt::Failed {
                    error: failure.0,
                    retry_after: None,
                    not_processed: failure.1,
                    ambiguous: !failure.1,
                };
            }
        };

        let status = response.status().as_u16();
        let request_id = header_str(response.headers(), REQUEST_ID_HEADER);
        let retry_after = header_str(response.headers(), RETRY_AFTER.as_str())
            .and_then(|v| parse_retry_after(&v, SystemTime::now()));
        let body = match response.bytes().await {
            Ok(bytes) => bytes.to_vec(),
            Err(e) => {
                let (error, _) = transport_failure(call, path, timeout, &e);
                tracing::debug!(
                    method = %call.method, path = %path, status, attempt = attempt_no,
                    request_id = request_id.as_deref().unwrap_or("-"),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    error = %error,
                    "fly api response could not be read"
                );
                // The server answered, so it acted on the request.
                return Attempt::Failed {
                    error,
                    retry_after: None,
                    not_processed: false,
                    ambiguous: true,
                };
            }
        };
        tracing::debug!(
            method = %call.method, path = %path, status, attempt = attempt_no,
            request_id = request_id.as_deref().unwrap_or("-"),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "fly api request"
        );
        if !call.sensitive && !body.is_empty() {
            tracing::trace!(
                method = %call.method, path = %path, status,
                body = %String::from_utf8_lossy(&body),
                "fly api response body"
            );
        }

        if (200..300).contains(&status) {
            return Attempt::Reply(Reply { status, body });
        }
        let error = ApiError::from_response(status, &body, request_id);
        Attempt::Failed {
            error,
            retry_after: if matches!(status, 429 | 503) {
                retry_after
            } else {
                None
            },
            // 429: throttled before any work; 502/503: the proxy did not reach a healthy
            // backend. Both are safe to resend for every method.
            not_processed: matches!(status, 429 | 502 | 503),
            // A 408 on a read is an answer ("not yet" from wait), not a lost request.
            ambiguous: matches!(status, 500 | 504)
                || (status == 408 && call.replay != Replay::Idempotent),
        }
    }
}

fn parse_base(raw: &str) -> Result<Url, ApiError> {
    let url = Url::parse(raw.trim())
        .map_err(|e| ApiError::Config(format!("invalid base URL {raw:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ApiError::Config(format!(
            "base URL {raw:?} must be http or https"
        )));
    }
    Ok(url)
}

fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Maps a reqwest error to our error and whether the request surely never reached the server.
fn transport_failure(
    call: &Call,
    path: &str,
    timeout: Duration,
    error: &reqwest::Error,
) -> (ApiError, bool) {
    let not_sent = error.is_connect();
    if error.is_timeout() && !not_sent {
        return (
            ApiError::Timeout {
                method: call.method.to_string(),
                path: path.to_owned(),
                after: timeout,
            },
            false,
        );
    }
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    (
        ApiError::Transport {
            method: call.method.to_string(),
            path: path.to_owned(),
            message,
            not_sent,
        },
        not_sent,
    )
}

fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

fn decode<T: DeserializeOwned>(call: &Call, reply: &Reply) -> Result<T, ApiError> {
    serde_json::from_slice(&reply.body).map_err(|e| decode_error(call, reply, &e))
}

/// Like [`decode`], but an empty body (Fly's 204s and some empty 200s) is the default value.
fn decode_or_default<T: DeserializeOwned + Default>(
    call: &Call,
    reply: &Reply,
) -> Result<T, ApiError> {
    if is_blank(&reply.body) {
        return Ok(T::default());
    }
    decode(call, reply)
}

fn decode_error(call: &Call, reply: &Reply, error: &serde_json::Error) -> ApiError {
    // serde messages can quote a fragment of the body; never for bodies that may hold secrets.
    let message = if call.sensitive {
        format!(
            "invalid JSON ({:?} error at line {} column {}) in a {} response",
            error.classify(),
            error.line(),
            error.column(),
            reply.status
        )
    } else {
        format!("{error} in a {} response", reply.status)
    };
    ApiError::Decode {
        method: call.method.to_string(),
        path: format!("/{}", call.segments.join("/")),
        message,
    }
}

fn lease_data(call: &Call, lease: MachineLease) -> Result<LeaseData, ApiError> {
    match lease.data {
        Some(data) if !data.nonce.is_empty() => Ok(data),
        _ => Err(ApiError::Decode {
            method: call.method.to_string(),
            path: format!("/{}", call.segments.join("/")),
            message: format!(
                "lease response without a nonce (status {:?}, message {:?})",
                lease.status, lease.message
            ),
        }),
    }
}

/// True when the machine's `config.metadata` holds every wanted pair.
fn metadata_matches(machine: &Machine, wanted: &BTreeMap<String, String>) -> bool {
    let Some(config) = &machine.config else {
        return false;
    };
    wanted
        .iter()
        .all(|(key, expected)| config.metadata.get(key) == Some(expected))
}
