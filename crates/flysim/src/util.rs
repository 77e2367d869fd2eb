//! Small helpers: clocks, identifiers, query strings, JSON bodies.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::ApiError;

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// RFC 3339 at second precision, UTC ("2024-05-01T10:00:00Z"), as Fly prints timestamps.
pub fn rfc3339_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// RFC 3339 with nanoseconds (log timestamps).
pub fn rfc3339_ns(ns: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(ns as i128)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

const HEX: &[u8] = b"0123456789abcdef";
const BASE32: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TOKEN: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub fn random_from(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

/// Machine id: 14 lowercase hex characters.
pub fn machine_id() -> String {
    random_from(HEX, 14)
}

/// Volume id: "vol_" and 16 base32-ish characters.
pub fn volume_id() -> String {
    format!("vol_{}", random_from(BASE32, 16))
}

pub fn snapshot_id() -> String {
    format!("vs_{}", random_from(BASE32, 16))
}

/// A ULID-looking identifier (instance ids, event ids, request ids).
pub fn ulid() -> String {
    // 48-bit millisecond time prefix keeps them sortable like real ULIDs.
    let mut t = now_ms().max(0) as u64;
    let mut head = [0u8; 10];
    for slot in head.iter_mut().rev() {
        *slot = CROCKFORD[(t % 32) as usize];
        t /= 32;
    }
    let mut s: String = head.iter().map(|b| *b as char).collect();
    s.push_str(&random_from(CROCKFORD, 16));
    s
}

pub fn token_secret() -> String {
    random_from(TOKEN, 96)
}

pub fn hex_id(len: usize) -> String {
    random_from(HEX, len)
}

pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

/// Fly's app-name rules: lowercase letters, digits and dashes, starts with a letter, at most 63.
pub fn validate_app_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "invalid app name {name:?}: names may only contain lowercase letters, numbers and dashes, must start with a letter and be at most 63 characters"
        )))
    }
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

pub fn percent_decode(s: &str) -> String {
    String::from_utf8_lossy(&percent_decode_bytes(s, true)).into_owned()
}

/// `%XX` decoded to bytes (a malformed escape stays as written); `+` is a space in form
/// encoding but a plus in a URI path.
pub(crate) fn percent_decode_bytes(s: &str, plus_is_space: bool) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Parsed query string keeping repeated keys in order.
#[derive(Debug, Default, Clone)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        let mut pairs = Vec::new();
        if let Some(raw) = raw {
            for part in raw.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = part.split_once('=').unwrap_or((part, ""));
                pairs.push((percent_decode(k), percent_decode(v)));
            }
        }
        Query(pairs)
    }
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    /// A boolean flag: present without value, "true", "1" mean true.
    pub fn flag(&self, key: &str) -> Result<bool, ApiError> {
        match self.get(key) {
            None => Ok(false),
            Some("" | "true" | "1" | "TRUE" | "True") => Ok(true),
            Some("false" | "0" | "FALSE" | "False") => Ok(false),
            Some(other) => Err(ApiError::bad_request(format!(
                "invalid value for {key}: {other:?} is not a boolean"
            ))),
        }
    }
}

/// Decode a JSON request body; an empty body decodes as `null`.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(|b| b.is_ascii_whitespace()) {
        b"null".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("invalid request body: {e}")))
}

/// Decode a JSON body that must be an object (empty body = `{}`).
pub fn parse_object<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("invalid request body: {e}")))
}

/// Parse a Go duration ("10s", "1m30s", "500ms") or a number of seconds into milliseconds.
pub fn parse_duration_ms(v: &serde_json::Value) -> Option<u64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64().map(|f| (f * 1000.0) as u64),
        serde_json::Value::String(s) => parse_go_duration_ms(s),
        _ => None,
    }
}

pub fn parse_go_duration_ms(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        return Some((secs * 1000.0) as u64);
    }
    let mut total = 0f64;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let mut unit = String::from(c);
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphabetic() || n == 'µ' {
                unit.push(n);
                chars.next();
            } else {
                break;
            }
        }
        let n: f64 = num.parse().ok()?;
        num.clear();
        let factor = match unit.as_str() {
            "ns" => 1e-6,
            "us" | "µs" => 1e-3,
            "ms" => 1.0,
            "s" => 1000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            _ => return None,
        };
        total += n * factor;
        any = true;
    }
    if !num.is_empty() || !any {
        return None;
    }
    Some(total as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_fly_shapes() {
        let m = machine_id();
        assert_eq!(m.len(), 14);
        assert!(m.chars().all(|c| c.is_ascii_hexdigit()));
        let v = volume_id();
        assert!(v.starts_with("vol_") && v.len() == 20);
        assert_eq!(ulid().len(), 26);
    }

    #[test]
    fn app_names() {
        assert!(validate_app_name("tenant-1").is_ok());
        assert!(validate_app_name("1tenant").is_err());
        assert!(validate_app_name("Tenant").is_err());
        assert!(validate_app_name("a_b").is_err());
        assert!(validate_app_name(&"a".repeat(64)).is_err());
        assert!(validate_app_name(&"a".repeat(63)).is_ok());
    }

    #[test]
    fn query_and_durations() {
        let q = Query::parse(Some("state=started&state=stopped&metadata.k=a%20b&x"));
        assert_eq!(q.all("state"), vec!["started", "stopped"]);
        assert_eq!(q.get("metadata.k"), Some("a b"));
        assert_eq!(q.flag("x").ok(), Some(true));
        assert_eq!(parse_go_duration_ms("1m30s"), Some(90_000));
        assert_eq!(parse_go_duration_ms("250ms"), Some(250));
        assert_eq!(parse_go_duration_ms("10"), Some(10_000));
        assert_eq!(parse_go_duration_ms("abc"), None);
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
