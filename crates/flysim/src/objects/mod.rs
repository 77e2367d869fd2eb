//! An S3-compatible object store, path-style under `/s3/{bucket}/{key}`, so tenantctl's local
//! mode backs up through the same presigned-URL code path as real S3 or R2.
//!
//! Only presigned SigV4 query authentication is accepted (see [`sigv4`]); Fly tokens, faults
//! and latency don't apply here. Supported: PutObject, GetObject, HeadObject, DeleteObject,
//! ListObjectsV2 and multipart uploads, with S3's status codes and XML errors.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

use crate::Sim;

mod multipart;
mod sigv4;
mod store;
mod xml;

use store::{ObjectFiles, ObjectMeta, quoted_etag};
use xml::S3Error;

/// S3's limit for a single PUT.
const MAX_PUT: u64 = 5 * 1024 * 1024 * 1024;
/// Representation headers stored with an object and answered on GET/HEAD, besides Content-Type.
const KEPT_HEADERS: [HeaderName; 5] = [
    header::CACHE_CONTROL,
    header::CONTENT_DISPOSITION,
    header::CONTENT_ENCODING,
    header::CONTENT_LANGUAGE,
    header::EXPIRES,
];

/// Credentials, region and buckets of flysim's object store.
#[derive(Clone, PartialEq, Eq)]
pub struct ObjectStoreConfig {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub region: String,
    pub buckets: Vec<String>,
}

impl ObjectStoreConfig {
    /// The well-known local setup: key `flysim-local`, secret `flysim-local-secret`, region
    /// `local`, one bucket `tenantctl-local`.
    pub fn local() -> ObjectStoreConfig {
        ObjectStoreConfig {
            access_key_id: "flysim-local".to_string(),
            secret_access_key: "flysim-local-secret".to_string(),
            region: "local".to_string(),
            buckets: vec!["tenantctl-local".to_string()],
        }
    }
}

// The secret stays out of logs and panic messages.
impl std::fmt::Debug for ObjectStoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStoreConfig")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("region", &self.region)
            .field("buckets", &self.buckets)
            .finish()
    }
}

/// The running store: its configuration and files.
pub(crate) struct Objects {
    config: ObjectStoreConfig,
    files: ObjectFiles,
}

impl Objects {
    pub(crate) fn open(config: ObjectStoreConfig, root: PathBuf) -> std::io::Result<Objects> {
        let files = ObjectFiles::open(root, &config.buckets)?;
        Ok(Objects { config, files })
    }
}

/// Content-Type, the kept representation headers and `x-amz-meta-*` of a write.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct StoredHeaders {
    content_type: Option<String>,
    headers: Vec<(String, String)>,
    meta: Vec<(String, String)>,
}

impl StoredHeaders {
    fn from_request(h: &HeaderMap) -> Result<StoredHeaders, S3Error> {
        let text = |v: &HeaderValue| {
            v.to_str()
                .map(str::to_string)
                .map_err(|_| S3Error::bad_request("InvalidArgument", "header values must be ASCII"))
        };
        let mut out = StoredHeaders {
            content_type: h.get(header::CONTENT_TYPE).map(text).transpose()?,
            ..StoredHeaders::default()
        };
        for name in &KEPT_HEADERS {
            if let Some(v) = h.get(name) {
                out.headers.push((name.as_str().to_string(), text(v)?));
            }
        }
        for (name, v) in h {
            if name.as_str().starts_with("x-amz-meta-") {
                out.meta.push((name.as_str().to_string(), text(v)?));
            }
        }
        Ok(out)
    }
}

/// `/s3`, `/s3/` and everything below; the path is parsed by hand so the raw (signed) form
/// stays available and no input makes axum answer in Fly's JSON shape.
pub(crate) fn routes() -> Router<Arc<Sim>> {
    Router::new()
        .route("/s3", any(handle))
        .route("/s3/", any(handle))
        .route("/s3/{*rest}", any(handle))
        // Objects may be hundreds of MB; bodies stream to disk.
        .layer(DefaultBodyLimit::disable())
}

/// Whether a request path belongs to the object store.
pub(crate) fn is_object_path(path: &str) -> bool {
    path == "/s3" || path.starts_with("/s3/")
}

/// A query string fit for the request log: the signature is replaced.
pub(crate) fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|p| {
            if p.starts_with("X-Amz-Signature=") {
                "X-Amz-Signature=REDACTED"
            } else {
                p
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn handle(State(sim): State<Arc<Sim>>, req: Request) -> Response {
    let head = req.method() == Method::HEAD;
    let mut resp = match dispatch(&sim, req).await {
        Ok(r) => r,
        Err(e) => e.into_response_for(head),
    };
    if let Ok(v) = HeaderValue::from_str(&crate::util::hex_id(16).to_ascii_uppercase()) {
        resp.headers_mut().insert("x-amz-request-id", v);
    }
    resp
}

async fn dispatch(sim: &Sim, req: Request) -> Result<Response, S3Error> {
    let Some(objects) = sim.objects.as_ref() else {
        return Err(S3Error::new(
            StatusCode::NOT_FOUND,
            "NoSuchBucket",
            "flysim's object store is not enabled (flysim serve --objects)",
        ));
    };
    let (parts, body) = req.into_parts();
    let rest = parts.uri.path().strip_prefix("/s3").unwrap_or("");
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    let decode = |s: &str| {
        String::from_utf8(crate::util::percent_decode_bytes(s, false))
            .map_err(|_| S3Error::bad_request("InvalidURI", "Couldn't parse the specified URI."))
    };
    let (bucket, key) = (decode(bucket)?, decode(key)?);
    if bucket.is_empty() {
        // ListBuckets: not needed by tenantctl.
        return Err(S3Error::not_implemented());
    }
    if !objects.config.buckets.contains(&bucket) {
        return Err(S3Error::no_such_bucket());
    }
    let now = time::OffsetDateTime::now_utc();
    sigv4::verify(
        &objects.config,
        &parts.method,
        &parts.uri,
        &parts.headers,
        now,
    )?;
    let query: Vec<(String, String)> = sigv4::query_pairs(parts.uri.query().unwrap_or(""))
        .into_iter()
        .map(|(k, v)| {
            (
                String::from_utf8_lossy(&k).into_owned(),
                String::from_utf8_lossy(&v).into_owned(),
            )
        })
        .collect();
    let q = |name: &str| param(&query, name);
    let h = &parts.headers;

    if key.is_empty() {
        return match parts.method {
            Method::GET if q("list-type") == Some("2") => objects.list(&bucket, &query),
            Method::HEAD => Ok(StatusCode::OK.into_response()),
            _ => Err(S3Error::not_implemented()),
        };
    }
    match (parts.method, q("uploadId")) {
        (Method::PUT, Some(id)) => {
            content_length(h)?;
            let number = q("partNumber").unwrap_or("");
            objects.upload_part(&bucket, &key, id, number, body).await
        }
        (Method::PUT, None) if h.contains_key("x-amz-copy-source") => {
            Err(S3Error::not_implemented())
        }
        (Method::PUT, None) => objects.put(&bucket, &key, h, body).await,
        (Method::GET, None) => objects.get(&bucket, &key, false).await,
        (Method::HEAD, None) => objects.get(&bucket, &key, true).await,
        (Method::DELETE, Some(id)) => objects.abort_upload(&bucket, &key, id),
        (Method::DELETE, None) => {
            objects.files.delete(&bucket, &key)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        (Method::POST, None) if q("uploads").is_some() => objects.create_upload(&bucket, &key, h),
        (Method::POST, Some(id)) => {
            let host = h
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("localhost");
            let location = format!("http://{host}{}", parts.uri.path());
            objects
                .complete_upload(&bucket, &key, id, location, body)
                .await
        }
        (Method::GET | Method::HEAD, Some(_)) => Err(S3Error::not_implemented()),
        _ => Err(S3Error::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        )),
    }
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The declared body length; S3 refuses bodies without one (chunked uploads).
fn content_length(h: &HeaderMap) -> Result<u64, S3Error> {
    let v = h
        .get(header::CONTENT_LENGTH)
        .ok_or_else(S3Error::missing_length)?;
    v.to_str()
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .ok_or_else(|| S3Error::bad_request("InvalidArgument", "Invalid Content-Length"))
}

impl Objects {
    async fn put(
        &self,
        bucket: &str,
        key: &str,
        h: &HeaderMap,
        body: Body,
    ) -> Result<Response, S3Error> {
        if content_length(h)? > MAX_PUT {
            return Err(S3Error::bad_request(
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed object size.",
            ));
        }
        let stored = StoredHeaders::from_request(h)?;
        let spooled = self.files.spool(body).await?;
        let etag = quoted_etag(&spooled.md5);
        let meta = stored.into_meta(key, spooled.size, etag.clone());
        if let Err(e) = self.files.commit(bucket, meta, &spooled.path) {
            let _ = std::fs::remove_file(&spooled.path);
            return Err(e);
        }
        let mut resp = StatusCode::OK.into_response();
        if let Ok(v) = HeaderValue::from_str(&etag) {
            resp.headers_mut().insert(header::ETAG, v);
        }
        Ok(resp)
    }

    async fn get(&self, bucket: &str, key: &str, head: bool) -> Result<Response, S3Error> {
        let (meta, file) = self.files.open_object(bucket, key).await?;
        let body = if head {
            Body::empty()
        } else {
            Body::from_stream(file_stream(file))
        };
        let mut resp = Response::new(body);
        object_headers(resp.headers_mut(), &meta);
        Ok(resp)
    }

    fn list(&self, bucket: &str, query: &[(String, String)]) -> Result<Response, S3Error> {
        let q = |name: &str| param(query, name);
        if q("delimiter").is_some_and(|d| !d.is_empty()) {
            return Err(S3Error::not_implemented());
        }
        let invalid = |m: &str| S3Error::bad_request("InvalidArgument", m);
        let max_keys = match q("max-keys") {
            None => 1000,
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| invalid("Provided max-keys not an integer or within integer range"))?
                .min(1000),
        };
        let prefix = q("prefix").unwrap_or("");
        let token = q("continuation-token");
        // The token is the hex of the last key listed; start-after counts only without one.
        let after = match token {
            Some(t) => Some(
                hex::decode(t)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| invalid("The continuation token provided is incorrect"))?,
            ),
            None => q("start-after").map(str::to_string),
        };
        let all = self.files.list(bucket, prefix)?;
        let mut rest = all
            .into_iter()
            .filter(|o| after.as_deref().is_none_or(|a| o.key.as_str() > a));
        let page: Vec<ObjectMeta> = rest.by_ref().take(max_keys).collect();
        let more = max_keys > 0 && rest.next().is_some();
        let next_token = match page.last() {
            Some(last) if more => Some(hex::encode(last.key.as_bytes())),
            _ => None,
        };
        let body = xml::list_result(&xml::ListPage {
            bucket,
            prefix,
            start_after: q("start-after"),
            continuation_token: token,
            max_keys,
            url_encode: q("encoding-type") == Some("url"),
            objects: &page,
            next_token,
        });
        Ok(xml::xml_response(StatusCode::OK, body))
    }
}

fn object_headers(h: &mut HeaderMap, meta: &ObjectMeta) {
    let mut set = |name: &str, value: &str| {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            h.insert(n, v);
        }
    };
    set("content-length", &meta.size.to_string());
    set("etag", &meta.etag);
    set("last-modified", &xml::http_date(meta.last_modified));
    set(
        "content-type",
        meta.content_type
            .as_deref()
            .unwrap_or("application/octet-stream"),
    );
    for (k, v) in meta.headers.iter().chain(&meta.meta) {
        set(k, v);
    }
}

/// The file's bytes in 256 KiB chunks; a read error ends the body.
fn file_stream(
    file: tokio::fs::File,
) -> impl futures::Stream<Item = std::io::Result<Bytes>> + Send {
    futures::stream::unfold(Some(file), |state| async move {
        let mut file = state?;
        let mut buf = vec![0u8; 256 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}
