//! Who runs tenantctl: an operator, who may change tenants, or support staff, who may only
//! look. The role is checked before any network call; the token's own scope is Fly's check.

use crate::error::CliError;
use crate::frame::Access;

/// The role a run acts in (`--role`, else `TENANTCTL_ROLE`, else `role` in tenantctl.toml,
/// else operator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Role {
    /// May run every command.
    #[default]
    Operator,
    /// Read-only: status, list, logs, render, audit, completions and `--dry-run` plans.
    Support,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Support => "support",
        }
    }

    /// A role by its name as written in TENANTCTL_ROLE or tenantctl.toml.
    pub fn parse(name: &str) -> Option<Role> {
        match name.trim().to_ascii_lowercase().as_str() {
            "operator" => Some(Role::Operator),
            "support" => Some(Role::Support),
            _ => None,
        }
    }

    /// Refuses a command this role may not run, before anything is sent.
    pub fn allow(self, command: &str, access: Access) -> Result<(), CliError> {
        match (self, access) {
            (Role::Support, Access::Write) => Err(CliError::usage(format!(
                "`tenantctl {command}` changes tenants, and the support role only reads; it needs the operator role"
            ))
            .with_hint(
                "support can run status, list, logs, render, audit and --dry-run plans; an operator runs this with --role operator and an org token (`fly tokens create org`)",
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Exit;

    #[test]
    fn support_may_read_but_not_write() {
        assert!(Role::Support.allow("status", Access::Read).is_ok());
        let refused = Role::Support
            .allow("provision", Access::Write)
            .expect_err("refused");
        assert_eq!(refused.exit, Exit::Usage);
        assert!(
            refused.message.contains("operator role"),
            "{}",
            refused.message
        );
        assert!(Role::Operator.allow("provision", Access::Write).is_ok());
    }

    #[test]
    fn names_parse_loosely() {
        assert_eq!(Role::parse(" Support "), Some(Role::Support));
        assert_eq!(Role::parse("operator"), Some(Role::Operator));
        assert_eq!(Role::parse("admin"), None);
    }
}
