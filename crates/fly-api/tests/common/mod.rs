//! A scripted HTTP server for client tests: answers requests in order from a script and records
//! what it received.

#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use fly_api::{ClientConfig, FlyClient, RetryPolicy, Token};

#[derive(Debug, Clone)]
pub struct Scripted {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Option<Duration>,
}

pub fn reply(status: u16, body: &str) -> Scripted {
    Scripted {
        status,
        headers: Vec::new(),
        body: body.to_owned(),
        delay: None,
    }
}

impl Scripted {
    pub fn header(mut self, name: &str, value: &str) -> Scripted {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Scripted {
        self.delay = Some(delay);
        self
    }
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("request body is JSON")
    }

    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let Some(query) = &self.query else {
            return Vec::new();
        };
        query
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect()
    }
}

#[derive(Default)]
struct ServerState {
    script: VecDeque<Scripted>,
    requests: Vec<Recorded>,
}

pub struct MockServer {
    pub url: String,
    state: Arc<Mutex<ServerState>>,
}

impl MockServer {
    pub async fn start(script: Vec<Scripted>) -> MockServer {
        let state = Arc::new(Mutex::new(ServerState {
            script: script.into(),
            requests: Vec::new(),
        }));
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        MockServer {
            url: format!("http://{addr}"),
            state,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().expect("lock").requests.clone()
    }

    pub fn request_count(&self) -> usize {
        self.state.lock().expect("lock").requests.len()
    }
}

async fn handle(
    State(state): State<Arc<Mutex<ServerState>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let next = {
        let mut state = state.lock().expect("lock");
        state.requests.push(Recorded {
            method: method.to_string(),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            headers: headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        v.to_str().unwrap_or("<non-ascii>").to_owned(),
                    )
                })
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        state.script.pop_front()
    };
    let Some(next) = next else {
        return (StatusCode::IM_A_TEAPOT, "unscripted request").into_response();
    };
    if let Some(delay) = next.delay {
        tokio::time::sleep(delay).await;
    }
    let mut builder = Response::builder().status(next.status);
    for (name, value) in &next.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(axum::body::Body::from(next.body))
        .expect("response")
}

/// A client for `url` with immediate retries (4 attempts) and no rate limiting.
pub fn client(url: &str) -> FlyClient {
    client_with(url, "test-token", |_| {})
}

pub fn client_with(url: &str, token: &str, adjust: impl FnOnce(&mut ClientConfig)) -> FlyClient {
    let mut config = ClientConfig::new(Token::parse(token).expect("token")).with_base_url(url);
    config.retry = RetryPolicy::immediate(4);
    config.rate_limit = None;
    config.timeout = Duration::from_secs(5);
    adjust(&mut config);
    FlyClient::new(config).expect("client")
}

pub const MACHINE_JSON: &str = r#"{"id":"m1","name":"web","state":"started","region":"ord",
  "instance_id":"01H","config":{"image":"nginx","metadata":{"tenant":"acme"}}}"#;
