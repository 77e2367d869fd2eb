//! The token and secret values never reach logs, even at TRACE level.

mod common;

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex};

use common::{MACHINE_JSON, MockServer, client_with, reply};
use fly_api::types::{ExecRequest, SecretValue};

const TOKEN: &str = "fm2_TOKEN-NEVER-LOGGED-7f3a";
const SECRET: &str = "SECRET-VALUE-NEVER-LOGGED-91b2";
const EXEC_STDIN: &str = "EXEC-STDIN-NEVER-LOGGED-5c4d";
const EXEC_STDOUT: &str = "EXEC-STDOUT-NEVER-LOGGED-0e1f";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn token_and_secret_values_are_never_logged() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start(vec![
        reply(200, MACHINE_JSON),
        reply(
            200,
            &format!(r#"{{"secrets":[{{"name":"DB","value":"{SECRET}"}}],"version":2}}"#),
        ),
        reply(503, &format!(r#"{{"error":"bad value {SECRET}"}}"#)),
        reply(200, r#"{"secrets":[],"version":3}"#),
        reply(200, &format!(r#"{{"stdout":"{EXEC_STDOUT}"}}"#)),
    ])
    .await;
    let c = client_with(&server.url, TOKEN, |_| {});
    c.get_machine("app", "m1").await.unwrap();
    let mut values = BTreeMap::new();
    values.insert("DB".to_owned(), SecretValue::new(SECRET));
    let update = c.set_secrets("app", &values).await.unwrap();
    // Debug output of the decoded response must not show the value either.
    let shown = format!("{update:?}");
    assert!(!shown.contains(SECRET), "{shown}");
    // A retried secrets write must not log the server's error text, which may echo a value.
    assert_eq!(c.set_secrets("app", &values).await.unwrap().version, 3);
    let mut exec = ExecRequest::new(["cat"]);
    exec.stdin = Some(EXEC_STDIN.to_owned());
    let out = c.exec("app", "m1", &exec).await.unwrap();
    assert_eq!(out.stdout, EXEC_STDOUT);
    tracing::info!(client = ?c, token = ?fly_api::Token::parse(TOKEN).unwrap(), "debug forms");

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // Logging is on: the requests themselves are there.
    assert!(logs.contains("fly api request"), "{logs}");
    assert!(logs.contains("/v1/apps/app/secrets"), "{logs}");
    assert!(logs.contains("debug forms"), "{logs}");
    // Non-sensitive bodies are logged at trace level (so the check below is meaningful).
    assert!(logs.contains("\"instance_id\""), "{logs}");
    for needle in [TOKEN, "TOKEN-NEVER-LOGGED", SECRET, EXEC_STDIN, EXEC_STDOUT] {
        assert!(!logs.contains(needle), "{needle} leaked into logs:\n{logs}");
    }
    // The server really received the token, so the test is not vacuous.
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some(format!("FlyV1 {TOKEN}").as_str())
    );
}
