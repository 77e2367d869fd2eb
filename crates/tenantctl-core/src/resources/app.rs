//! The tenant's Fly app.

use fly_api::types::{App, CreateAppRequest};
use fly_api::{ApiError, FlyClient};

use super::{Note, create_once};
use crate::error::{OpError, Suggestion};

/// The app, if it exists in `org`. An app of that name in another org is a conflict; a 403 on
/// the look-up means an org this token cannot see holds the name.
pub async fn find(client: &FlyClient, app: &str, org: &str) -> Result<Option<App>, OpError> {
    let existing = match client.get_app(app).await {
        Ok(existing) => existing,
        Err(e) if e.status() == Some(403) => return Err(name_taken(app, &e)),
        Err(e) => return Err(OpError::api("look up the app", e)),
    };
    let Some(existing) = existing else {
        return Ok(None);
    };
    let owner = existing
        .organization
        .as_ref()
        .map(|o| o.slug.as_str())
        .unwrap_or_default();
    if !owner.is_empty() && owner != org {
        return Err(OpError::conflict(format!(
            "app `{app}` exists in org `{owner}`, not in the configured org `{org}`; work on it in org `{owner}`, or pick another tenant id"
        ))
        .with_suggestion(Suggestion::Org(owner.to_string())));
    }
    Ok(Some(existing))
}

/// The tenant's app, which must exist: an operation on a tenant that is not there is a
/// not-found error naming the tenant, the app and the org.
pub async fn require(
    client: &FlyClient,
    tenant: &str,
    app: &str,
    org: &str,
) -> Result<App, OpError> {
    find(client, app, org).await?.ok_or_else(|| {
        OpError::not_found(format!(
            "tenant `{tenant}` not found: app `{app}` does not exist in org `{org}`"
        ))
    })
}

/// Creates the app on its own private network, once.
///
/// A name already taken is looked up before it is explained: an app of that name in this org
/// is this tenant's, made a moment ago by a concurrent run. That run goes on with the volume
/// and the machine, so this one stops with a conflict instead of creating them a second time;
/// run again, it finds the app and resumes. Only an app this token cannot see is another
/// org's.
pub async fn create(
    client: &FlyClient,
    app: &str,
    org: &str,
    network: &str,
    note: Note<'_>,
) -> Result<(), OpError> {
    let request = CreateAppRequest::new(app, org).with_network(network);
    let created = create_once(
        "create the app",
        note,
        || async { client.create_app(&request).await.map(drop) },
        || async {
            let found = client
                .get_app(app)
                .await
                .map_err(|e| OpError::api("look up the app", e))?;
            Ok(found.map(drop))
        },
        |e| {
            if e.is_name_taken() {
                name_taken(app, &e)
            } else {
                OpError::api("create the app", e)
            }
        },
    )
    .await;
    match created {
        Err(e) if e.class() == crate::error::ErrorClass::Conflict => {
            // `find` names another org that holds the name, or refuses for one we cannot see.
            match find(client, app, org).await? {
                Some(_) => Err(OpError::conflict(format!(
                    "app `{app}` was created in org `{org}` by another run while this one was \
                     creating it: that run is provisioning this tenant"
                ))
                .with_hint(
                    "wait for it to finish, then run the same command again: it finds the app \
                     and resumes where the other run stopped",
                )),
                None => Err(e),
            }
        }
        other => other,
    }
}

fn name_taken(app: &str, error: &ApiError) -> OpError {
    OpError::conflict(format!(
        "app name `{app}` is taken by an org this token cannot see ({error}); app names are global on Fly, so pick another tenant id or app_name_pattern"
    ))
}
