//! Shared harness: an in-process flysim per test plus a small request builder.
//!
//! Every response that reaches the client is checked for a `fly-request-id` header and,
//! unless the test says a 5xx is expected (fault injection), for the absence of 5xx.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use flysim::{Handle, Profile};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use tempfile::TempDir;

pub const IMAGE: &str = "registry.fly.io/tenant-app:deployment-01";

static NAME_COUNTER: AtomicU32 = AtomicU32::new(0);

/// A unique, valid Fly app name (lowercase, digits, dashes).
pub fn app_name(prefix: &str) -> String {
    let n = NAME_COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

pub struct Sim {
    pub handle: Option<Handle>,
    pub base: String,
    pub token: String,
    pub client: reqwest::Client,
    pub dir: TempDir,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(0)
        .build()
        .expect("reqwest client")
}

impl Sim {
    pub async fn start() -> Sim {
        Sim::with_profile(Profile::zero()).await
    }

    pub async fn with_profile(profile: Profile) -> Sim {
        let dir = tempfile::tempdir().expect("tempdir");
        Sim::in_dir(dir, profile).await
    }

    pub async fn in_dir(dir: TempDir, profile: Profile) -> Sim {
        let handle = tenantctl_test_support::spawn(dir.path(), profile).await;
        let base = handle.base_url();
        assert!(
            base.starts_with("http://127.0.0.1:"),
            "base_url should be loopback http without /v1, got {base}"
        );
        assert!(
            !base.ends_with('/'),
            "base_url has a trailing slash: {base}"
        );
        let token = handle.org_token();
        Sim {
            handle: Some(handle),
            base,
            token,
            client: client(),
            dir,
        }
    }

    pub fn h(&self) -> &Handle {
        self.handle.as_ref().expect("running")
    }

    /// Shuts the server down and hands back the state directory.
    pub async fn stop(mut self) -> TempDir {
        if let Some(h) = self.handle.take() {
            h.shutdown().await;
        }
        self.dir
    }

    pub fn req(&self, method: Method, path: &str) -> Req<'_> {
        Req {
            client: &self.client,
            method,
            url: format!("{}{}", self.base, path),
            auth: Some(format!("Bearer {}", self.token)),
            body: None,
            raw: None,
            headers: Vec::new(),
            allow_5xx: false,
        }
    }

    pub fn get(&self, path: &str) -> Req<'_> {
        self.req(Method::GET, path)
    }
    pub fn post(&self, path: &str) -> Req<'_> {
        self.req(Method::POST, path)
    }
    pub fn put(&self, path: &str) -> Req<'_> {
        self.req(Method::PUT, path)
    }
    pub fn delete(&self, path: &str) -> Req<'_> {
        self.req(Method::DELETE, path)
    }

    // ---- resource helpers (happy paths; each asserts success) ----

    pub async fn create_app(&self, name: &str) -> Resp {
        let r = self
            .post("/v1/apps")
            .json(json!({"name": name, "org_slug": "personal"}))
            .send()
            .await;
        assert!(r.status == 201 || r.status == 200, "create app {name}: {r}");
        r
    }

    pub async fn new_app(&self, prefix: &str) -> String {
        let name = app_name(prefix);
        self.create_app(&name).await;
        name
    }

    pub async fn create_machine(&self, app: &str, body: Value) -> Value {
        let r = self
            .post(&format!("/v1/apps/{app}/machines"))
            .json(body)
            .send()
            .await;
        r.expect(200).json()
    }

    /// Creates a machine with `config` in region `ord` and waits for it to be started.
    pub async fn started_machine(&self, app: &str, config: Value) -> Value {
        let m = self
            .create_machine(app, json!({"region": "ord", "config": config}))
            .await;
        let id = str_of(&m, "id");
        self.wait_state(app, &id, "started").await;
        m
    }

    pub async fn wait_state(&self, app: &str, id: &str, state: &str) {
        self.get(&format!(
            "/v1/apps/{app}/machines/{id}/wait?state={state}&timeout=30"
        ))
        .send()
        .await
        .expect(200);
    }

    pub async fn machine(&self, app: &str, id: &str) -> Value {
        self.get(&format!("/v1/apps/{app}/machines/{id}"))
            .send()
            .await
            .expect(200)
            .json()
    }

    pub async fn machine_state(&self, app: &str, id: &str) -> String {
        str_of(&self.machine(app, id).await, "state")
    }

    pub async fn create_volume(&self, app: &str, name: &str, region: &str) -> Value {
        self.post(&format!("/v1/apps/{app}/volumes"))
            .json(json!({"name": name, "region": region, "size_gb": 1}))
            .send()
            .await
            .expect(200)
            .json()
    }

    pub async fn exec(&self, app: &str, id: &str, argv: &[&str]) -> Value {
        self.post(&format!("/v1/apps/{app}/machines/{id}/exec"))
            .json(json!({"command": argv, "timeout": 20}))
            .send()
            .await
            .expect(200)
            .json()
    }

    /// Runs `sh -c script` in the machine and returns its stdout (asserting exit 0).
    pub async fn sh(&self, app: &str, id: &str, script: &str) -> String {
        let out = self.exec(app, id, &["/bin/sh", "-c", script]).await;
        assert_eq!(exit_code(&out), 0, "exec `{script}` failed: {out}");
        out.get("stdout")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    pub async fn set_secret(&self, app: &str, name: &str, value: &str) -> i64 {
        let r = self
            .post(&format!("/v1/apps/{app}/secrets/{name}"))
            .json(json!({"value": value}))
            .send()
            .await;
        assert!(r.status == 200 || r.status == 201, "set secret: {r}");
        r.json()
            .get("version")
            .and_then(Value::as_i64)
            .expect("secret write returns a numeric version")
    }
}

/// `exit_code` may be omitted when 0 (fly-go marks it omitempty).
pub fn exit_code(out: &Value) -> i64 {
    out.get("exit_code").and_then(Value::as_i64).unwrap_or(0)
}

pub fn str_of(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("field {key:?} missing or not a string in {v}"))
        .to_string()
}

pub fn basic_config() -> Value {
    json!({"image": IMAGE, "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 256}})
}

pub struct Req<'a> {
    client: &'a reqwest::Client,
    method: Method,
    url: String,
    auth: Option<String>,
    body: Option<Value>,
    raw: Option<String>,
    headers: Vec<(String, String)>,
    allow_5xx: bool,
}

impl Req<'_> {
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    /// Sends `body` verbatim with a JSON content type (for malformed-input tests).
    pub fn raw(mut self, body: &str) -> Self {
        self.raw = Some(body.to_string());
        self
    }
    /// Sets the whole Authorization header value.
    pub fn auth(mut self, value: &str) -> Self {
        self.auth = Some(value.to_string());
        self
    }
    pub fn bearer(self, token: &str) -> Self {
        self.auth(&format!("Bearer {token}"))
    }
    pub fn no_auth(mut self) -> Self {
        self.auth = None;
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
    pub fn nonce(self, nonce: &str) -> Self {
        self.header("fly-machine-lease-nonce", nonce)
    }
    pub fn allow_5xx(mut self) -> Self {
        self.allow_5xx = true;
        self
    }

    pub async fn try_send(self) -> Result<Resp, reqwest::Error> {
        let what = format!("{} {}", self.method, self.url);
        let mut rb = self.client.request(self.method, &self.url);
        if let Some(a) = &self.auth {
            rb = rb.header("Authorization", a);
        }
        for (k, v) in &self.headers {
            rb = rb.header(k, v);
        }
        if let Some(b) = &self.body {
            rb = rb.json(b);
        } else if let Some(raw) = self.raw {
            let typed = self
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
            if !typed {
                rb = rb.header("Content-Type", "application/json");
            }
            rb = rb.body(raw);
        }
        let started = Instant::now();
        let resp = rb.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await?;
        let text = String::from_utf8_lossy(&bytes).to_string();
        let r = Resp {
            what,
            status,
            headers,
            text,
            elapsed: started.elapsed(),
        };
        assert!(
            r.headers.contains_key("fly-request-id"),
            "no fly-request-id header on {r}"
        );
        if !self.allow_5xx {
            assert!(r.status < 500, "unexpected server error: {r}");
        }
        if !r.text.trim().is_empty() && serde_json::from_str::<Value>(&r.text).is_ok() {
            let ct = r.header("content-type").unwrap_or_default();
            assert!(
                ct.starts_with("application/json"),
                "JSON body without a JSON content type ({ct:?}): {r}"
            );
        }
        Ok(r)
    }

    pub async fn send(self) -> Resp {
        let what = format!("{} {}", self.method, self.url);
        match self.try_send().await {
            Ok(r) => r,
            Err(e) => panic!("{what}: transport error {e:?}"),
        }
    }
}

pub struct Resp {
    pub what: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub elapsed: Duration,
}

impl std::fmt::Display for Resp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} -> {} {}", self.what, self.status, self.text)
    }
}

impl Resp {
    pub fn expect(self, status: u16) -> Resp {
        assert_eq!(self.status, status, "unexpected status: {self}");
        self
    }

    pub fn expect_ok(self) -> Resp {
        assert!(
            (200..300).contains(&self.status),
            "expected success: {self}"
        );
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {self}"))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// Asserts a Fly-style error: this status and a JSON body `{"error": "...", "status": "..."}`.
    pub fn expect_error(self, status: u16) -> Value {
        assert_eq!(self.status, status, "unexpected status: {self}");
        self.error_body()
    }

    /// Asserts a 4xx with a Fly error body (code left open where Fly's exact code is not known).
    pub fn expect_client_error(self) -> Value {
        assert!((400..500).contains(&self.status), "expected a 4xx: {self}");
        self.error_body()
    }

    pub fn error_body(&self) -> Value {
        let v = self.json();
        let msg = v.get("error").and_then(Value::as_str);
        assert!(
            msg.is_some_and(|m| !m.is_empty()),
            "error body lacks a non-empty \"error\" string: {self}"
        );
        assert!(
            v.get("status").is_some_and(Value::is_string),
            "error body lacks a \"status\" string: {self}"
        );
        v
    }

    pub fn error_message(&self) -> String {
        str_of(&self.error_body(), "error")
    }
}

/// Polls `probe` until it returns true, up to `limit`; panics with `what` otherwise.
pub async fn eventually<F, Fut>(limit: Duration, what: &str, mut probe: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    loop {
        if probe().await {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

pub fn profile_with(f: impl FnOnce(&mut Profile)) -> Profile {
    let mut p = Profile::zero();
    f(&mut p);
    p
}
