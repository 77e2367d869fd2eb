//! The machine metadata tenantctl writes, and reading it back: how a tenant's machine says
//! which tenant and tier it is, which template built it, and what has been done to it.

use fly_api::types::Machine;
use sha2::{Digest, Sha256};

use crate::config::Hook;

/// The tier the tenant was provisioned on.
pub const TIER: &str = "tenantctl_tier";
/// The template set version the machine config was rendered from.
pub const TEMPLATE_VERSION: &str = "tenantctl_template_version";
/// Who provisioned the tenant.
pub const PROVISIONED_BY: &str = "tenantctl_provisioned_by";
/// The tenant id; also how tenantctl finds the tenant's machine.
pub const TENANT: &str = "tenantctl_tenant";
/// Keys recording finished hooks start with this, followed by a short hash of the hook's argv
/// (a changed hook runs again).
pub const HOOK_PREFIX: &str = "tenantctl_hook_";
/// Set once the health gate has passed, so a re-run can tell an auto-stopped tenant that
/// completed from one whose gate never passed.
pub const HEALTH_PASSED: &str = "tenantctl_health_passed";
/// A restore from a snapshot: the snapshot id, written before the new volume is created, so a
/// re-run after an interruption finds that volume instead of making a second one.
pub const RESTORE_SNAPSHOT: &str = "tenantctl_restore_snapshot";
/// The volume the machine mounted before the restore (kept, for the operator to delete).
pub const RESTORE_OLD_VOLUME: &str = "tenantctl_restore_old_volume";
/// The volume the restore created from the snapshot.
pub const RESTORE_VOLUME: &str = "tenantctl_restore_volume";
/// Set to the snapshot id once the restored machine passed its health gate.
pub const RESTORE_DONE: &str = "tenantctl_restore_done";
/// Every key a restore writes; moving back to the old volume removes them all.
pub const RESTORE_KEYS: [&str; 4] = [
    RESTORE_SNAPSHOT,
    RESTORE_OLD_VOLUME,
    RESTORE_VOLUME,
    RESTORE_DONE,
];

/// The value of `key` in the machine's metadata.
pub fn get<'m>(machine: &'m Machine, key: &str) -> Option<&'m str> {
    machine
        .config
        .as_ref()
        .and_then(|c| c.metadata.get(key))
        .map(String::as_str)
}

/// The machine's metadata has `key`.
pub fn has(machine: &Machine, key: &str) -> bool {
    get(machine, key).is_some()
}

/// The tier recorded on the machine.
pub fn tier(machine: &Machine) -> Option<&str> {
    get(machine, TIER)
}

/// The key that records a finished hook: a hash of its argv, so an edited hook runs again while
/// an unchanged one does not.
pub fn hook_key(hook: &Hook) -> String {
    let mut hasher = Sha256::new();
    for word in &hook.command {
        hasher.update(word.as_bytes());
        hasher.update([0]);
    }
    let digest = hex::encode(hasher.finalize());
    format!("{HOOK_PREFIX}{}", &digest[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_keys_follow_the_command() {
        let hook = |argv: &[&str]| Hook {
            name: None,
            command: argv.iter().map(|s| s.to_string()).collect(),
            timeout: crate::config::ConfigDuration::from_secs(10),
        };
        let a = hook_key(&hook(&["sh", "-c", "x"]));
        assert!(a.starts_with(HOOK_PREFIX));
        assert_eq!(a, hook_key(&hook(&["sh", "-c", "x"])));
        assert_ne!(a, hook_key(&hook(&["sh", "-c", "y"])));
        // Word boundaries count: ["a b"] is not ["a", "b"].
        assert_ne!(hook_key(&hook(&["a b"])), hook_key(&hook(&["a", "b"])));
    }
}
