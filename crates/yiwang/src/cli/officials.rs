//! Officials: adding them, their roles, resetting their second factor.

use super::*;

/// The operator at the machine.
const CLI: identity::Principal = identity::Principal::Operator("system:cli");

pub(super) async fn run(config_path: Option<&Path>, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Official {
            command:
                OfficialCommand::Add {
                    login,
                    name_zh,
                    name_bo,
                    department,
                    roles,
                    database_url,
                },
        } => {
            let db = open_with(config_path, database_url).await?;
            let form = identity::officials::NewOfficial {
                login,
                name_zh,
                name_bo,
                department,
                roles,
            };
            match identity::officials::create(&db, &CLI, &form).await {
                Ok((id, password)) => {
                    println!(
                        "created official {} (account {id}); initial password, shown once: {password}",
                        form.login.trim().to_lowercase()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(identity::IdentityError::Invalid(errors)) => {
                    let catalog = web::catalog()?;
                    for (field, message) in errors {
                        eprintln!(
                            "yiwang: {field}: {}",
                            catalog.format(kernel::Lang::En, &message)
                        );
                    }
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Official {
            command:
                OfficialCommand::Roles {
                    login,
                    roles,
                    database_url,
                },
        } => {
            let db = open_with(config_path, database_url).await?;
            match identity::officials::set_roles(&db, &CLI, &login, &roles).await {
                Ok(grants) => {
                    let list: Vec<String> = grants
                        .iter()
                        .map(|g| format!("{}@{}", g.role.key(), g.division))
                        .collect();
                    println!("{login} now holds: {}", list.join(", "));
                    Ok(ExitCode::SUCCESS)
                }
                Err(identity::IdentityError::Invalid(errors)) => {
                    let catalog = web::catalog()?;
                    for (field, message) in errors {
                        eprintln!(
                            "yiwang: {field}: {}",
                            catalog.format(kernel::Lang::En, &message)
                        );
                    }
                    Ok(ExitCode::FAILURE)
                }
                Err(identity::IdentityError::NoSuchPerson) => {
                    eprintln!("yiwang: there is no official {login}");
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Official {
            command:
                OfficialCommand::ResetTotp {
                    login,
                    database_url,
                },
        } => {
            let db = open_with(config_path, database_url).await?;
            identity::officials::reset_totp(&db, &CLI, &login).await?;
            println!(
                "{login} will set up a one-time-code app at their next sign-in; their sessions are ended"
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => unreachable!("cli::run dispatches only this group's commands here"),
    }
}
