//! Generated per-tenant secrets. Values exist only in memory until they are sent to Fly; they
//! are wrapped in [`SecretValue`], whose `Debug` never shows them.

use fly_api::types::SecretValue;
use rand::RngCore;

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
    fn values_are_long_random_and_hidden_from_debug() {
        let a = generate();
        let b = generate();
        assert_eq!(a.expose().len(), 64);
        assert!(a.expose().chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert!(!format!("{a:?}").contains(a.expose()));
    }
}
