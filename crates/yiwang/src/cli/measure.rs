//! The benchmarks: `bench` and `bench-ogc`.

use super::*;

pub(super) async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Bench {
            quick,
            only,
            baseline_url,
            baseline_client,
            baseline_extra,
            postgres_url,
        } => {
            let baseline = match baseline_url {
                Some(token_url) => {
                    let Some((client_id, client_secret)) = baseline_client.split_once(':') else {
                        eprintln!("yiwang: --baseline-client must be ID:SECRET");
                        return Ok(ExitCode::FAILURE);
                    };
                    Some(crate::bench::Baseline {
                        token_url,
                        client_id: client_id.to_owned(),
                        client_secret: client_secret.to_owned(),
                        extra: baseline_extra,
                    })
                }
                None => None,
            };
            crate::bench::run(quick, &only, baseline, postgres_url.as_deref()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchOgc {
            target,
            baseline,
            seconds,
            connections,
        } => {
            crate::bench::ogc_compare::run(&target, &baseline, seconds, connections).await?;
            Ok(ExitCode::SUCCESS)
        }
        _ => unreachable!("cli::run dispatches only this group's commands here"),
    }
}
