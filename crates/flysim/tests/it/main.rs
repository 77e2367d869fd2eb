//! flysim integration tests: the Machines API as Fly documents it (see the reference digest and
//! Fly's OpenAPI spec), exercised over HTTP against an in-process server.

mod apps;
mod auth;
mod census;
mod certificates;
mod common;
mod conformance;
mod errors;
mod exec;
mod faults;
mod flaps;
mod ips;
mod lease_guard;
mod leases;
mod lifecycle;
mod logs;
mod machines;
mod objects;
mod persistence;
mod profile;
mod ratelimit;
mod request_log;
mod secrets;
mod volumes;
