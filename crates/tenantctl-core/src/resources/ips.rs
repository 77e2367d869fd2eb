//! The app's public IP addresses: a shared IPv4 and a dedicated IPv6.

use fly_api::FlyClient;
use fly_api::types::{AllocateIpRequest, IpAssignment};

use super::{Note, create_once};
use crate::error::OpError;

pub fn is_public_v4(ip: &IpAssignment) -> bool {
    !ip.ip.contains(':')
}

pub fn is_public_v6(ip: &IpAssignment) -> bool {
    ip.ip.contains(':') && !ip.is_flycast()
}

/// Every address assigned to the app.
pub async fn list(client: &FlyClient, app: &str) -> Result<Vec<IpAssignment>, OpError> {
    client
        .list_ips(app)
        .await
        .map_err(|e| OpError::api("list IP addresses", e))
}

/// The public (non-Flycast) addresses among `ips`.
pub fn public(ips: &[IpAssignment]) -> Vec<String> {
    ips.iter()
        .filter(|ip| !ip.is_flycast())
        .map(|ip| ip.ip.clone())
        .collect()
}

/// Allocates one address of `ip_type` (`shared_v4`, `v6`) once; `matches` recognises it in
/// the app's addresses after an unknown outcome.
pub async fn allocate(
    client: &FlyClient,
    app: &str,
    org: &str,
    ip_type: &str,
    matches: fn(&IpAssignment) -> bool,
    note: Note<'_>,
) -> Result<String, OpError> {
    let request = AllocateIpRequest {
        ip_type: ip_type.to_string(),
        org_slug: Some(org.to_string()),
        ..AllocateIpRequest::default()
    };
    let what = format!("allocate {ip_type} address");
    create_once(
        &what,
        note,
        || async { client.allocate_ip(app, &request).await.map(|ip| ip.ip) },
        || async {
            let ips = list(client, app).await?;
            Ok(ips.into_iter().find(matches).map(|ip| ip.ip))
        },
        |e| OpError::api(&what, e),
    )
    .await
}
