//! `yiwang-pay-sandbox [--listen 127.0.0.1:8790] [--merchant ID] [--key KEY] [--fail-every N]
//! [--delay-ms N]`: the sandbox payment provider as its own process (see the library's
//! documentation for its protocol).

use std::time::Duration;

use yiwang_pay_sandbox::{Config, serve};

fn usage() -> ! {
    eprintln!(
        "usage: yiwang-pay-sandbox [--listen ADDR] [--merchant ID] [--key KEY] [--fail-every N] [--delay-ms N]"
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let mut config = Config::default();
    let mut listen = "127.0.0.1:8790".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else { usage() };
        match flag.as_str() {
            "--listen" => listen = value,
            "--merchant" => config.merchant_id = value,
            "--key" => config.key = value,
            "--fail-every" => config.fail_every = value.parse().unwrap_or_else(|_| usage()),
            "--delay-ms" => {
                config.delay = Duration::from_millis(value.parse().unwrap_or_else(|_| usage()))
            }
            _ => usage(),
        }
    }
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {listen}: {e}");
            std::process::exit(1)
        }
    };
    match serve(listener, config) {
        Ok(running) => println!("sandbox payment provider at {}", running.url()),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1)
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
