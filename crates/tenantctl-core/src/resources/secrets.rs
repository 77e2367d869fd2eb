//! Generated per-tenant secrets. Values exist only in memory until they are sent to Fly; they
//! are wrapped in [`SecretValue`], whose `Debug` never shows them.

use std::collections::BTreeMap;

use fly_api::FlyClient;
use fly_api::types::SecretValue;
use rand::RngCore;

use crate::error::OpError;

/// The app secrets tenantctl generates (random, 256 bits, never shown). Only missing ones are
/// set, so a re-run never rotates them.
pub const GENERATED: &[&str] = &["DATABASE_PASSWORD", "HASH_SALT"];

/// Secrets a step set: the new secrets version and the values, so output that might echo
/// them can be redacted.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub version: Option<u64>,
    pub values: Vec<SecretValue>,
}

/// Which of `names` the app does not have yet.
pub async fn missing(
    client: &FlyClient,
    app: &str,
    names: &[&'static str],
) -> Result<Vec<&'static str>, OpError> {
    let existing = client
        .list_secrets(app)
        .await
        .map_err(|e| OpError::api("list secrets", e))?;
    Ok(names
        .iter()
        .copied()
        .filter(|name| !existing.iter().any(|s| s.name == *name))
        .collect())
}

/// Sets a fresh random value for each of `names`. `generated` sees each value before it is
/// sent, so a log that might echo it can hide it first.
pub async fn set_generated(
    client: &FlyClient,
    app: &str,
    names: &[&'static str],
    generated: &(dyn Fn(&SecretValue) + Send + Sync),
) -> Result<Written, OpError> {
    let values: BTreeMap<String, SecretValue> = names
        .iter()
        .map(|name| ((*name).to_string(), generate()))
        .collect();
    values.values().for_each(generated);
    let written = client
        .set_secrets(app, &values)
        .await
        .map_err(|e| OpError::api("set secrets", e))?;
    Ok(Written {
        version: (written.version > 0).then_some(written.version),
        values: values.into_values().collect(),
    })
}

/// `text` with every occurrence of the given secret values replaced by `[redacted]`.
pub fn redact(text: &str, secrets: &[SecretValue]) -> String {
    secrets
        .iter()
        .map(SecretValue::expose)
        .filter(|value| !value.is_empty())
        .fold(text.to_string(), |text, value| {
            text.replace(value, "[redacted]")
        })
}

/// Random bytes per generated secret: 256 bits.
const SECRET_BYTES: usize = 32;

/// A fresh random value: 64 lowercase hex characters, safe in env vars, URLs and config files.
pub(crate) fn generate() -> SecretValue {
    let mut bytes = [0u8; SECRET_BYTES];
    // ThreadRng is a CSPRNG seeded from the operating system.
    rand::rng().fill_bytes(&mut bytes);
    SecretValue::new(hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_replaces_every_secret_value() {
        let secrets = [SecretValue::new("s3cr3t"), SecretValue::new("")];
        assert_eq!(
            redact("DATABASE_PASSWORD=s3cr3t; again s3cr3t", &secrets),
            "DATABASE_PASSWORD=[redacted]; again [redacted]"
        );
    }

    #[test]
    fn values_are_long_random_and_hidden_from_debug() {
        let a = generate();
        let b = generate();
        assert_eq!(a.expose().len(), 64);
        assert!(a.expose().chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert!(!format!("{a:?}").contains(a.expose()));
    }
}
