//! Fault tables: which request to break to make each provisioning step fail.

use flysim::FaultRule;

/// (method, path substring, the step a persistent 500 there fails, matching requests let
/// through first), one per write path of provision, in step order. The first `POST /secrets`
/// is the tenant lock the `app` step takes; the generated secrets are the second.
pub const STEP_FAULTS: &[(&str, &str, &str, u32)] = &[
    ("POST", "/v1/apps", "app", 0),
    ("POST", "/secrets", "secrets", 1),
    ("POST", "/ip_assignments", "ips", 0),
    ("POST", "/volumes", "volume", 0),
    ("POST", "/certificates", "certificates", 0),
    ("POST", "/machines", "machine", 0),
    ("GET", "/wait", "machine", 0),
    ("POST", "/exec", "hooks", 0),
    ("POST", "/metadata", "hooks", 0),
];

/// A 500 for the next `times` requests of `method` whose path contains `path_contains`.
pub fn fault(method: &str, path_contains: &str, times: u32) -> FaultRule {
    answer(method, path_contains, 500, times)
}

/// `status` for the next `times` requests of `method` whose path contains `path_contains`.
pub fn answer(method: &str, path_contains: &str, status: u16, times: u32) -> FaultRule {
    FaultRule {
        method: Some(method.to_string()),
        path_contains: path_contains.to_string(),
        status,
        times,
        skip: 0,
    }
}
