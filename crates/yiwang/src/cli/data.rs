//! The data an operator looks after: the audit chain, backups and restores, the holiday
//! calendar and reference-data imports.

use super::*;

pub(super) async fn run(config_path: Option<&Path>, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Audit {
            command: AuditCommand::Verify { database_url },
        } => {
            let settings = settings(
                config_path,
                &Overrides {
                    database_url,
                    ..Overrides::default()
                },
            )?;
            let db = open(&settings, false).await?;
            let v = db::audit::verify(&db).await?;
            let access = exchange::access_log::verify(&db).await?;
            let audit_ok = match v.first_break {
                None => {
                    println!("audit chain intact: {} events, head {}", v.events, v.head);
                    true
                }
                Some(brk) => {
                    println!("audit chain BROKEN: {brk}");
                    false
                }
            };
            let access_ok = match access.first_break {
                None => {
                    println!("exchange access log intact: {} lines", access.lines);
                    true
                }
                Some(line) => {
                    println!("exchange access log BROKEN at line {line}");
                    false
                }
            };
            Ok(if audit_ok && access_ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Backup { out, database_url } => {
            if out.exists() {
                eprintln!(
                    "yiwang: {} exists: a backup never overwrites a file",
                    out.display()
                );
                return Ok(ExitCode::FAILURE);
            }
            let db = open_with(config_path, database_url).await?;
            match db.url().clone() {
                DbUrl::Sqlite(_) => {
                    // VACUUM INTO writes a consistent, compact copy while others keep writing.
                    let target = out.display().to_string().replace('\'', "''");
                    sqlx::raw_sql(&format!("VACUUM INTO '{target}'"))
                        .execute(db.pool())
                        .await
                        .context("writing the backup")?;
                    db.close().await;
                    let copy = Db::open(&DbUrl::Sqlite(out.clone()), false).await?;
                    let ok: String = sqlx::query_scalar("PRAGMA integrity_check")
                        .fetch_one(copy.pool())
                        .await?;
                    let chain = db::audit::verify(&copy).await?;
                    copy.close().await;
                    if ok != "ok" || chain.first_break.is_some() {
                        eprintln!(
                            "yiwang: the copy at {} does not check out: {ok}",
                            out.display()
                        );
                        return Ok(ExitCode::FAILURE);
                    }
                    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
                    println!(
                        "backup written: {} ({:.1} MB); integrity ok; audit chain intact ({} events)",
                        out.display(),
                        size as f64 / 1_048_576.0,
                        chain.events
                    );
                    Ok(ExitCode::SUCCESS)
                }
                DbUrl::Postgres(url) => {
                    db.close().await;
                    let done = std::process::Command::new("pg_dump")
                        .args(["--format=custom", "--no-owner", "--file"])
                        .arg(&out)
                        .arg(&url)
                        .status()
                        .context("running pg_dump (PostgreSQL's client tools must be installed)")?;
                    if !done.success() {
                        eprintln!("yiwang: pg_dump failed ({done})");
                        return Ok(ExitCode::FAILURE);
                    }
                    let listed = std::process::Command::new("pg_restore")
                        .arg("--list")
                        .arg(&out)
                        .output()
                        .context("running pg_restore --list")?;
                    if !listed.status.success() {
                        eprintln!(
                            "yiwang: the archive at {} does not read back",
                            out.display()
                        );
                        return Ok(ExitCode::FAILURE);
                    }
                    println!(
                        "backup written: {} (pg_dump custom archive; read back)",
                        out.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
        Command::Restore {
            file,
            data,
            database_url,
        } => {
            if !file.exists() {
                eprintln!("yiwang: {} does not exist", file.display());
                return Ok(ExitCode::FAILURE);
            }
            let db = match (data, database_url) {
                (Some(dir), None) => {
                    std::fs::create_dir_all(&dir)
                        .with_context(|| format!("cannot create {}", dir.display()))?;
                    let target = dir.join("yiwang.db");
                    if target.exists() {
                        eprintln!(
                            "yiwang: {} exists: restore into an empty data directory",
                            target.display()
                        );
                        return Ok(ExitCode::FAILURE);
                    }
                    std::fs::copy(&file, &target)
                        .with_context(|| format!("cannot copy to {}", target.display()))?;
                    Db::open(&DbUrl::Sqlite(target), false).await?
                }
                (None, Some(url)) => {
                    let done = std::process::Command::new("pg_restore")
                        .args(["--no-owner", "--exit-on-error", "--dbname"])
                        .arg(&url)
                        .arg(&file)
                        .status()
                        .context(
                            "running pg_restore (PostgreSQL's client tools must be installed)",
                        )?;
                    if !done.success() {
                        eprintln!("yiwang: pg_restore failed ({done}); the database must be empty");
                        return Ok(ExitCode::FAILURE);
                    }
                    Db::open(&DbUrl::Postgres(url), false).await?
                }
                _ => {
                    eprintln!(
                        "yiwang: give either --data DIR (a SQLite backup) or --database-url URL (a pg_dump archive)"
                    );
                    return Ok(ExitCode::FAILURE);
                }
            };
            let applied = db::migrate::run(&db).await?;
            let chain = db::audit::verify(&db).await?;
            db.close().await;
            if chain.first_break.is_some() {
                eprintln!(
                    "yiwang: restored, but the audit chain is broken: run `yiwang audit verify`"
                );
                return Ok(ExitCode::FAILURE);
            }
            println!(
                "restored at schema version {} ({} migrations applied now); audit chain intact ({} events)",
                applied.current,
                applied.applied.len(),
                chain.events
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Calendar {
            command: CalendarCommand::Load { file, database_url },
        } => {
            let (name, text) = read_input(&file)?;
            let year = kernel::calendar::parse_file(&name, &text)?;
            let db = open_with(config_path, database_url).await?;
            let redated = cases::deadlines::load_year(
                &db,
                &identity::Principal::Operator("system:cli"),
                &year,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let incomplete = if year.complete {
                ""
            } else {
                " (marked incomplete)"
            };
            println!(
                "loaded {} {}: {} special days{incomplete}",
                year.division,
                year.year,
                year.days.len()
            );
            println!(
                "open deadlines on a provisional calendar: {} reckoned again, {} moved later, {} still provisional",
                redated.reckoned, redated.moved, redated.still_provisional
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            command: ImportCommand::Divisions { file, database_url },
        } => {
            let (name, text) = read_input(&file)?;
            let db = open_with(config_path, database_url).await?;
            let r = org::import::import(
                &db,
                &identity::Principal::Operator("system:cli"),
                &name,
                &text,
            )
            .await?;
            println!(
                "imported {} rows from {name}: {} new, {} updated",
                r.rows, r.inserted, r.updated
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => unreachable!("cli::run dispatches only this group's commands here"),
    }
}
