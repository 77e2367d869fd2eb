//! Errors returned by [`crate::FlyClient`].

use std::time::Duration;

/// The body the Machines API sends with an error status: `{"error": "...", "status": "..."}`,
/// sometimes with a `message` that takes precedence over `error`.
#[derive(Debug, Default, serde::Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    status: Option<serde_json::Value>,
}

/// Everything that can go wrong talking to Fly.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Fly answered with a non-2xx status.
    #[error("{message} (HTTP {status}{})", request_id_suffix(request_id))]
    Api {
        status: u16,
        message: String,
        /// The error body's `status` field (e.g. `insufficient_capacity`, `name_taken`).
        code: Option<String>,
        /// The `fly-request-id` response header, for support tickets.
        request_id: Option<String>,
    },
    /// The request could not be delivered or the response could not be read.
    #[error("{method} {path}: {message}")]
    Transport {
        method: String,
        path: String,
        message: String,
        /// True when the connection failed before the request was sent, so the server never saw it.
        not_sent: bool,
    },
    /// No response arrived within the per-request timeout.
    #[error("{method} {path}: no response within {}s", after.as_secs_f64())]
    Timeout {
        method: String,
        path: String,
        after: Duration,
    },
    /// The response was 2xx but its body did not have the expected shape.
    #[error("{method} {path}: unexpected response body: {message}")]
    Decode {
        method: String,
        path: String,
        message: String,
    },
    /// A create call failed in a way that leaves it unknown whether the resource was created
    /// (timeout after sending, 500, 504, 408, connection lost mid-request). The client does not
    /// retry these: look the resource up (by name or metadata) before creating it again.
    #[error("outcome unknown, the resource may or may not exist: {source}")]
    Ambiguous {
        #[source]
        source: Box<ApiError>,
    },
    /// `wait_for_state` reached its overall deadline without the machine reaching a wanted state.
    #[error("machine {machine_id} did not reach state {states} within {}s", waited.as_secs())]
    WaitTimeout {
        machine_id: String,
        states: String,
        waited: Duration,
    },
    /// A name or ID passed to a call cannot be used in a URL path (empty, `.` or `..`).
    #[error("invalid {what}: {value:?}")]
    InvalidArgument { what: &'static str, value: String },
    /// The client was configured with something unusable (bad base URL, bad header value).
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// [`crate::FlyClient::lease`] found the machine leased by someone else for longer than it
    /// was allowed to wait.
    #[error(
        "machine {machine_id} of app {app} is leased by {holder} until {}; waited {}s",
        format_expiry(*expires_at),
        waited.as_secs()
    )]
    LeaseBusy {
        app: String,
        machine_id: String,
        /// The holder's lease description, else its owner, else `unknown`.
        holder: String,
        /// Unix seconds; 0 when the holder's lease could not be read.
        expires_at: i64,
        waited: Duration,
    },
}

fn request_id_suffix(request_id: &Option<String>) -> String {
    match request_id {
        Some(id) => format!(", request id {id}"),
        None => String::new(),
    }
}

impl ApiError {
    /// Builds an [`ApiError::Api`] from a non-2xx response. The body may be Fly's JSON error
    /// object, any other JSON, plain text or empty.
    pub(crate) fn from_response(status: u16, body: &[u8], request_id: Option<String>) -> Self {
        let text = String::from_utf8_lossy(body);
        let parsed = serde_json::from_slice::<ErrorBody>(body).ok();
        let (message, code) = match parsed {
            Some(b) => {
                let message = b
                    .message
                    .filter(|m| !m.is_empty())
                    .or(b.error.filter(|e| !e.is_empty()));
                let code = match b.status {
                    Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s),
                    _ => None,
                };
                (message, code)
            }
            None => (None, None),
        };
        let message = match message {
            Some(m) => m,
            None if (100..200).contains(&status) || (300..400).contains(&status) => {
                format!("API returned unexpected status {status}")
            }
            None if text.trim().is_empty() => format!("request returned non-2xx status: {status}"),
            None => format!(
                "request returned non-2xx status: {status}: {}",
                truncate(text.trim(), 500)
            ),
        };
        ApiError::Api {
            status,
            message,
            code,
            request_id,
        }
    }

    /// The HTTP status of an API error (looking through [`ApiError::Ambiguous`]).
    /// [`ApiError::LeaseBusy`] reports the 409 its last acquire attempt got.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Api { status, .. } => Some(*status),
            ApiError::LeaseBusy { .. } => Some(409),
            ApiError::Ambiguous { source } => source.status(),
            _ => None,
        }
    }

    /// The error body's `status` code field, e.g. `name_taken`.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Api { code, .. } => code.as_deref(),
            ApiError::Ambiguous { source } => source.code(),
            _ => None,
        }
    }

    /// The `fly-request-id` of the failed response, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Api { request_id, .. } => request_id.as_deref(),
            ApiError::Ambiguous { source } => source.request_id(),
            _ => None,
        }
    }

    /// The server's error message, when the error came from a response.
    pub fn api_message(&self) -> Option<&str> {
        match self {
            ApiError::Api { message, .. } => Some(message),
            ApiError::Ambiguous { source } => source.api_message(),
            _ => None,
        }
    }

    /// 404: the app, machine, volume, ... does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// 409: conflicting state (lease held, name in use, ...).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// A machine lease is held by someone else: acquiring failed, or a mutating call was sent
    /// without (or with the wrong) `fly-machine-lease-nonce`.
    pub fn is_lease_held(&self) -> bool {
        if matches!(self, ApiError::LeaseBusy { .. }) {
            return true;
        }
        let message_says_held = self
            .api_message()
            .map(|m| m.to_ascii_lowercase().contains("lease currently held by"))
            .unwrap_or(false);
        message_says_held || (self.is_conflict() && self.code() == Some("lease_held"))
    }

    /// The app name is taken (app names are global across all orgs).
    pub fn is_name_taken(&self) -> bool {
        self.code() == Some("name_taken")
            || self
                .api_message()
                .map(|m| m.contains("already been taken"))
                .unwrap_or(false)
    }

    /// 408 from `wait` or another flyd-backed call.
    pub fn is_request_timeout(&self) -> bool {
        self.status() == Some(408)
    }

    /// 429: rate limited (after the client's own retries were used up).
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429)
    }

    /// 401 or 403: the token is missing, wrong, read-only or scoped to another app.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self.status(), Some(401) | Some(403))
    }

    /// A create whose outcome is unknown; see [`ApiError::Ambiguous`].
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, ApiError::Ambiguous { .. })
    }

    /// Worth trying again later: rate limits, server errors, timeouts and network failures.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Api { status, .. } => matches!(status, 408 | 429 | 500..=599),
            ApiError::Transport { .. } | ApiError::Timeout { .. } => true,
            ApiError::Ambiguous { source } => source.is_transient(),
            ApiError::Decode { .. }
            | ApiError::WaitTimeout { .. }
            | ApiError::InvalidArgument { .. }
            | ApiError::Config(_)
            // The caller already waited as long as it was willing to.
            | ApiError::LeaseBusy { .. } => false,
        }
    }
}

/// RFC 3339 UTC for a plausible unix time, else the raw number; 0 means unknown.
fn format_expiry(unix_secs: i64) -> String {
    // Up to the end of year 9999, the range RFC 3339 can express.
    const MAX: i64 = 253_402_300_799;
    match unix_secs {
        0 => "an unknown time".to_owned(),
        1..=MAX => rfc3339_utc(unix_secs),
        other => format!("unix time {other}"),
    }
}

fn rfc3339_utc(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs_of_day = unix_secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs_of_day / 3600,
        secs_of_day % 3600 / 60,
        secs_of_day % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((idx, _)) => format!("{}…", &text[..idx]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_error_and_status_fields() {
        let err = ApiError::from_response(
            422,
            br#"{"error":"Name has already been taken","status":"name_taken"}"#,
            Some("req-1".into()),
        );
        assert_eq!(err.status(), Some(422));
        assert_eq!(err.code(), Some("name_taken"));
        assert_eq!(err.request_id(), Some("req-1"));
        assert_eq!(err.api_message(), Some("Name has already been taken"));
        assert!(err.is_name_taken());
        assert_eq!(
            err.to_string(),
            "Name has already been taken (HTTP 422, request id req-1)"
        );
    }

    #[test]
    fn message_field_wins_over_error() {
        let err = ApiError::from_response(400, br#"{"error":"short","message":"long"}"#, None);
        assert_eq!(err.api_message(), Some("long"));
        assert_eq!(err.code(), None);
    }

    #[test]
    fn non_json_and_empty_bodies() {
        let err = ApiError::from_response(502, b"<html>bad gateway</html>", None);
        assert_eq!(
            err.api_message(),
            Some("request returned non-2xx status: 502: <html>bad gateway</html>")
        );
        let err = ApiError::from_response(500, b"", None);
        assert_eq!(
            err.api_message(),
            Some("request returned non-2xx status: 500")
        );
        let err = ApiError::from_response(302, b"", None);
        assert_eq!(
            err.api_message(),
            Some("API returned unexpected status 302")
        );
    }

    #[test]
    fn lease_held_detection() {
        let err = ApiError::from_response(
            409,
            br#"{"error":"lease currently held by ops@example.com, expires at 2026-01-01"}"#,
            None,
        );
        assert!(err.is_lease_held());
        assert!(err.is_conflict());
        let other = ApiError::from_response(409, br#"{"error":"something else"}"#, None);
        assert!(!other.is_lease_held());
    }

    #[test]
    fn lease_busy_is_a_held_lease_conflict() {
        let err = ApiError::LeaseBusy {
            app: "acme-t1".into(),
            machine_id: "148e".into(),
            holder: "tenantctl upgrade acme (host h1, pid 7)".into(),
            expires_at: 1_767_225_600,
            waited: Duration::from_millis(60_400),
        };
        assert!(err.is_lease_held());
        assert!(err.is_conflict());
        assert_eq!(err.status(), Some(409));
        assert!(!err.is_transient());
        assert_eq!(
            err.to_string(),
            "machine 148e of app acme-t1 is leased by tenantctl upgrade acme (host h1, pid 7) \
             until 2026-01-01T00:00:00Z; waited 60s"
        );
    }

    #[test]
    fn expiry_formatting() {
        assert_eq!(format_expiry(0), "an unknown time");
        assert_eq!(format_expiry(1), "1970-01-01T00:00:01Z");
        assert_eq!(format_expiry(951_825_599), "2000-02-29T11:59:59Z");
        assert_eq!(format_expiry(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(format_expiry(-5), "unix time -5");
        assert_eq!(format_expiry(253_402_300_800), "unix time 253402300800");
    }

    #[test]
    fn ambiguous_delegates_to_inner() {
        let inner = ApiError::from_response(500, br#"{"error":"oops"}"#, Some("r".into()));
        let err = ApiError::Ambiguous {
            source: Box::new(inner),
        };
        assert!(err.is_ambiguous());
        assert_eq!(err.status(), Some(500));
        assert_eq!(err.request_id(), Some("r"));
        assert!(err.is_transient());
    }
}
