//! The tenant's data volume.

use fly_api::FlyClient;
use fly_api::types::{CreateVolumeRequest, Volume};

use super::{Note, create_once};
use crate::error::{OpError, Suggestion};

/// The volume named `name` (the attached one when several share it); never a second one. A volume in another region than `region` is
/// a conflict: the machine must live where its volume is.
pub async fn find(
    client: &FlyClient,
    app: &str,
    name: &str,
    region: &str,
) -> Result<Option<Volume>, OpError> {
    let volumes = client
        .list_volumes(app)
        .await
        .map_err(|e| OpError::api("list volumes", e))?;
    // After a restore from a snapshot the old volume is kept under the same name: the one a
    // machine mounts is the tenant's.
    let Some(volume) = volumes
        .into_iter()
        .filter(|v| v.name == name && !v.is_being_destroyed())
        .min_by_key(|v| v.attached_machine_id.is_none())
    else {
        return Ok(None);
    };
    if volume.region != region {
        return Err(OpError::conflict(format!(
            "the tenant's volume {} is in region {}, not {region}",
            volume.id, volume.region
        ))
        .with_suggestion(Suggestion::Region(Some(volume.region.clone()))));
    }
    Ok(Some(volume))
}

/// Creates the volume described by `request`, once.
pub async fn create(
    client: &FlyClient,
    app: &str,
    request: &CreateVolumeRequest,
    note: Note<'_>,
) -> Result<Volume, OpError> {
    create_once(
        "create the volume",
        note,
        || client.create_volume(app, request),
        || find(client, app, &request.name, &request.region),
        |e| OpError::api("create the volume", e),
    )
    .await
}
