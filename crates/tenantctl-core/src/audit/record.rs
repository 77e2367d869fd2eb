//! One audit record. The field set is a stable contract (docs/audit.md): additions only within
//! a [`RECORD_VERSION`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// Version of the record format, stored in every record as `schema_version`.
pub const RECORD_VERSION: u32 = 1;

/// How a command ended, for one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Failed,
    Interrupted,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Interrupted => "interrupted",
        }
    }
}

/// Where the actor's name came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorSource {
    /// GITHUB_ACTOR, in a GitHub Actions run.
    Github,
    /// The OS user (USER).
    User,
    /// Neither was set.
    Unknown,
}

/// Who ran the command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub name: String,
    pub source: ActorSource,
    /// The GitHub Actions run, when the command ran in one.
    pub run_url: Option<String>,
}

/// One record: one command's effect on one tenant (or on no tenant in particular).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub schema_version: u32,
    /// Unique: `<time, compact>-<random hex>`; merging sinks drops duplicates by it.
    pub id: String,
    /// RFC 3339, UTC, microseconds: when the command finished.
    pub time: String,
    pub actor: Actor,
    /// The command as typed, subcommand included: `provision`, `backup restore`.
    pub command: String,
    /// The tenant the record is about; null for a fleet command that touched none.
    pub tenant: Option<String>,
    /// The command's arguments that say what was asked, from a fixed list per command (never
    /// a token, a URL or a confirmation).
    pub args: BTreeMap<String, String>,
    /// What changed, as the command reported it; empty when it reported nothing.
    pub changes: Vec<String>,
    pub outcome: Outcome,
    pub exit_code: u8,
    /// The error's message (URLs and signatures removed), when the outcome is not ok.
    pub error: Option<String>,
    pub duration_ms: u64,
    /// The tenantctl version that wrote the record.
    pub version: String,
}

impl Record {
    /// A fresh id for a record written at `at`.
    pub fn new_id(at: OffsetDateTime) -> String {
        let stamp = at
            .to_offset(time::UtcOffset::UTC)
            .format(format_description!(
                "[year][month][day]T[hour][minute][second].[subsecond digits:6]Z"
            ))
            .unwrap_or_default();
        let suffix: u32 = rand::random();
        format!("{stamp}-{suffix:08x}")
    }

    /// `at` as a record's `time`: RFC 3339 in UTC with microseconds, so times sort as text.
    pub fn format_time(at: OffsetDateTime) -> String {
        at.to_offset(time::UtcOffset::UTC)
            .format(format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
            ))
            .unwrap_or_default()
    }

    /// The record's time, parsed; `None` for a record whose time is not RFC 3339.
    pub fn parsed_time(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.time, &Rfc3339).ok()
    }

    /// The record as one JSON Lines line, newline included.
    pub fn to_line(&self) -> String {
        // A struct of strings, numbers and maps of strings always serializes.
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }

    /// A record from one line (or one bucket object) of JSON.
    pub fn parse(text: &str) -> Result<Record, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use time::macros::datetime;

    pub(crate) fn sample(tenant: Option<&str>, time: &str) -> Record {
        Record {
            schema_version: RECORD_VERSION,
            id: format!("{time}-00000000"),
            time: time.to_string(),
            actor: Actor {
                name: "alice".into(),
                source: ActorSource::User,
                run_url: None,
            },
            command: "provision".into(),
            tenant: tenant.map(str::to_string),
            args: BTreeMap::from([("tier".to_string(), "pro".to_string())]),
            changes: vec!["created".into()],
            outcome: Outcome::Ok,
            exit_code: 0,
            error: None,
            duration_ms: 12,
            version: "0.1.0".into(),
        }
    }

    #[test]
    fn a_record_is_one_line_and_reads_back() {
        let record = sample(Some("acme"), "2026-01-02T03:04:05.000006Z");
        let line = record.to_line();
        assert_eq!(line.matches('\n').count(), 1);
        assert!(line.ends_with('\n'));
        assert_eq!(Record::parse(line.trim_end()).unwrap(), record);
        assert!(line.contains(r#""outcome":"ok""#), "{line}");
    }

    #[test]
    fn ids_and_times_sort_as_text() {
        let at = datetime!(2026-01-02 03:04:05.5 UTC);
        assert_eq!(Record::format_time(at), "2026-01-02T03:04:05.500000Z");
        let id = Record::new_id(at);
        assert!(id.starts_with("20260102T030405.500000Z-"), "{id}");
        assert_eq!(id.len(), "20260102T030405.500000Z-".len() + 8);
        let later = Record::format_time(datetime!(2026-01-02 03:04:06 UTC));
        assert!(later > Record::format_time(at));
        assert!(
            sample(None, &Record::format_time(at))
                .parsed_time()
                .is_some()
        );
    }
}
