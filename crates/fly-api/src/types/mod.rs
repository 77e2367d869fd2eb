//! Request and response types of the Machines API, as Fly serialises them.

pub mod machine_config;

pub use machine_config::MachineConfig;
