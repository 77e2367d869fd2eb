//! TLS certificates for the tenant's custom domains.

use std::collections::BTreeSet;

use fly_api::FlyClient;

use super::{Note, create_once};
use crate::error::OpError;

/// Every hostname the app has a certificate for, across all pages.
pub async fn hostnames(client: &FlyClient, app: &str) -> Result<BTreeSet<String>, OpError> {
    let mut names = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = client
            .list_certificates(app, cursor.as_deref())
            .await
            .map_err(|e| OpError::api("list certificates", e))?;
        names.extend(page.certificates.into_iter().map(|c| c.hostname));
        match page.next_cursor.filter(|c| !c.is_empty()) {
            Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
            _ => return Ok(names),
        }
    }
}

/// Adds a certificate for `domain`, once.
pub async fn add(
    client: &FlyClient,
    app: &str,
    domain: &str,
    note: Note<'_>,
) -> Result<(), OpError> {
    let what = format!("add certificate for {domain}");
    create_once(
        &what,
        note,
        || async { client.add_certificate(app, domain).await.map(drop) },
        || async {
            let found = client
                .get_certificate(app, domain)
                .await
                .map_err(|e| OpError::api(format!("look up certificate {domain}"), e))?;
            Ok(found.map(drop))
        },
        |e| OpError::api(&what, e),
    )
    .await
}
