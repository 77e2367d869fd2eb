//! Error types: `Error` for the library surface, `ApiError` for HTTP answers in Fly's shape.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Errors of the library surface (`spawn`, `Profile::load`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("invalid profile {path}: {message}")]
    Profile { path: String, message: String },
    #[error("{0}")]
    Other(String),
}

/// An HTTP error answer: `{"error": message, "status": code}`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_argument", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "permission_denied", message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "failed_precondition", message)
    }
    pub fn precondition(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "failed_precondition",
            message,
        )
    }
    pub fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_argument",
            message,
        )
    }
    pub fn timeout(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::REQUEST_TIMEOUT, "deadline_exceeded", message)
    }
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "unknown", message)
    }
    pub fn too_many(retry_after_s: u64) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "resource_exhausted",
            "rate limit exceeded, please retry later",
        );
        e.retry_after = Some(retry_after_s);
        e
    }
    pub fn app_not_found(app: &str) -> ApiError {
        ApiError::not_found(format!("app not found: {app}"))
    }
    pub fn machine_not_found(id: &str) -> ApiError {
        ApiError::not_found(format!("machine not found: {id}"))
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> ApiError {
        ApiError::internal(format!("storage error: {e}"))
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> ApiError {
        ApiError::internal(format!("i/o error: {e}"))
    }
}

/// The JSON body Fly uses for errors.
pub fn error_body(message: &str, code: &str) -> String {
    serde_json::json!({ "error": message, "status": code }).to_string()
}

/// Fly's `status` field only carries a few codes (`unknown`, `insufficient_capacity`,
/// `name_taken`); the gRPC-style code leads the message instead ("failed_precondition: ...").
fn wire_parts(code: &str, message: &str) -> (String, &'static str) {
    match code {
        "name_taken" => (message.to_string(), "name_taken"),
        "insufficient_capacity" => (message.to_string(), "insufficient_capacity"),
        "not_found" | "unauthenticated" | "permission_denied" | "unknown" => {
            (message.to_string(), "unknown")
        }
        other if message.starts_with(other) => (message.to_string(), "unknown"),
        other => (format!("{other}: {message}"), "unknown"),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (message, status) = wire_parts(self.code, &self.message);
        let mut resp = (self.status, error_body(&message, status)).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
