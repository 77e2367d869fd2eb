//! tenantctl's operations. No terminal code lives here: progress and prompts cross this
//! boundary as traits the CLI implements.

pub mod config;
pub mod engine;
pub mod flytoml;
pub mod ops;
pub mod template;
pub mod tenant;
