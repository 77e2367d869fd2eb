//! The audit trail: one record per tenant a mutating command touched (who, when, what
//! command, what changed, how it ended), appended to sinks that only ever grow.
//!
//! - [`record`]: the record as stored, one JSON object per line or per object.
//! - [`recorder`]: what a command says it changed while it runs, per tenant.
//! - [`file`]: the local JSON Lines file (one `write` per record, `O_APPEND`).
//! - [`bucket`]: the backup bucket, one object per record, so runners never overwrite each other.
//! - [`query`]: `--since`, filtering, and merging what the sinks hold.
//!
//! No terminal code and no environment reading here: the CLI resolves the actor and the
//! locations and hands them in.

pub mod bucket;
pub mod file;
pub mod query;
pub mod record;
pub mod recorder;

pub use bucket::{BUCKET_DIR, bucket_key};
pub use query::{Filter, Since, merge};
pub use record::{Actor, ActorSource, Outcome, RECORD_VERSION, Record};
pub use recorder::{Recorder, Touched};
