//! The commands of `yiwang`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use db::{Db, DbUrl};
use ui::state::{Secret, WebSettings};

use crate::config::{self, Overrides, Settings};

#[derive(Debug, Parser)]
#[command(
    name = "yiwang",
    version,
    about = "Yiwang (一网): integrated online government service platform"
)]
pub struct Cli {
    /// Configuration file (default: ./yiwang.toml when present).
    #[arg(long, global = true, env = "YIWANG_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the platform with demo data on an embedded SQLite database.
    Demo {
        /// Data directory (created if missing).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Put the demo data into this database instead (postgres://USER@HOST/DB): for trying
        /// the platform, or measuring it, on PostgreSQL. Never a database with real data.
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long)]
        listen: Option<String>,
        /// Take this date (YYYY-MM-DD) as today, to show deadlines around the holidays of a
        /// year whose calendar is loaded (2025 or 2026). Demonstrations only: `serve` has no
        /// such option.
        #[arg(long)]
        today: Option<String>,
    },
    /// Serve the platform.
    Serve {
        /// sqlite://PATH or postgres://USER@HOST/DB
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long)]
        listen: Option<String>,
    },
    /// Bring the database schema and reference data up to date.
    Migrate {
        #[arg(long)]
        database_url: Option<String>,
        /// Create the SQLite file if it does not exist.
        #[arg(long)]
        create: bool,
    },
    /// The audit chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write a consistent copy of the database while it serves (SQLite: one file; PostgreSQL:
    /// a `pg_dump` archive), then check the copy: integrity and the whole audit chain.
    Backup {
        /// Where to write it (must not exist).
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Put a backup back: into an empty data directory (SQLite) or an empty database
    /// (PostgreSQL, with `pg_restore`); migrations then bring it up to this version, and the
    /// audit chain is checked.
    Restore {
        file: PathBuf,
        /// The data directory to restore a SQLite backup into (its yiwang.db must not exist).
        #[arg(long)]
        data: Option<PathBuf>,
        /// The empty PostgreSQL database to restore a `pg_dump` archive into.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// The working-day calendar.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Import reference data.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Official accounts.
    Official {
        #[command(subcommand)]
        command: OfficialCommand,
    },
    /// Systems registered with the OpenID Connect provider.
    Client {
        #[command(subcommand)]
        command: ClientCommand,
    },
    /// Load synthetic people, legal entities and geographic features at the region's scale
    /// into empty registries (trials and benchmarks; never real data). Without --database-url, the demo's data directory.
    Seed {
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long)]
        database_url: Option<String>,
        /// How many people (the region has about 3,650,000).
        #[arg(long, default_value_t = 3_650_000)]
        persons: u64,
        /// How many legal entities.
        #[arg(long, default_value_t = 400_000)]
        entities: u64,
        /// How many geographic features, spread over every county.
        #[arg(long, default_value_t = 50_000)]
        features: u64,
        /// The generator's seed: the same seed gives the same people.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// The base registries: what department systems may do in them.
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// Electronic certificates: verify an exported file offline, rotate a department's key.
    Cert {
        #[command(subcommand)]
        command: CertCommand,
    },
    /// The catalogue of service items: export and import the whole of it.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// The OpenID Connect provider's signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Measure the platform's performance targets and print one table.
    Bench {
        /// Fewer iterations (a smoke run).
        #[arg(long)]
        quick: bool,
        /// Only these groups of figures (repeatable): basics, pages, startup, search, oidc,
        /// registry (registry runs only when named: it seeds the region's population).
        #[arg(long, value_enum)]
        only: Vec<crate::bench::Group>,
        /// Another OpenID provider's token endpoint to measure side by side with the same
        /// load (e.g. node oidc-provider, see scripts/bench-vs-node-oidc-provider.sh).
        #[arg(long)]
        baseline_url: Option<String>,
        /// Its client as ID:SECRET.
        #[arg(long, default_value = "bench:bench-secret")]
        baseline_client: String,
        /// Extra form fields its client-credentials grant needs, e.g. resource=urn:bench.
        #[arg(long, default_value = "")]
        baseline_extra: String,
        /// Also measure the case figures on PostgreSQL, in a fresh schema of this database
        /// (dropped afterwards), e.g. postgres://postgres@127.0.0.1/test.
        #[arg(long)]
        postgres_url: Option<String>,
    },
    /// OGC API – Features side by side with another server on the same features (see
    /// scripts/bench-vs-pygeoapi.sh): four kinds of query, the same load generator, one run.
    BenchOgc {
        /// This platform's collection, e.g. http://127.0.0.1:8080/ogc/collections/land-parcels.
        #[arg(long)]
        target: String,
        /// The other server's collection, e.g. http://127.0.0.1:5000/collections/parcels.
        #[arg(long)]
        baseline: String,
        /// Seconds per measure.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Keep-alive connections.
        #[arg(long, default_value_t = 16)]
        connections: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum OfficialCommand {
    /// Create an official; prints a one-time initial password.
    Add {
        #[arg(long)]
        login: String,
        #[arg(long, default_value = "")]
        name_zh: String,
        #[arg(long, default_value = "")]
        name_bo: String,
        /// Department code, e.g. 540100-market-regulation.
        #[arg(long)]
        department: String,
        /// Roles as role@division, comma-separated, e.g. approver@540100.
        #[arg(long)]
        roles: String,
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Replace an official's roles.
    Roles {
        login: String,
        /// Roles as role@division, comma-separated, e.g. approver@540100.
        #[arg(long)]
        roles: String,
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Make an official set up their one-time-code app again (a lost phone).
    ResetTotp {
        login: String,
        #[arg(long)]
        database_url: Option<String>,
    },
}

/// What `yiwang client add` takes.
#[derive(Debug, clap::Args)]
pub struct AddClient {
    /// The client id, e.g. `tax-portal`.
    client_id: String,
    /// The name people see, in Chinese.
    #[arg(long)]
    name_zh: String,
    #[arg(long, default_value = "")]
    name_bo: String,
    #[arg(long, default_value = "")]
    name_en: String,
    /// A browser or mobile app without a secret (must use PKCE).
    #[arg(long)]
    public: bool,
    /// A redirect address (repeat for several), matched exactly.
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    /// An address to return to after sign-out (repeat for several).
    #[arg(long = "post-logout-redirect-uri")]
    post_logout_redirect_uris: Vec<String>,
    /// Allowed scopes, space- or comma-separated.
    #[arg(long, default_value = "openid profile")]
    scopes: String,
    /// Grant types, comma-separated: authorization_code, refresh_token, client_credentials.
    #[arg(long, default_value = "authorization_code,refresh_token")]
    grants: String,
    /// A government system of the platform's own: people are not asked for consent.
    #[arg(long)]
    first_party: bool,
    /// ID token signature: RS256 or ES256.
    #[arg(long, default_value = "RS256")]
    id_token_alg: String,
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a system; prints its secret once (confidential clients).
    Add(Box<AddClient>),
    /// List the registered systems.
    List {
        #[arg(long)]
        database_url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Let a system (a confidential OAuth client with client credentials) act for a
    /// department in a registry: read with purpose, update the department's fields, report
    /// observations, send batches.
    Grant {
        #[arg(long)]
        client: String,
        /// population, entities, geography, cases (the department's system works its
        /// department's share of the back office through /api/v1/department/…), or certs
        /// (it reads and verifies certificates through /api/v1/certs/…).
        #[arg(long)]
        registry: String,
        /// The department's code (540102-civil-affairs).
        #[arg(long)]
        department: String,
        /// Sensitive fields the department does not own are shown in clear.
        #[arg(long)]
        clear_sensitive: bool,
        #[arg(long)]
        database_url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Verify an exported certificate file (from a wallet's "download the signed file")
    /// against the published public keys: a keys file saved from /api/v1/certs/keys, or the
    /// database's. Exit status 0 when genuine, 1 when not; the reason is printed.
    Verify {
        file: PathBuf,
        /// The published keys (JSON from /api/v1/certs/keys); without it, the database's.
        #[arg(long)]
        keys: Option<PathBuf>,
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Retire a department's current issuing key and make a new one (needs master_key).
    RotateKey {
        /// The department's code (540102-market-regulation).
        #[arg(long)]
        department: String,
        #[arg(long)]
        database_url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Write the published catalogue as JSON or CSV (to standard output unless --out).
    Export {
        #[arg(long, value_enum, default_value = "json")]
        format: TransferFormat,
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Import a JSON or CSV file: every problem is listed and nothing is imported unless
    /// there are none. Changed items become versions in review, or with --publish (a file
    /// reviewed outside the platform) are published at once.
    Import {
        file: PathBuf,
        #[arg(long)]
        publish: bool,
        #[arg(long)]
        database_url: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TransferFormat {
    Json,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// New signing keys take over; the old stay published until their tokens expire.
    Rotate {
        #[arg(long)]
        database_url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the chain; exit 1 naming the first edited, removed or reordered event.
    Verify {
        #[arg(long)]
        database_url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Load one division-year of holidays from a TOML file (see data/calendar/).
    Load {
        file: PathBuf,
        #[arg(long)]
        database_url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Township and village divisions from CSV: code,parent,name_zh,name_bo,name_en.
    Divisions {
        file: PathBuf,
        #[arg(long)]
        database_url: Option<String>,
    },
}

fn settings(cli_config: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Settings> {
    let file = config::read_file(cli_config)?;
    Ok(config::resolve(file, |k| std::env::var(k).ok(), overrides)?)
}

fn init_logs(settings: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only for a person at a terminal: escape codes in a log file are noise (they
    // made up 40% of its bytes).
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = if settings.json_logs {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// The database URL in force, defaulting to the data directory's SQLite file.
fn database_url(settings: &Settings) -> anyhow::Result<DbUrl> {
    match &settings.database_url {
        Some(url) => Ok(DbUrl::parse(url)?),
        None => Ok(DbUrl::Sqlite(settings.data_dir.join("yiwang.db"))),
    }
}

async fn open(settings: &Settings, create: bool) -> anyhow::Result<Db> {
    let url = database_url(settings)?;
    let db = Db::open(&url, create).await?;
    Ok(match &settings.master_key {
        Some(sealer) => db.with_sealer(sealer.clone()),
        None => db,
    })
}

/// The demo's master key: configured, or made once and kept in the data directory.
fn demo_master_key(settings: &Settings) -> anyhow::Result<kernel::crypto::Sealer> {
    if let Some(k) = &settings.master_key {
        return Ok(k.clone());
    }
    let path = settings.data_dir.join("master-key");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && let Some(k) = kernel::crypto::Sealer::from_hex(&existing)
    {
        return Ok(k);
    }
    let mut key = [0u8; 16];
    getrandom::fill(&mut key)
        .map_err(|e| anyhow::anyhow!("no randomness for the master key: {e}"))?;
    let fresh = hex::encode(key);
    std::fs::write(&path, &fresh).with_context(|| format!("cannot write {}", path.display()))?;
    kernel::crypto::Sealer::from_hex(&fresh).context("a fresh master key")
}

/// Opens the database named by `--database-url` or the configuration, never creating it.
async fn open_with(config: Option<&Path>, database_url: Option<String>) -> anyhow::Result<Db> {
    let overrides = Overrides {
        database_url,
        ..Overrides::default()
    };
    open(&settings(config, &overrides)?, false).await
}

/// A file given on the command line, with the name it is called by in messages.
fn read_input(file: &Path) -> anyhow::Result<(String, String)> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {name}"))?;
    Ok((name, text))
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn serve(db: Db, settings: &Settings, banner: impl FnOnce(SocketAddr)) -> anyhow::Result<()> {
    let web = WebSettings {
        admin_password: settings.admin_password.clone(),
        sms: settings.sms.clone(),
        trusted_proxies: settings.trusted_proxies.clone(),
        public_url: settings.public_url.clone(),
        rectification_days: settings.rectification_days,
        prereview_days: settings.prereview_days,
    };
    let state = web::state(db.clone(), web)?;
    let app = web::App::build(state, settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let addr = app.local_addr()?;
    tracing::info!(%addr, backend = db.backend().name(), "serving");
    banner(addr);
    app.run_until(shutdown_signal()).await?;
    db.close().await;
    Ok(())
}

/// The demo's administrator password: configured, or made once and kept in the data directory.
fn demo_admin_password(settings: &Settings) -> anyhow::Result<Secret> {
    if let Some(p) = &settings.admin_password {
        return Ok(p.clone());
    }
    let path = settings.data_dir.join("admin-password");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && !existing.trim().is_empty()
    {
        return Ok(Secret::new(existing.trim()));
    }
    let fresh = uuid::Uuid::new_v4().simple().to_string()[..16].to_owned();
    std::fs::write(&path, &fresh).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Secret::new(fresh))
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config_path = cli.config.as_deref();
    match cli.command {
        Command::Demo {
            data,
            database_url,
            listen,
            today,
        } => {
            let today = match &today {
                None => None,
                Some(t) => {
                    let Some(date) = kernel::time_util::parse_date(t.trim()) else {
                        eprintln!("yiwang: --today {t:?}: give a date as YYYY-MM-DD");
                        return Ok(ExitCode::FAILURE);
                    };
                    println!(
                        "Yiwang demo takes {date} as today (--today): deadlines are reckoned from it"
                    );
                    Some(date)
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
            if let Some(date) = today {
                db.clock().set_today(date);
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
            match v.first_break {
                None => {
                    println!("audit chain intact: {} events, head {}", v.events, v.head);
                    Ok(ExitCode::SUCCESS)
                }
                Some(brk) => {
                    println!("audit chain BROKEN: {brk}");
                    Ok(ExitCode::from(1))
                }
            }
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
            let redated = cases::deadlines::load_year(&db, &year, "system:cli")
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
            let r = org::import::import(&db, &name, &text, "system:cli").await?;
            println!(
                "imported {} rows from {name}: {} new, {} updated",
                r.rows, r.inserted, r.updated
            );
            Ok(ExitCode::SUCCESS)
        }
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
            match identity::officials::create(&db, &form, "system:cli").await {
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
            match identity::officials::set_roles(&db, &login, &roles, "system:cli").await {
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
            identity::officials::reset_totp(&db, &login, "system:cli").await?;
            println!(
                "{login} will set up a one-time-code app at their next sign-in; their sessions are ended"
            );
            Ok(ExitCode::SUCCESS)
        }
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
            match oidc::clients::register(&db, &new, "system:cli").await {
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
                Err(oidc::clients::RegisterError::Db(e)) => Err(e.into()),
            }
        }
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
            match certs::keys::rotate(&db, &department, "system:cli").await {
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
        Command::Registry {
            command:
                RegistryCommand::Grant {
                    client,
                    registry,
                    department,
                    clear_sensitive,
                    database_url,
                },
        } => {
            let db = open_with(config_path, database_url).await?;
            match registry::api::grant(
                &db,
                &client,
                &registry,
                &department,
                clear_sensitive,
                "system:cli",
            )
            .await
            {
                Ok(()) => {
                    println!("{client} acts for {department} in the {registry} registry");
                    Ok(ExitCode::SUCCESS)
                }
                Err(registry::record::RegistryError::Invalid(problems)) => {
                    let catalog = web::catalog()?;
                    for (field, m) in problems {
                        eprintln!(
                            "yiwang: --{field}: {}",
                            catalog.format(kernel::Lang::En, &m)
                        );
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
            match catalog::service::import(&db, &read, "system:cli", landing, &|_| true).await {
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
        Command::Keys {
            command: KeysCommand::Rotate { database_url },
        } => {
            let db = open_with(config_path, database_url).await?;
            let kids = oidc::keys::rotate(&db, "system:cli").await?;
            println!(
                "new signing keys: {} (running replicas pick them up within a minute)",
                kids.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
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
    }
}

/// How many bytes the database takes on disk: the SQLite file with its write-ahead log, or
/// the PostgreSQL database.
async fn database_size(db: &Db) -> Option<u64> {
    match db.url() {
        DbUrl::Sqlite(path) => {
            let mut total = 0;
            for suffix in ["", "-wal"] {
                total += std::fs::metadata(format!("{}{suffix}", path.display()))
                    .map(|m| m.len())
                    .unwrap_or(0);
            }
            Some(total)
        }
        DbUrl::Postgres(_) => {
            sqlx::query_scalar::<_, i64>("SELECT pg_database_size(current_database())")
                .fetch_one(db.pool())
                .await
                .ok()
                .map(|n| n as u64)
        }
    }
}
