//! Storage credentials: an access key id and its secret, from the environment or a file,
//! never from tenantctl.toml.

use std::fmt;

/// An S3 access key. `Debug` hides the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct StorageCredentials {
    pub access_key_id: String,
    secret_access_key: String,
}

impl StorageCredentials {
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        StorageCredentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
        }
    }

    pub(super) fn secret(&self) -> &str {
        &self.secret_access_key
    }

    /// Reads `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` from a credentials file: either
    /// dotenv lines (`KEY=value`, `export` allowed) or the AWS ini form
    /// (`aws_access_key_id = ...` under any profile; the first one wins).
    pub fn parse_file(text: &str) -> Result<StorageCredentials, String> {
        let mut id = None;
        let mut secret = None;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            let line = line.strip_prefix("export ").unwrap_or(line);
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value
                .trim()
                .trim_matches('"')
                .trim_matches('\'')
                .to_string();
            match key.trim().to_ascii_lowercase().as_str() {
                "aws_access_key_id" if id.is_none() => id = Some(value),
                "aws_secret_access_key" if secret.is_none() => secret = Some(value),
                _ => {}
            }
        }
        match (id, secret) {
            (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => {
                Ok(StorageCredentials::new(id, secret))
            }
            _ => Err("it must set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into()),
        }
    }
}

impl fmt::Debug for StorageCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StorageCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_and_ini_files_parse() {
        let c = StorageCredentials::parse_file(
            "export AWS_ACCESS_KEY_ID=k\nAWS_SECRET_ACCESS_KEY=\"s\"\n",
        )
        .unwrap();
        assert_eq!((c.access_key_id.as_str(), c.secret()), ("k", "s"));
        let c = StorageCredentials::parse_file(
            "[default]\naws_access_key_id = k2\naws_secret_access_key = s2\n",
        )
        .unwrap();
        assert_eq!((c.access_key_id.as_str(), c.secret()), ("k2", "s2"));
        assert!(StorageCredentials::parse_file("AWS_ACCESS_KEY_ID=k\n").is_err());
    }

    #[test]
    fn debug_hides_the_secret() {
        let c = StorageCredentials::new("id", "hunter2");
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
