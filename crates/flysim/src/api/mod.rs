//! HTTP handlers, one module per resource.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::Value;

use crate::Sim;

mod admin;
mod apps;
mod certificates;
mod ips;
mod leases;
mod logs;
mod machines;
mod secrets;
mod volumes;

pub type S = axum::extract::State<Arc<Sim>>;
pub type Scope = axum::Extension<crate::auth::Scope>;

/// A JSON answer with the given status.
pub fn json_status(status: StatusCode, value: &Value) -> Response {
    let mut resp = (status, value.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// A 200 answer from an already serialised JSON body.
pub fn json_raw(body: String) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

pub fn json_ok(value: &Value) -> Response {
    json_status(StatusCode::OK, value)
}

pub fn ok_true() -> Response {
    json_ok(&serde_json::json!({ "ok": true }))
}

pub fn routes() -> Router<Arc<Sim>> {
    let m = "/v1/apps/{app}/machines/{id}";
    Router::new()
        .route("/v1/apps", get(apps::list).post(apps::create))
        .route("/v1/apps/{app}", get(apps::get).delete(apps::delete))
        .route(
            "/v1/apps/{app}/machines",
            get(machines::list).post(machines::create),
        )
        .route(
            m,
            get(machines::get)
                .post(machines::update)
                .delete(machines::destroy),
        )
        .route(&format!("{m}/start"), post(machines::start))
        .route(&format!("{m}/stop"), post(machines::stop))
        .route(&format!("{m}/restart"), post(machines::restart))
        .route(&format!("{m}/suspend"), post(machines::suspend))
        .route(&format!("{m}/signal"), post(machines::signal))
        .route(&format!("{m}/cordon"), post(machines::cordon))
        .route(&format!("{m}/uncordon"), post(machines::uncordon))
        .route(&format!("{m}/wait"), get(machines::wait))
        .route(&format!("{m}/events"), get(machines::events))
        .route(&format!("{m}/versions"), get(machines::versions))
        .route(&format!("{m}/ps"), get(machines::ps))
        .route(&format!("{m}/exec"), post(machines::exec))
        .route(&format!("{m}/metadata"), get(machines::metadata_get))
        .route(
            &format!("{m}/metadata/{{key}}"),
            post(machines::metadata_set).delete(machines::metadata_delete),
        )
        .route(
            &format!("{m}/lease"),
            get(leases::get)
                .post(leases::acquire)
                .delete(leases::release),
        )
        .route(
            "/v1/apps/{app}/volumes",
            get(volumes::list).post(volumes::create),
        )
        .route(
            "/v1/apps/{app}/volumes/{id}",
            get(volumes::get)
                .put(volumes::update)
                .post(volumes::update)
                .delete(volumes::delete),
        )
        .route("/v1/apps/{app}/volumes/{id}/extend", put(volumes::extend))
        .route(
            "/v1/apps/{app}/volumes/{id}/snapshots",
            get(volumes::snapshots).post(volumes::snapshot_create),
        )
        .route(
            "/v1/apps/{app}/secrets",
            get(secrets::list).post(secrets::bulk),
        )
        .route(
            "/v1/apps/{app}/secrets/{name}",
            get(secrets::get).post(secrets::set).delete(secrets::unset),
        )
        .route(
            "/v1/apps/{app}/ip_assignments",
            get(ips::list).post(ips::create),
        )
        .route(
            "/v1/apps/{app}/ip_assignments/{ip}",
            axum::routing::delete(ips::delete),
        )
        .route("/v1/apps/{app}/certificates", get(certificates::list))
        .route("/v1/apps/{app}/certificates/acme", post(certificates::add))
        .route(
            "/v1/apps/{app}/certificates/custom",
            post(certificates::add_custom),
        )
        .route(
            "/v1/apps/{app}/certificates/{hostname}",
            get(certificates::get).delete(certificates::delete),
        )
        .route(
            "/v1/apps/{app}/certificates/{hostname}/check",
            post(certificates::check),
        )
        .route(
            "/v1/apps/{app}/certificates/{hostname}/acme",
            axum::routing::delete(certificates::delete_acme),
        )
        .route(
            "/v1/apps/{app}/certificates/{hostname}/custom",
            axum::routing::delete(certificates::delete_custom),
        )
        .route("/api/v1/apps/{app}/logs", get(logs::list))
        .route(
            "/__flysim/faults",
            post(admin::inject).delete(admin::clear_faults),
        )
        .route("/__flysim/requests", get(admin::requests))
        .route("/__flysim/tokens", post(admin::token))
        .merge(crate::objects::routes())
}
