//! Where each key of a TOML document sits, so errors can name a line.
//!
//! serde reports byte offsets; a key path ("tiers.pro.volume_size_gb") and a 1-based line are what a
//! person needs to fix the file.

use std::ops::Range;

use toml_edit::{Document, Item, Table, Value};

#[derive(Debug, Clone)]
struct Entry {
    path: String,
    key: Option<Range<usize>>,
    value: Option<Range<usize>>,
}

/// Key paths of one TOML text with their byte ranges.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyIndex {
    entries: Vec<Entry>,
    line_starts: Vec<usize>,
}

impl KeyIndex {
    /// Indexes `text`; a text that does not parse yields an index with line numbers only.
    pub(crate) fn build(text: &str) -> KeyIndex {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut index = KeyIndex {
            entries: Vec::new(),
            line_starts,
        };
        if let Ok(doc) = Document::parse(text) {
            walk_table(doc.as_table(), "", &mut index.entries);
        }
        index
    }

    /// 1-based line and column of a byte offset.
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self
            .line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        (line.max(1), offset.saturating_sub(start) + 1)
    }

    /// Line of the key at `path` (e.g. `tiers.pro.template`).
    pub(crate) fn line_of(&self, path: &str) -> Option<usize> {
        let entry = self.entries.iter().find(|e| e.path == path)?;
        let offset = entry.key.as_ref().or(entry.value.as_ref())?.start;
        Some(self.line_col(offset).0)
    }

    /// The most specific key path whose key or value covers `offset`.
    pub(crate) fn path_at(&self, offset: usize) -> Option<&str> {
        let covers = |r: &Option<Range<usize>>| r.as_ref().is_some_and(|r| r.contains(&offset));
        self.entries
            .iter()
            .filter(|e| covers(&e.key) || covers(&e.value))
            .max_by_key(|e| e.path.len())
            .map(|e| e.path.as_str())
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn walk_table(table: &Table, prefix: &str, out: &mut Vec<Entry>) {
    for (name, item) in table.iter() {
        let path = join(prefix, name);
        let key = table.key(name).and_then(toml_edit::Key::span);
        match item {
            Item::Value(value) => {
                out.push(Entry {
                    path: path.clone(),
                    key,
                    value: value.span(),
                });
                walk_value(value, &path, out);
            }
            Item::Table(sub) => {
                out.push(Entry {
                    path: path.clone(),
                    key,
                    value: sub.span(),
                });
                walk_table(sub, &path, out);
            }
            Item::ArrayOfTables(array) => {
                for (i, sub) in array.iter().enumerate() {
                    let element = format!("{path}[{i}]");
                    out.push(Entry {
                        path: element.clone(),
                        key: key.clone(),
                        value: sub.span(),
                    });
                    walk_table(sub, &element, out);
                }
            }
            Item::None => {}
        }
    }
}

fn walk_value(value: &Value, path: &str, out: &mut Vec<Entry>) {
    match value {
        Value::Array(array) => {
            for (i, element) in array.iter().enumerate() {
                let element_path = format!("{path}[{i}]");
                out.push(Entry {
                    path: element_path.clone(),
                    key: None,
                    value: element.span(),
                });
                walk_value(element, &element_path, out);
            }
        }
        Value::InlineTable(table) => {
            for (name, inner) in table.iter() {
                let inner_path = join(path, name);
                out.push(Entry {
                    path: inner_path.clone(),
                    key: table.key(name).and_then(toml_edit::Key::span),
                    value: inner.span(),
                });
                walk_value(inner, &inner_path, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lines_and_paths() {
        let text = "org = \"a\"\n\n[tiers.pro]\nvolume_size_gb = \"x\"\n\n[[hooks.post_provision]]\ncommand = [\"a\", 1]\n";
        let index = KeyIndex::build(text);
        assert_eq!(index.line_of("org"), Some(1));
        assert_eq!(index.line_of("tiers.pro.volume_size_gb"), Some(4));
        assert_eq!(index.line_of("hooks.post_provision[0].command"), Some(7));
        let offset = text.find("\"x\"").unwrap();
        assert_eq!(index.path_at(offset), Some("tiers.pro.volume_size_gb"));
        let offset = text.find('1').unwrap();
        assert_eq!(
            index.path_at(offset),
            Some("hooks.post_provision[0].command[1]")
        );
        assert_eq!(index.line_col(0), (1, 1));
        assert_eq!(index.line_col(text.find("[tiers").unwrap()), (3, 1));
    }
}
