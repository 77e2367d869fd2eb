//! The S3-compatible object store under `/s3`, driven as tenantctl drives real S3: URLs
//! presigned by rusty-s3, sent with reqwest (and curl).

use std::io::Write;
use std::time::Duration;

use flysim::{Handle, ObjectStoreConfig};
use rusty_s3::actions::{CreateMultipartUpload, ListObjectsV2};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use tempfile::TempDir;

use crate::common::client;

const HOUR: Duration = Duration::from_secs(3600);
const MIB: usize = 1024 * 1024;

struct Store {
    handle: Option<Handle>,
    dir: TempDir,
    endpoint: String,
    bucket: Bucket,
    creds: Credentials,
    http: reqwest::Client,
}

impl Store {
    async fn start() -> Store {
        Store::in_dir(tempfile::tempdir().expect("tempdir")).await
    }

    async fn in_dir(dir: TempDir) -> Store {
        let config = flysim::Config::new(dir.path()).with_objects(ObjectStoreConfig::local());
        let handle = flysim::spawn(config).await.expect("flysim spawns");
        let endpoint = handle.objects_url().expect("object store enabled");
        assert_eq!(endpoint, format!("{}/s3", handle.base_url()));
        let bucket = Store::bucket_named(&endpoint, "tenantctl-local");
        Store {
            handle: Some(handle),
            dir,
            endpoint,
            bucket,
            creds: Credentials::new("flysim-local", "flysim-local-secret"),
            http: client(),
        }
    }

    fn bucket_named(endpoint: &str, name: &str) -> Bucket {
        Bucket::new(
            endpoint.parse().expect("endpoint url"),
            UrlStyle::Path,
            name.to_string(),
            "local",
        )
        .expect("bucket")
    }

    async fn stop(mut self) -> TempDir {
        if let Some(h) = self.handle.take() {
            h.shutdown().await;
        }
        self.dir
    }

    async fn put(&self, key: &str, body: Vec<u8>) -> reqwest::Response {
        let url = self.bucket.put_object(Some(&self.creds), key).sign(HOUR);
        self.http.put(url).body(body).send().await.expect("put")
    }

    async fn get(&self, key: &str) -> reqwest::Response {
        let url = self.bucket.get_object(Some(&self.creds), key).sign(HOUR);
        self.http.get(url).send().await.expect("get")
    }
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Status and S3 error code of an error answer.
async fn s3_error(resp: reqwest::Response) -> (u16, String, String) {
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("error body");
    let between = |open: &str, close: &str| {
        text.split_once(open)
            .and_then(|(_, rest)| rest.split_once(close))
            .map(|(v, _)| v.to_string())
            .unwrap_or_else(|| panic!("no {open} in {text}"))
    };
    (
        status,
        between("<Code>", "</Code>"),
        between("<Message>", "</Message>"),
    )
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[tokio::test]
async fn objects_put_get_head_delete_round_trip() {
    let s = Store::start().await;
    let body = pattern(300_000, 7);
    let mut put = s
        .bucket
        .put_object(Some(&s.creds), "backups/acme/db 1+2.tar");
    put.headers_mut().insert("x-amz-meta-tenant", "acme");
    let url = put.sign(HOUR);
    let resp = s
        .http
        .put(url)
        .header("x-amz-meta-tenant", "acme")
        .header("content-type", "application/x-tar")
        .body(body.clone())
        .send()
        .await
        .expect("put");
    assert_eq!(resp.status(), 200);
    let md5 = {
        use md5::Digest;
        hex::encode(md5::Md5::digest(&body))
    };
    assert_eq!(header(&resp, "etag"), format!("\"{md5}\""));

    let resp = s.get("backups/acme/db 1+2.tar").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "etag"), format!("\"{md5}\""));
    assert_eq!(header(&resp, "content-type"), "application/x-tar");
    assert_eq!(header(&resp, "x-amz-meta-tenant"), "acme");
    assert_eq!(header(&resp, "content-length"), body.len().to_string());
    assert!(header(&resp, "last-modified").ends_with(" GMT"));
    assert_eq!(resp.bytes().await.expect("bytes").as_ref(), body.as_slice());

    let url = s
        .bucket
        .head_object(Some(&s.creds), "backups/acme/db 1+2.tar")
        .sign(HOUR);
    let resp = s.http.head(url).send().await.expect("head");
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "content-length"), body.len().to_string());
    assert_eq!(header(&resp, "x-amz-meta-tenant"), "acme");

    // Without a stored type S3 answers application/octet-stream.
    s.put("plain", b"x".to_vec()).await;
    let resp = s.get("plain").await;
    assert_eq!(header(&resp, "content-type"), "application/octet-stream");

    let del = s
        .bucket
        .delete_object(Some(&s.creds), "backups/acme/db 1+2.tar")
        .sign(HOUR);
    let resp = s.http.delete(del.clone()).send().await.expect("delete");
    assert_eq!(resp.status(), 204);
    let resp = s.http.delete(del).send().await.expect("delete again");
    assert_eq!(resp.status(), 204, "deleting a missing key is no error");

    let (status, code, _) = s3_error(s.get("backups/acme/db 1+2.tar").await).await;
    assert_eq!((status, code.as_str()), (404, "NoSuchKey"));
    let url = s.bucket.head_object(Some(&s.creds), "missing").sign(HOUR);
    let resp = s.http.head(url).send().await.expect("head missing");
    assert_eq!(resp.status(), 404);
    assert!(resp.bytes().await.expect("body").is_empty());

    // The request log records object requests, never their signatures.
    let log = s.handle.as_ref().expect("running").request_log();
    assert!(
        log.iter()
            .any(|r| r.scope == "s3" && r.path.starts_with("/s3/"))
    );
    for r in &log {
        let q = r.query.clone().unwrap_or_default();
        assert!(!q.contains("X-Amz-Signature=") || q.contains("X-Amz-Signature=REDACTED"));
    }
    s.stop().await;
}

#[tokio::test]
async fn objects_list_with_prefix_and_pagination() {
    let s = Store::start().await;
    // rusty-s3 keeps the endpoint's /s3 path, with or without a trailing slash.
    let url = s.bucket.object_url("a b");
    assert_eq!(url.path(), "/s3/tenantctl-local/a%20b");
    let slashed = Store::bucket_named(&format!("{}/", s.endpoint), "tenantctl-local");
    assert_eq!(slashed.object_url("a b"), url);
    let keys = ["list/1", "list/2 b+c", "list/3", "list/4", "list/5"];
    for k in keys.iter().rev() {
        assert_eq!(s.put(k, k.as_bytes().to_vec()).await.status(), 200);
    }
    s.put("other", b"o".to_vec()).await;

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut list = s.bucket.list_objects_v2(Some(&s.creds));
        list.with_prefix("list/");
        list.with_max_keys(2);
        if let Some(t) = &token {
            list.with_continuation_token(t.clone());
        }
        let resp = s.http.get(list.sign(HOUR)).send().await.expect("list");
        assert_eq!(resp.status(), 200);
        let text = resp.text().await.expect("xml");
        assert!(text.contains("<KeyCount>"), "{text}");
        let parsed = ListObjectsV2::parse_response(&text).expect("rusty-s3 parses the listing");
        pages += 1;
        for c in &parsed.contents {
            assert_eq!(c.size, Some(c.key.len() as u64));
            let lm = c.last_modified.clone().unwrap_or_default();
            assert!(lm.len() == 24 && lm.ends_with(".000Z"), "{lm}");
            assert!(c.etag.as_deref().is_some_and(|e| e.starts_with('"')));
            seen.push(c.key.clone());
        }
        match parsed.next_continuation_token {
            Some(t) => {
                assert_eq!(parsed.contents.len(), 2);
                token = Some(t);
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, keys);

    let mut list = s.bucket.list_objects_v2(Some(&s.creds));
    list.with_start_after("list/3");
    let text = s
        .http
        .get(list.sign(HOUR))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("xml");
    let parsed = ListObjectsV2::parse_response(&text).expect("parses");
    let keys: Vec<_> = parsed.contents.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, ["list/4", "list/5", "other"]);
    s.stop().await;
}

async fn create_upload(s: &Store, key: &str) -> String {
    let url = s
        .bucket
        .create_multipart_upload(Some(&s.creds), key)
        .sign(HOUR);
    let resp = s.http.post(url).send().await.expect("create upload");
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.expect("xml");
    CreateMultipartUpload::parse_response(&text)
        .expect("rusty-s3 parses the upload")
        .upload_id()
        .to_string()
}

async fn upload_part(s: &Store, key: &str, id: &str, n: u16, body: Vec<u8>) -> String {
    let url = s.bucket.upload_part(Some(&s.creds), key, n, id).sign(HOUR);
    let resp = s.http.put(url).body(body).send().await.expect("part");
    assert_eq!(resp.status(), 200);
    header(&resp, "etag")
}

async fn complete(s: &Store, key: &str, id: &str, etags: &[String]) -> reqwest::Response {
    let action = s.bucket.complete_multipart_upload(
        Some(&s.creds),
        key,
        id,
        etags.iter().map(String::as_str),
    );
    let url = action.sign(HOUR);
    s.http
        .post(url)
        .body(action.body())
        .send()
        .await
        .expect("complete")
}

#[tokio::test]
async fn objects_multipart_upload_concatenates_parts() {
    let s = Store::start().await;
    let (a, b) = (pattern(5 * MIB, 1), pattern(1, 2));
    let id = create_upload(&s, "big.tar").await;
    let etags = vec![
        upload_part(&s, "big.tar", &id, 1, a.clone()).await,
        upload_part(&s, "big.tar", &id, 2, b.clone()).await,
    ];
    let resp = complete(&s, "big.tar", &id, &etags).await;
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.expect("xml");
    assert!(text.contains("-2&quot;</ETag>"), "{text}");

    let resp = s.get("big.tar").await;
    assert_eq!(resp.status(), 200);
    assert!(header(&resp, "etag").ends_with("-2\""));
    let got = resp.bytes().await.expect("bytes");
    assert_eq!(got.len(), a.len() + b.len());
    assert!(got[..a.len()] == a[..] && got[a.len()..] == b[..]);

    // The upload is gone once completed.
    let (status, code, _) = s3_error(complete(&s, "big.tar", &id, &etags).await).await;
    assert_eq!((status, code.as_str()), (404, "NoSuchUpload"));
    let abort = s
        .bucket
        .abort_multipart_upload(Some(&s.creds), "big.tar", &id)
        .sign(HOUR);
    let (status, code, _) = s3_error(s.http.delete(abort).send().await.expect("abort")).await;
    assert_eq!((status, code.as_str()), (404, "NoSuchUpload"));
    s.stop().await;
}

#[tokio::test]
async fn objects_multipart_small_part_is_entity_too_small() {
    let s = Store::start().await;
    let id = create_upload(&s, "small").await;
    let etags = vec![
        upload_part(&s, "small", &id, 1, vec![1; 1024]).await,
        upload_part(&s, "small", &id, 2, vec![2; 10]).await,
    ];
    let (status, code, _) = s3_error(complete(&s, "small", &id, &etags).await).await;
    assert_eq!((status, code.as_str()), (400, "EntityTooSmall"));
    let abort = s
        .bucket
        .abort_multipart_upload(Some(&s.creds), "small", &id)
        .sign(HOUR);
    let resp = s.http.delete(abort).send().await.expect("abort");
    assert_eq!(resp.status(), 204);
    s.stop().await;
}

#[tokio::test]
async fn objects_chunked_put_needs_a_content_length() {
    let s = Store::start().await;
    let url = s.bucket.put_object(Some(&s.creds), "chunked").sign(HOUR);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(b"abc".to_vec()), Ok(b"def".to_vec())];
    let body = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let resp = s.http.put(url).body(body).send().await.expect("put");
    let (status, code, _) = s3_error(resp).await;
    assert_eq!((status, code.as_str()), (411, "MissingContentLength"));
    let (status, code, _) = s3_error(s.get("chunked").await).await;
    assert_eq!((status, code.as_str()), (404, "NoSuchKey"));
    s.stop().await;
}

#[tokio::test]
async fn objects_authentication_errors() {
    let s = Store::start().await;
    s.put("k", b"v".to_vec()).await;

    let plain = format!("{}/tenantctl-local/k", s.endpoint);
    let (status, code, _) = s3_error(s.http.get(&plain).send().await.expect("get")).await;
    assert_eq!((status, code.as_str()), (403, "AccessDenied"));

    let wrong = Credentials::new("flysim-local", "not-the-secret");
    let url = s.bucket.get_object(Some(&wrong), "k").sign(HOUR);
    let (status, code, _) = s3_error(s.http.get(url).send().await.expect("get")).await;
    assert_eq!((status, code.as_str()), (403, "SignatureDoesNotMatch"));

    let stranger = Credentials::new("someone-else", "flysim-local-secret");
    let url = s.bucket.get_object(Some(&stranger), "k").sign(HOUR);
    let (status, code, _) = s3_error(s.http.get(url).send().await.expect("get")).await;
    assert_eq!((status, code.as_str()), (403, "InvalidAccessKeyId"));

    // A signed URL of another key doesn't open this one.
    let other = s.bucket.get_object(Some(&s.creds), "other").sign(HOUR);
    let forged = other.as_str().replace("/other?", "/k?");
    let (status, code, _) = s3_error(s.http.get(forged).send().await.expect("get")).await;
    assert_eq!((status, code.as_str()), (403, "SignatureDoesNotMatch"));

    let url = s.bucket.put_object(Some(&s.creds), "k").sign(HOUR);
    let resp = s
        .http
        .put(url)
        .header("x-amz-meta-sneaky", "1")
        .body("v2")
        .send()
        .await
        .expect("put");
    let (status, code, message) = s3_error(resp).await;
    assert_eq!((status, code.as_str()), (403, "AccessDenied"));
    assert!(message.contains("headers present in the request which were not signed"));

    let url = s
        .bucket
        .get_object(Some(&s.creds), "k")
        .sign(Duration::from_secs(1));
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, code, message) = s3_error(s.http.get(url).send().await.expect("get")).await;
    assert_eq!((status, code.as_str()), (403, "AccessDenied"));
    assert_eq!(message, "Request has expired");

    let nope = Store::bucket_named(&s.endpoint, "no-such-bucket");
    let url = nope.put_object(Some(&s.creds), "k").sign(HOUR);
    let resp = s.http.put(url).body("v").send().await.expect("put");
    let (status, code, _) = s3_error(resp).await;
    assert_eq!((status, code.as_str()), (404, "NoSuchBucket"));

    // Object requests need no Fly token, and Fly tokens don't open objects.
    let resp = s
        .http
        .get(&plain)
        .bearer_auth(s.handle.as_ref().expect("running").org_token())
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 403);
    s.stop().await;
}

#[tokio::test]
async fn objects_are_off_unless_configured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = flysim::spawn(flysim::Config::new(dir.path()))
        .await
        .expect("spawn");
    assert_eq!(handle.objects_url(), None);
    let url = format!("{}/s3/tenantctl-local/k", handle.base_url());
    let resp = client().get(url).send().await.expect("get");
    assert_eq!(resp.status(), 404);
    handle.shutdown().await;
}

#[tokio::test]
async fn objects_survive_a_restart() {
    let s = Store::start().await;
    let mut put = s.bucket.put_object(Some(&s.creds), "keep/me");
    put.headers_mut().insert("x-amz-meta-tenant", "acme");
    let resp = s
        .http
        .put(put.sign(HOUR))
        .header("x-amz-meta-tenant", "acme")
        .body(pattern(70_000, 3))
        .send()
        .await
        .expect("put");
    assert_eq!(resp.status(), 200);
    let id = create_upload(&s, "half/done").await;
    let part = upload_part(&s, "half/done", &id, 1, pattern(5 * MIB, 4)).await;
    let dir = s.stop().await;

    let s = Store::in_dir(dir).await;
    let resp = s.get("keep/me").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-amz-meta-tenant"), "acme");
    assert_eq!(
        resp.bytes().await.expect("bytes").as_ref(),
        pattern(70_000, 3)
    );
    let last = upload_part(&s, "half/done", &id, 2, b"end".to_vec()).await;
    let resp = complete(&s, "half/done", &id, &[part, last]).await;
    assert_eq!(resp.status(), 200);
    let got = s.get("half/done").await.bytes().await.expect("bytes");
    assert_eq!(got.len(), 5 * MIB + 3);
    s.stop().await;
}

#[tokio::test]
async fn objects_curl_round_trip() {
    let have_curl = tokio::process::Command::new("curl")
        .arg("--version")
        .output()
        .await
        .is_ok_and(|o| o.status.success());
    if !have_curl {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED objects curl round trip: curl not on PATH"
        );
        return;
    }
    let s = Store::start().await;
    let file = s.dir.path().join("upload.bin");
    let body = pattern(2 * MIB + 17, 9);
    std::fs::write(&file, &body).expect("write upload file");
    let url = s
        .bucket
        .put_object(Some(&s.creds), "curl/upload.bin")
        .sign(HOUR);
    let out = tokio::process::Command::new("curl")
        .args(["-sS", "--fail-with-body", "-T"])
        .arg(&file)
        .arg(url.as_str())
        .output()
        .await
        .expect("curl runs");
    assert!(
        out.status.success(),
        "curl -T failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let resp = s.get("curl/upload.bin").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.expect("bytes").as_ref(), body.as_slice());

    let url = s
        .bucket
        .get_object(Some(&s.creds), "curl/upload.bin")
        .sign(HOUR);
    let out = tokio::process::Command::new("curl")
        .args(["-sS", "--fail-with-body"])
        .arg(url.as_str())
        .output()
        .await
        .expect("curl runs");
    assert!(out.status.success());
    assert_eq!(out.stdout, body);
    s.stop().await;
}
