//! The step engine every tenant operation runs on.
//!
//! An operation is a [`Graph`] of steps. Each step has three parts: `observe` reads the world
//! and says whether the step's work is already done or what it would change; `apply` makes
//! that change; an optional `undo` reverses it. A step's output (the volume it found or made)
//! flows, typed, to the steps that name it as a dependency.
//!
//! [`plan`] runs only the observe parts, with real reads, and says what would change: that is
//! `--dry-run`. [`run`] observes and applies, so a re-run after a failure resumes where the
//! last run stopped; with [`RunOptions::rollback`] a failure undoes this run's changes.
//! Dropping a running operation stops it at its next await point; leases it held are released
//! by the client (`fly_api::FlyClient::release_held_leases`).
//!
//! Progress leaves this crate only through the [`Reporter`] trait, keyed by subject (tenant)
//! and step: the CLI draws it as terminal progress lines, plain lines or GitHub Actions
//! groups; core never touches a terminal.

mod graph;
mod reporter;
mod runner;
#[cfg(test)]
mod tests;

pub use graph::{Applied, Deps, Graph, Handle, Observation, Step};
pub use reporter::{NullReporter, Reporter, StepEvent};
pub use runner::{Outcomes, Rollback, RunError, RunOptions, StepRecord, StepState, plan, run};
