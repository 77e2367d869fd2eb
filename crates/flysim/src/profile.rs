//! Realism knobs: latencies, lifecycle timings, fault injection and rate limits.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Timings and fault probabilities; loadable from a TOML file.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Profile {
    /// Added to every API call.
    pub latency_ms: u64,
    /// created/stopped -> started.
    pub boot_ms: u64,
    /// Extra on start from stopped/suspended.
    pub cold_start_ms: u64,
    /// started -> stopped (also suspend, destroy of a running machine).
    pub stop_ms: u64,
    /// Checks report "passing" this long after start.
    pub checks_pass_after_ms: u64,
    /// Certificate "awaiting configuration" -> "issued".
    pub cert_issue_after_ms: u64,
    /// Idle time before an autostop machine stops (0 = never).
    pub autostop_idle_ms: u64,
    /// An on-demand snapshot is listed as `running` this long before `created`.
    pub snapshot_ms: u64,
    /// Fly's per-action rate limits.
    pub rate_limit: bool,
    /// Seed of the fault-injection random generator.
    pub seed: u64,
    pub faults: Faults,
}

/// Fault probabilities (0.0..=1.0 per API call unless noted).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    pub error_500: f64,
    pub error_502: f64,
    pub error_503: f64,
    pub error_429: f64,
    /// Retry-After seconds sent with injected 429s (default 1).
    pub retry_after_s: u64,
    /// Drop the connection without answering.
    pub reset: f64,
    /// Answer slowly (adds `slow_ms`).
    pub slow: f64,
    pub slow_ms: u64,
    /// Probability that a machine's checks report "critical" after a boot.
    pub failing_checks: f64,
    /// Machines entering one of these states stay there (e.g. "starting", "stopping").
    pub stuck_states: Vec<String>,
    /// Probability that a machine entering a `stuck_states` state gets stuck (0 = always).
    pub stuck: f64,
}

impl Profile {
    /// Everything instant, no faults, no rate limits.
    pub fn zero() -> Profile {
        Profile::default()
    }

    /// Roughly what talking to the real API feels like.
    pub fn realistic() -> Profile {
        Profile {
            latency_ms: 50,
            boot_ms: 1500,
            cold_start_ms: 500,
            stop_ms: 800,
            checks_pass_after_ms: 3000,
            cert_issue_after_ms: 10_000,
            autostop_idle_ms: 300_000,
            snapshot_ms: 2000,
            rate_limit: true,
            seed: 0,
            faults: Faults::default(),
        }
    }

    /// Load a TOML profile file (see the crate docs for the format).
    pub fn load(path: &Path) -> Result<Profile, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Profile {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Profile::from_toml(&text).map_err(|message| Error::Profile {
            path: path.display().to_string(),
            message,
        })
    }

    /// Parse a TOML profile. `preset = "realistic"` starts from `Profile::realistic()`.
    pub fn from_toml(text: &str) -> Result<Profile, String> {
        let mut value: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let base = match value.remove("preset") {
            None => Profile::zero(),
            Some(toml::Value::String(s)) if s == "zero" => Profile::zero(),
            Some(toml::Value::String(s)) if s == "realistic" => Profile::realistic(),
            Some(other) => {
                return Err(format!(
                    "preset must be \"zero\" or \"realistic\", got {other}"
                ));
            }
        };
        // Overlay the file's keys onto the preset.
        let mut merged = toml::Table::try_from(&base).map_err(|e| e.to_string())?;
        for (k, v) in value {
            if k == "faults"
                && let (Some(toml::Value::Table(dst)), toml::Value::Table(src)) =
                    (merged.get_mut("faults"), &v)
            {
                for (fk, fv) in src {
                    dst.insert(fk.clone(), fv.clone());
                }
                continue;
            }
            merged.insert(k, v);
        }
        let profile: Profile = merged
            .try_into()
            .map_err(|e: toml::de::Error| e.to_string())?;
        profile.validate()?;
        Ok(profile)
    }

    fn validate(&self) -> Result<(), String> {
        let f = &self.faults;
        for (name, p) in [
            ("error_500", f.error_500),
            ("error_502", f.error_502),
            ("error_503", f.error_503),
            ("error_429", f.error_429),
            ("reset", f.reset),
            ("slow", f.slow),
            ("failing_checks", f.failing_checks),
            ("stuck", f.stuck),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("faults.{name} must be between 0.0 and 1.0"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_overlay_on_preset() {
        let p = Profile::from_toml(
            "preset = \"realistic\"\nboot_ms = 10\n[faults]\nerror_503 = 0.25\nstuck_states = [\"starting\"]\n",
        )
        .expect("valid profile");
        assert_eq!(p.boot_ms, 10);
        assert_eq!(p.latency_ms, 50);
        assert!((p.faults.error_503 - 0.25).abs() < 1e-9);
        assert_eq!(p.faults.stuck_states, vec!["starting".to_string()]);
    }

    #[test]
    fn rejects_unknown_keys_and_bad_probabilities() {
        assert!(Profile::from_toml("bogus = 1").is_err());
        assert!(Profile::from_toml("[faults]\nerror_500 = 2.0").is_err());
    }
}
