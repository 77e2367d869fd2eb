//! Objects on disk under `{state_dir}/objects`: per bucket, a JSON sidecar per key (named by
//! the key's SHA-256) that points at a data file of its own version. Bodies stream into
//! `.tmp/` and are renamed into place; writing the sidecar is the commit, so a crash mid-upload
//! never shows a partial object and an overwrite never pairs old metadata with new data.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use axum::body::Body;
use futures::StreamExt;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use super::xml::S3Error;
use crate::util;

/// What S3 keeps about an object besides its bytes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ObjectMeta {
    pub key: String,
    pub size: u64,
    /// Quoted, as S3 sends it.
    pub etag: String,
    /// Unix seconds.
    pub last_modified: i64,
    pub content_type: Option<String>,
    /// Other stored representation headers (Cache-Control, Content-Disposition, ...).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// `x-amz-meta-*` headers, names lowercase.
    #[serde(default)]
    pub meta: Vec<(String, String)>,
    /// The data file's name inside the bucket directory.
    pub data: String,
}

/// A body written to a temp file: its path, length and MD5.
pub(crate) struct Spooled {
    pub path: PathBuf,
    pub size: u64,
    pub md5: [u8; 16],
}

pub(crate) struct ObjectFiles {
    root: PathBuf,
    /// Serialises commits and deletes, so concurrent writers of one key can't delete
    /// each other's data files.
    pub(crate) lock: Mutex<()>,
}

impl ObjectFiles {
    /// Creates the bucket directories and clears temp files a crash left behind.
    pub fn open(root: PathBuf, buckets: &[String]) -> std::io::Result<ObjectFiles> {
        let _ = std::fs::remove_dir_all(root.join(".tmp"));
        std::fs::create_dir_all(root.join(".tmp"))?;
        std::fs::create_dir_all(root.join(".uploads"))?;
        for b in buckets {
            std::fs::create_dir_all(root.join(b))?;
        }
        Ok(ObjectFiles {
            root,
            lock: Mutex::new(()),
        })
    }

    pub fn uploads_dir(&self) -> PathBuf {
        self.root.join(".uploads")
    }

    fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.root.join(bucket)
    }

    fn sidecar(&self, bucket: &str, key: &str) -> PathBuf {
        self.bucket_dir(bucket)
            .join(format!("{}.json", util::sha256_hex(key.as_bytes())))
    }

    pub fn tmp_path(&self) -> PathBuf {
        self.root.join(".tmp").join(util::hex_id(24))
    }

    /// Streams `body` into a temp file, hashing it on the way.
    pub async fn spool(&self, body: Body) -> Result<Spooled, S3Error> {
        let path = self.tmp_path();
        match write_stream(&path, body).await {
            Ok((size, md5)) => Ok(Spooled { path, size, md5 }),
            Err(e) => {
                let _ = tokio::fs::remove_file(&path).await;
                Err(e)
            }
        }
    }

    /// Makes `data` (a temp file) the object `meta.key`, replacing any previous version.
    pub fn commit(&self, bucket: &str, mut meta: ObjectMeta, data: &Path) -> Result<(), S3Error> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let dir = self.bucket_dir(bucket);
        let stem = util::sha256_hex(meta.key.as_bytes());
        meta.data = format!("{stem}.{}", util::hex_id(16));
        std::fs::rename(data, dir.join(&meta.data)).map_err(S3Error::io)?;
        let previous = self.get(bucket, &meta.key);
        let json = serde_json::to_vec(&meta).map_err(S3Error::internal)?;
        write_atomic(&self.tmp_path(), &dir.join(format!("{stem}.json")), &json)?;
        if let Some(old) = previous.filter(|o| o.data != meta.data) {
            let _ = std::fs::remove_file(dir.join(old.data));
        }
        Ok(())
    }

    pub fn get(&self, bucket: &str, key: &str) -> Option<ObjectMeta> {
        let bytes = std::fs::read(self.sidecar(bucket, key)).ok()?;
        serde_json::from_slice::<ObjectMeta>(&bytes)
            .ok()
            .filter(|m| m.key == key)
    }

    /// The object's metadata and its open data file.
    pub async fn open_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(ObjectMeta, tokio::fs::File), S3Error> {
        // A concurrent overwrite may remove the data file between the two reads: look again.
        for _ in 0..3 {
            let meta = self.get(bucket, key).ok_or_else(S3Error::no_such_key)?;
            match tokio::fs::File::open(self.bucket_dir(bucket).join(&meta.data)).await {
                Ok(f) => return Ok((meta, f)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(S3Error::io(e)),
            }
        }
        Err(S3Error::no_such_key())
    }

    pub fn delete(&self, bucket: &str, key: &str) -> Result<(), S3Error> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(meta) = self.get(bucket, key) {
            std::fs::remove_file(self.sidecar(bucket, key)).map_err(S3Error::io)?;
            let _ = std::fs::remove_file(self.bucket_dir(bucket).join(meta.data));
        }
        Ok(())
    }

    /// Every object of the bucket whose key starts with `prefix`, in key (byte) order.
    pub fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectMeta>, S3Error> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.bucket_dir(bucket)).map_err(S3Error::io)? {
            let path = entry.map_err(S3Error::io)?.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else {
                continue; // deleted meanwhile
            };
            if let Ok(m) = serde_json::from_slice::<ObjectMeta>(&bytes)
                && m.key.starts_with(prefix)
            {
                out.push(m);
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }
}

async fn write_stream(path: &Path, body: Body) -> Result<(u64, [u8; 16]), S3Error> {
    let mut file = tokio::fs::File::create(path).await.map_err(S3Error::io)?;
    let mut md5 = Md5::new();
    let mut size = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        // The client went away or sent less than its Content-Length.
        let chunk = chunk.map_err(|e| {
            S3Error::bad_request("IncompleteBody", format!("reading the request body: {e}"))
        })?;
        md5.update(&chunk);
        size += chunk.len() as u64;
        file.write_all(&chunk).await.map_err(S3Error::io)?;
    }
    file.flush().await.map_err(S3Error::io)?;
    file.sync_data().await.map_err(S3Error::io)?;
    Ok((size, md5.finalize().into()))
}

/// Writes `bytes` to `tmp`, then renames it to `dst`.
pub(crate) fn write_atomic(tmp: &Path, dst: &Path, bytes: &[u8]) -> Result<(), S3Error> {
    std::fs::write(tmp, bytes).map_err(S3Error::io)?;
    std::fs::rename(tmp, dst).map_err(|e| {
        let _ = std::fs::remove_file(tmp);
        S3Error::io(e)
    })
}

/// `"hex"` of an MD5.
pub(crate) fn quoted_etag(md5: &[u8]) -> String {
    format!("\"{}\"", hex::encode(md5))
}
