//! Running the platform: `demo`, `serve`, `seed` and `migrate`.

use super::*;

pub(super) async fn run(config_path: Option<&Path>, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Demo {
            data,
            database_url,
            listen,
            today,
        } => {
            let today = match &today {
                None => None,
                Some(t) => {
                    let Some(start) = demo_start(t) else {
                        eprintln!(
                            "yiwang: --today {t:?}: give a date as YYYY-MM-DD, or a date and a time in Lhasa as YYYY-MM-DDTHH:MM"
                        );
                        return Ok(ExitCode::FAILURE);
                    };
                    match start {
                        DemoStart::Day(date) => println!(
                            "Yiwang demo takes {date} as today (--today): deadlines are reckoned from it"
                        ),
                        DemoStart::At(at) => println!(
                            "Yiwang demo starts its clock at {at} (--today): deadlines and opening hours are reckoned from it"
                        ),
                    }
                    Some(start)
                }
            };
            let mut settings = settings(
                config_path,
                &Overrides {
                    listen,
                    data_dir: data,
                    database_url: None,
                },
            )?;
            init_logs(&settings);
            std::fs::create_dir_all(&settings.data_dir).with_context(|| {
                format!(
                    "cannot create the data directory {}",
                    settings.data_dir.display()
                )
            })?;
            // Only the flag: a database configured for `serve` never receives demo data.
            let url = match &database_url {
                Some(u) => DbUrl::parse(u)?,
                None => DbUrl::Sqlite(settings.data_dir.join("yiwang.db")),
            };
            let db = Db::open(&url, true)
                .await?
                .with_sealer(demo_master_key(&settings)?);
            match today {
                Some(DemoStart::Day(date)) => db.clock().set_today(date),
                Some(DemoStart::At(at)) => db.clock().start_at(at),
                None => {}
            }
            db::migrate::run(&db).await?;
            let seeded = org::seed::seed_demo(&db).await?;
            let items = catalog::seed::seed_demo(&db)
                .await
                .map_err(|e| anyhow::anyhow!("loading the demo catalogue: {e:?}"))?;
            if items > 0 {
                tracing::info!(items, "demo catalogue loaded");
            }
            if !seeded.skipped {
                tracing::info!(
                    departments = seeded.departments,
                    centres = seeded.centres,
                    stations = seeded.stations,
                    "demo data loaded"
                );
            }
            settings.admin_password = Some(demo_admin_password(&settings)?);
            settings.sms = ui::state::SmsMode::DevInbox;
            let password = settings.admin_password.clone();
            let demo_password = password.as_ref().map_or("", Secret::expose).to_owned();
            let sign_ins = identity::seed::seed_demo(&db, &demo_password).await?;
            let people = registry::seed::seed_demo(&db)
                .await
                .map_err(|e| anyhow::anyhow!("loading the demo registry: {e:?}"))?;
            if people > 0 {
                tracing::info!(people, "demo population registry loaded");
            }
            let certificates = certs::seed::seed_demo(&db)
                .await
                .map_err(|e| anyhow::anyhow!("loading the demo certificates: {e:?}"))?;
            if certificates > 0 {
                tracing::info!(certificates, "demo certificates issued");
            }
            let hosted = exchange::seed::seed_demo(&db)
                .await
                .map_err(|e| anyhow::anyhow!("loading the demo exchange table: {e:?}"))?;
            if hosted > 0 {
                tracing::info!(records = hosted, "demo exchange table loaded");
            }
            if halls::seed::seed_demo(&db)
                .await
                .map_err(|e| anyhow::anyhow!("setting up the demo hall: {e:?}"))?
            {
                tracing::info!(hall = halls::seed::DEMO_HALL, "demo hall set up");
            }
            if hotline::seed::seed_demo(&db)
                .await
                .map_err(|e| anyhow::anyhow!("loading the demo dispatch catalogue: {e:?}"))?
            {
                tracing::info!("demo 12345 dispatch catalogue loaded");
            }
            if settings.pay_provider.is_none() {
                // Online payments go to the sandbox provider, its own server on a free port.
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let config = paysandbox::Config::default();
                let (merchant, key) = (config.merchant_id.clone(), config.key.clone());
                let sandbox = paysandbox::serve(listener, config)?;
                settings.pay_provider = Some((sandbox.url(), merchant, Secret::new(key)));
                tracing::info!(sandbox = %sandbox.url(), "the sandbox payment provider is running");
            }
            serve(db, &settings, |addr| {
                println!("Yiwang demo is running: http://{addr}/");
                println!("  pages in 中文 / བོད་ཡིག / English: http://{addr}/?lang=zh | ?lang=bo | ?lang=en");
                println!("  administrator sign-in at http://{addr}/admin  user: admin  password: {}", password.as_ref().map_or("", Secret::expose));
                println!("  demo sign-ins at http://{addr}/signin, each with the password {demo_password}:");
                for s in &sign_ins {
                    println!("    {:<20} {}", s.account, s.who);
                }
                println!("  officials set up a one-time-code app on first sign-in; SMS codes for citizens appear at http://{addr}/dev/sms");
                println!("  database: {url}; stop with Ctrl-C");
            })
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            database_url,
            listen,
        } => {
            let settings = settings(
                config_path,
                &Overrides {
                    database_url,
                    listen,
                    data_dir: None,
                },
            )?;
            init_logs(&settings);
            let db = open(&settings, false).await?;
            if !db.seals() {
                tracing::warn!(
                    "no master_key is configured: officials' TOTP secrets and the OpenID signing keys are stored unsealed"
                );
            }
            let report = db::migrate::run(&db).await?;
            tracing::info!(
                version = report.current,
                applied = report.applied.len(),
                "database is up to date"
            );
            serve(db, &settings, |addr| {
                println!("Yiwang is serving on http://{addr}/")
            })
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Seed {
            data,
            database_url,
            persons,
            entities,
            features,
            seed,
        } => {
            let settings = settings(
                config_path,
                &Overrides {
                    data_dir: data,
                    database_url: database_url.clone(),
                    ..Overrides::default()
                },
            )?;
            init_logs(&settings);
            let db = match database_url {
                Some(_) => open(&settings, false).await?,
                None => {
                    std::fs::create_dir_all(&settings.data_dir)?;
                    Db::open(&DbUrl::Sqlite(settings.data_dir.join("yiwang.db")), true).await?
                }
            };
            db::migrate::run(&db).await?;
            let started = std::time::Instant::now();
            for (label, count) in [
                ("persons", persons),
                ("entities", entities),
                ("features", features),
            ] {
                if count == 0 {
                    continue;
                }
                let progress = |done: u64| {
                    let secs = started.elapsed().as_secs_f64();
                    eprint!(
                        "\r{label:<8} {done:>9} / {count} ({:>3}%) {secs:>6.1} s",
                        done * 100 / count.max(1)
                    );
                };
                let loaded = match label {
                    "persons" => registry::bulk::load_persons(&db, count, seed, progress).await,
                    "entities" => registry::bulk::load_entities(&db, count, seed, progress).await,
                    _ => registry::bulk::load_features(&db, count, seed, progress).await,
                };
                eprintln!();
                let loaded = match loaded {
                    Ok(l) => l,
                    Err(db::DbError::Conflict(why)) => {
                        eprintln!("yiwang: {why}; seed an empty registry");
                        return Ok(ExitCode::FAILURE);
                    }
                    Err(e) => return Err(e.into()),
                };
                println!(
                    "{} synthetic {label} loaded in {:.1} s ({:.0} per second)",
                    loaded.rows,
                    loaded.seconds,
                    loaded.rows as f64 / loaded.seconds,
                );
            }
            println!(
                "all loaded in {:.1} s into {}; the database takes {}",
                started.elapsed().as_secs_f64(),
                db.url(),
                database_size(&db)
                    .await
                    .map(|b| format!("{} MB", b / 1_000_000))
                    .unwrap_or_else(|| "(size unknown)".to_owned())
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate {
            database_url,
            create,
        } => {
            let settings = settings(
                config_path,
                &Overrides {
                    database_url,
                    ..Overrides::default()
                },
            )?;
            init_logs(&settings);
            let db = open(&settings, create).await?;
            let report = db::migrate::run(&db).await?;
            for (version, name) in &report.applied {
                println!("applied {version:04} {name}");
            }
            println!("database {} is at migration {}", db.url(), report.current);
            Ok(ExitCode::SUCCESS)
        }
        _ => unreachable!("cli::run dispatches only this group's commands here"),
    }
}

/// Where `demo --today` sets the clock.
enum DemoStart {
    /// A day; the real time of day runs on.
    Day(time::Date),
    /// A moment in China Standard Time; the clock runs on from it.
    At(time::OffsetDateTime),
}

fn demo_start(typed: &str) -> Option<DemoStart> {
    let typed = typed.trim();
    match typed.split_once('T') {
        None => kernel::time_util::parse_date(typed).map(DemoStart::Day),
        Some((day, hm)) => {
            let date = kernel::time_util::parse_date(day)?;
            let (h, m) = hm.split_once(':')?;
            let time = time::Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()?;
            Some(DemoStart::At(
                date.with_time(time).assume_offset(kernel::time_util::CST),
            ))
        }
    }
}
