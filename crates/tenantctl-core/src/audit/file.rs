//! The local sink: a JSON Lines file. Each record is appended with one `write` on a file
//! opened with `O_APPEND`, so records of processes writing at once never interleave.

use std::io::Write;
use std::path::Path;

use super::Record;

/// Appends `record` to the file at `path`, creating it and its directory.
pub fn append(path: &Path, record: &Record) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    // One buffer, one write: a regular file takes it whole.
    file.write_all(record.to_line().as_bytes())
}

/// What a file holds: its records in file order, and the numbers of lines that are not
/// records (a line cut short by a crash, a hand edit).
#[derive(Debug, Default)]
pub struct FileContents {
    pub records: Vec<Record>,
    pub bad_lines: Vec<usize>,
}

/// Reads the file at `path`; a file that does not exist holds no records.
pub fn read(path: &Path) -> std::io::Result<FileContents> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileContents::default()),
        Err(e) => return Err(e),
    };
    let mut contents = FileContents::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match Record::parse(line) {
            Ok(record) => contents.records.push(record),
            Err(_) => contents.bad_lines.push(i + 1),
        }
    }
    Ok(contents)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::record::tests::sample;

    #[test]
    fn appends_and_reads_back_skipping_torn_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/audit.jsonl");
        assert!(read(&path).unwrap().records.is_empty());
        let a = sample(Some("a"), "2026-01-01T00:00:00.000000Z");
        let b = sample(Some("b"), "2026-01-02T00:00:00.000000Z");
        append(&path, &a).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"schema_version\":1,\"id\n")
            .unwrap();
        append(&path, &b).unwrap();
        let contents = read(&path).unwrap();
        assert_eq!(contents.records, [a, b]);
        assert_eq!(contents.bad_lines, [2]);
    }

    #[test]
    fn concurrent_appends_never_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        std::thread::scope(|s| {
            for t in 0..8 {
                let path = &path;
                s.spawn(move || {
                    for i in 0..50 {
                        let mut r = sample(Some("t"), "2026-01-01T00:00:00.000000Z");
                        r.id = format!("{t}-{i}");
                        r.changes = vec!["x".repeat(2000)];
                        append(path, &r).unwrap();
                    }
                });
            }
        });
        let contents = read(&path).unwrap();
        assert_eq!(contents.records.len(), 400);
        assert!(contents.bad_lines.is_empty());
    }
}
