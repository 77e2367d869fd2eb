//! Multipart uploads: create, upload part, complete, abort. An upload is a directory under
//! `objects/.uploads/{id}` holding its target and one sidecar + data file per part; completing
//! concatenates the parts into a temp file and commits it like a PutObject.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use super::store::{ObjectMeta, quoted_etag, write_atomic};
use super::xml::{self, S3Error};
use super::{Objects, StoredHeaders};
use crate::util;

/// S3's minimum size of every part but the last.
const MIN_PART: u64 = 5 * 1024 * 1024;
const MAX_PARTS: u32 = 10_000;
/// A CompleteMultipartUpload body for 10,000 parts stays well below this.
const MAX_COMPLETE_BODY: usize = 4 * 1024 * 1024;

#[derive(Serialize, Deserialize)]
struct Upload {
    bucket: String,
    key: String,
    stored: StoredHeaders,
}

#[derive(Serialize, Deserialize)]
struct Part {
    etag: String,
    size: u64,
    md5: String,
    data: String,
}

impl Objects {
    fn upload_dir(&self, bucket: &str, key: &str, id: &str) -> Result<std::path::PathBuf, S3Error> {
        // Ids are ours (32 hex): anything else can't name an upload, nor escape the directory.
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(S3Error::no_such_upload());
        }
        let dir = self.files.uploads_dir().join(id);
        let upload: Upload = std::fs::read(dir.join("upload.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(S3Error::no_such_upload)?;
        if upload.bucket != bucket || upload.key != key {
            return Err(S3Error::no_such_upload());
        }
        Ok(dir)
    }

    pub(super) fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        headers: &HeaderMap,
    ) -> Result<Response, S3Error> {
        let stored = StoredHeaders::from_request(headers)?;
        let id = util::hex_id(32);
        let dir = self.files.uploads_dir().join(&id);
        std::fs::create_dir_all(&dir).map_err(S3Error::io)?;
        let upload = Upload {
            bucket: bucket.to_string(),
            key: key.to_string(),
            stored,
        };
        let json = serde_json::to_vec(&upload).map_err(S3Error::internal)?;
        write_atomic(&self.files.tmp_path(), &dir.join("upload.json"), &json)?;
        Ok(xml::xml_response(
            StatusCode::OK,
            xml::initiate_result(bucket, key, &id),
        ))
    }

    pub(super) async fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        id: &str,
        number: &str,
        body: Body,
    ) -> Result<Response, S3Error> {
        let number: u32 = number
            .parse()
            .ok()
            .filter(|n| (1..=MAX_PARTS).contains(n))
            .ok_or_else(|| {
                S3Error::bad_request(
                    "InvalidArgument",
                    "Part number must be an integer between 1 and 10000, inclusive",
                )
            })?;
        let dir = self.upload_dir(bucket, key, id)?;
        let spooled = self.files.spool(body).await?;
        let stem = format!("part-{number:05}");
        let part = Part {
            etag: quoted_etag(&spooled.md5),
            size: spooled.size,
            md5: hex::encode(spooled.md5),
            data: format!("{stem}.{}", util::hex_id(16)),
        };
        let _guard = self.files.lock.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = std::fs::rename(&spooled.path, dir.join(&part.data)) {
            let _ = std::fs::remove_file(&spooled.path);
            // Aborted or completed while the part was on its way.
            return Err(if dir.exists() {
                S3Error::io(e)
            } else {
                S3Error::no_such_upload()
            });
        }
        let previous = read_part(&dir, &stem);
        let json = serde_json::to_vec(&part).map_err(S3Error::internal)?;
        write_atomic(
            &self.files.tmp_path(),
            &dir.join(format!("{stem}.json")),
            &json,
        )?;
        if let Some(old) = previous {
            let _ = std::fs::remove_file(dir.join(old.data));
        }
        let mut resp = StatusCode::OK.into_response();
        if let Ok(v) = HeaderValue::from_str(&part.etag) {
            resp.headers_mut().insert(header::ETAG, v);
        }
        Ok(resp)
    }

    pub(super) async fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        id: &str,
        location: String,
        body: Body,
    ) -> Result<Response, S3Error> {
        let dir = self.upload_dir(bucket, key, id)?;
        let body = axum::body::to_bytes(body, MAX_COMPLETE_BODY)
            .await
            .map_err(|_| {
                S3Error::bad_request("MalformedXML", "The XML you provided was too large")
            })?;
        let wanted = xml::parse_complete(&String::from_utf8_lossy(&body))?;
        let mut parts = Vec::with_capacity(wanted.len());
        for (i, (number, etag)) in wanted.iter().enumerate() {
            if i > 0 && *number <= wanted[i - 1].0 {
                return Err(S3Error::bad_request(
                    "InvalidPartOrder",
                    "The list of parts was not in ascending order. The parts list must be \
                     specified in order by part number.",
                ));
            }
            let part = read_part(&dir, &format!("part-{number:05}"))
                .filter(|p| p.etag.trim_matches('"') == etag.trim_matches('"'))
                .ok_or_else(|| {
                    S3Error::bad_request(
                        "InvalidPart",
                        "One or more of the specified parts could not be found. The part may \
                         not have been uploaded, or the specified entity tag may not match \
                         the part's entity tag.",
                    )
                })?;
            if i + 1 < wanted.len() && part.size < MIN_PART {
                return Err(S3Error::bad_request(
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed object size.",
                ));
            }
            parts.push(part);
        }

        let tmp = self.files.tmp_path();
        let written = concatenate(&dir, &parts, &tmp).await;
        let size = match written {
            Ok(size) => size,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        // S3's multipart ETag: MD5 of the parts' binary MD5s, then "-" and the part count.
        let mut md5 = Md5::new();
        for p in &parts {
            md5.update(hex::decode(&p.md5).map_err(S3Error::internal)?);
        }
        let digest: [u8; 16] = md5.finalize().into();
        let etag = format!("\"{}-{}\"", hex::encode(digest), parts.len());
        let upload: Upload = std::fs::read(dir.join("upload.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(S3Error::no_such_upload)?;
        let meta = upload.stored.into_meta(key, size, etag.clone());
        if let Err(e) = self.files.commit(bucket, meta, &tmp) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        let _ = std::fs::remove_dir_all(&dir);
        Ok(xml::xml_response(
            StatusCode::OK,
            xml::complete_result(&location, bucket, key, &etag),
        ))
    }

    pub(super) fn abort_upload(
        &self,
        bucket: &str,
        key: &str,
        id: &str,
    ) -> Result<Response, S3Error> {
        let dir = self.upload_dir(bucket, key, id)?;
        let _guard = self.files.lock.lock().unwrap_or_else(|e| e.into_inner());
        std::fs::remove_dir_all(&dir).map_err(S3Error::io)?;
        Ok(StatusCode::NO_CONTENT.into_response())
    }
}

fn read_part(dir: &std::path::Path, stem: &str) -> Option<Part> {
    let bytes = std::fs::read(dir.join(format!("{stem}.json"))).ok()?;
    serde_json::from_slice(&bytes).ok()
}

async fn concatenate(
    dir: &std::path::Path,
    parts: &[Part],
    tmp: &std::path::Path,
) -> Result<u64, S3Error> {
    let mut out = tokio::fs::File::create(tmp).await.map_err(S3Error::io)?;
    let mut size = 0;
    for p in parts {
        let mut part = tokio::fs::File::open(dir.join(&p.data))
            .await
            .map_err(S3Error::io)?;
        size += tokio::io::copy(&mut part, &mut out)
            .await
            .map_err(S3Error::io)?;
    }
    out.flush().await.map_err(S3Error::io)?;
    out.sync_data().await.map_err(S3Error::io)?;
    Ok(size)
}

impl StoredHeaders {
    pub(super) fn into_meta(self, key: &str, size: u64, etag: String) -> ObjectMeta {
        ObjectMeta {
            key: key.to_string(),
            size,
            etag,
            last_modified: util::now_ms().div_euclid(1000),
            content_type: self.content_type,
            headers: self.headers,
            meta: self.meta,
            data: String::new(),
        }
    }
}
