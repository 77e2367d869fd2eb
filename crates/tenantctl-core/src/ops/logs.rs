//! `logs`: a tenant's log lines, page by page through `next_token`, optionally followed.
//!
//! Following keeps polling; an empty poll doubles the pause up to a bound and a poll with new
//! lines resets it. No line is handed out twice, even if the API repeats one across pages.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use fly_api::FlyClient;
use fly_api::types::{LogEntry, LogsQuery};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::Config;
use crate::error::OpError;
use crate::resources::app;
use crate::tenant::{AppName, TenantId};

/// Lines remembered to drop repeats; far more than one page.
const SEEN_LINES: usize = 4096;

/// Which lines, and whether to keep following.
#[derive(Debug, Clone)]
pub struct LogsOptions<'a> {
    pub tenant: String,
    pub config: &'a Config,
    /// Only lines newer than this.
    pub since: Option<Duration>,
    pub region: Option<String>,
    /// Only this machine's lines.
    pub machine: Option<String>,
    pub follow: bool,
    /// First pause between polls while following.
    pub poll: Duration,
    /// Longest pause between polls while following.
    pub max_poll: Duration,
}

impl<'a> LogsOptions<'a> {
    pub fn new(config: &'a Config, tenant: impl Into<String>) -> Self {
        LogsOptions {
            tenant: tenant.into(),
            config,
            since: None,
            region: None,
            machine: None,
            follow: false,
            poll: Duration::from_millis(500),
            max_poll: Duration::from_secs(5),
        }
    }
}

/// One log line; the JSON lines `logs -o json` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// RFC 3339, as Fly sent it.
    pub timestamp: String,
    pub region: String,
    /// The machine the line came from.
    pub machine: String,
    pub level: String,
    pub message: String,
}

impl From<LogEntry> for LogLine {
    fn from(entry: LogEntry) -> Self {
        LogLine {
            timestamp: entry.timestamp,
            region: entry.region,
            machine: entry.instance,
            level: entry.level,
            message: entry.message,
        }
    }
}

/// Hands every line to `emit`, oldest first, and returns how many it handed out. Without
/// `follow` it stops at the end of what exists; with it, it polls until the future is dropped.
pub async fn logs(
    client: &FlyClient,
    opts: &LogsOptions<'_>,
    emit: &mut (dyn FnMut(&LogLine) + Send),
) -> Result<usize, OpError> {
    let tenant = TenantId::parse(&opts.tenant)?;
    let app = AppName::for_tenant(&opts.config.app_name_pattern, &tenant)?.to_string();
    app::require(client, tenant.as_str(), &app, &opts.config.org).await?;
    let cutoff = opts
        .since
        .and_then(|since| OffsetDateTime::now_utc().checked_sub(since.try_into().ok()?));
    let mut query = LogsQuery {
        next_token: String::new(),
        instance: opts.machine.clone(),
        region: opts.region.clone(),
    };
    let mut seen = Seen::default();
    let mut emitted = 0;
    let mut pause = opts.poll;
    loop {
        let page = client
            .get_logs(&app, &query)
            .await
            .map_err(|e| OpError::api(format!("read the logs of {app}"), e))?;
        let got = page.entries.len();
        let mut new = 0;
        for entry in page.entries {
            if cutoff.is_some_and(|cutoff| older_than(&entry.timestamp, cutoff)) {
                continue;
            }
            let line = LogLine::from(entry);
            if seen.insert(&line) {
                emit(&line);
                new += 1;
            }
        }
        emitted += new;
        let moved = !page.next_token.is_empty() && page.next_token != query.next_token;
        if moved {
            query.next_token = page.next_token;
        }
        if got > 0 && moved {
            // More may be waiting right behind this page.
            pause = opts.poll;
            continue;
        }
        if !opts.follow {
            return Ok(emitted);
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(opts.max_poll);
    }
}

/// The line was written before `cutoff` (a timestamp that does not parse is kept).
fn older_than(timestamp: &str, cutoff: OffsetDateTime) -> bool {
    OffsetDateTime::parse(timestamp, &Rfc3339).is_ok_and(|at| at < cutoff)
}

/// The most recent lines handed out, to drop a line the API sends again.
#[derive(Default)]
struct Seen {
    keys: HashSet<String>,
    order: VecDeque<String>,
}

impl Seen {
    /// False when the line was handed out already.
    fn insert(&mut self, line: &LogLine) -> bool {
        let key = format!(
            "{}\u{0}{}\u{0}{}",
            line.timestamp, line.machine, line.message
        );
        if !self.keys.insert(key.clone()) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > SEEN_LINES
            && let Some(oldest) = self.order.pop_front()
        {
            self.keys.remove(&oldest);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_lines_are_dropped_and_old_ones_filtered() {
        let line = |message: &str| LogLine {
            timestamp: "2026-12-06T10:00:00Z".into(),
            region: "ams".into(),
            machine: "m1".into(),
            level: "info".into(),
            message: message.into(),
        };
        let mut seen = Seen::default();
        assert!(seen.insert(&line("a")));
        assert!(!seen.insert(&line("a")));
        assert!(seen.insert(&line("b")));
        let cutoff = OffsetDateTime::parse("2026-12-06T11:00:00Z", &Rfc3339).expect("time");
        assert!(older_than("2026-12-06T10:00:00Z", cutoff));
        assert!(!older_than("2026-12-06T12:00:00.5Z", cutoff));
        assert!(!older_than("not a time", cutoff));
    }
}
