//! Electronic certificates from the command line: offline verification and key rotation.

use super::*;

pub(super) async fn run(config_path: Option<&Path>, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Cert {
            command:
                CertCommand::Verify {
                    file,
                    keys,
                    database_url,
                },
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
                eprintln!(
                    "yiwang: {}: not JSON: this is not a certificate file",
                    file.display()
                );
                return Ok(ExitCode::FAILURE);
            };
            let published = match keys {
                Some(path) => {
                    let k: serde_json::Value = serde_json::from_str(
                        &std::fs::read_to_string(&path)
                            .with_context(|| format!("cannot read {}", path.display()))?,
                    )
                    .with_context(|| format!("{} is not JSON", path.display()))?;
                    certs::keys::from_published(&k)
                }
                None => {
                    let db = open_with(config_path, database_url).await?;
                    certs::keys::published(&db).await?
                }
            };
            match certs::service::verify_file(&doc, &published) {
                Ok(c) => {
                    println!(
                        "genuine: {} · {} · {} · issued {} by {}",
                        c["identifier"].as_str().unwrap_or(""),
                        c["certificate_name"].as_str().unwrap_or(""),
                        c["holder"].as_str().unwrap_or(""),
                        c["issue_date"].as_str().unwrap_or(""),
                        c["issuer"].as_str().unwrap_or("")
                    );
                    println!(
                        "(the current status — revoked, suspended, replaced — is shown at {})",
                        doc["verify_at"].as_str().unwrap_or("/certs/verify")
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(problem) => {
                    let catalog = web::catalog()?;
                    eprintln!(
                        "yiwang: NOT genuine: {}",
                        catalog.format(kernel::Lang::En, &kernel::Localize::message(&problem))
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Cert {
            command:
                CertCommand::RotateKey {
                    department,
                    database_url,
                },
        } => {
            // Sealed with the configured master key, if any (`open` applies it).
            let db = open_with(config_path, database_url).await?;
            match certs::keys::rotate(
                &db,
                &identity::Principal::Operator("system:cli"),
                &department,
            )
            .await
            {
                Ok(id) => {
                    println!(
                        "{department} signs with key {id} from now on; its earlier keys still verify"
                    );
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
        _ => unreachable!("cli::run dispatches only this group's commands here"),
    }
}
