//! Typed client for the Fly.io Machines API: the only code in tenantctl that speaks HTTP to Fly.

pub mod types;
