//! `MachineConfig` and its parts, with Fly's field names and wire formats.
//!
//! Field presence follows fly-go: Go `omitempty` fields are skipped when empty/zero, pointer
//! fields are `Option`s (so `Some(0)` is still sent), and the few fields fly-go always sends
//! (`init`, `force_instance_key`, the four `statics` fields, ...) are always serialized.
//! Decoding is lenient the way Go's `encoding/json` is: `null` leaves a field at its default,
//! and fields this crate does not model are kept in [`MachineConfig::extra`].

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Decodes `null` as the type's default, as Go does for non-pointer fields.
fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

fn is_zero_i64(value: &i64) -> bool {
    *value == 0
}

fn is_zero_u32(value: &u32) -> bool {
    *value == 0
}

fn is_zero_u64(value: &u64) -> bool {
    *value == 0
}

fn is_zero_f64(value: &f64) -> bool {
    *value == 0.0
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// The machine configuration the Machines API takes on create and update.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineConfig {
    /// Environment variables.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub env: BTreeMap<String, String>,
    /// Always serialized, `{}` when empty.
    #[serde(default, deserialize_with = "null_default")]
    pub init: MachineInit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest: Option<MachineGuest>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub metadata: BTreeMap<String, String>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub mounts: Vec<MachineMount>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub services: Vec<MachineService>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<MachineMetrics>,
    /// Top-level checks by name.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub checks: BTreeMap<String, MachineCheck>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub statics: Vec<Static>,
    /// The image to run; required on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub files: Vec<File>,
    /// `hourly`, `daily`, `weekly`, `monthly`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub schedule: String,
    /// Destroy the machine when its main process exits.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_false"
    )]
    pub auto_destroy: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<MachineRestart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<DnsConfig>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub processes: Vec<MachineProcess>,
    /// Machine IDs this machine stands by for.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub standbys: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_config: Option<StopConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rootfs: Option<MachineRootfs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_drive: Option<MachineCacheDrive>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spot: Option<MachineSpot>,
    /// Deprecated preset name; `guest` replaces it.
    #[serde(
        default,
        rename = "size",
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub vm_size: String,
    /// Deprecated; services' `autostart` replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_machine_autostart: Option<bool>,
    /// Fields this crate does not model (`containers`, `volumes`, newer additions), kept as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl MachineConfig {
    /// The process group flyctl recorded in the metadata (`fly_process_group`, or the older
    /// `process_group`).
    pub fn process_group(&self) -> Option<&str> {
        self.metadata
            .get(METADATA_KEY_PROCESS_GROUP)
            .filter(|group| !group.is_empty())
            .or_else(|| self.metadata.get("process_group"))
            .map(String::as_str)
    }
}

/// Metadata key holding the process group.
pub const METADATA_KEY_PROCESS_GROUP: &str = "fly_process_group";
/// Metadata key holding the platform version (`v2` for machines apps).
pub const METADATA_KEY_PLATFORM_VERSION: &str = "fly_platform_version";
/// Metadata key holding the version of the tool that wrote the config.
pub const METADATA_KEY_FLYCTL_VERSION: &str = "fly_flyctl_version";
/// The platform version value flyctl writes.
pub const PLATFORM_VERSION_V2: &str = "v2";

/// How the machine's init starts the workload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineInit {
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub exec: Vec<String>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub entrypoint: Vec<String>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cmd: Vec<String>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_false"
    )]
    pub tty: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swap_size_mb: Option<i64>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub kernel_args: Vec<String>,
}

/// CPU, memory and GPU of a machine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineGuest {
    /// `shared` or `performance`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub cpu_kind: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_i64"
    )]
    pub cpus: i64,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_i64"
    )]
    pub memory_mb: i64,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_i64"
    )]
    pub max_memory_mb: i64,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_i64"
    )]
    pub gpus: i64,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub gpu_kind: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub host_dedication_id: String,
    /// Deprecated: `MachineConfig::rootfs` replaces it.
    #[serde(default, skip_serializing_if = "PersistRootfs::is_unset")]
    pub persist_rootfs: PersistRootfs,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub kernel_args: Vec<String>,
}

/// A named machine size: CPU kind, CPU count, memory, GPUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestPreset {
    pub name: &'static str,
    pub cpu_kind: &'static str,
    pub cpus: i64,
    pub memory_mb: i64,
    pub gpus: i64,
    pub gpu_kind: &'static str,
}

const fn preset(
    name: &'static str,
    cpu_kind: &'static str,
    cpus: i64,
    per_cpu: i64,
) -> GuestPreset {
    GuestPreset {
        name,
        cpu_kind,
        cpus,
        memory_mb: cpus * per_cpu,
        gpus: 0,
        gpu_kind: "",
    }
}

const fn gpu_preset(name: &'static str, gpu_kind: &'static str) -> GuestPreset {
    GuestPreset {
        name,
        cpu_kind: "performance",
        cpus: 8,
        memory_mb: 16 * 2048,
        gpus: 1,
        gpu_kind,
    }
}

/// fly-go's `MachinePresets`.
pub const GUEST_PRESETS: &[GuestPreset] = &[
    preset("shared-cpu-1x", "shared", 1, 256),
    preset("shared-cpu-2x", "shared", 2, 256),
    preset("shared-cpu-4x", "shared", 4, 256),
    preset("shared-cpu-6x", "shared", 6, 256),
    preset("shared-cpu-8x", "shared", 8, 256),
    preset("performance-1x", "performance", 1, 2048),
    preset("performance-2x", "performance", 2, 2048),
    preset("performance-4x", "performance", 4, 2048),
    preset("performance-6x", "performance", 6, 2048),
    preset("performance-8x", "performance", 8, 2048),
    preset("performance-10x", "performance", 10, 2048),
    preset("performance-12x", "performance", 12, 2048),
    preset("performance-14x", "performance", 14, 2048),
    preset("performance-16x", "performance", 16, 2048),
    gpu_preset("a100-40gb", "a100-pcie-40gb"),
    gpu_preset("a100-80gb", "a100-sxm4-80gb"),
    gpu_preset("l40s", "l40s"),
    gpu_preset("a10", "a10"),
];

/// The size flyctl uses when a `[[vm]]` section names none.
pub const DEFAULT_VM_SIZE: &str = "shared-cpu-1x";
/// The size flyctl uses when a `[[vm]]` section names only a GPU kind.
pub const DEFAULT_GPU_VM_SIZE: &str = "performance-8x";

/// An unknown machine size name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UnknownSizeError {
    pub message: String,
}

impl MachineGuest {
    /// Sets CPUs, CPU kind, memory and GPUs from a preset name, as fly-go's `SetSize` does.
    /// Other fields are left alone.
    pub fn set_size(&mut self, size: &str) -> Result<(), UnknownSizeError> {
        let Some(found) = GUEST_PRESETS.iter().find(|p| p.name == size) else {
            let family = if size.starts_with("shared") {
                "shared"
            } else if size.starts_with("performance") {
                "performance"
            } else {
                return Err(UnknownSizeError {
                    message: format!(
                        "invalid machine preset requested, '{size}', expected to start with 'shared' or 'performance'"
                    ),
                });
            };
            let mut valid: Vec<&str> = GUEST_PRESETS
                .iter()
                .map(|p| p.name)
                .filter(|name| name.starts_with(family))
                .collect();
            valid.sort_unstable();
            return Err(UnknownSizeError {
                message: format!(
                    "'{size}' is an invalid machine size, choose one of: [{}]",
                    valid.join(" ")
                ),
            });
        };
        self.cpus = found.cpus;
        self.cpu_kind = found.cpu_kind.to_owned();
        self.memory_mb = found.memory_mb;
        self.gpu_kind = found.gpu_kind.to_owned();
        self.gpus = found.gpus;
        Ok(())
    }

    /// A guest built from a preset name.
    pub fn from_size(size: &str) -> Result<Self, UnknownSizeError> {
        let mut guest = Self::default();
        guest.set_size(size)?;
        Ok(guest)
    }
}

/// The deprecated per-guest rootfs persistence. fly-go decodes strings and protobuf numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PersistRootfs {
    #[default]
    Unset,
    Never,
    Restart,
    Always,
}

impl PersistRootfs {
    fn is_unset(&self) -> bool {
        *self == PersistRootfs::Unset
    }

    fn as_str(&self) -> &'static str {
        match self {
            PersistRootfs::Unset => "",
            PersistRootfs::Never => "never",
            PersistRootfs::Restart => "restart",
            PersistRootfs::Always => "always",
        }
    }

    /// Parses the string form (`""`/`none`, `never`, `restart`, `always`).
    pub fn parse(value: &str) -> Result<Self, String> {
        match value {
            "" | "none" => Ok(PersistRootfs::Unset),
            "never" => Ok(PersistRootfs::Never),
            "restart" => Ok(PersistRootfs::Restart),
            "always" => Ok(PersistRootfs::Always),
            other => Err(format!("invalid persist_rootfs string value \"{other}\"")),
        }
    }

    /// Parses the protobuf number form.
    pub fn from_number(value: i64) -> Result<Self, String> {
        match value {
            0 => Ok(PersistRootfs::Unset),
            1 => Ok(PersistRootfs::Never),
            2 => Ok(PersistRootfs::Restart),
            3 => Ok(PersistRootfs::Always),
            other => Err(format!("invalid persist_rootfs int value {other}")),
        }
    }
}

impl Serialize for PersistRootfs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PersistRootfs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PersistVisitor;
        impl Visitor<'_> for PersistVisitor {
            type Value = PersistRootfs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a persist_rootfs string or number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                PersistRootfs::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                PersistRootfs::from_number(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                let v = i64::try_from(v).map_err(|_| E::custom("persist_rootfs out of range"))?;
                PersistRootfs::from_number(v).map_err(E::custom)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(PersistRootfs::Unset)
            }
        }
        deserializer.deserialize_any(PersistVisitor)
    }
}

/// A Go `time.Duration`: nanoseconds, printed the way Go prints it (`"15s"`, `"1m30s"`).
/// Decodes from a Go duration string or a number of nanoseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoDuration {
    nanos: i64,
}

/// A string that is not a Go duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DurationParseError {
    pub message: String,
}

const NANOS_PER_MICRO: u64 = 1_000;
const NANOS_PER_MILLI: u64 = 1_000_000;
const NANOS_PER_SECOND: u64 = 1_000_000_000;

impl GoDuration {
    pub const fn from_nanos(nanos: i64) -> Self {
        Self { nanos }
    }

    pub const fn from_millis(millis: i64) -> Self {
        Self {
            nanos: millis.saturating_mul(NANOS_PER_MILLI as i64),
        }
    }

    pub const fn from_secs(secs: i64) -> Self {
        Self {
            nanos: secs.saturating_mul(NANOS_PER_SECOND as i64),
        }
    }

    pub const fn as_nanos(&self) -> i64 {
        self.nanos
    }

    /// Whole and fractional seconds, as Go's `Duration.Seconds`.
    pub fn as_secs_f64(&self) -> f64 {
        self.nanos as f64 / NANOS_PER_SECOND as f64
    }

    /// The std duration, `None` when negative.
    pub fn to_std(&self) -> Option<std::time::Duration> {
        u64::try_from(self.nanos)
            .ok()
            .map(std::time::Duration::from_nanos)
    }

    /// Parses a Go duration string (`time.ParseDuration`): `"300ms"`, `"-1.5h"`, `"2h45m"`.
    pub fn parse(text: &str) -> Result<Self, DurationParseError> {
        let invalid = || DurationParseError {
            message: format!("time: invalid duration \"{text}\""),
        };
        let mut rest = text;
        let mut negative = false;
        if let Some(first) = rest.chars().next()
            && (first == '-' || first == '+')
        {
            negative = first == '-';
            rest = &rest[1..];
        }
        if rest == "0" {
            return Ok(Self::from_nanos(0));
        }
        if rest.is_empty() {
            return Err(invalid());
        }
        let overflow_limit: u64 = 1 << 63;
        let mut total: u64 = 0;
        while !rest.is_empty() {
            let bytes = rest.as_bytes();
            if !(bytes[0] == b'.' || bytes[0].is_ascii_digit()) {
                return Err(invalid());
            }
            // Integer part; overflow is an error, as in Go's leadingInt.
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            let mut whole: u64 = 0;
            for b in &bytes[..digits] {
                whole = whole
                    .checked_mul(10)
                    .and_then(|w| w.checked_add(u64::from(b - b'0')))
                    .filter(|w| *w <= overflow_limit)
                    .ok_or_else(invalid)?;
            }
            let has_whole = digits > 0;
            rest = &rest[digits..];
            // Fraction part; digits past what fits are ignored, as in Go's leadingFraction.
            let mut fraction: u64 = 0;
            let mut scale: f64 = 1.0;
            let mut has_fraction = false;
            if rest.starts_with('.') {
                rest = &rest[1..];
                let frac_digits = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
                let mut overflowed = false;
                for b in rest[..frac_digits].bytes() {
                    if overflowed {
                        continue;
                    }
                    match fraction
                        .checked_mul(10)
                        .and_then(|f| f.checked_add(u64::from(b - b'0')))
                        .filter(|f| *f <= overflow_limit)
                    {
                        Some(next) => {
                            fraction = next;
                            scale *= 10.0;
                        }
                        None => overflowed = true,
                    }
                }
                has_fraction = frac_digits > 0;
                rest = &rest[frac_digits..];
            }
            if !has_whole && !has_fraction {
                return Err(invalid());
            }
            let unit_len = rest
                .char_indices()
                .find(|(_, c)| *c == '.' || c.is_ascii_digit())
                .map(|(i, _)| i)
                .unwrap_or(rest.len());
            if unit_len == 0 {
                return Err(DurationParseError {
                    message: format!("time: missing unit in duration \"{text}\""),
                });
            }
            let unit_name = &rest[..unit_len];
            rest = &rest[unit_len..];
            let unit: u64 = match unit_name {
                "ns" => 1,
                "us" | "\u{b5}s" | "\u{3bc}s" => NANOS_PER_MICRO,
                "ms" => NANOS_PER_MILLI,
                "s" => NANOS_PER_SECOND,
                "m" => 60 * NANOS_PER_SECOND,
                "h" => 3600 * NANOS_PER_SECOND,
                _ => {
                    return Err(DurationParseError {
                        message: format!(
                            "time: unknown unit \"{unit_name}\" in duration \"{text}\""
                        ),
                    });
                }
            };
            if whole > overflow_limit / unit {
                return Err(invalid());
            }
            let mut value = whole * unit;
            if fraction > 0 {
                value += (fraction as f64 * (unit as f64 / scale)) as u64;
                if value > overflow_limit {
                    return Err(invalid());
                }
            }
            total = total
                .checked_add(value)
                .filter(|t| *t <= overflow_limit)
                .ok_or_else(invalid)?;
        }
        if negative {
            // 1<<63 is representable only as a negative value.
            return Ok(Self::from_nanos((total as i128).wrapping_neg() as i64));
        }
        i64::try_from(total)
            .map(Self::from_nanos)
            .map_err(|_| invalid())
    }
}

/// Appends `value / 10^precision`'s fraction digits (trailing zeros dropped) in front of `out`,
/// returning the integer part; Go's `fmtFrac`.
fn push_fraction(out: &mut Vec<u8>, mut value: u64, precision: usize) -> u64 {
    let mut printed = false;
    for _ in 0..precision {
        let digit = value % 10;
        printed = printed || digit != 0;
        if printed {
            out.push(b'0' + digit as u8);
        }
        value /= 10;
    }
    if printed {
        out.push(b'.');
    }
    value
}

fn push_int(out: &mut Vec<u8>, mut value: u64) {
    if value == 0 {
        out.push(b'0');
        return;
    }
    while value > 0 {
        out.push(b'0' + (value % 10) as u8);
        value /= 10;
    }
}

impl fmt::Display for GoDuration {
    /// Go's `Duration.String`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Built back to front, like Go does, then reversed.
        let mut reversed: Vec<u8> = Vec::with_capacity(32);
        let negative = self.nanos < 0;
        let mut u = self.nanos.unsigned_abs();
        if u < NANOS_PER_SECOND {
            if u == 0 {
                return f.write_str("0s");
            }
            reversed.push(b's');
            let precision = if u < NANOS_PER_MICRO {
                reversed.push(b'n');
                0
            } else if u < NANOS_PER_MILLI {
                // "µ" in UTF-8, pushed reversed.
                reversed.extend_from_slice(&[0xb5, 0xc2]);
                3
            } else {
                reversed.push(b'm');
                6
            };
            u = push_fraction(&mut reversed, u, precision);
            push_int(&mut reversed, u);
        } else {
            reversed.push(b's');
            u = push_fraction(&mut reversed, u, 9);
            push_int(&mut reversed, u % 60);
            u /= 60;
            if u > 0 {
                reversed.push(b'm');
                push_int(&mut reversed, u % 60);
                u /= 60;
                if u > 0 {
                    reversed.push(b'h');
                    push_int(&mut reversed, u);
                }
            }
        }
        if negative {
            reversed.push(b'-');
        }
        reversed.reverse();
        f.write_str(&String::from_utf8_lossy(&reversed))
    }
}

impl std::str::FromStr for GoDuration {
    type Err = DurationParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl From<std::time::Duration> for GoDuration {
    fn from(value: std::time::Duration) -> Self {
        Self::from_nanos(i64::try_from(value.as_nanos()).unwrap_or(i64::MAX))
    }
}

impl Serialize for GoDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GoDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = GoDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Go duration string or a number of nanoseconds")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                GoDuration::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(GoDuration::from_nanos(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(GoDuration::from_nanos(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                // Go truncates the float to int64 nanoseconds.
                Ok(GoDuration::from_nanos(v as i64))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(GoDuration::default())
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}

/// What the proxy does with an idle machine. On the wire: off ⇒ `false`, stop ⇒ `true`,
/// suspend ⇒ `"suspend"`; decoding also accepts the strings `"off"` and `"stop"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum MachineAutostop {
    #[default]
    Off,
    Stop,
    Suspend,
}

impl MachineAutostop {
    pub fn as_str(&self) -> &'static str {
        match self {
            MachineAutostop::Off => "off",
            MachineAutostop::Stop => "stop",
            MachineAutostop::Suspend => "suspend",
        }
    }

    /// Parses the string form as the API accepts it (`off`, `stop`, `suspend`).
    pub fn parse(value: &str) -> Result<Self, String> {
        match value {
            "off" => Ok(MachineAutostop::Off),
            "stop" => Ok(MachineAutostop::Stop),
            "suspend" => Ok(MachineAutostop::Suspend),
            other => Err(format!("invalid autostop string value \"{other}\"")),
        }
    }
}

impl fmt::Display for MachineAutostop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for MachineAutostop {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            MachineAutostop::Off => serializer.serialize_bool(false),
            MachineAutostop::Stop => serializer.serialize_bool(true),
            MachineAutostop::Suspend => serializer.serialize_str("suspend"),
        }
    }
}

impl<'de> Deserialize<'de> for MachineAutostop {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AutostopVisitor;
        impl Visitor<'_> for AutostopVisitor {
            type Value = MachineAutostop;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true, false, \"off\", \"stop\" or \"suspend\"")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(if v {
                    MachineAutostop::Stop
                } else {
                    MachineAutostop::Off
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                MachineAutostop::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(AutostopVisitor)
    }
}

/// A service the Fly proxy routes to the machine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineService {
    /// `tcp` or `udp`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub protocol: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_i64"
    )]
    pub internal_port: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autostop: Option<MachineAutostop>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autostart: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_machines_running: Option<i64>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ports: Vec<MachinePort>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub checks: Vec<MachineServiceCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<MachineServiceConcurrency>,
    /// Always serialized, `null` when unset.
    #[serde(default)]
    pub force_instance_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_instance_description: Option<String>,
}

/// A public port (or range) of a service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachinePort {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_port: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_port: Option<i64>,
    /// e.g. `["http"]`, `["tls", "http"]`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub handlers: Vec<String>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_false"
    )]
    pub force_https: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_options: Option<TlsOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_options: Option<HttpOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_proto_options: Option<ProxyProtoOptions>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProxyProtoOptions {
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TlsOptions {
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub alpn: Vec<String>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub versions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_self_signed: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compress: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<HttpResponseOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h2_backend: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers_read_timeout: Option<u32>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub replay_cache: Vec<ReplayCache>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpResponseOptions {
    /// Header name → value; `false` removes a header, a list sets several values.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub headers: BTreeMap<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pristine: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplayCache {
    #[serde(default, deserialize_with = "null_default")]
    pub path_prefix: String,
    #[serde(default, deserialize_with = "null_default")]
    pub ttl_seconds: i64,
    /// `cookie` or `header`.
    #[serde(default, deserialize_with = "null_default")]
    pub r#type: String,
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_false"
    )]
    pub allow_bypass: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineServiceConcurrency {
    /// `connections` or `requests`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub r#type: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_i64"
    )]
    pub hard_limit: i64,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_i64"
    )]
    pub soft_limit: i64,
}

/// A health check attached to a service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineServiceCheck {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    /// `tcp` or `http`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_period: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_skip_verify: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_server_name: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub headers: Vec<MachineHttpHeader>,
}

/// A named top-level check (`checks` map of the config).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineCheck {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    /// `tcp` or `http`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// `informational` (the default) or `readiness`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_period: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_skip_verify: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_server_name: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub headers: Vec<MachineHttpHeader>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineHttpHeader {
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub values: Vec<String>,
}

/// A volume mounted into the machine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineMount {
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_false"
    )]
    pub encrypted: bool,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub path: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_i64"
    )]
    pub size_gb: i64,
    /// The volume ID (`vol_...`).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub volume: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_i64"
    )]
    pub extend_threshold_percent: i64,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_i64"
    )]
    pub add_size_gb: i64,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_i64"
    )]
    pub size_gb_limit: i64,
}

/// Where Fly scrapes Prometheus metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineMetrics {
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_i64"
    )]
    pub port: i64,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub path: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_false"
    )]
    pub https: bool,
}

/// Static files served by the proxy. All four fields are always serialized.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Static {
    #[serde(default, deserialize_with = "null_default")]
    pub guest_path: String,
    #[serde(default, deserialize_with = "null_default")]
    pub url_prefix: String,
    #[serde(default, deserialize_with = "null_default")]
    pub tigris_bucket: String,
    #[serde(default, deserialize_with = "null_default")]
    pub index_document: String,
}

/// A file written into the machine; one of `raw_value` (base64) or `secret_name` is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct File {
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub guest_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_config: Option<String>,
    /// chmod(2) mode bits.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_u32"
    )]
    pub mode: u32,
}

/// Whether and how flyd restarts the machine when its main process exits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineRestart {
    /// `no`, `always` or `on-failure`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub policy: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_i64"
    )]
    pub max_retries: i64,
}

/// Restart policy values.
pub const RESTART_POLICY_NO: &str = "no";
pub const RESTART_POLICY_ALWAYS: &str = "always";
pub const RESTART_POLICY_ON_FAILURE: &str = "on-failure";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DnsConfig {
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_false"
    )]
    pub skip_registration: bool,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub nameservers: Vec<String>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub searches: Vec<String>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub options: Vec<DnsOption>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub dns_forward_rules: Vec<DnsForwardRule>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub hostname: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub hostname_fqdn: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DnsOption {
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DnsForwardRule {
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub basename: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub addr: String,
}

/// How the machine is stopped: the signal sent, then how long before it is killed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StopConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
}

/// An extra process run by init alongside the main one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineProcess {
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub exec: Vec<String>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub entrypoint: Vec<String>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cmd: Vec<String>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub user: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub env: BTreeMap<String, String>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub secrets: Vec<MachineSecret>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_false"
    )]
    pub ignore_app_secrets: bool,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub env_from: Vec<EnvFrom>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineSecret {
    #[serde(default, deserialize_with = "null_default")]
    pub env_var: String,
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnvFrom {
    #[serde(default, deserialize_with = "null_default")]
    pub env_var: String,
    /// `id`, `version`, `app_name`, `private_ip`, `region` or `image`.
    #[serde(default, deserialize_with = "null_default")]
    pub field_ref: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineRootfs {
    /// `never`, `restart` or `always`.
    #[serde(default, skip_serializing_if = "PersistRootfs::is_unset")]
    pub persist: PersistRootfs,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_u64"
    )]
    pub size_gb: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineCacheDrive {
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_u64"
    )]
    pub size_mb: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineSpot {
    /// The largest fraction of the full price to pay, in (0, 1].
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "is_zero_f64"
    )]
    pub max_price_fraction: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations_print_like_go() {
        let cases = [
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1µs"),
            (2_200_000, "2.2ms"),
            (1_000_000_000, "1s"),
            (15_000_000_000, "15s"),
            (60_000_000_000, "1m0s"),
            (90_000_000_000, "1m30s"),
            (81_000_000_000, "1m21s"),
            (3_600_000_000_000, "1h0m0s"),
            (3_723_500_000_000, "1h2m3.5s"),
            (-5_000_000_000, "-5s"),
            (10_000, "10µs"),
        ];
        for (nanos, text) in cases {
            assert_eq!(GoDuration::from_nanos(nanos).to_string(), text, "{nanos}");
        }
    }

    #[test]
    fn durations_parse_like_go() {
        let cases = [
            ("0", 0),
            ("15s", 15_000_000_000),
            ("1m30s", 90_000_000_000),
            ("1.5h", 5_400_000_000_000),
            ("300ms", 300_000_000),
            ("-1.5s", -1_500_000_000),
            ("+2s", 2_000_000_000),
            ("1µs", 1_000),
            ("1us", 1_000),
            ("2h45m", 9_900_000_000_000),
            (".5s", 500_000_000),
            ("3m", 180_000_000_000),
        ];
        for (text, nanos) in cases {
            assert_eq!(
                GoDuration::parse(text).map(|d| d.as_nanos()),
                Ok(nanos),
                "{text}"
            );
        }
        assert_eq!(
            GoDuration::parse("").unwrap_err().message,
            "time: invalid duration \"\""
        );
        assert_eq!(
            GoDuration::parse("10").unwrap_err().message,
            "time: missing unit in duration \"10\""
        );
        assert_eq!(
            GoDuration::parse("10x").unwrap_err().message,
            "time: unknown unit \"x\" in duration \"10x\""
        );
        assert!(GoDuration::parse("s").is_err());
        assert!(GoDuration::parse(".s").is_err());
        assert!(GoDuration::parse("9999999999999999999h").is_err());
    }

    #[test]
    fn durations_decode_from_string_or_nanoseconds() {
        let from_string: GoDuration = serde_json::from_value(json!("1m0s")).unwrap();
        let from_number: GoDuration = serde_json::from_value(json!(60_000_000_000_i64)).unwrap();
        let from_float: GoDuration = serde_json::from_value(json!(1.5e9)).unwrap();
        assert_eq!(from_string, GoDuration::from_secs(60));
        assert_eq!(from_number, GoDuration::from_secs(60));
        assert_eq!(from_float, GoDuration::from_millis(1500));
        assert_eq!(serde_json::to_value(from_string).unwrap(), json!("1m0s"));
        assert!(serde_json::from_value::<GoDuration>(json!("soon")).is_err());
        assert!(serde_json::from_value::<GoDuration>(json!(true)).is_err());
    }

    #[test]
    fn autostop_wire_format() {
        let encode = |a: MachineAutostop| serde_json::to_value(a).unwrap();
        assert_eq!(encode(MachineAutostop::Off), json!(false));
        assert_eq!(encode(MachineAutostop::Stop), json!(true));
        assert_eq!(encode(MachineAutostop::Suspend), json!("suspend"));
        let decode = |v: serde_json::Value| serde_json::from_value::<MachineAutostop>(v);
        assert_eq!(decode(json!(false)).unwrap(), MachineAutostop::Off);
        assert_eq!(decode(json!(true)).unwrap(), MachineAutostop::Stop);
        assert_eq!(decode(json!("off")).unwrap(), MachineAutostop::Off);
        assert_eq!(decode(json!("stop")).unwrap(), MachineAutostop::Stop);
        assert_eq!(decode(json!("suspend")).unwrap(), MachineAutostop::Suspend);
        assert!(decode(json!("sometimes")).is_err());
        assert!(decode(json!(1)).is_err());
    }

    #[test]
    fn always_serialized_fields() {
        let config = MachineConfig {
            services: vec![MachineService::default()],
            statics: vec![Static {
                guest_path: "/a".into(),
                url_prefix: "/b".into(),
                ..Static::default()
            }],
            ..MachineConfig::default()
        };
        let value = serde_json::to_value(&config).unwrap();
        assert_eq!(
            value,
            json!({
                "init": {},
                "services": [{"force_instance_key": null}],
                "statics": [{"guest_path": "/a", "url_prefix": "/b", "tigris_bucket": "", "index_document": ""}]
            })
        );
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let input = json!({
            "image": "nginx",
            "env": null,
            "init": null,
            "dns": {"nameservers": ["1.2.3.4"]},
            "rootfs": {"persist": "restart", "size_gb": 5},
            "containers": [{"name": "app", "image": "."}],
            "some_future_field": {"x": 1}
        });
        let config: MachineConfig = serde_json::from_value(input).unwrap();
        assert_eq!(config.image.as_deref(), Some("nginx"));
        assert_eq!(config.dns.as_ref().unwrap().nameservers, vec!["1.2.3.4"]);
        assert_eq!(
            config.rootfs.as_ref().unwrap().persist,
            PersistRootfs::Restart
        );
        let output = serde_json::to_value(&config).unwrap();
        assert_eq!(output["containers"], json!([{"name": "app", "image": "."}]));
        assert_eq!(output["some_future_field"], json!({"x": 1}));
        assert_eq!(output["init"], json!({}));
    }

    #[test]
    fn presets() {
        let shared = MachineGuest::from_size("shared-cpu-2x").unwrap();
        assert_eq!(
            (shared.cpu_kind.as_str(), shared.cpus, shared.memory_mb),
            ("shared", 2, 512)
        );
        let perf = MachineGuest::from_size("performance-8x").unwrap();
        assert_eq!(
            (perf.cpu_kind.as_str(), perf.cpus, perf.memory_mb),
            ("performance", 8, 16384)
        );
        let gpu = MachineGuest::from_size("a100-40gb").unwrap();
        assert_eq!(
            (
                gpu.cpu_kind.as_str(),
                gpu.cpus,
                gpu.memory_mb,
                gpu.gpus,
                gpu.gpu_kind.as_str()
            ),
            ("performance", 8, 32768, 1, "a100-pcie-40gb")
        );
        assert_eq!(
            MachineGuest::from_size("shared-cpu-3x")
                .unwrap_err()
                .message,
            "'shared-cpu-3x' is an invalid machine size, choose one of: [shared-cpu-1x shared-cpu-2x shared-cpu-4x shared-cpu-6x shared-cpu-8x]"
        );
        assert_eq!(
            MachineGuest::from_size("huge").unwrap_err().message,
            "invalid machine preset requested, 'huge', expected to start with 'shared' or 'performance'"
        );
    }
}
