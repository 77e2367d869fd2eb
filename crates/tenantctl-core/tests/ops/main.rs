//! Integration tests of tenantctl's operations against an in-process flysim.

mod common;
mod errors;
mod provision;
mod resume;
mod status_list;
