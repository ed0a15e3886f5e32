//! Layered configuration: defaults, then `yiwang.toml`, then `YIWANG_*` environment
//! variables, then command-line flags — each later layer wins.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use kernel::FileError;
use serde::Deserialize;
use ui::state::Secret;

/// What `yiwang.toml` may say. Unknown keys are errors (a typo must not be ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub data_dir: Option<String>,
    pub admin_password: Option<Secret>,
    pub log: Option<String>,
    pub log_format: Option<String>,
    /// `disabled` (default) or `dev-inbox` (codes shown on /dev/sms; never in production).
    pub sms: Option<String>,
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Option<Vec<String>>,
    /// 32 hex digits: the master key that seals secret fields at rest (SM4 + HMAC-SM3).
    pub master_key: Option<Secret>,
    /// With `sms = "http"`: the gateway's address, `http://host:port/path`.
    pub sms_gateway_url: Option<String>,
    /// With `sms = "http"`: a bearer token for the gateway.
    pub sms_gateway_token: Option<Secret>,
    /// The address people reach the platform at, e.g. `https://zwfw.xizang.gov.cn`: the
    /// OpenID Connect issuer. Defaults to `http://` + the listening address.
    pub public_url: Option<String>,
    /// Working days a department has to answer a bad rating (default 15).
    pub rectification_days: Option<u16>,
    /// Working days a window has to accept or refuse a submitted case (default 2).
    pub prereview_days: Option<u16>,
    /// How Tibetan pages write the numbers of Tibetan dates: `tibetan` (༢༠༢༦, the default) or
    /// `arabic`.
    pub numerals: Option<String>,
    /// NATS JetStream for change subscriptions at scale, `nats://host:port` (none by
    /// default: the embedded platform needs no broker).
    pub jetstream_url: Option<String>,
    /// Days the exchange's access log is kept (default 1,096, at least 183).
    pub access_log_days: Option<u32>,
    /// A PEM file of certificate authorities the exchange trusts for HTTPS webhooks and
    /// providers' systems, besides the system's own (an intranet's CA).
    pub outbound_ca_file: Option<PathBuf>,
    /// The hosts the exchange may call (webhooks, providers' systems): names, `*.suffix` or
    /// IPv4 ranges `a.b.c.d/n`; any when unset.
    pub outbound_allow: Option<Vec<String>>,
    /// The online payment provider (`http://host:port`), its merchant id and key; none by
    /// default (the demo runs the sandbox provider).
    pub pay_provider_url: Option<String>,
    pub pay_merchant_id: Option<String>,
    pub pay_merchant_key: Option<Secret>,
    /// Working days from a payment notice to its due date (default 10).
    pub pay_due_days: Option<u16>,
    /// Whether a notice past its due date may still be paid (default true).
    pub pay_accept_late: Option<bool>,
    /// The SMTP relay for email notifications (`host:port`); email is off without one.
    pub smtp_relay: Option<String>,
    /// The sender's address on email notifications.
    pub smtp_from: Option<String>,
    /// Tries before a notification that keeps failing is given up (default 5).
    pub notify_max_attempts: Option<i64>,
    /// Seconds a sender holds a claimed notification (default 120); a claim older than this
    /// was interrupted.
    pub notify_lease_secs: Option<i64>,
    /// Webhook calls a second per replica (default 200).
    pub notify_webhooks_per_second: Option<u32>,
}

/// The settings in force.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: Option<String>,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub admin_password: Option<Secret>,
    pub log: String,
    pub json_logs: bool,
    pub sms: ui::state::SmsMode,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub public_url: Option<String>,
    pub master_key: Option<kernel::crypto::Sealer>,
    pub rectification_days: Option<u16>,
    pub prereview_days: Option<u16>,
    /// Tibetan dates on Tibetan pages in Tibetan numerals.
    pub tibetan_numerals: bool,
    /// NATS JetStream (`host:port`) for change subscriptions, if configured.
    pub jetstream: Option<String>,
    /// Days the exchange's access log is kept.
    pub access_log_days: u32,
    /// The exchange's extra trusted authorities (PEM text), read at start.
    pub outbound_ca: Option<String>,
    /// The hosts the exchange may call (empty: any).
    pub outbound_allow: Vec<String>,
    /// The online payment provider: URL, merchant id, key.
    pub pay_provider: Option<(String, String, Secret)>,
    pub pay: pay::service::Settings,
    pub notify: notify::service::Settings,
}

/// A number of working days from the environment (first) or the file: 1 to 60.
fn working_days(
    name: &str,
    from_env: Option<String>,
    from_file: Option<u16>,
) -> Result<Option<u16>, ConfigError> {
    let bad = |value: String| ConfigError::Env {
        name: name.into(),
        value,
        problem: "give a number of working days from 1 to 60".into(),
    };
    match (from_env, from_file) {
        (Some(d), _) => match d.trim().parse::<u16>() {
            Ok(n) if (1..=60).contains(&n) => Ok(Some(n)),
            _ => Err(bad(d)),
        },
        (None, Some(n)) if !(1..=60).contains(&n) => Err(bad(n.to_string())),
        (None, other) => Ok(other),
    }
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    File(FileError),
    #[error("{name}={value:?} is not valid: {problem}")]
    Env {
        name: String,
        value: String,
        problem: String,
    },
    #[error("--{flag} {value:?} is not valid: {problem}")]
    Flag {
        flag: &'static str,
        value: String,
        problem: String,
    },
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./yiwang-data";

/// Reads the configuration file: the one named, else `./yiwang.toml` if present.
pub fn read_file(named: Option<&Path>) -> Result<FileConfig, ConfigError> {
    let path = match named {
        Some(p) => p.to_path_buf(),
        None => {
            let default = PathBuf::from("yiwang.toml");
            if !default.exists() {
                return Ok(FileConfig::default());
            }
            default
        }
    };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
        path: shown.clone(),
        source,
    })?;
    parse_file(&shown, &text)
}

pub fn parse_file(name: &str, text: &str) -> Result<FileConfig, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let line = FileError::line_of(text, e.span().map_or(0, |s| s.start));
        let field = e.message().split('`').nth(1).unwrap_or("(file)").to_owned();
        ConfigError::File(FileError::new(name, line, &field, e.message().trim()))
    })
}

fn parse_listen(value: &str) -> Result<SocketAddr, String> {
    value
        .trim()
        .parse::<SocketAddr>()
        .map_err(|_| "expected an address and port such as 127.0.0.1:8080".to_owned())
}

/// Command-line values that override everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
}

/// Resolves the layers. `env` is a lookup so tests need not touch the process environment.
pub fn resolve(
    file: FileConfig,
    env: impl Fn(&str) -> Option<String>,
    flags: &Overrides,
) -> Result<Settings, ConfigError> {
    let file_listen = match &file.listen {
        Some(v) => Some(parse_listen(v).map_err(|problem| {
            ConfigError::File(FileError::new("yiwang.toml", 0, "listen", problem))
        })?),
        None => None,
    };
    let env_listen = match env("YIWANG_LISTEN") {
        Some(v) => Some(parse_listen(&v).map_err(|problem| ConfigError::Env {
            name: "YIWANG_LISTEN".into(),
            value: v.clone(),
            problem,
        })?),
        None => None,
    };
    let flag_listen = match &flags.listen {
        Some(v) => Some(parse_listen(v).map_err(|problem| ConfigError::Flag {
            flag: "listen",
            value: v.clone(),
            problem,
        })?),
        None => None,
    };
    let listen = flag_listen
        .or(env_listen)
        .or(file_listen)
        .unwrap_or_else(|| {
            DEFAULT_LISTEN
                .parse()
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080)))
        });
    let json_logs = match env("YIWANG_LOG_FORMAT")
        .or(file.log_format.clone())
        .as_deref()
    {
        None | Some("text") => false,
        Some("json") => true,
        Some(other) => {
            return Err(ConfigError::Env {
                name: "YIWANG_LOG_FORMAT".into(),
                value: other.into(),
                problem: "use text or json".into(),
            });
        }
    };
    let sms = match env("YIWANG_SMS").or(file.sms.clone()).as_deref() {
        None | Some("disabled") => ui::state::SmsMode::Disabled,
        Some("dev-inbox") => ui::state::SmsMode::DevInbox,
        Some("http") => {
            let url = env("YIWANG_SMS_GATEWAY_URL")
                .or(file.sms_gateway_url.clone())
                .unwrap_or_default();
            let host = url.strip_prefix("http://").unwrap_or("");
            if host.is_empty() || host.starts_with('/') || url.contains([' ', '#', '?']) {
                return Err(ConfigError::Env {
                    name: "sms_gateway_url".into(),
                    value: url,
                    problem: "with sms = \"http\", give the gateway as http://host:port/path"
                        .into(),
                });
            }
            let token = env("YIWANG_SMS_GATEWAY_TOKEN")
                .map(Secret::new)
                .or(file.sms_gateway_token.clone());
            ui::state::SmsMode::HttpGateway { url, token }
        }
        Some(other) => {
            return Err(ConfigError::Env {
                name: "YIWANG_SMS".into(),
                value: other.into(),
                problem: "use disabled, dev-inbox or http".into(),
            });
        }
    };
    let proxies: Vec<String> = match env("YIWANG_TRUSTED_PROXIES") {
        Some(list) => list
            .split(',')
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect(),
        None => file.trusted_proxies.clone().unwrap_or_default(),
    };
    let mut trusted_proxies = Vec::new();
    for p in proxies {
        trusted_proxies.push(p.parse().map_err(|_| ConfigError::Env {
            name: "trusted_proxies".into(),
            value: p.clone(),
            problem: "not an IP address".into(),
        })?);
    }
    let public_url = match env("YIWANG_PUBLIC_URL").or(file.public_url.clone()) {
        Some(u)
            if !(u.starts_with("https://") || u.starts_with("http://"))
                || u.contains(['?', '#', ' ']) =>
        {
            return Err(ConfigError::Env {
                name: "public_url".into(),
                value: u,
                problem: "use an absolute http:// or https:// address without query or fragment"
                    .into(),
            });
        }
        other => other.map(|u| u.trim_end_matches('/').to_owned()),
    };
    let master_key =
        match env("YIWANG_MASTER_KEY")
            .map(Secret::new)
            .or(file.master_key.clone())
        {
            Some(k) => Some(kernel::crypto::Sealer::from_hex(k.expose()).ok_or_else(|| {
                ConfigError::Env {
                    name: "master_key".into(),
                    value: "***".into(),
                    problem: "give 32 hex digits (128 bits), e.g. from `openssl rand -hex 16`"
                        .into(),
                }
            })?),
            None => None,
        };
    let rectification_days = working_days(
        "rectification_days",
        env("YIWANG_RECTIFICATION_DAYS"),
        file.rectification_days,
    )?;
    let prereview_days = working_days(
        "prereview_days",
        env("YIWANG_PREREVIEW_DAYS"),
        file.prereview_days,
    )?;
    let tibetan_numerals = match env("YIWANG_NUMERALS").or(file.numerals.clone()).as_deref() {
        None | Some("tibetan") => true,
        Some("arabic") => false,
        Some(other) => {
            return Err(ConfigError::Env {
                name: "numerals".into(),
                value: other.into(),
                problem: "use tibetan or arabic".into(),
            });
        }
    };
    let jetstream = match env("YIWANG_JETSTREAM_URL").or(file.jetstream_url.clone()) {
        None => None,
        Some(u) => {
            let addr = u
                .trim()
                .strip_prefix("nats://")
                .unwrap_or(u.trim())
                .trim_end_matches('/');
            if addr.parse::<SocketAddr>().is_err()
                && !addr
                    .rsplit_once(':')
                    .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
            {
                return Err(ConfigError::Env {
                    name: "jetstream_url".into(),
                    value: u,
                    problem: "use nats://host:port".into(),
                });
            }
            Some(addr.to_owned())
        }
    };
    let access_log_days = match env("YIWANG_ACCESS_LOG_DAYS") {
        Some(v) => Some(v.trim().parse::<u32>().map_err(|_| ConfigError::Env {
            name: "access_log_days".into(),
            value: v.clone(),
            problem: "give a whole number of days".into(),
        })?),
        None => file.access_log_days,
    }
    .unwrap_or(exchange::access_log::DEFAULT_KEEP_DAYS);
    if access_log_days < exchange::access_log::MIN_KEEP_DAYS {
        return Err(ConfigError::Env {
            name: "access_log_days".into(),
            value: access_log_days.to_string(),
            problem: format!(
                "the law asks for at least six months of audit records: give {} or more",
                exchange::access_log::MIN_KEEP_DAYS
            ),
        });
    }
    let outbound_ca = match env("YIWANG_OUTBOUND_CA_FILE")
        .map(PathBuf::from)
        .or(file.outbound_ca_file.clone())
    {
        None => None,
        Some(path) => Some(
            std::fs::read_to_string(&path).map_err(|e| ConfigError::Env {
                name: "outbound_ca_file".into(),
                value: path.display().to_string(),
                problem: format!("cannot read it: {e}"),
            })?,
        ),
    };
    let outbound_allow = match env("YIWANG_OUTBOUND_ALLOW") {
        Some(v) => v
            .split(',')
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect(),
        None => file.outbound_allow.clone().unwrap_or_default(),
    };
    let pay_provider = match env("YIWANG_PAY_PROVIDER_URL").or(file.pay_provider_url.clone()) {
        None => None,
        Some(url) => {
            let merchant = env("YIWANG_PAY_MERCHANT_ID").or(file.pay_merchant_id.clone());
            let key = env("YIWANG_PAY_MERCHANT_KEY")
                .map(|k| Secret::new(&k))
                .or(file.pay_merchant_key.clone());
            match (merchant, key) {
                (Some(m), Some(k)) if url.starts_with("http://") || url.starts_with("https://") => {
                    Some((url.trim_end_matches('/').to_owned(), m, k))
                }
                _ => {
                    return Err(ConfigError::Env {
                        name: "pay_provider_url".into(),
                        value: url,
                        problem: "give an http(s) URL with pay_merchant_id and pay_merchant_key"
                            .into(),
                    });
                }
            }
        }
    };
    let mut pay = pay::service::Settings::default();
    if let Some(d) = working_days(
        "YIWANG_PAY_DUE_DAYS",
        env("YIWANG_PAY_DUE_DAYS"),
        file.pay_due_days,
    )? {
        pay.due_days = d;
    }
    match env("YIWANG_PAY_ACCEPT_LATE").as_deref().map(str::trim) {
        Some("true") => pay.accept_late = true,
        Some("false") => pay.accept_late = false,
        Some(other) => {
            return Err(ConfigError::Env {
                name: "YIWANG_PAY_ACCEPT_LATE".into(),
                value: other.into(),
                problem: "use true or false".into(),
            });
        }
        None => {
            if let Some(late) = file.pay_accept_late {
                pay.accept_late = late;
            }
        }
    }
    let mut notify = notify::service::Settings::default();
    if let Some(relay) = env("YIWANG_SMTP_RELAY").or(file.smtp_relay.clone()) {
        let from = env("YIWANG_SMTP_FROM")
            .or(file.smtp_from.clone())
            .unwrap_or_else(|| "noreply@yiwang.invalid".to_owned());
        if relay.parse::<SocketAddr>().is_err()
            && !relay
                .rsplit_once(':')
                .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
        {
            return Err(ConfigError::Env {
                name: "smtp_relay".into(),
                value: relay,
                problem: "give the relay as host:port".into(),
            });
        }
        if !notify::service::is_email(&from) {
            return Err(ConfigError::Env {
                name: "smtp_from".into(),
                value: from,
                problem: "give an email address".into(),
            });
        }
        notify.smtp = Some(notify::service::Smtp {
            addr: relay,
            helo: from
                .rsplit_once('@')
                .map_or("localhost", |(_, d)| d)
                .to_owned(),
            from,
        });
    }
    if let Some(n) = file.notify_max_attempts {
        if !(1..=20).contains(&n) {
            return Err(ConfigError::Env {
                name: "notify_max_attempts".into(),
                value: n.to_string(),
                problem: "give 1 to 20".into(),
            });
        }
        notify.max_attempts = n;
    }
    let lease = match env("YIWANG_NOTIFY_LEASE_SECS") {
        Some(v) => Some(
            v.parse::<i64>()
                .ok()
                .filter(|s| (1..=3600).contains(s))
                .ok_or_else(|| ConfigError::Env {
                    name: "YIWANG_NOTIFY_LEASE_SECS".into(),
                    value: v.clone(),
                    problem: "give 1 to 3600 seconds".into(),
                })?,
        ),
        None => file.notify_lease_secs,
    };
    if let Some(secs) = lease {
        notify.lease = time::Duration::seconds(secs.clamp(1, 3600));
    }
    let hooks = match env("YIWANG_NOTIFY_WEBHOOKS_PER_SECOND") {
        Some(v) => Some(
            v.parse::<u32>()
                .ok()
                .filter(|n| (1..=10_000).contains(n))
                .ok_or_else(|| ConfigError::Env {
                    name: "YIWANG_NOTIFY_WEBHOOKS_PER_SECOND".into(),
                    value: v.clone(),
                    problem: "give 1 to 10000".into(),
                })?,
        ),
        None => file.notify_webhooks_per_second,
    };
    if let Some(n) = hooks {
        notify
            .per_second
            .insert(notify::model::Channel::Webhook, n.clamp(1, 10_000));
    }
    Ok(Settings {
        notify,
        pay_provider,
        pay,
        outbound_allow,
        outbound_ca,
        access_log_days,
        jetstream,
        rectification_days,
        prereview_days,
        tibetan_numerals,
        sms,
        trusted_proxies,
        public_url,
        master_key,
        database_url: flags
            .database_url
            .clone()
            .or_else(|| env("YIWANG_DATABASE_URL"))
            .or(file.database_url),
        listen,
        data_dir: flags
            .data_dir
            .clone()
            .or_else(|| env("YIWANG_DATA_DIR").map(PathBuf::from))
            .or(file.data_dir.map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
        admin_password: env("YIWANG_ADMIN_PASSWORD")
            .filter(|p| !p.is_empty())
            .map(Secret::new)
            .or(file.admin_password),
        log: env("YIWANG_LOG")
            .or(file.log)
            .unwrap_or_else(|| "info,sqlx=warn".to_owned()),
        json_logs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn flags_beat_environment_beat_file_beat_defaults() {
        let file = parse_file(
            "yiwang.toml",
            "listen = \"127.0.0.1:9000\"\ndatabase_url = \"sqlite://file.db\"\n",
        )
        .expect("file");
        let s = resolve(
            file,
            env_of(&[("YIWANG_DATABASE_URL", "sqlite://env.db")]),
            &Overrides::default(),
        )
        .expect("resolve");
        assert_eq!(
            (s.listen.port(), s.database_url.as_deref()),
            (9000, Some("sqlite://env.db"))
        );
        let file = parse_file("yiwang.toml", "listen = \"127.0.0.1:9000\"\n").expect("file");
        let flags = Overrides {
            listen: Some("127.0.0.1:9100".into()),
            ..Overrides::default()
        };
        let s =
            resolve(file, env_of(&[("YIWANG_LISTEN", "127.0.0.1:9001")]), &flags).expect("resolve");
        assert_eq!(s.listen.port(), 9100);
        let s =
            resolve(FileConfig::default(), env_of(&[]), &Overrides::default()).expect("defaults");
        assert_eq!(
            (s.listen.port(), s.data_dir.as_path()),
            (8080, Path::new(DEFAULT_DATA_DIR))
        );
    }

    #[test]
    fn a_malformed_file_names_its_line_and_field() {
        let e = parse_file(
            "yiwang.toml",
            "listen = \"127.0.0.1:9000\"\nlisten_port = 3\n",
        )
        .expect_err("unknown key");
        let ConfigError::File(f) = e else {
            panic!("file error expected")
        };
        assert_eq!((f.line, f.field.as_str()), (2, "listen_port"));
        let e = parse_file("yiwang.toml", "database_url = \n").expect_err("syntax");
        assert!(matches!(e, ConfigError::File(FileError { line: 1, .. })));
    }

    #[test]
    fn bad_addresses_are_refused_wherever_they_come_from() {
        let e = resolve(
            FileConfig::default(),
            env_of(&[("YIWANG_LISTEN", "localhost")]),
            &Overrides::default(),
        )
        .expect_err("env");
        assert!(e.to_string().contains("YIWANG_LISTEN"));
        let flags = Overrides {
            listen: Some("8080".into()),
            ..Overrides::default()
        };
        assert!(resolve(FileConfig::default(), env_of(&[]), &flags).is_err());
    }

    #[test]
    fn accepting_late_payments_comes_from_the_environment_before_the_file() {
        let file = parse_file("yiwang.toml", "pay_accept_late = false\n").expect("file");
        let s = resolve(file, env_of(&[]), &Overrides::default()).expect("file");
        assert!(!s.pay.accept_late);
        let file = parse_file("yiwang.toml", "pay_accept_late = false\n").expect("file");
        let s = resolve(
            file,
            env_of(&[("YIWANG_PAY_ACCEPT_LATE", "true")]),
            &Overrides::default(),
        )
        .expect("env");
        assert!(s.pay.accept_late);
        let e = resolve(
            FileConfig::default(),
            env_of(&[("YIWANG_PAY_ACCEPT_LATE", "yes")]),
            &Overrides::default(),
        )
        .expect_err("neither true nor false");
        assert!(e.to_string().contains("YIWANG_PAY_ACCEPT_LATE"));
    }
}
