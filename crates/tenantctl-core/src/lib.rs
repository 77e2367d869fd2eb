//! tenantctl's operations. No terminal code lives here: progress and prompts cross this
//! boundary as traits the CLI implements.
//!
//! Rooms, each depending only on the ones listed before it:
//! - [`config`], [`template`], [`flytoml`], [`tenant`]: reading and checking what the operator
//!   wrote.
//! - [`error`], [`metadata`], [`desired`]: the one error type, the machine metadata tenantctl
//!   writes, and the tenant as config says it should be.
//! - [`resources`]: the building blocks a tenant is made of, over the Fly client.
//! - [`engine`]: step graphs with observe / apply / undo, plans and runs.
//! - [`ops`]: one module per operation, each a step graph (or a read) over the above.
//! - [`fleet`]: many tenants at once: selections, shards, rollouts in waves.
//! - [`audit`]: the audit trail's records, their sinks (a JSON Lines file, the bucket) and reads.

pub mod audit;
pub mod config;
pub mod desired;
pub mod engine;
pub mod error;
pub mod fleet;
pub mod flytoml;
pub mod metadata;
pub mod ops;
pub mod resources;
pub mod shell;
pub mod storage;
pub mod template;
pub mod tenant;
