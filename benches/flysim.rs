//! flysim throughput benchmark (being written).
fn main() {}
