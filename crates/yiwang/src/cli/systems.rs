//! Department systems: OpenID clients, their registry and capability grants, and the
//! signing keys.

use super::*;

pub(super) async fn run(config_path: Option<&Path>, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Client {
            command: ClientCommand::Add(add),
        } => {
            let AddClient {
                client_id,
                name_zh,
                name_bo,
                name_en,
                public,
                redirect_uris,
                post_logout_redirect_uris,
                scopes,
                grants,
                first_party,
                id_token_alg,
                database_url,
            } = *add;
            let mut problems = Vec::new();
            let mut grant_types = Vec::new();
            for g in grants.split([',', ' ']).filter(|g| !g.is_empty()) {
                match oidc::clients::GrantType::parse(g) {
                    Some(g) => grant_types.push(g),
                    None => problems.push(format!(
                        "--grants: {g:?} is not a grant type (authorization_code, refresh_token, client_credentials)"
                    )),
                }
            }
            let alg = oidc::jose::Alg::parse(&id_token_alg);
            if alg.is_none() {
                problems.push(format!(
                    "--id-token-alg: {id_token_alg:?} is not RS256 or ES256"
                ));
            }
            let new = oidc::clients::NewClient {
                client_id,
                name_zh,
                name_bo,
                name_en,
                public,
                redirect_uris,
                post_logout_redirect_uris,
                scopes: scopes
                    .split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                grant_types,
                first_party,
                id_token_alg: alg,
            };
            let catalog = web::catalog()?;
            for bad in new.check() {
                let text = catalog.text(kernel::Lang::En, bad.key);
                problems.push(if bad.value.is_empty() {
                    format!("{}: {text}", bad.field)
                } else {
                    format!("{}: {text} ({})", bad.field, bad.value)
                });
            }
            if !problems.is_empty() {
                for p in problems {
                    eprintln!("yiwang: {p}");
                }
                return Ok(ExitCode::FAILURE);
            }
            let db = open_with(config_path, database_url).await?;
            match oidc::clients::register(&db, &identity::Principal::Operator("system:cli"), &new)
                .await
            {
                Ok(Some(secret)) => {
                    println!(
                        "registered {}; its secret, shown once: {secret}",
                        new.client_id
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Ok(None) => {
                    println!("registered {} (public: PKCE, no secret)", new.client_id);
                    Ok(ExitCode::SUCCESS)
                }
                Err(oidc::clients::RegisterError::Taken) => {
                    eprintln!("yiwang: client {} is already registered", new.client_id);
                    Ok(ExitCode::FAILURE)
                }
                Err(oidc::clients::RegisterError::Invalid(_)) => Ok(ExitCode::FAILURE),
                Err(oidc::clients::RegisterError::Refused(e)) => Err(e.into()),
                Err(oidc::clients::RegisterError::Db(e)) => Err(e.into()),
            }
        }
        Command::Registry {
            command:
                RegistryCommand::Grant {
                    client,
                    registry,
                    department,
                    reads,
                    clear_sensitive,
                    database_url,
                },
        } => {
            let reads = if clear_sensitive {
                "clear"
            } else {
                reads.as_str()
            };
            let db = open_with(config_path, database_url).await?;
            let given = grants::service::give(
                &db,
                &identity::Principal::Operator("system:cli"),
                &grants::service::NewGrant {
                    client_id: client.clone(),
                    scope: registry.clone(),
                    department: department.clone(),
                    reads: registry::fields::standing_reads(&registry, reads),
                },
            )
            .await;
            match given {
                Ok(g) => {
                    println!("{client} acts for {department} in the {registry} registry");
                    if g.scope.register().is_some() {
                        println!(
                            "{client} reads {}",
                            match reads {
                                "clear" => "every item of the register, in clear",
                                "none" => "only what its department owns of the register",
                                _ => "every item of the register, sensitive ones masked",
                            }
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(grants::GrantError::Invalid(problems)) => {
                    let catalog = web::catalog()?;
                    for (field, m) in problems {
                        let flag = if field == "scope" { "registry" } else { &field };
                        eprintln!("yiwang: --{flag}: {}", catalog.format(kernel::Lang::En, &m));
                    }
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Client {
            command: ClientCommand::List { database_url },
        } => {
            let db = open_with(config_path, database_url).await?;
            for c in oidc::clients::all(&db).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}{}",
                    c.client_id,
                    if c.is_public() {
                        "public"
                    } else {
                        "confidential"
                    },
                    c.grant_types
                        .iter()
                        .map(|g| g.key())
                        .collect::<Vec<_>>()
                        .join(","),
                    c.scopes.join(" "),
                    c.redirect_uris.join(" "),
                    if c.disabled { "\t(disabled)" } else { "" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys {
            command: KeysCommand::Rotate { database_url },
        } => {
            let db = open_with(config_path, database_url).await?;
            let kids =
                oidc::keys::rotate(&db, &identity::Principal::Operator("system:cli")).await?;
            println!(
                "new signing keys: {} (running replicas pick them up within a minute)",
                kids.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => unreachable!("cli::run dispatches only this group's commands here"),
    }
}
