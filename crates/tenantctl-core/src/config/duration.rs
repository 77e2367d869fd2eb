//! Durations written as in fly.toml: `90s`, `5m`, `1h`, `1m30s`.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserialize, Deserializer};

/// A duration from the config file; keeps the seconds only (sub-second precision is never needed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConfigDuration(u64);

impl ConfigDuration {
    pub const fn from_secs(secs: u64) -> Self {
        ConfigDuration(secs)
    }

    pub fn as_secs(self) -> u64 {
        self.0
    }

    pub fn as_duration(self) -> Duration {
        Duration::from_secs(self.0)
    }

    /// Parses `90s`, `5m`, `1h`, `1h30m`, `1m30s`.
    pub fn parse(text: &str) -> Result<ConfigDuration, String> {
        let bad = || {
            format!(
                "invalid duration `{}`: use numbers with units s, m or h, e.g. `90s`, `5m` or `1m30s`",
                text.escape_debug()
            )
        };
        if text.is_empty() {
            return Err(bad());
        }
        let mut total: u64 = 0;
        let mut number = String::new();
        for c in text.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let unit = match c {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                _ => return Err(bad()),
            };
            let n: u64 = number.parse().map_err(|_| bad())?;
            number.clear();
            total = n
                .checked_mul(unit)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(bad)?;
        }
        if !number.is_empty() {
            return Err(bad());
        }
        Ok(ConfigDuration(total))
    }
}

impl fmt::Display for ConfigDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 % 3600 / 60, self.0 % 60);
        if self.0 == 0 {
            return f.write_str("0s");
        }
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if m > 0 {
            write!(f, "{m}m")?;
        }
        if s > 0 {
            write!(f, "{s}s")?;
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for ConfigDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ConfigDuration::parse(&text).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for (text, secs, shown) in [
            ("90s", 90, "1m30s"),
            ("5m", 300, "5m"),
            ("1h30m", 5400, "1h30m"),
            ("0s", 0, "0s"),
        ] {
            let d = ConfigDuration::parse(text).unwrap();
            assert_eq!(d.as_secs(), secs);
            assert_eq!(d.to_string(), shown);
        }
        for bad in ["", "5", "m", "5d", "-1s", "1.5m", "99999999999999999999h"] {
            assert!(ConfigDuration::parse(bad).is_err(), "{bad}");
        }
    }
}
