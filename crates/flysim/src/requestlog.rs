//! In-memory log of API requests (admin paths excluded).

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// 0 when the connection was reset without an answer.
    pub status: u16,
    pub latency_ms: f64,
    /// "org" | "readonly" | "app:<name>" | "none" | "s3" (object store, presigned)
    pub scope: String,
}

/// Oldest records are dropped beyond this many, so a long-running server stays bounded.
const MAX_RECORDS: usize = 500_000;

#[derive(Default)]
pub struct RequestLog {
    records: Mutex<Vec<RequestRecord>>,
}

impl RequestLog {
    pub fn push(&self, record: RequestRecord) {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        if records.len() >= MAX_RECORDS {
            records.drain(..MAX_RECORDS / 10);
        }
        records.push(record);
    }
    pub fn snapshot(&self) -> Vec<RequestRecord> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
    pub fn clear(&self) {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
