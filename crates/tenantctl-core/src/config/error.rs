//! Errors about tenantctl.toml. Each names the file and, where it can, the line and key.

use std::path::PathBuf;

/// Why a configuration could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {message}", path.display())]
    Read {
        path: PathBuf,
        not_found: bool,
        message: String,
    },
    #[error("{}: {}{message}", location(file, *line, *column), key.as_ref().map(|k| format!("`{k}`: ")).unwrap_or_default())]
    Invalid {
        file: String,
        line: Option<usize>,
        column: Option<usize>,
        key: Option<String>,
        message: String,
    },
    #[error("no {file_name} found in {} or any parent directory", start.display(), file_name = super::FILE_NAME)]
    NotFound { start: PathBuf },
    #[error("unknown tier `{tier}`; {source_name} defines: {}", known.join(", "))]
    UnknownTier {
        tier: String,
        known: Vec<String>,
        source_name: String,
    },
}

fn location(file: &str, line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
        (Some(line), None) => format!("{file}:{line}"),
        _ => file.to_string(),
    }
}

impl ConfigError {
    /// The next step for the user.
    pub fn hint(&self) -> Option<String> {
        match self {
            ConfigError::Read {
                not_found: true, ..
            } => Some("check the path given with --config or TENANTCTL_CONFIG".to_string()),
            ConfigError::Read { .. } => None,
            ConfigError::Invalid { message, .. } if message.contains("unknown field") => Some(
                "remove the key or fix its spelling; the allowed keys are listed above".to_string(),
            ),
            ConfigError::Invalid { .. } => Some(
                "fix the value in the config file; docs/config.md describes every key".to_string(),
            ),
            ConfigError::NotFound { .. } => Some(format!(
                "create {} (see examples/tenantctl.toml), pass --config PATH, set TENANTCTL_CONFIG, or use --local",
                super::FILE_NAME
            )),
            ConfigError::UnknownTier { known, .. } => {
                Some(format!("pass --tier {}", known.join("|")))
            }
        }
    }

    /// True when the error says a named file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            ConfigError::Read {
                not_found: true,
                ..
            }
        )
    }
}
