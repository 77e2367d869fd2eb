//! `/__flysim/*`: fault rules, request log, token minting (org token only).

use axum::body::Bytes;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{S, json_ok};
use crate::error::{ApiError, ApiResult};
use crate::faults::FaultRule;
use crate::util::{parse_json, validate_app_name};

pub async fn inject(sim: S, body: Bytes) -> ApiResult<Response> {
    let rule: FaultRule = parse_json(&body)?;
    sim.faults.inject(rule);
    Ok(json_ok(&json!({"ok": true})))
}

pub async fn clear_faults(sim: S) -> Response {
    sim.faults.clear();
    json_ok(&json!({"ok": true}))
}

pub async fn requests(sim: S) -> Response {
    json_ok(&serde_json::to_value(sim.reqlog.snapshot()).unwrap_or_default())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    scope: String,
    #[serde(default)]
    app: Option<String>,
    #[serde(default)]
    org: Option<String>,
}

pub async fn token(sim: S, body: Bytes) -> ApiResult<Response> {
    let req: TokenRequest = parse_json(&body)?;
    let org = req.org.unwrap_or_else(|| "personal".to_string());
    validate_app_name(&org).map_err(|_| ApiError::bad_request("invalid org slug"))?;
    let token = match (req.scope.as_str(), req.app.as_deref()) {
        ("app", Some(app)) => {
            let org = sim
                .store
                .read(|c| crate::store::get_app(c, app))?
                .map(|a| a.org)
                .unwrap_or(org);
            sim.tokens.ensure(&sim.store, "app", &org, Some(app))?
        }
        ("app", None) => return Err(ApiError::bad_request("scope \"app\" needs \"app\"")),
        ("org", _) => sim.tokens.ensure(&sim.store, "org", &org, None)?,
        ("readonly", _) => sim.tokens.ensure(&sim.store, "readonly", &org, None)?,
        (other, _) => {
            return Err(ApiError::bad_request(format!(
                "unknown scope {other:?}: use \"org\", \"readonly\" or \"app\""
            )));
        }
    };
    Ok(json_ok(&json!({ "token": token })))
}
