//! Reading flysim's request log in assertions.

use flysim::RequestRecord;

/// Requests as "METHOD path status", one per line, for assertion messages.
pub fn show(log: &[RequestRecord]) -> String {
    log.iter()
        .map(|r| format!("{} {} {}", r.method, r.path, r.status))
        .collect::<Vec<_>>()
        .join("\n")
}

/// How many requests of `method` have a path ending in `path_suffix` (only 2xx answers with
/// `ok_only`).
pub fn count(log: &[RequestRecord], method: &str, path_suffix: &str, ok_only: bool) -> usize {
    log.iter()
        .filter(|r| r.method == method && r.path.ends_with(path_suffix))
        .filter(|r| !ok_only || (200..300).contains(&r.status))
        .count()
}
