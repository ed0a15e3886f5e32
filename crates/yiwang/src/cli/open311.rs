//! The 12345 hotline from the command line: the keys systems post Open311 requests with.

use super::*;

const OPERATOR: identity::Principal = identity::Principal::Operator("system:cli");

pub(super) async fn run(config_path: Option<&Path>, command: Command) -> anyhow::Result<ExitCode> {
    let Command::Open311Key { command } = command else {
        unreachable!("cli::run dispatches only this group's commands here")
    };
    match command {
        Open311KeyCommand::Add { name, database_url } => {
            let db = open_with(config_path, database_url).await?;
            match hotline::service::open311::add_key(&db, &OPERATOR, &name).await {
                Ok(key) => {
                    println!("{key}");
                    eprintln!("an Open311 key for {:?}, shown once: keep it", name.trim());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    let catalog = web::catalog()?;
                    eprintln!(
                        "yiwang: {}",
                        catalog.format(kernel::Lang::En, &kernel::Localize::message(&e))
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Open311KeyCommand::List { database_url } => {
            let db = open_with(config_path, database_url).await?;
            for k in hotline::service::open311::keys(&db, &OPERATOR).await? {
                let state = k
                    .revoked_at
                    .map_or_else(|| "live".to_owned(), |at| format!("revoked {at}"));
                println!("{}\t{}\t{}\t{state}", k.id, k.name, k.created_at);
            }
            Ok(ExitCode::SUCCESS)
        }
        Open311KeyCommand::Revoke { id, database_url } => {
            let db = open_with(config_path, database_url).await?;
            hotline::service::open311::revoke_key(&db, &OPERATOR, id).await?;
            println!("key {id} revoked");
            Ok(ExitCode::SUCCESS)
        }
    }
}
