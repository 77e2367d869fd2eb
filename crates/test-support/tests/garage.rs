//! Presigned S3 transfers against a real Garage, the way the backup code will do them: URLs
//! presigned with rusty-s3, bytes moved by `curl`. Also pins what Garage does where AWS S3 is
//! stricter, and that the [`StrictS3`] proxy makes up for it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rusty_s3::{Bucket, Credentials, S3Action as _, UrlStyle};
use sha2::{Digest as _, Sha256};
use tenantctl_test_support::strict_s3::MISSING_CONTENT_LENGTH;
use tenantctl_test_support::{Garage, StrictS3};

const VALID: Duration = Duration::from_secs(600);
/// S3's smallest part but the last. Garage has no minimum (see
/// `multipart_parts_below_5_mib_are_accepted_by_garage`), so the round trip uses S3's.
const MIN_PART: usize = 5 * 1024 * 1024;

fn bucket(garage: &Garage, endpoint: &str) -> Bucket {
    Bucket::new(
        endpoint.parse().expect("endpoint is a URL"),
        UrlStyle::Path,
        garage.bucket().to_owned(),
        garage.region().to_owned(),
    )
    .expect("bucket URL")
}

fn credentials(garage: &Garage) -> Credentials {
    Credentials::new(garage.access_key_id(), garage.secret_access_key())
}

/// Bytes that differ at every position, so a truncated or shifted transfer cannot match.
fn payload(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

struct Curl {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

impl Curl {
    /// The value of response header `name`, case-insensitively.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// Runs `curl ARGS... URL`, feeding `stdin` when given, and returns the final response.
fn curl(dir: &Path, args: &[&str], url: &str, stdin: Option<&[u8]>) -> Curl {
    let body = dir.join("curl-body");
    let headers = dir.join("curl-headers");
    let mut child = Command::new("curl")
        .args(["-sS", "-o"])
        .arg(&body)
        .arg("-D")
        .arg(&headers)
        .args(["-w", "%{http_code}"])
        .args(args)
        .arg(url)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("curl runs (apt-get install curl)");
    if let Some(bytes) = stdin {
        use std::io::Write as _;
        let mut pipe = child.stdin.take().expect("curl stdin");
        pipe.write_all(bytes).expect("feeding curl");
    }
    let output = child.wait_with_output().expect("curl finishes");
    assert!(
        output.status.success(),
        "curl {args:?} {url} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let status = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("curl prints the status");
    // With a 100 Continue, the header file holds both responses; keep the last.
    let headers = std::fs::read_to_string(&headers).unwrap_or_default();
    let headers = headers
        .rsplit("\r\n\r\n")
        .find(|block| !block.trim().is_empty())
        .unwrap_or_default()
        .to_owned();
    Curl {
        status,
        headers,
        body: std::fs::read(&body).unwrap_or_default(),
    }
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("writing the upload");
    path.to_string_lossy().into_owned()
}

#[test]
fn starts_fast_and_in_parallel() {
    let Some(first) = Garage::require_or_skip("starts_fast_and_in_parallel") else {
        return;
    };
    let started = Instant::now();
    let others: Vec<Garage> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| Garage::start().expect("a second garage starts")))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("start thread"))
            .collect()
    });
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(5),
        "two starts took {elapsed:?}"
    );
    let mut endpoints: Vec<String> = others.iter().map(Garage::endpoint).collect();
    endpoints.push(first.endpoint());
    endpoints.sort();
    endpoints.dedup();
    assert_eq!(endpoints.len(), 3, "every garage has its own port");
    first
        .create_bucket("tenantctl-extra")
        .expect("another bucket");
    let dir = tempfile::tempdir().expect("tempdir");
    let extra = Bucket::new(
        first.endpoint().parse().expect("URL"),
        UrlStyle::Path,
        "tenantctl-extra",
        first.region().to_owned(),
    )
    .expect("bucket URL");
    let url = extra
        .put_object(Some(&credentials(&first)), "x")
        .sign(VALID);
    let put = curl(
        dir.path(),
        &["-T", &write_file(dir.path(), "x", b"x")],
        url.as_str(),
        None,
    );
    assert_eq!(put.status, 200, "the key may write the extra bucket");
}

#[test]
fn presigned_put_get_head_round_trip_with_signed_metadata() {
    let Some(garage) =
        Garage::require_or_skip("presigned_put_get_head_round_trip_with_signed_metadata")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let bucket = bucket(&garage, &garage.endpoint());
    let creds = credentials(&garage);
    let data = payload(300_000, 1);
    let sha = sha256_hex(&data);
    let file = write_file(dir.path(), "upload", &data);

    let mut put = bucket.put_object(Some(&creds), "backups/one.dump");
    put.headers_mut().insert("x-amz-meta-sha256", sha.clone());
    let url = put.sign(VALID);
    let meta = format!("x-amz-meta-sha256: {sha}");
    let put = curl(dir.path(), &["-T", &file, "-H", &meta], url.as_str(), None);
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));

    // A signed header must be sent with the value signed.
    let wrong = curl(
        dir.path(),
        &["-T", &file, "-H", "x-amz-meta-sha256: 00"],
        url.as_str(),
        None,
    );
    assert_eq!(wrong.status, 403, "a changed signed header is refused");

    let get = bucket
        .get_object(Some(&creds), "backups/one.dump")
        .sign(VALID);
    let got = curl(dir.path(), &[], get.as_str(), None);
    assert_eq!(got.status, 200);
    assert!(got.body == data, "GET returns the bytes PUT");

    let head = bucket
        .head_object(Some(&creds), "backups/one.dump")
        .sign(VALID);
    let head = curl(dir.path(), &["-I"], head.as_str(), None);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("x-amz-meta-sha256"), Some(sha.as_str()));
    assert_eq!(
        head.header("content-length"),
        Some(data.len().to_string().as_str())
    );
}

/// Garage, like AWS S3, refuses an `x-amz-meta-*` header the presigned URL did not sign, though
/// with `400 InvalidRequest` where AWS answers `403 AccessDenied`.
#[test]
fn unsigned_metadata_header_is_refused() {
    let Some(garage) = Garage::require_or_skip("unsigned_metadata_header_is_refused") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let bucket = bucket(&garage, &garage.endpoint());
    let creds = credentials(&garage);
    let file = write_file(dir.path(), "upload", b"unsigned");
    let url = bucket.put_object(Some(&creds), "unsigned").sign(VALID);
    let put = curl(
        dir.path(),
        &["-T", &file, "-H", "x-amz-meta-note: not-signed"],
        url.as_str(),
        None,
    );
    let body = String::from_utf8_lossy(&put.body);
    assert_eq!(put.status, 400, "{body}");
    assert!(body.contains("should be signed"), "{body}");
    let head = bucket.head_object(Some(&creds), "unsigned").sign(VALID);
    assert_eq!(curl(dir.path(), &["-I"], head.as_str(), None).status, 404);
}

/// Creates a multipart upload with a presigned POST, uploads `parts` with `curl -T` to presigned
/// UploadPart URLs and completes it; returns the Complete answer's status and body.
async fn multipart(garage: &Garage, dir: &Path, key: &str, parts: &[&[u8]]) -> (u16, String) {
    let bucket = bucket(garage, &garage.endpoint());
    let creds = credentials(garage);
    let http = reqwest::Client::new();
    let create = bucket
        .create_multipart_upload(Some(&creds), key)
        .sign(VALID);
    let answer = http
        .post(create)
        .send()
        .await
        .expect("CreateMultipartUpload");
    assert_eq!(answer.status(), 200);
    let text = answer.text().await.expect("CreateMultipartUpload body");
    let created = rusty_s3::actions::CreateMultipartUpload::parse_response(&text)
        .unwrap_or_else(|e| panic!("CreateMultipartUpload answer {text:?}: {e}"));
    let upload_id = created.upload_id().to_owned();

    let mut etags = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        let number = u16::try_from(index + 1).expect("few parts");
        let url = bucket
            .upload_part(Some(&creds), key, number, &upload_id)
            .sign(VALID);
        let file = write_file(dir, &format!("part-{number}"), part);
        let uploaded = curl(dir, &["-T", &file], url.as_str(), None);
        assert_eq!(uploaded.status, 200, "UploadPart {number}");
        etags.push(
            uploaded
                .header("etag")
                .expect("UploadPart answers an ETag")
                .to_owned(),
        );
    }

    let complete = bucket.complete_multipart_upload(
        Some(&creds),
        key,
        &upload_id,
        etags.iter().map(String::as_str),
    );
    let url = complete.sign(VALID);
    let answer = http
        .post(url)
        .body(complete.body())
        .send()
        .await
        .expect("CompleteMultipartUpload");
    let status = answer.status().as_u16();
    (status, answer.text().await.unwrap_or_default())
}

#[tokio::test]
async fn presigned_multipart_upload_round_trips() {
    let Some(garage) = Garage::require_or_skip("presigned_multipart_upload_round_trips") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let data = payload(MIN_PART + 123_457, 2);
    let (first, second) = data.split_at(MIN_PART);
    let (status, body) = multipart(&garage, dir.path(), "backups/big.dump", &[first, second]).await;
    assert_eq!(status, 200, "{body}");

    let get = bucket(&garage, &garage.endpoint())
        .get_object(Some(&credentials(&garage)), "backups/big.dump")
        .sign(VALID);
    let got = curl(dir.path(), &[], get.as_str(), None);
    assert_eq!(got.status, 200);
    assert_eq!(got.body.len(), data.len());
    assert!(
        got.body == data,
        "the parts put together are the bytes sent"
    );
}

/// Garage completes an upload whose first part is under 5 MiB, where AWS S3 refuses it with
/// `400 EntityTooSmall`: a part size that works here proves nothing about S3.
#[tokio::test]
async fn multipart_parts_below_5_mib_are_accepted_by_garage() {
    let Some(garage) =
        Garage::require_or_skip("multipart_parts_below_5_mib_are_accepted_by_garage")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let small = payload(1024, 3);
    let (status, body) = multipart(&garage, dir.path(), "small", &[&small, b"end"]).await;
    assert_eq!(status, 200, "{body}");
    let get = bucket(&garage, &garage.endpoint())
        .get_object(Some(&credentials(&garage)), "small")
        .sign(VALID);
    let got = curl(dir.path(), &[], get.as_str(), None);
    assert!(got.body == [small.as_slice(), b"end"].concat());
}

/// Garage answers `400 InvalidRequest` ("Date is too old") where AWS S3 answers `403
/// AccessDenied` ("Request has expired"): callers must not tell expiry by status alone.
#[test]
fn expired_presigned_url_is_refused() {
    let Some(garage) = Garage::require_or_skip("expired_presigned_url_is_refused") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let url = bucket(&garage, &garage.endpoint())
        .put_object(Some(&credentials(&garage)), "late")
        .sign(Duration::from_secs(1));
    std::thread::sleep(Duration::from_millis(2100));
    let file = write_file(dir.path(), "late", b"too late");
    let put = curl(dir.path(), &["-T", &file], url.as_str(), None);
    let body = String::from_utf8_lossy(&put.body);
    assert_eq!(put.status, 400, "{body}");
    assert!(body.contains("Date is too old"), "{body}");
}

#[test]
fn chunked_put_is_accepted_by_garage_and_refused_by_strict_s3() {
    let Some(garage) =
        Garage::require_or_skip("chunked_put_is_accepted_by_garage_and_refused_by_strict_s3")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = credentials(&garage);
    let data = payload(70_000, 4);
    // `-T -` reads stdin, whose length curl cannot know: it sends the body chunked.
    let chunked = ["-T", "-", "-H", "Transfer-Encoding: chunked"];

    let direct = bucket(&garage, &garage.endpoint());
    let url = direct.put_object(Some(&creds), "chunked").sign(VALID);
    let put = curl(dir.path(), &chunked, url.as_str(), Some(&data));
    assert_eq!(put.status, 200, "Garage itself takes a chunked PUT");
    let get = direct.get_object(Some(&creds), "chunked").sign(VALID);
    assert!(curl(dir.path(), &[], get.as_str(), None).body == data);

    let strict = StrictS3::in_front_of(&garage.endpoint());
    let proxied = bucket(&garage, &strict.endpoint());
    let url = proxied
        .put_object(Some(&creds), "chunked-strict")
        .sign(VALID);
    let put = curl(dir.path(), &chunked, url.as_str(), Some(&data));
    assert_eq!(put.status, 411);
    assert_eq!(String::from_utf8_lossy(&put.body), MISSING_CONTENT_LENGTH);
    assert_eq!(strict.refused_without_length(), 1);
    assert_eq!(strict.puts(), 0);
    let head = proxied
        .head_object(Some(&creds), "chunked-strict")
        .sign(VALID);
    assert_eq!(
        curl(dir.path(), &["-I"], head.as_str(), None).status,
        404,
        "nothing reached Garage"
    );
}

#[test]
fn put_with_length_goes_through_strict_s3() {
    let Some(garage) = Garage::require_or_skip("put_with_length_goes_through_strict_s3") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = credentials(&garage);
    let strict = StrictS3::in_front_of(&garage.endpoint());
    let proxied = bucket(&garage, &strict.endpoint());
    // Over 1 MiB, so curl sends `Expect: 100-continue` as well.
    let data = payload(2_000_000, 5);
    let sha = sha256_hex(&data);
    let file = write_file(dir.path(), "upload", &data);

    let mut put = proxied.put_object(Some(&creds), "through");
    put.headers_mut().insert("x-amz-meta-sha256", sha.clone());
    let url = put.sign(VALID);
    let meta = format!("x-amz-meta-sha256: {sha}");
    let put = curl(dir.path(), &["-T", &file, "-H", &meta], url.as_str(), None);
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
    assert_eq!(strict.puts(), 1);
    assert_eq!(strict.refused_without_length(), 0);

    let get = proxied.get_object(Some(&creds), "through").sign(VALID);
    let got = curl(dir.path(), &[], get.as_str(), None);
    assert_eq!(got.status, 200);
    assert!(got.body == data, "the body streams back unchanged");
    let head = proxied.head_object(Some(&creds), "through").sign(VALID);
    let head = curl(dir.path(), &["-I"], head.as_str(), None);
    assert_eq!(head.header("x-amz-meta-sha256"), Some(sha.as_str()));

    // The object is Garage's: signed for Garage's own address, it reads the same.
    let direct = bucket(&garage, &garage.endpoint())
        .get_object(Some(&creds), "through")
        .sign(VALID);
    assert!(curl(dir.path(), &[], direct.as_str(), None).body == data);
}
