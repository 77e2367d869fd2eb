//! Terminal I/O, and the only place tenantctl prints: stdout carries results (tables, fly.toml,
//! JSON); stderr carries progress, prompts, logs and errors.

pub mod confirm;
pub mod fleet;
pub mod printer;
pub mod progress;
pub mod prompt;
pub mod table;
