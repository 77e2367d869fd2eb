//! S3's XML: error answers, the result documents of listing and multipart uploads, the body of
//! CompleteMultipartUpload, and S3's two timestamp formats.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use time::macros::format_description;

use super::store::ObjectMeta;

const NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// An S3 error answer: `<Error><Code>..</Code><Message>..</Message></Error>` with its status.
#[derive(Debug, Clone)]
pub(crate) struct S3Error {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl S3Error {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> S3Error {
        S3Error {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> S3Error {
        S3Error::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> S3Error {
        S3Error::new(StatusCode::FORBIDDEN, code, message)
    }
    pub fn access_denied(message: impl Into<String>) -> S3Error {
        S3Error::forbidden("AccessDenied", message)
    }
    pub fn auth_query(message: impl Into<String>) -> S3Error {
        S3Error::bad_request("AuthorizationQueryParametersError", message)
    }
    pub fn no_such_key() -> S3Error {
        S3Error::new(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        )
    }
    pub fn no_such_bucket() -> S3Error {
        S3Error::new(
            StatusCode::NOT_FOUND,
            "NoSuchBucket",
            "The specified bucket does not exist",
        )
    }
    pub fn no_such_upload() -> S3Error {
        S3Error::new(
            StatusCode::NOT_FOUND,
            "NoSuchUpload",
            "The specified upload does not exist. The upload ID may be invalid, or the upload \
             may have been aborted or completed.",
        )
    }
    pub fn missing_length() -> S3Error {
        S3Error::new(
            StatusCode::LENGTH_REQUIRED,
            "MissingContentLength",
            "You must provide the Content-Length HTTP header.",
        )
    }
    pub fn not_implemented() -> S3Error {
        S3Error::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            "A header or query you provided implies functionality that is not implemented",
        )
    }
    pub fn internal(what: impl std::fmt::Display) -> S3Error {
        tracing::warn!("object store: {what}");
        S3Error::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "We encountered an internal error. Please try again.",
        )
    }
    pub fn io(e: std::io::Error) -> S3Error {
        S3Error::internal(format!("i/o error: {e}"))
    }

    /// The answer; HEAD answers carry no body, as S3's don't.
    pub fn into_response_for(self, head: bool) -> Response {
        if head {
            return self.status.into_response();
        }
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message></Error>",
            self.code,
            escape(&self.message)
        );
        xml_response(self.status, body)
    }
}

impl IntoResponse for S3Error {
    fn into_response(self) -> Response {
        self.into_response_for(false)
    }
}

pub fn xml_response(status: StatusCode, body: String) -> Response {
    let mut resp = (status, Body::from(body)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    resp
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// "Mon, 07 Dec 2026 08:00:00 GMT" (Last-Modified).
pub fn http_date(secs: i64) -> String {
    let fmt = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| "Thu, 01 Jan 1970 00:00:00 GMT".to_string())
}

/// "2026-12-07T08:00:00.000Z" (LastModified in listings).
pub fn iso8601_ms(secs: i64) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].000Z");
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_string())
}

/// Parameters of one ListObjectsV2 page, echoed back as S3 does.
pub struct ListPage<'a> {
    pub bucket: &'a str,
    pub prefix: &'a str,
    pub start_after: Option<&'a str>,
    pub continuation_token: Option<&'a str>,
    pub max_keys: usize,
    pub url_encode: bool,
    pub objects: &'a [ObjectMeta],
    pub next_token: Option<String>,
}

pub fn list_result(page: &ListPage<'_>) -> String {
    // With encoding-type=url keys are form-encoded, so any key survives XML.
    let key = |k: &str| {
        if page.url_encode {
            super::sigv4::form_encode(k)
        } else {
            escape(k)
        }
    };
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"{NS}\"><Name>{}</Name><Prefix>{}</Prefix>",
        escape(page.bucket),
        key(page.prefix)
    );
    if let Some(t) = page.continuation_token {
        x.push_str(&format!(
            "<ContinuationToken>{}</ContinuationToken>",
            escape(t)
        ));
    }
    if let Some(s) = page.start_after {
        x.push_str(&format!("<StartAfter>{}</StartAfter>", key(s)));
    }
    x.push_str(&format!(
        "<KeyCount>{}</KeyCount><MaxKeys>{}</MaxKeys>",
        page.objects.len(),
        page.max_keys
    ));
    if page.url_encode {
        x.push_str("<EncodingType>url</EncodingType>");
    }
    x.push_str(&format!(
        "<IsTruncated>{}</IsTruncated>",
        page.next_token.is_some()
    ));
    if let Some(t) = &page.next_token {
        x.push_str(&format!(
            "<NextContinuationToken>{}</NextContinuationToken>",
            escape(t)
        ));
    }
    for o in page.objects {
        x.push_str(&format!(
            "<Contents><Key>{}</Key><LastModified>{}</LastModified><ETag>{}</ETag><Size>{}</Size><StorageClass>STANDARD</StorageClass></Contents>",
            key(&o.key),
            iso8601_ms(o.last_modified),
            escape(&o.etag),
            o.size
        ));
    }
    x.push_str("</ListBucketResult>");
    x
}

pub fn initiate_result(bucket: &str, key: &str, upload_id: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult xmlns=\"{NS}\"><Bucket>{}</Bucket><Key>{}</Key><UploadId>{}</UploadId></InitiateMultipartUploadResult>",
        escape(bucket),
        escape(key),
        escape(upload_id)
    )
}

pub fn complete_result(location: &str, bucket: &str, key: &str, etag: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult xmlns=\"{NS}\"><Location>{}</Location><Bucket>{}</Bucket><Key>{}</Key><ETag>{}</ETag></CompleteMultipartUploadResult>",
        escape(location),
        escape(bucket),
        escape(key),
        escape(etag)
    )
}

/// The (PartNumber, ETag) pairs of a CompleteMultipartUpload body, in document order.
/// A small scanner rather than an XML library: the document is flat and S3 itself
/// rejects anything that isn't this shape.
pub fn parse_complete(body: &str) -> Result<Vec<(u32, String)>, S3Error> {
    let malformed = || {
        S3Error::bad_request(
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our \
             published schema",
        )
    };
    if !body.contains("<CompleteMultipartUpload") {
        return Err(malformed());
    }
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("<Part>") {
        let after = &rest[start + "<Part>".len()..];
        let end = after.find("</Part>").ok_or_else(malformed)?;
        let part = &after[..end];
        let number = element(part, "PartNumber")
            .and_then(|n| n.trim().parse::<u32>().ok())
            .ok_or_else(malformed)?;
        let etag = element(part, "ETag").ok_or_else(malformed)?;
        parts.push((number, unescape(etag.trim())));
        rest = &after[end + "</Part>".len()..];
    }
    if parts.is_empty() {
        return Err(malformed());
    }
    Ok(parts)
}

fn element<'a>(s: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = s.find(&open)? + open.len();
    let len = s[start..].find(&close)?;
    Some(&s[start..start + len])
}
