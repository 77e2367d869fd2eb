//! Presigned URLs: the signature in them is a credential for one object until it expires, so
//! they are shown as `<presigned PUT url>` everywhere except where they are used.

use std::fmt;

/// A presigned URL. `Debug` and `Display` hide it; [`PresignedUrl::expose`] is for the one
/// place that sends it (a request, or a machine's stdin).
#[derive(Clone, PartialEq, Eq)]
pub struct PresignedUrl {
    method: &'static str,
    url: String,
}

impl PresignedUrl {
    pub(super) fn new(method: &'static str, url: String) -> Self {
        PresignedUrl { method, url }
    }

    pub fn expose(&self) -> &str {
        &self.url
    }

    pub fn method(&self) -> &'static str {
        self.method
    }
}

impl fmt::Debug for PresignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<presigned {} url>", self.method)
    }
}

impl fmt::Display for PresignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Removes every presigned URL from `text` (a machine's stderr may echo one back).
pub fn redact_urls(text: &str, urls: &[PresignedUrl]) -> String {
    let mut out = text.to_string();
    for url in urls {
        if !url.url.is_empty() {
            out = out.replace(&url.url, "<presigned url>");
        }
    }
    // Anything that still looks like a signature (a URL echoed in another encoding) goes too.
    redact_signatures(&out)
}

/// Replaces the value of every `X-Amz-Signature=` and `X-Amz-Credential=` in `text`.
pub fn redact_signatures(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let lower = rest.to_ascii_lowercase();
        let found = ["x-amz-signature=", "x-amz-credential="]
            .iter()
            .filter_map(|m| lower.find(m).map(|i| (i, m.len())))
            .min();
        let Some((at, len)) = found else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at + len]);
        out.push_str("<redacted>");
        let after = &rest[at + len..];
        let end = after
            .find(|c: char| c == '&' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(after.len());
        rest = &after[end..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_never_show_in_debug_or_display() {
        let url = PresignedUrl::new("PUT", "http://s3/b/k?X-Amz-Signature=abc".into());
        assert_eq!(format!("{url:?}"), "<presigned PUT url>");
        assert_eq!(url.to_string(), "<presigned PUT url>");
    }

    #[test]
    fn redaction_removes_urls_and_stray_signatures() {
        let url = PresignedUrl::new("PUT", "http://s3/b/k?X-Amz-Signature=abc".into());
        let text = "failed http://s3/b/k?X-Amz-Signature=abc and x-amz-signature=def&x=1";
        let out = redact_urls(text, &[url]);
        assert!(!out.contains("abc") && !out.contains("def"), "{out}");
        assert!(out.contains("<presigned url>"), "{out}");
    }
}
