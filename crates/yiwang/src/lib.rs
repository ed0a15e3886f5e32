//! The `yiwang` command line: configuration, the commands, the demo and the benchmarks.

pub mod bench;
pub mod cli;
pub mod config;
