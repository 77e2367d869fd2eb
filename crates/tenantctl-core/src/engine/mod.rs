//! The step engine every mutating operation runs on.
//!
//! An operation is a set of named steps with dependencies. Each step first looks at the world and
//! then does only what is missing, so a re-run after a failure resumes where the last run stopped.
//! Steps whose dependencies are met run concurrently; the first failure stops new steps from
//! starting, lets the running ones finish, and is reported with the step's name.
//!
//! Progress leaves this crate only through the [`Reporter`] trait: the CLI draws it as terminal
//! progress lines, plain lines or GitHub Actions groups; core never touches a terminal.

mod reporter;
mod runner;

pub use reporter::{NullReporter, Reporter, StepEvent};
pub use runner::{Finished, Plan, PlanStep, RunError, Step, StepOutcome, run};
