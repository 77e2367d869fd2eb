//! Integration tests of tenantctl's operations against an in-process flysim.

mod common;
mod errors;
mod provision;
mod resume;
mod snapshot;
mod status_list;
