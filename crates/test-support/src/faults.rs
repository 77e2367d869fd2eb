//! Fault tables: which request to break to make each provisioning step fail.

use flysim::FaultRule;

/// (method, path substring, the step a persistent 500 there fails), one per write path of
/// provision, in step order.
pub const STEP_FAULTS: &[(&str, &str, &str)] = &[
    ("POST", "/v1/apps", "app"),
    ("POST", "/secrets", "secrets"),
    ("POST", "/ip_assignments", "ips"),
    ("POST", "/volumes", "volume"),
    ("POST", "/certificates", "certificates"),
    ("POST", "/machines", "machine"),
    ("GET", "/wait", "machine"),
    ("POST", "/exec", "hooks"),
    ("POST", "/metadata", "hooks"),
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
