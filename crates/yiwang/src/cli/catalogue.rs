//! The service catalogue: export and import.

use super::*;

pub(super) async fn run(config_path: Option<&Path>, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Catalog {
            command:
                CatalogCommand::Export {
                    format,
                    out,
                    database_url,
                },
        } => {
            let db = open_with(config_path, database_url).await?;
            let items = catalog::store::published_bodies(&db).await?;
            let text = match format {
                TransferFormat::Json => catalog::transfer::to_json(&items),
                TransferFormat::Csv => catalog::transfer::to_csv(&items),
            };
            match out {
                Some(path) => {
                    std::fs::write(&path, text)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("{} items written to {}", items.len(), path.display());
                }
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Catalog {
            command:
                CatalogCommand::Import {
                    file,
                    publish,
                    database_url,
                },
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let format = catalog::transfer::Format::guess(&file.to_string_lossy(), &text);
            let messages = web::catalog()?;
            let show = |problems: &[catalog::transfer::Problem]| {
                for p in problems {
                    let place = match p.at.line {
                        Some(l) => format!("line {l}"),
                        None => format!("record {}", p.at.record),
                    };
                    eprintln!(
                        "{}: {place}: {}: {}",
                        file.display(),
                        if p.field.is_empty() { "-" } else { &p.field },
                        messages.format(kernel::Lang::En, &p.message)
                    );
                }
                eprintln!("{} problems; nothing was imported", problems.len());
            };
            let read = catalog::transfer::read(&text, format);
            let db = open_with(config_path, database_url).await?;
            let landing = if publish {
                catalog::service::Landing::Publish
            } else {
                catalog::service::Landing::Review
            };
            match catalog::service::import(
                &db,
                &identity::Principal::Operator("system:cli"),
                &read,
                landing,
            )
            .await
            {
                Ok(r) => {
                    println!(
                        "{} records: {} new version{} ({}), {} unchanged",
                        read.items.len(),
                        r.versions,
                        if r.versions == 1 { "" } else { "s" },
                        if r.published {
                            "published"
                        } else {
                            "in review"
                        },
                        r.unchanged
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(catalog::service::CatalogError::Rows(problems)) => {
                    show(&problems);
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => Err(e.into()),
            }
        }
        _ => unreachable!("cli::run dispatches only this group's commands here"),
    }
}
