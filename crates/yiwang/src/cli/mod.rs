//! The commands of `yiwang`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use db::{Db, DbUrl};
use ui::state::{Secret, WebSettings};

use crate::config::{self, Overrides, Settings};

mod catalogue;
mod certificates;
mod data;
mod measure;
mod officials;
mod open311;
mod platform;
mod systems;

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
        /// year whose calendar is loaded (2025 or 2026); with a time in Lhasa
        /// (YYYY-MM-DDTHH:MM) the clock starts there and runs on, to show a hall open.
        /// Demonstrations only: `serve` has no such option.
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
    /// Keys systems post Open311 requests to the 12345 hotline with.
    Open311Key {
        #[command(subcommand)]
        command: Open311KeyCommand,
    },
    /// Measure the platform's performance targets and print one table.
    Bench {
        /// Fewer iterations (a smoke run).
        #[arg(long)]
        quick: bool,
        /// Only these groups of figures (repeatable): basics, pages, startup, search, oidc,
        /// cases, certs, exchange,
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
    /// department in a registry: read with purpose what its data grant gives, update the
    /// department's fields, report observations, send batches.
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
        /// What the system reads of a register (population, entities), given as a standing
        /// data grant for it alone: every item with sensitive ones masked (`masked`), every
        /// item in clear (`clear`), or only its department's own fields (`none`).
        #[arg(long, default_value = "masked", value_parser = ["masked", "clear", "none"])]
        reads: String,
        /// The same as `--reads clear`.
        #[arg(long, conflicts_with = "reads")]
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
pub enum Open311KeyCommand {
    /// Make a key for a system; it is shown once.
    Add {
        /// The system it is for, e.g. "Lhasa city app".
        #[arg(long)]
        name: String,
        #[arg(long)]
        database_url: Option<String>,
    },
    /// The keys given, live and revoked.
    List {
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Revoke a key: requests posted with it are refused from now on.
    Revoke {
        id: i64,
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
    let db = match &settings.master_key {
        Some(sealer) => db.with_sealer(sealer.clone()),
        None => db,
    };
    certs::service::introduce(&db);
    Ok(db)
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
        arabic_numerals: !settings.tibetan_numerals,
    };
    exchange::access_log::keep_days(&db, settings.access_log_days);
    exchange::outbound::allow(&db, &settings.outbound_allow).map_err(|e| anyhow::anyhow!(e))?;
    if let Some(pem) = &settings.outbound_ca {
        let n = exchange::outbound::trust_pem(&db, pem)
            .map_err(|e| anyhow::anyhow!("outbound_ca_file: {e}"))?;
        tracing::info!(
            certificates = n,
            "outbound HTTPS trusts the configured authorities"
        );
    }
    if let Some(js) = &settings.jetstream {
        exchange::jetstream::configure(&db, js, "yiwang");
    }
    // The catalogue checks certificate types against the ones that exist from now on (the
    // demo's catalogue was loaded before its types, as a region's first load may be).
    certs::service::introduce(&db);
    let state = web::state(db.clone(), web)?;
    let app = web::App::build(state, settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let addr = app.local_addr()?;
    pay::service::configure(&db, settings.pay.clone());
    notify::service::configure(&db, settings.notify.clone());
    if let Some((url, merchant, key)) = &settings.pay_provider {
        pay::provider::configure(
            &db,
            pay::provider::ProviderConfig {
                base_url: url.clone(),
                merchant_id: merchant.clone(),
                key: key.expose().to_owned(),
                public_url: settings
                    .public_url
                    .clone()
                    .unwrap_or_else(|| format!("http://{addr}")),
            },
        );
        tracing::info!(provider = %url, "online payments go through the configured provider");
    }
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
        c @ (Command::Demo { .. }
        | Command::Serve { .. }
        | Command::Seed { .. }
        | Command::Migrate { .. }) => platform::run(config_path, c).await,
        c @ (Command::Audit { .. }
        | Command::Backup { .. }
        | Command::Restore { .. }
        | Command::Calendar { .. }
        | Command::Import { .. }) => data::run(config_path, c).await,
        c @ Command::Official { .. } => officials::run(config_path, c).await,
        c @ (Command::Client { .. } | Command::Registry { .. } | Command::Keys { .. }) => {
            systems::run(config_path, c).await
        }
        c @ Command::Cert { .. } => certificates::run(config_path, c).await,
        c @ Command::Open311Key { .. } => open311::run(config_path, c).await,
        c @ Command::Catalog { .. } => catalogue::run(config_path, c).await,
        c @ (Command::Bench { .. } | Command::BenchOgc { .. }) => measure::run(c).await,
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
