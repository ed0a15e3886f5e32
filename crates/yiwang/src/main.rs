//! `yiwang`: the one binary. `main` only wires configuration, logging and the command.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = yiwang::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("yiwang: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(yiwang::cli::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("yiwang: {e:#}");
            ExitCode::FAILURE
        }
    }
}
