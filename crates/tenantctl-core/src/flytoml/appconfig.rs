//! The fly.toml schema as flyctl reads it.

use std::path::Path;

/// A parsed fly.toml.
#[derive(Debug, Clone, Default)]
pub struct AppConfig {
    pub app: Option<String>,
}

/// A fly.toml that could not be read: names the file and, where known, the line.
#[derive(Debug, thiserror::Error)]
#[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct FlyTomlError {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

impl AppConfig {
    /// Parses fly.toml text; `path` is used in error messages only.
    pub fn parse(text: &str, path: &Path) -> Result<AppConfig, FlyTomlError> {
        let _ = text;
        Err(FlyTomlError {
            path: path.display().to_string(),
            line: None,
            message: "fly.toml parsing is not available yet".into(),
        })
    }

    /// Process group names, sorted; `["app"]` when there is no `[processes]`.
    pub fn process_groups(&self) -> Vec<String> {
        vec!["app".into()]
    }
}
