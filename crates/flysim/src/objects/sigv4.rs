//! AWS Signature Version 4 query-string authentication (presigned URLs) with
//! `UNSIGNED-PAYLOAD`, checked as S3 checks it, plus the URI encodings SigV4 and listings use.

use axum::http::{HeaderMap, Method, Uri, header};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use super::ObjectStoreConfig;
use super::xml::S3Error;
use crate::util::percent_decode_bytes as percent_decode;

type HmacSha256 = Hmac<Sha256>;

/// S3 accepts presigned URLs valid for at most a week.
const MAX_EXPIRES: i64 = 604_800;
/// How far in the future X-Amz-Date may lie (clock skew S3 tolerates).
const MAX_SKEW: Duration = Duration::minutes(15);

/// Checks the presigned query of a request; Ok means the signature is the one the configured
/// secret gives and the URL is still valid.
pub(crate) fn verify(
    cfg: &ObjectStoreConfig,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    now: OffsetDateTime,
) -> Result<(), S3Error> {
    let pairs = query_pairs(uri.query().unwrap_or(""));
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.as_slice() == name.as_bytes())
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    let has_auth_header = headers.contains_key(header::AUTHORIZATION);
    let Some(algorithm) = param("X-Amz-Algorithm") else {
        return Err(if has_auth_header {
            S3Error::access_denied(
                "flysim's object store accepts only presigned URLs (SigV4 query authentication)",
            )
        } else {
            S3Error::access_denied("Access Denied")
        });
    };
    if has_auth_header {
        return Err(S3Error::bad_request(
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, \
             Signature query string parameter or the Authorization header should be specified",
        ));
    }
    if algorithm != "AWS4-HMAC-SHA256" {
        return Err(S3Error::auth_query(
            "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
        ));
    }
    let (Some(credential), Some(amz_date), Some(expires), Some(signed), Some(signature)) = (
        param("X-Amz-Credential"),
        param("X-Amz-Date"),
        param("X-Amz-Expires"),
        param("X-Amz-SignedHeaders"),
        param("X-Amz-Signature"),
    ) else {
        return Err(S3Error::auth_query(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, \
             X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and \
             X-Amz-Expires parameters.",
        ));
    };

    let scope: Vec<&str> = credential.split('/').collect();
    let [key_id, date, region, service, terminator] = scope[..] else {
        return Err(S3Error::auth_query(
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; \
             expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        ));
    };
    if key_id != cfg.access_key_id {
        return Err(S3Error::forbidden(
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        ));
    }
    let signed_at = parse_amz_date(&amz_date).ok_or_else(|| {
        S3Error::auth_query(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        )
    })?;
    if !amz_date.starts_with(date) || date.len() != 8 {
        return Err(S3Error::auth_query(format!(
            "Invalid credential date \"{date}\". This date is not the same as X-Amz-Date: \"{}\".",
            &amz_date[..8.min(amz_date.len())]
        )));
    }
    if region != cfg.region {
        return Err(S3Error::auth_query(format!(
            "Error parsing the X-Amz-Credential parameter; the region '{region}' is wrong; \
             expecting '{}'",
            cfg.region
        )));
    }
    if service != "s3" || terminator != "aws4_request" {
        return Err(S3Error::auth_query(
            "Error parsing the X-Amz-Credential parameter; incorrect service or terminal; \
             expecting \"s3\" and \"aws4_request\"",
        ));
    }
    let expires: i64 = expires
        .parse()
        .map_err(|_| S3Error::auth_query("X-Amz-Expires should be a number"))?;
    if expires < 0 {
        return Err(S3Error::auth_query("X-Amz-Expires must be non-negative"));
    }
    if expires > MAX_EXPIRES {
        return Err(S3Error::auth_query(
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        ));
    }
    if now > signed_at + Duration::seconds(expires) {
        return Err(S3Error::access_denied("Request has expired"));
    }
    if signed_at > now + MAX_SKEW {
        return Err(S3Error::access_denied("Request is not valid yet"));
    }

    let signed_names: Vec<&str> = signed.split(';').collect();
    // S3 refuses x-amz-* headers it can't vouch for: they would change what gets stored.
    let unsigned = headers.keys().any(|name| {
        let n = name.as_str();
        n.starts_with("x-amz-") && n != "x-amz-content-sha256" && !signed_names.contains(&n)
    });
    if unsigned {
        return Err(S3Error::access_denied(
            "There were headers present in the request which were not signed",
        ));
    }

    let canonical = canonical_request(method, uri, &pairs, headers, &signed, &signed_names);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{date}/{region}/s3/aws4_request\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut k = hmac(format!("AWS4{}", cfg.secret_access_key).as_bytes(), date);
    for part in [region, "s3", "aws4_request"] {
        k = hmac(&k, part);
    }
    let mismatch = || {
        S3Error::forbidden(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. \
             Check your key and signing method.",
        )
    };
    let given = hex::decode(signature.as_bytes()).map_err(|_| mismatch())?;
    let mut mac = HmacSha256::new_from_slice(&k).map_err(|_| mismatch())?;
    mac.update(string_to_sign.as_bytes());
    // Constant-time comparison.
    mac.verify_slice(&given).map_err(|_| mismatch())
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    match HmacSha256::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        // HMAC takes keys of any length; unreachable in practice.
        Err(_) => Vec::new(),
    }
}

fn parse_amz_date(s: &str) -> Option<OffsetDateTime> {
    let fmt = format_description!("[year][month][day]T[hour][minute][second]Z");
    PrimitiveDateTime::parse(s, &fmt)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

fn canonical_request(
    method: &Method,
    uri: &Uri,
    pairs: &[(Vec<u8>, Vec<u8>)],
    headers: &HeaderMap,
    signed: &str,
    signed_names: &[&str],
) -> String {
    // The path is decoded and re-encoded so any client's escaping gives SigV4's canonical form.
    let path = uri_encode(&percent_decode(uri.path(), false), false);
    let mut query: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k.as_slice() != b"X-Amz-Signature")
        .map(|(k, v)| (uri_encode(k, true), uri_encode(v, true)))
        .collect();
    query.sort();
    let query: Vec<String> = query.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut canonical_headers = String::new();
    for name in signed_names {
        let values: Vec<String> = headers
            .get_all(*name)
            .iter()
            .map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    format!(
        "{}\n{path}\n{}\n{canonical_headers}\n{signed}\nUNSIGNED-PAYLOAD",
        method.as_str(),
        query.join("&")
    )
}

/// Decoded (name, value) pairs of a raw query string; `+` is a space as in forms.
pub(crate) fn query_pairs(raw: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// SigV4's URI encoding: everything but unreserved characters (and `/` in paths) as `%XX`.
pub(crate) fn uri_encode(bytes: &[u8], encode_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &c in bytes {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') {
            out.push(c as char);
        } else if c == b'/' && !encode_slash {
            out.push('/');
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// A key as S3 writes it with `encoding-type=url`: form encoding, `/` kept.
pub(crate) fn form_encode(s: &str) -> String {
    uri_encode(s.as_bytes(), false).replace("%20", "+")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's documented presigned GET example (examplebucket, 2013-05-24).
    #[test]
    fn aws_example_verifies() {
        let cfg = ObjectStoreConfig {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            region: "us-east-1".into(),
            buckets: vec!["examplebucket".into()],
        };
        let uri: Uri = "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
            .parse()
            .expect("uri");
        let mut headers = HeaderMap::new();
        headers.insert(
            header::HOST,
            "examplebucket.s3.amazonaws.com".parse().expect("host"),
        );
        let now = OffsetDateTime::from_unix_timestamp(1_369_353_600 + 60).expect("time");
        assert!(verify(&cfg, &Method::GET, &uri, &headers, now).is_ok());
        let late = now + Duration::days(2);
        let err = verify(&cfg, &Method::GET, &uri, &headers, late).expect_err("expired");
        assert_eq!(err.message, "Request has expired");
        let err = verify(&cfg, &Method::PUT, &uri, &headers, now).expect_err("method");
        assert_eq!(err.code, "SignatureDoesNotMatch");
    }
}
