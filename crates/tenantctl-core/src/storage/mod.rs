//! The one door to backup storage: an S3-compatible bucket (Cloudflare R2, AWS S3, Garage,
//! or flysim's object store in local mode).
//!
//! Every request is a presigned URL made by rusty-s3 on this machine, without a call to
//! storage: the URLs handed to tenant machines (uploads, parts, downloads) and the ones the
//! runner sends itself with reqwest (HEAD, list, delete, multipart create/complete, the small
//! manifest). No storage credential ever leaves this module, and errors never carry a URL.

mod credentials;
mod presigned;

use std::time::Duration;

use futures::StreamExt;
use rusty_s3::actions::{CreateMultipartUpload, ListObjectsV2};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use sha2::{Digest, Sha256};

pub use credentials::StorageCredentials;
pub use presigned::{PresignedUrl, redact_signatures, redact_urls};

use crate::config::Addressing;
use crate::error::{ErrorClass, OpError};

/// Signed user metadata carrying an object's sha256, checked after every upload.
pub const SHA256_HEADER: &str = "x-amz-meta-sha256";

/// Lifetime of the URLs the runner makes for its own requests.
const OWN_REQUEST_EXPIRY: Duration = Duration::from_secs(300);

const CREDENTIALS_HINT: &str = "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or backup.credentials_file) and backup.region";

/// Largest object [`Store::get_small`] reads into memory (manifests, markers).
const SMALL_OBJECT_LIMIT: u64 = 16 * 1024 * 1024;

/// Where the bucket is and how to reach it.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub addressing: Addressing,
    pub credentials: StorageCredentials,
    /// Timeout of each request the runner sends.
    pub request_timeout: Duration,
}

/// What a HEAD says about an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHead {
    pub size: u64,
    /// The `x-amz-meta-sha256` the uploader signed, if any.
    pub sha256: Option<String>,
}

/// One listed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
}

/// A bucket, with the credentials to sign for it.
pub struct Store {
    bucket: Bucket,
    credentials: Credentials,
    http: reqwest::Client,
    endpoint: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket.name())
            .finish()
    }
}

impl Store {
    pub fn new(config: &StoreConfig) -> Result<Store, OpError> {
        let endpoint = config.endpoint.parse().map_err(|e| {
            OpError::invalid(format!(
                "backup endpoint `{}` is not a URL: {e}",
                config.endpoint
            ))
        })?;
        let style = match config.addressing {
            Addressing::Path => UrlStyle::Path,
            Addressing::VirtualHost => UrlStyle::VirtualHost,
        };
        let bucket = Bucket::new(
            endpoint,
            style,
            config.bucket.clone(),
            config.region.clone(),
        )
        .map_err(|e| {
            OpError::invalid(format!(
                "bucket `{}` at `{}` cannot be addressed: {e}",
                config.bucket, config.endpoint
            ))
        })?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(config.request_timeout)
            .build()
            .map_err(|e| OpError::failed(format!("cannot build the storage client: {e}")))?;
        Ok(Store {
            bucket,
            credentials: Credentials::new(
                config.credentials.access_key_id.clone(),
                config.credentials.secret().to_string(),
            ),
            http,
            endpoint: config.endpoint.clone(),
        })
    }

    pub fn bucket(&self) -> &str {
        self.bucket.name()
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A PUT of `key`; with `sha256`, the uploader must send it as the signed
    /// [`SHA256_HEADER`].
    pub fn presign_put(&self, key: &str, sha256: Option<&str>, expiry: Duration) -> PresignedUrl {
        let mut action = self.bucket.put_object(Some(&self.credentials), key);
        if let Some(sha) = sha256 {
            action.headers_mut().insert(SHA256_HEADER, sha.to_string());
        }
        PresignedUrl::new("PUT", action.sign(expiry).to_string())
    }

    pub fn presign_get(&self, key: &str, expiry: Duration) -> PresignedUrl {
        let action = self.bucket.get_object(Some(&self.credentials), key);
        PresignedUrl::new("GET", action.sign(expiry).to_string())
    }

    pub fn presign_upload_part(
        &self,
        key: &str,
        part: u16,
        upload_id: &str,
        expiry: Duration,
    ) -> PresignedUrl {
        let action = self
            .bucket
            .upload_part(Some(&self.credentials), key, part, upload_id);
        PresignedUrl::new("PUT", action.sign(expiry).to_string())
    }

    /// Starts a multipart upload whose object will carry `sha256`; returns its upload id.
    pub async fn create_multipart(&self, key: &str, sha256: &str) -> Result<String, OpError> {
        let mut action = self
            .bucket
            .create_multipart_upload(Some(&self.credentials), key);
        action
            .headers_mut()
            .insert(SHA256_HEADER, sha256.to_string());
        let url = action.sign(OWN_REQUEST_EXPIRY);
        let mut request = self.http.post(url.as_str());
        request = request.header(SHA256_HEADER, sha256);
        let body = self
            .send_text(request, "start a multipart upload of", key)
            .await?;
        let parsed = CreateMultipartUpload::parse_response(&body).map_err(|e| {
            OpError::failed(format!(
                "storage answered the multipart start of `{key}` with XML that does not parse: {e}"
            ))
        })?;
        Ok(parsed.upload_id().to_string())
    }

    pub async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        etags: &[String],
    ) -> Result<(), OpError> {
        let action = self.bucket.complete_multipart_upload(
            Some(&self.credentials),
            key,
            upload_id,
            etags.iter().map(String::as_str),
        );
        let url = action.sign(OWN_REQUEST_EXPIRY);
        let request = self.http.post(url.as_str()).body(action.body());
        self.send_text(request, "complete the multipart upload of", key)
            .await
            .map(drop)
    }

    pub async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), OpError> {
        let action = self
            .bucket
            .abort_multipart_upload(Some(&self.credentials), key, upload_id);
        let url = action.sign(OWN_REQUEST_EXPIRY);
        match self
            .send_text(
                self.http.delete(url.as_str()),
                "abort the multipart upload of",
                key,
            )
            .await
        {
            Err(e) if e.class() == ErrorClass::NotFound => Ok(()),
            other => other.map(drop),
        }
    }

    /// Size and signed sha256 of `key`; `None` when it does not exist.
    pub async fn head(&self, key: &str) -> Result<Option<ObjectHead>, OpError> {
        let url = self
            .bucket
            .head_object(Some(&self.credentials), key)
            .sign(OWN_REQUEST_EXPIRY);
        let response = self.send(self.http.head(url.as_str()), "read", key).await;
        let response = match response {
            Err(e) if e.class() == ErrorClass::NotFound && !is_bucket_error(&e) => {
                return Ok(None);
            }
            other => other?,
        };
        // reqwest reports a HEAD body as empty; the header carries the object's size.
        let size = response
            .headers()
            .get(reqwest::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let sha256 = response
            .headers()
            .get(SHA256_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok(Some(ObjectHead { size, sha256 }))
    }

    /// Reads a small object (a manifest); `None` when it does not exist.
    pub async fn get_small(&self, key: &str) -> Result<Option<Vec<u8>>, OpError> {
        let url = self.presign_get(key, OWN_REQUEST_EXPIRY);
        let response = match self.send(self.http.get(url.expose()), "read", key).await {
            Err(e) if e.class() == ErrorClass::NotFound && !is_bucket_error(&e) => {
                return Ok(None);
            }
            other => other?,
        };
        if response
            .content_length()
            .is_some_and(|n| n > SMALL_OBJECT_LIMIT)
        {
            return Err(OpError::failed(format!(
                "object `{key}` is larger than {SMALL_OBJECT_LIMIT} bytes; it is not a manifest"
            )));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport("read", key, e))?;
        Ok(Some(bytes.to_vec()))
    }

    /// Streams `key` through sha256 without keeping it: its size and hex digest, or `None`.
    pub async fn digest(&self, key: &str) -> Result<Option<(u64, String)>, OpError> {
        let url = self.presign_get(key, OWN_REQUEST_EXPIRY);
        let response = match self
            .send(self.http.get(url.expose()), "download", key)
            .await
        {
            Err(e) if e.class() == ErrorClass::NotFound && !is_bucket_error(&e) => {
                return Ok(None);
            }
            other => other?,
        };
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| transport("download", key, e))?;
            size += chunk.len() as u64;
            hasher.update(&chunk);
        }
        Ok(Some((size, hex::encode(hasher.finalize()))))
    }

    /// Writes a small object from memory, with its sha256 as signed metadata.
    pub async fn put_small(&self, key: &str, bytes: Vec<u8>) -> Result<(), OpError> {
        let sha = hex::encode(Sha256::digest(&bytes));
        let url = self.presign_put(key, Some(&sha), OWN_REQUEST_EXPIRY);
        let request = self
            .http
            .put(url.expose())
            .header(SHA256_HEADER, sha)
            .body(bytes);
        self.send(request, "write", key).await.map(drop)
    }

    /// Every object under `prefix`, in key order (all pages).
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, OpError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut action = self.bucket.list_objects_v2(Some(&self.credentials));
            action.with_prefix(prefix.to_string());
            if let Some(t) = &token {
                action.with_continuation_token(t.clone());
            }
            let url = action.sign(OWN_REQUEST_EXPIRY);
            let body = self
                .send_text(self.http.get(url.as_str()), "list", prefix)
                .await?;
            let page = ListObjectsV2::parse_response(&body).map_err(|e| {
                OpError::failed(format!(
                    "storage answered a listing of `{prefix}` with XML that does not parse: {e}"
                ))
            })?;
            out.extend(page.contents.into_iter().map(|c| ObjectInfo {
                key: c.key,
                size: c.size.unwrap_or(0),
            }));
            match page.next_continuation_token {
                Some(next) if !next.is_empty() && token.as_deref() != Some(next.as_str()) => {
                    token = Some(next)
                }
                _ => break,
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    /// Deletes `key`; a missing key is not an error (S3 answers 204 either way).
    pub async fn delete(&self, key: &str) -> Result<(), OpError> {
        let url = self
            .bucket
            .delete_object(Some(&self.credentials), key)
            .sign(OWN_REQUEST_EXPIRY);
        match self
            .send(self.http.delete(url.as_str()), "delete", key)
            .await
        {
            Err(e) if e.class() == ErrorClass::NotFound && !is_bucket_error(&e) => Ok(()),
            other => other.map(drop),
        }
    }

    /// Lists one key: proves the bucket exists and the credentials are accepted, before a
    /// machine is touched.
    pub async fn check_access(&self) -> Result<(), OpError> {
        let mut action = self.bucket.list_objects_v2(Some(&self.credentials));
        action.with_max_keys(1);
        let url = action.sign(OWN_REQUEST_EXPIRY);
        self.send_text(self.http.get(url.as_str()), "list", "")
            .await
            .map(drop)
    }

    async fn send_text(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
        key: &str,
    ) -> Result<String, OpError> {
        let response = self.send(request, what, key).await?;
        response.text().await.map_err(|e| transport(what, key, e))
    }

    /// Sends a request; a non-2xx answer becomes an error from its S3 error code.
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
        key: &str,
    ) -> Result<reqwest::Response, OpError> {
        let response = request.send().await.map_err(|e| transport(what, key, e))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        Err(self.refused(status, &body, what, key))
    }

    /// Turns an S3 refusal into a message naming the bucket, the code and what to do.
    fn refused(&self, status: u16, body: &str, what: &str, key: &str) -> OpError {
        let code = xml_field(body, "Code").unwrap_or_default();
        let detail = xml_field(body, "Message").unwrap_or_default();
        let bucket = self.bucket.name();
        let object = if key.is_empty() {
            format!("bucket `{bucket}`")
        } else {
            format!("`{key}` in bucket `{bucket}`")
        };
        let said = match (code.as_str(), detail.as_str()) {
            ("", _) => format!("HTTP {status}"),
            (code, "") => format!("HTTP {status} {code}"),
            (code, detail) => format!("HTTP {status} {code}: {detail}"),
        };
        let message = format!("storage refused to {what} {object} ({said})");
        match (status, code.as_str()) {
            (404, "NoSuchBucket") => OpError::not_found(format!(
                "bucket `{bucket}` does not exist at {}",
                self.endpoint
            ))
            .with_hint(
                "create the bucket, or fix backup.bucket / backup.endpoint in tenantctl.toml",
            ),
            (404, _) => OpError::not_found(message),
            (400 | 403, "InvalidAccessKeyId" | "SignatureDoesNotMatch" | "InvalidToken")
            | (401, _) => OpError::new(ErrorClass::Auth, message).with_hint(CREDENTIALS_HINT),
            // Garage words a wrong secret as AccessDenied "Invalid signature".
            (403, _) if detail.to_ascii_lowercase().contains("signature") => {
                OpError::new(ErrorClass::Auth, message).with_hint(CREDENTIALS_HINT)
            }
            (403, _) => OpError::new(ErrorClass::Auth, message)
                .with_hint("the key must be allowed to read, write and list the bucket"),
            _ => OpError::failed(message),
        }
    }
}

fn is_bucket_error(e: &OpError) -> bool {
    e.reason().contains("does not exist at")
}

/// A request that did not get an answer; reqwest's text would include the presigned URL.
fn transport(what: &str, key: &str, e: reqwest::Error) -> OpError {
    let e = e.without_url();
    let why = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        redact_signatures(&e.to_string())
    };
    OpError::failed(format!("storage request to {what} `{key}` failed: {why}"))
        .with_hint("check backup.endpoint and that the storage service is reachable")
}

/// The text of the first `<name>` element of an S3 error body.
pub fn xml_field(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&close)? + start;
    Some(body[start..end].trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        Store::new(&StoreConfig {
            endpoint: "http://127.0.0.1:9/s3".into(),
            bucket: "b".into(),
            region: "auto".into(),
            addressing: Addressing::Path,
            credentials: StorageCredentials::new("AKID", "SECRET"),
            request_timeout: Duration::from_secs(5),
        })
        .unwrap()
    }

    #[test]
    fn presigned_put_signs_the_checksum_header_and_keeps_the_path() {
        let url = store().presign_put("t/1/db", Some("abc"), Duration::from_secs(60));
        let text = url.expose();
        assert!(
            text.starts_with("http://127.0.0.1:9/s3/b/t/1/db?"),
            "{text}"
        );
        assert!(text.contains("x-amz-meta-sha256"), "{text}");
        assert!(!text.contains("SECRET"));
    }

    #[test]
    fn refusals_map_to_classes() {
        let s = store();
        let e = s.refused(404, "<Error><Code>NoSuchBucket</Code></Error>", "list", "");
        assert_eq!(e.class(), ErrorClass::NotFound);
        assert!(is_bucket_error(&e));
        let e = s.refused(
            403,
            "<Error><Code>SignatureDoesNotMatch</Code></Error>",
            "read",
            "k",
        );
        assert_eq!(e.class(), ErrorClass::Auth);
        let e = s.refused(500, "", "read", "k");
        assert_eq!(e.class(), ErrorClass::Failed);
        assert_eq!(
            xml_field("<a><Code> X </Code></a>", "Code").as_deref(),
            Some("X")
        );
    }
}
