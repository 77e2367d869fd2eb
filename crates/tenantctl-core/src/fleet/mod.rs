//! Many tenants at once: which ones ([`Selection`], [`Shard`]), how a change reaches them
//! ([`roll_out`] in waves with canaries, a failure budget and hold-backs), and the
//! declarative fleet file with its [`plan`] and [`apply::converge`].

pub mod apply;
pub mod file;
pub mod plan;
pub mod rollout;
pub mod select;
pub mod shard;

pub use file::{FleetFile, WantedTenant};
pub use plan::{Change, FleetPlan, TenantPlan, plan, plan_tenant};
pub use rollout::{
    Candidate, FailureBudget, Outcome, RolloutOptions, RolloutReport, TenantResult, TenantRollout,
    roll_out,
};
pub use select::{Selection, parse_tenants_file};
pub use shard::Shard;
