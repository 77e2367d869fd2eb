//! Certificates: `/v1/apps/{app}/certificates`.

use serde::{Deserialize, Serialize};

/// One hostname in a certificate listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSummary {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub hostname: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_provider: Option<String>,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub acme_dns_configured: bool,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub acme_alpn_configured: bool,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub acme_http_configured: bool,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub ownership_txt_configured: bool,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub configured: bool,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub acme_requested: bool,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub has_custom_certificate: bool,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub has_fly_certificate: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// Response of `GET /certificates`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListCertificatesResponse {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub certificates: Vec<CertificateSummary>,
    /// Pass to the next list call; absent or empty on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
}

/// One issued key of a certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCertificate {
    /// `rsa` or `ecdsa`.
    #[serde(rename = "type", default, deserialize_with = "super::de::null_default")]
    pub key_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_authority: Option<String>,
}

/// One certificate (ACME-issued or custom) for a hostname.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateInfo {
    /// `acme` or `custom`.
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub source: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub issued: Vec<IssuedCertificate>,
}

/// Which validations passed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateValidation {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub dns_configured: bool,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub alpn_configured: bool,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub http_configured: bool,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub ownership_txt_configured: bool,
}

/// The `_acme-challenge` CNAME to create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcmeChallengeRequirement {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub name: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub target: String,
}

/// The ownership TXT record to create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnershipRequirement {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub name: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub app_value: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub org_value: String,
}

/// DNS records the hostname needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsRequirements {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub a: Vec<String>,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub aaaa: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acme_challenge: Option<AcmeChallengeRequirement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership: Option<OwnershipRequirement>,
}

/// A problem found while validating the hostname.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateValidationError {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

/// Everything Fly knows about one hostname's certificates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CertificateDetail {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub hostname: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub configured: bool,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub acme_requested: bool,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limited_until: Option<String>,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub certificates: Vec<CertificateInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<CertificateValidation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_requirements: Option<DnsRequirements>,
    /// What DNS currently resolves to; shape varies, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_records: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub validation_errors: Vec<CertificateValidationError>,
}

/// Body of `POST /certificates/acme`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AddCertificateRequest<'a> {
    pub hostname: &'a str,
}
