//! OpenAPI conformance: flysim's answers for every operation in Fly's published Machines API spec
//! (January 2024) must match the spec's response schemas.
//!
//! The spec is vendored at tests/data/machines-openapi.yaml (FLYSIM_OPENAPI_SPEC points at
//! another copy). Should it be unreadable the test says so loudly and skips, except with `CI`
//! set, where it fails: CI must never pass without checking conformance. Known quirks of the spec, each taken into account below:
//! - Go's encoder writes `null` for unset pointers, slices and maps, but the spec never marks a
//!   property `nullable`: `null` is accepted for properties that are not `required`.
//! - Several 2xx answers are described with an empty `content: {}` (start, stop, wait, delete, ...).
//!   Fly does send bodies for some (start returns `previous_state`; app create may return the App),
//!   and fly-go tolerates both, so an empty-content response may be empty or any JSON.
//! - `exec` 200 is described as a raw string; fly-go decodes `{exit_code, stdout, stderr}`.
//! - `api.MachineService.autostop` is a boolean in the spec; the API also answers `"suspend"`.
//! - `ErrorResponse.status` lists `unknown` and `insufficient_capacity`; `name_taken` is sent for
//!   app-name collisions.
//! - `ListApp.network` is typed `object` (a Go `interface{}`); the API sends the network name.
//! - Error codes other than the few the spec lists (404, 409, 412, 422 ...) are not treated as
//!   undocumented: their bodies are still checked against `ErrorResponse`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::common::*;

pub struct Spec {
    doc: Value,
}

impl Spec {
    fn path() -> PathBuf {
        match std::env::var_os("FLYSIM_OPENAPI_SPEC") {
            Some(p) => PathBuf::from(p),
            None => {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/machines-openapi.yaml")
            }
        }
    }

    /// Loads the spec, or explains on stderr why the caller must skip.
    pub fn load() -> Option<Spec> {
        let path = Spec::path();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) => {
                panic!(
                    "OpenAPI conformance needs Fly's spec at {} ({e}); CI is set, so this is a \
                     failure, not a skip",
                    path.display()
                );
            }
            Err(e) => {
                // Written to the stderr handle, not with eprintln!, so that libtest's output
                // capture does not hide the skip in a passing run.
                let notice = format!(
                    "SKIPPED: OpenAPI conformance needs Fly's spec at {} ({e}); \
                     set FLYSIM_OPENAPI_SPEC to its path to run this test\n",
                    path.display()
                );
                let _ = std::io::Write::write_all(&mut std::io::stderr(), notice.as_bytes());
                return None;
            }
        };
        let doc: Value = match serde_yaml::from_str(&text) {
            Ok(v) => v,
            Err(e) => panic!("{} is not valid YAML: {e}", path.display()),
        };
        assert!(doc["paths"].is_object(), "spec has no paths");
        Some(Spec { doc })
    }

    fn schema_named(&self, name: &str) -> Option<&Value> {
        self.doc["components"]["schemas"].get(name)
    }

    fn resolve<'a>(&'a self, r: &str) -> Option<(&'a Value, String)> {
        let name = r.strip_prefix("#/components/schemas/")?;
        Some((self.schema_named(name)?, name.to_string()))
    }

    /// Every (METHOD, path template) the spec describes.
    pub fn operations(&self) -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        if let Some(paths) = self.doc["paths"].as_object() {
            for (p, item) in paths {
                if let Some(ops) = item.as_object() {
                    for m in ops.keys() {
                        if ["get", "post", "put", "delete", "patch"].contains(&m.as_str()) {
                            out.insert((m.to_uppercase(), p.clone()));
                        }
                    }
                }
            }
        }
        out
    }

    /// Validates `v` against `schema`; `ctx` is the name of the enclosing named schema.
    pub fn validate(&self, schema: &Value, v: &Value, at: &str, ctx: &str, errs: &mut Vec<String>) {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            match self.resolve(r) {
                Some((s, name)) => self.validate(s, v, at, &name, errs),
                None => errs.push(format!("{at}: unresolvable $ref {r}")),
            }
            return;
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                self.validate(s, v, at, ctx, errs);
            }
        }
        if let Some(en) = schema.get("enum").and_then(Value::as_array)
            && !en.contains(v)
            && !enum_quirk(ctx, at, v)
        {
            errs.push(format!(
                "{at}: {v} is not one of {}",
                Value::Array(en.clone())
            ));
        }
        let Some(ty) = schema.get("type").and_then(Value::as_str) else {
            return;
        };
        let ok = match ty {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            _ => true,
        };
        if !ok {
            if !type_quirk(ctx, at, v) {
                errs.push(format!("{at}: expected {ty}, got {v}"));
            }
            return;
        }
        match ty {
            "object" => self.validate_object(schema, v, at, ctx, errs),
            "array" => {
                if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
                    for (i, x) in arr.iter().enumerate() {
                        self.validate(items, x, &format!("{at}[{i}]"), ctx, errs);
                    }
                }
            }
            _ => {}
        }
    }

    fn validate_object(
        &self,
        schema: &Value,
        v: &Value,
        at: &str,
        ctx: &str,
        errs: &mut Vec<String>,
    ) {
        let Some(obj) = v.as_object() else { return };
        let props = schema.get("properties").and_then(Value::as_object);
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for r in &required {
            match obj.get(*r) {
                None => errs.push(format!("{at}: required property {r:?} missing")),
                Some(Value::Null) => errs.push(format!("{at}.{r}: required property is null")),
                Some(_) => {}
            }
        }
        for (k, x) in obj {
            let sub = format!("{at}.{k}");
            if let Some(s) = props.and_then(|p| p.get(k)) {
                if x.is_null() {
                    continue; // Go's null for an unset optional field (see module docs).
                }
                self.validate(s, x, &sub, ctx, errs);
            } else if let Some(ap) = schema.get("additionalProperties")
                && ap.is_object()
                && !x.is_null()
            {
                self.validate(ap, x, &sub, ctx, errs);
            }
            // Properties the 2024 spec does not know are newer fields: allowed.
        }
    }
}

fn enum_quirk(ctx: &str, at: &str, v: &Value) -> bool {
    ctx == "main.statusCode" && at.ends_with(".status") && v == "name_taken"
}

fn type_quirk(ctx: &str, at: &str, v: &Value) -> bool {
    (ctx == "api.MachineService" && at.ends_with(".autostop") && v == "suspend")
        // Go `interface{}` rendered as "object"; fly-go's App carries the network name.
        || (ctx == "ListApp" && at.ends_with(".network") && v.is_string())
}

/// Checks responses against the spec and remembers which operations were seen.
pub struct Checker<'a> {
    spec: &'a Spec,
    /// Problems with success answers (status codes, schemas, operations).
    pub errors: Vec<String>,
    /// Problems with error answers (`ErrorResponse` bodies).
    pub error_body_errors: Vec<String>,
    pub covered: BTreeSet<(String, String)>,
}

impl<'a> Checker<'a> {
    pub fn new(spec: &'a Spec) -> Self {
        Checker {
            spec,
            errors: Vec::new(),
            error_body_errors: Vec::new(),
            covered: BTreeSet::new(),
        }
    }

    pub fn check(&mut self, method: &str, template: &str, r: &Resp) {
        let label = format!("{method} {template} -> {}", r.status);
        let Some(op) = self.spec.doc["paths"]
            .get(template)
            .and_then(|p| p.get(method.to_lowercase()))
        else {
            self.errors
                .push(format!("{label}: operation not in the spec"));
            return;
        };
        self.covered
            .insert((method.to_string(), template.to_string()));
        let responses = &op["responses"];
        let status = r.status.to_string();
        let documented = responses.get(&status);

        if r.status >= 400 {
            // Every error answer is an ErrorResponse, documented or not.
            let schema = json!({"$ref": "#/components/schemas/ErrorResponse"});
            let mut errs = Vec::new();
            self.validate_json(&label, &schema, r, &mut errs);
            self.error_body_errors.extend(errs);
            return;
        }
        let Some(resp_spec) = documented else {
            let known: Vec<&String> = responses
                .as_object()
                .map(|o| o.keys().collect())
                .unwrap_or_default();
            self.errors.push(format!(
                "{label}: status not documented (spec: {known:?}); body {}",
                r.text
            ));
            return;
        };
        if template.ends_with("/exec") {
            // Quirk: described as a raw string, decoded as JSON by fly-go.
            let schema = json!({"type": "object", "properties": {
                "exit_code": {"type": "integer"}, "stdout": {"type": "string"}, "stderr": {"type": "string"}}});
            let mut errs = Vec::new();
            self.validate_json(&label, &schema, r, &mut errs);
            self.errors.extend(errs);
            return;
        }
        match resp_spec["content"]["application/json"].get("schema") {
            Some(schema) => {
                let schema = schema.clone();
                let mut errs = Vec::new();
                self.validate_json(&label, &schema, r, &mut errs);
                self.errors.extend(errs);
            }
            None => {
                // Quirk: empty content; allow an empty body or JSON, not arbitrary bytes.
                if !r.text.trim().is_empty() && serde_json::from_str::<Value>(&r.text).is_err() {
                    self.errors.push(format!(
                        "{label}: body is neither empty nor JSON: {}",
                        r.text
                    ));
                }
            }
        }
    }

    fn validate_json(&self, label: &str, schema: &Value, r: &Resp, out: &mut Vec<String>) {
        match serde_json::from_str::<Value>(&r.text) {
            Ok(v) => {
                let mut errs = Vec::new();
                self.spec.validate(schema, &v, "$", "", &mut errs);
                for e in errs {
                    out.push(format!("{label}: {e}"));
                }
            }
            Err(e) => out.push(format!("{label}: body is not JSON ({e}): {}", r.text)),
        }
    }
}

const APP: &str = "/apps/{app_name}";
const M: &str = "/apps/{app_name}/machines/{machine_id}";
const V: &str = "/apps/{app_name}/volumes/{volume_id}";

/// Exercises every operation of the spec against a fresh server, checking each answer.
async fn exercise(spec: &Spec) -> Checker<'_> {
    let sim = Sim::start().await;
    let mut c = Checker::new(spec);
    let app = app_name("conform");

    // Apps.
    let r = sim
        .post("/v1/apps")
        .json(json!({"app_name": app, "org_slug": "personal", "network": "conform-net"}))
        .send()
        .await;
    c.check("POST", "/apps", &r);
    let r = sim
        .post("/v1/apps")
        .json(json!({"app_name": "Bad_Name!", "org_slug": "personal"}))
        .send()
        .await;
    c.check("POST", "/apps", &r);
    let r = sim.get("/v1/apps?org_slug=personal").send().await;
    c.check("GET", "/apps", &r);
    let r = sim.get(&format!("/v1/apps/{app}")).send().await;
    c.check("GET", APP, &r);
    let r = sim.get("/v1/apps/no-such-app").send().await;
    c.check("GET", APP, &r);

    // Volumes.
    let vpath = format!("/v1/apps/{app}/volumes");
    let r = sim
        .post(&vpath)
        .json(json!({"name": "data", "region": "ord", "size_gb": 1, "encrypted": true}))
        .send()
        .await;
    c.check("POST", "/apps/{app_name}/volumes", &r);
    let vol = r.json();
    let vid = str_of(&vol, "id");
    let r = sim.get(&vpath).send().await;
    c.check("GET", "/apps/{app_name}/volumes", &r);
    let r = sim.get(&format!("{vpath}/{vid}")).send().await;
    c.check("GET", V, &r);
    let r = sim
        .post(&format!("{vpath}/{vid}"))
        .json(json!({"snapshot_retention": 6}))
        .send()
        .await;
    c.check("POST", V, &r);
    let r = sim
        .put(&format!("{vpath}/{vid}/extend"))
        .json(json!({"size_gb": 2}))
        .send()
        .await;
    c.check("PUT", &format!("{V}/extend"), &r);

    // Machines, with a config that touches most of api.MachineConfig.
    let config = json!({
        "image": IMAGE,
        "env": {"A": "b"},
        "init": {"swap_size_mb": 256},
        "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 512},
        "metadata": {"fly_process_group": "app"},
        "restart": {"policy": "on-failure", "max_retries": 3},
        "services": [{"protocol": "tcp", "internal_port": 8080, "autostop": "suspend",
            "autostart": true, "min_machines_running": 0,
            "concurrency": {"type": "requests", "soft_limit": 20, "hard_limit": 25},
            "ports": [{"port": 80, "handlers": ["http"], "force_https": true},
                      {"port": 443, "handlers": ["tls", "http"],
                       "tls_options": {"alpn": ["h2"], "versions": ["TLSv1.3"]},
                       "http_options": {"compress": true}}],
            "checks": [{"type": "http", "interval": "15s", "timeout": "2s", "grace_period": "5s",
                "method": "GET", "path": "/healthz",
                "headers": [{"name": "Host", "values": ["example.com"]}]}]}],
        "checks": {"alive": {"type": "tcp", "port": 8080, "interval": "30s", "timeout": "5s"}},
        "mounts": [{"volume": vid, "path": "/data", "name": "data"}],
        "stop_config": {"signal": "SIGINT", "timeout": "5s"},
        "dns": {"skip_registration": false},
        "metrics": {"port": 9091, "path": "/metrics"},
        "statics": [{"guest_path": "/app/public", "url_prefix": "/static"}],
        "files": [{"guest_path": "/etc/motd", "raw_value": "aGVsbG8K"}],
        "processes": [{"env": {"P": "1"}}]
    });
    let mpath = format!("/v1/apps/{app}/machines");
    let r = sim
        .post(&mpath)
        .json(json!({"name": "web", "region": "ord", "config": config}))
        .send()
        .await;
    c.check("POST", "/apps/{app_name}/machines", &r);
    let m = r.json();
    let id = str_of(&m, "id");
    let one = format!("{mpath}/{id}");
    let r = sim
        .get(&format!("{one}/wait?state=started&timeout=30"))
        .send()
        .await;
    c.check("GET", &format!("{M}/wait"), &r);
    let r = sim
        .get(&format!("{one}/wait?state=started&timeout=61"))
        .send()
        .await;
    assert_eq!(r.status, 400, "{r}");
    c.check("GET", &format!("{M}/wait"), &r);
    let r = sim.get(&mpath).send().await;
    c.check("GET", "/apps/{app_name}/machines", &r);
    let r = sim
        .get(&format!("{mpath}?include_deleted=true&region=ord"))
        .send()
        .await;
    c.check("GET", "/apps/{app_name}/machines", &r);
    let r = sim.get(&one).send().await;
    c.check("GET", M, &r);
    let r = sim
        .post(&one)
        .json(json!({"config": config, "region": "ord"}))
        .send()
        .await;
    c.check("POST", M, &r);
    let r = sim
        .get(&format!("{one}/wait?state=started&timeout=30"))
        .send()
        .await;
    c.check("GET", &format!("{M}/wait"), &r);
    for (method, suffix, body) in [
        ("GET", "/events", None),
        ("GET", "/versions", None),
        ("GET", "/ps", None),
        ("GET", "/metadata", None),
        ("POST", "/metadata/{key}", Some(json!({"value": "v"}))),
        ("DELETE", "/metadata/{key}", None),
        ("POST", "/cordon", None),
        ("POST", "/uncordon", None),
        ("POST", "/signal", Some(json!({"signal": "SIGHUP"}))),
        ("POST", "/signal", Some(json!({"signal": "SIGNOPE"}))),
        (
            "POST",
            "/exec",
            Some(json!({"command": ["echo", "hi"], "timeout": 10})),
        ),
        ("POST", "/exec", Some(json!({}))),
    ] {
        let url = format!("{one}{}", suffix.replace("{key}", "conform_key"));
        let mut req = sim.req(method.parse().expect("method"), &url);
        if let Some(b) = body {
            req = req.json(b);
        }
        let r = req.send().await;
        c.check(method, &format!("{M}{suffix}"), &r);
    }

    // Leases.
    let r = sim
        .post(&format!("{one}/lease"))
        .json(json!({"ttl": 30, "description": "conformance"}))
        .send()
        .await;
    c.check("POST", &format!("{M}/lease"), &r);
    // fly-go wraps the lease in {status, data}; the spec's Lease is the inner object.
    let lease = r.json();
    let inner = if lease["data"].is_object() {
        lease["data"].clone()
    } else {
        lease.clone()
    };
    let mut errs = Vec::new();
    spec.validate(
        &json!({"$ref": "#/components/schemas/Lease"}),
        &inner,
        "$.data",
        "",
        &mut errs,
    );
    c.errors
        .extend(errs.into_iter().map(|e| format!("lease data: {e}")));
    let nonce = str_of(&inner, "nonce");
    let r = sim
        .post(&format!("{one}/lease"))
        .json(json!({"ttl": 30}))
        .send()
        .await;
    assert_eq!(r.status, 409, "{r}");
    c.check("POST", &format!("{M}/lease"), &r);
    let r = sim.get(&format!("{one}/lease")).send().await;
    c.check("GET", &format!("{M}/lease"), &r);
    let r = sim
        .delete(&format!("{one}/lease"))
        .nonce(&nonce)
        .send()
        .await;
    c.check("DELETE", &format!("{M}/lease"), &r);

    // Lifecycle.
    let r = sim.post(&format!("{one}/restart?timeout=10s")).send().await;
    c.check("POST", &format!("{M}/restart"), &r);
    sim.wait_state(&app, &id, "started").await;
    let r = sim
        .post(&format!("{one}/stop"))
        .json(json!({"signal": "SIGTERM", "timeout": "10s"}))
        .send()
        .await;
    c.check("POST", &format!("{M}/stop"), &r);
    sim.wait_state(&app, &id, "stopped").await;
    let r = sim.post(&format!("{one}/start")).send().await;
    c.check("POST", &format!("{M}/start"), &r);
    sim.wait_state(&app, &id, "started").await;

    // Snapshots.
    let r = sim.post(&format!("{vpath}/{vid}/snapshots")).send().await;
    c.check("POST", &format!("{V}/snapshots"), &r);
    let r = sim.get(&format!("{vpath}/{vid}/snapshots")).send().await;
    c.check("GET", &format!("{V}/snapshots"), &r);

    // Teardown: machine, volume, app.
    let r = sim.delete(&format!("{one}?force=true")).send().await;
    c.check("DELETE", M, &r);
    sim.wait_state(&app, &id, "destroyed").await;
    let r = sim
        .get(&format!("{mpath}?include_deleted=true"))
        .send()
        .await;
    c.check("GET", "/apps/{app_name}/machines", &r);
    let r = sim.delete(&format!("{vpath}/{vid}")).send().await;
    c.check("DELETE", V, &r);
    let r = sim.delete(&format!("/v1/apps/{app}")).send().await;
    c.check("DELETE", APP, &r);

    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_responses_conform_to_the_openapi_spec() {
    let Some(spec) = Spec::load() else { return };
    let c = exercise(&spec).await;
    let missing: Vec<String> = spec
        .operations()
        .difference(&c.covered)
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "spec operations not exercised: {missing:#?}"
    );
    assert!(
        c.errors.is_empty(),
        "{} conformance problem(s):\n{}",
        c.errors.len(),
        c.errors.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_responses_conform_to_the_openapi_spec() {
    let Some(spec) = Spec::load() else { return };
    let c = exercise(&spec).await;
    assert!(
        c.error_body_errors.is_empty(),
        "{} error-body problem(s) against ErrorResponse:\n{}",
        c.error_body_errors.len(),
        c.error_body_errors.join("\n")
    );
}

#[test]
fn validator_catches_mismatches() {
    let Some(spec) = Spec::load() else { return };
    let check = |schema: &str, v: Value| {
        let mut errs = Vec::new();
        spec.validate(
            &json!({"$ref": format!("#/components/schemas/{schema}")}),
            &v,
            "$",
            "",
            &mut errs,
        );
        errs
    };
    assert!(
        check(
            "Machine",
            json!({"id": "x", "state": "started", "events": []})
        )
        .is_empty()
    );
    assert!(!check("Machine", json!({"id": 5})).is_empty(), "wrong type");
    assert!(
        !check("Machine", json!({"config": {"guest": {"cpus": "two"}}})).is_empty(),
        "nested through $ref"
    );
    assert!(
        !check("Machine", json!({"events": [{"timestamp": "yesterday"}]})).is_empty(),
        "array items"
    );
    assert!(
        !check(
            "Machine",
            json!({"config": {"restart": {"policy": "sometimes"}}})
        )
        .is_empty(),
        "enum"
    );
    assert!(
        !check("Machine", json!({"config": {"env": {"A": 1}}})).is_empty(),
        "additionalProperties"
    );
    assert!(
        !check(
            "Machine",
            json!({"config": {"statics": [{"guest_path": "/a"}]}})
        )
        .is_empty(),
        "required"
    );
    assert!(
        check(
            "Machine",
            json!({"config": {"services": [{"autostop": "suspend"}]}})
        )
        .is_empty()
    );
    assert!(
        !check(
            "Machine",
            json!({"config": {"services": [{"autostop": "maybe"}]}})
        )
        .is_empty()
    );
    assert!(
        check(
            "ErrorResponse",
            json!({"error": "x", "status": "name_taken"})
        )
        .is_empty()
    );
    assert!(!check("ErrorResponse", json!({"error": "x", "status": "bogus"})).is_empty());
    assert!(
        !check("Volume", json!({"size_gb": 1.5})).is_empty(),
        "integer"
    );
}
