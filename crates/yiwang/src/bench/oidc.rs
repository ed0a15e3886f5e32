//! The OpenID provider's figures, measured over real HTTP on loopback against a `yiwang demo`
//! child process, with a small keep-alive load generator of our own:
//!
//! - client-credentials token issuance per second (RS256 JWT access tokens, each issue
//!   durably audited before the answer), against a target of twice what another provider
//!   reaches with the same generator in the same run (`--baseline-url`, e.g. node
//!   `oidc-provider` started by `scripts/bench-vs-node-oidc-provider.sh`), or twice the
//!   issue's quoted 1,900/s when none is given;
//! - the authorization-code round trip (authorize → token → userinfo) p99, the password hash
//!   excluded (the person signs in once beforehand).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::Row;
use super::backend::Backend;

/// Another provider to measure side by side.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// Its token endpoint, e.g. `http://127.0.0.1:3000/token`.
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    /// Extra form fields its client-credentials grant needs (e.g. `resource=urn:bench`).
    pub extra: String,
}

/// A quoted figure when no baseline runs: node-oidc-provider with its in-memory store on this
/// machine, as the issue states it.
const QUOTED_BASELINE: f64 = 1900.0;

/// One HTTP/1.1 keep-alive connection.
pub(super) struct Conn {
    io: BufReader<TcpStream>,
    host: String,
}

/// An answer: status, `Location`, body.
pub(super) struct Answer {
    pub(super) status: u16,
    location: Option<String>,
    set_cookie: Vec<String>,
    pub(super) body: Vec<u8>,
}

impl Conn {
    pub(super) async fn open(addr: SocketAddr) -> anyhow::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            io: BufReader::new(stream),
            host: addr.to_string(),
        })
    }

    pub(super) async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> anyhow::Result<Answer> {
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        req.push_str(body);
        self.io.get_mut().write_all(req.as_bytes()).await?;
        let mut line = String::new();
        self.io.read_line(&mut line).await?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("not an HTTP answer: {line:?}"))?;
        let (mut length, mut chunked, mut location, mut set_cookie) =
            (0usize, false, None, Vec::new());
        loop {
            line.clear();
            if self.io.read_line(&mut line).await? == 0 {
                bail!("the connection closed mid-answer");
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                let v = v.trim();
                match k.to_ascii_lowercase().as_str() {
                    "content-length" => length = v.parse().unwrap_or(0),
                    "transfer-encoding" => chunked = v.eq_ignore_ascii_case("chunked"),
                    "location" => location = Some(v.to_owned()),
                    "set-cookie" => set_cookie.push(v.to_owned()),
                    _ => {}
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.io.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; size + 2];
                self.io.read_exact(&mut chunk).await?;
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else {
            body.resize(length, 0);
            self.io.read_exact(&mut body).await?;
        }
        Ok(Answer {
            status,
            location,
            set_cookie,
            body,
        })
    }
}

fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

/// Client-credentials tokens per second from `connections` keep-alive connections for
/// `duration`, after a warm-up.
async fn issuance_rate(
    addr: SocketAddr,
    path: &str,
    auth: &str,
    body: &str,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<f64> {
    request_rate(
        addr,
        "POST",
        vec![path.to_owned()],
        vec![
            ("Authorization".into(), auth.to_owned()),
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
        ],
        body,
        connections,
        duration,
    )
    .await
}

/// Successful requests per second from `connections` keep-alive connections for
/// `duration`, after a one-second warm-up; each connection goes round `paths` from its own
/// starting point. Any failed answer fails the measure.
pub(super) async fn request_rate(
    addr: SocketAddr,
    method: &'static str,
    paths: Vec<String>,
    headers: Vec<(String, String)>,
    body: &str,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<f64> {
    let stop = Arc::new(AtomicBool::new(false));
    let counting = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let paths = Arc::new(paths);
    let headers = Arc::new(headers);
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..connections {
        let (stop, counting, ok, failed) =
            (stop.clone(), counting.clone(), ok.clone(), failed.clone());
        let (paths, headers, body) = (paths.clone(), headers.clone(), body.to_owned());
        tasks.spawn(async move {
            let mut conn = Conn::open(addr).await?;
            let hs: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let mut i = n * paths.len() / connections.max(1);
            let mut last_failure = None;
            while !stop.load(Ordering::Relaxed) {
                let path = &paths[i % paths.len()];
                i += 1;
                let a = conn.send(method, path, &hs, &body).await?;
                if counting.load(Ordering::Relaxed) {
                    if a.status == 200 {
                        ok.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                        last_failure =
                            Some((a.status, String::from_utf8_lossy(&a.body).into_owned()));
                    }
                }
            }
            anyhow::Ok(last_failure)
        });
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    counting.store(true, Ordering::Relaxed);
    let start = Instant::now();
    tokio::time::sleep(duration).await;
    counting.store(false, Ordering::Relaxed);
    let secs = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut example = None;
    while let Some(done) = tasks.join_next().await {
        if let Some(f) = done?? {
            example = Some(f);
        }
    }
    let (ok, failed) = (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    if failed > 0 || ok == 0 {
        bail!(
            "{failed} requests failed ({ok} succeeded) at {}: {example:?}",
            paths[0]
        );
    }
    Ok(ok as f64 / secs)
}

/// A client-credentials access token from the provider at `addr`.
pub(super) async fn client_token(
    addr: SocketAddr,
    id: &str,
    secret: &str,
) -> anyhow::Result<String> {
    let mut conn = Conn::open(addr).await?;
    let auth = basic(id, secret);
    let a = conn
        .send(
            "POST",
            "/oauth2/token",
            &[
                ("Authorization", auth.as_str()),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            "grant_type=client_credentials",
        )
        .await?;
    if a.status != 200 {
        bail!("the token endpoint answered {}", a.status);
    }
    let v: serde_json::Value = serde_json::from_slice(&a.body)?;
    v["access_token"]
        .as_str()
        .map(str::to_owned)
        .context("no access token")
}

fn split_url(url: &str) -> anyhow::Result<(SocketAddr, String)> {
    let rest = url
        .strip_prefix("http://")
        .context("the baseline URL must be http://HOST:PORT/PATH on this machine")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let addr = std::net::ToSocketAddrs::to_socket_addrs(host)?
        .next()
        .context("the baseline host does not resolve")?;
    Ok((addr, format!("/{path}")))
}

/// Registers the bench's clients in the demo's database; returns the confidential client's
/// secret.
async fn register_clients(db: &db::Db) -> anyhow::Result<String> {
    let mut system = oidc::clients::NewClient {
        client_id: "bench-system".into(),
        name_zh: "压测系统".into(),
        scopes: vec!["exchange:read".into()],
        grant_types: vec![oidc::clients::GrantType::ClientCredentials],
        first_party: true,
        ..oidc::clients::NewClient::default()
    };
    let secret =
        oidc::clients::register(db, &identity::Principal::Operator("system:bench"), &system)
            .await
            .map_err(|e| anyhow::anyhow!("registering the bench client: {e:?}"))?
            .context("a confidential client has a secret")?;
    system = oidc::clients::NewClient {
        client_id: "bench-portal".into(),
        name_zh: "压测门户".into(),
        public: true,
        redirect_uris: vec!["http://127.0.0.1:9/cb".into()],
        scopes: vec!["openid".into(), "profile".into()],
        grant_types: vec![oidc::clients::GrantType::AuthorizationCode],
        first_party: true,
        ..oidc::clients::NewClient::default()
    };
    oidc::clients::register(db, &identity::Principal::Operator("system:bench"), &system)
        .await
        .map_err(|e| anyhow::anyhow!("registering the bench portal: {e:?}"))?;
    Ok(secret)
}

/// Authorize → token → userinfo, one after another on one connection; returns each round
/// trip's time.
async fn code_round_trips(
    addr: SocketAddr,
    password: &str,
    n: usize,
) -> anyhow::Result<Vec<Duration>> {
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let mut conn = Conn::open(addr).await?;
    let form = format!("account=13908900001&password={password}&next=%2Fme");
    let signed = conn
        .send(
            "POST",
            "/signin",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            &form,
        )
        .await?;
    let cookie = signed
        .set_cookie
        .iter()
        .find_map(|c| c.split(';').next().filter(|c| c.starts_with("yw_session=")))
        .map(str::to_owned)
        .with_context(|| format!("the bench sign-in failed ({})", signed.status))?;
    let authorize = format!(
        "/oauth2/authorize?response_type=code&client_id=bench-portal&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&scope=openid%20profile&state=s&code_challenge={CHALLENGE}&code_challenge_method=S256"
    );
    let mut times = Vec::with_capacity(n);
    for i in 0..n + 20 {
        let start = Instant::now();
        let a = conn
            .send("GET", &authorize, &[("Cookie", &cookie)], "")
            .await?;
        let location = a.location.unwrap_or_default();
        let code = location
            .split(['?', '&'])
            .find_map(|kv| kv.strip_prefix("code="))
            .with_context(|| format!("no code in {location:?} ({})", a.status))?
            .to_owned();
        let body = format!(
            "grant_type=authorization_code&client_id=bench-portal&code={code}&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&code_verifier={VERIFIER}"
        );
        let t = conn
            .send(
                "POST",
                "/oauth2/token",
                &[("Content-Type", "application/x-www-form-urlencoded")],
                &body,
            )
            .await?;
        let token: serde_json::Value = serde_json::from_slice(&t.body)?;
        let at = token["access_token"]
            .as_str()
            .with_context(|| format!("no token: {token}"))?;
        let u = conn
            .send(
                "GET",
                "/oauth2/userinfo",
                &[("Authorization", &format!("Bearer {at}"))],
                "",
            )
            .await?;
        if u.status != 200 {
            bail!("userinfo answered {}", u.status);
        }
        // The first rounds warm caches and connections up.
        if i >= 20 {
            times.push(start.elapsed());
        }
    }
    Ok(times)
}

pub async fn figures(
    dir: &Path,
    quick: bool,
    baseline: Option<&Baseline>,
    postgres_url: Option<&str>,
) -> anyhow::Result<Vec<Row>> {
    Backend::each(dir, "oidc", postgres_url, async |b| {
        backend(b, quick, baseline).await
    })
    .await
}

/// The figures against a `yiwang demo` on one backend's database.
async fn backend(
    b: &Backend,
    quick: bool,
    baseline: Option<&Baseline>,
) -> anyhow::Result<Vec<Row>> {
    let password = "bench-password-2026";
    let addr: SocketAddr = format!("127.0.0.1:{}", super::free_port()?).parse()?;
    let mut child = b.spawn_demo(addr, &[("YIWANG_ADMIN_PASSWORD", password)])?;
    let result = async {
        tokio::task::spawn_blocking(move || super::wait_ready(addr, Duration::from_secs(60)))
            .await?
            .context("the demo did not start")?;
        let secret = register_clients(&b.db).await?;
        // The two providers take turns, several rounds each, and each keeps its best round:
        // on a shared machine a neighbour's burst can only slow a round down, so the best
        // rounds are the fairest comparison.
        let duration = Duration::from_secs(if quick { 2 } else { 4 });
        let rounds = if quick { 2 } else { 4 };
        let connections = 16;
        let our_auth = basic("bench-system", &secret);
        let theirs = match baseline {
            Some(b) => {
                let (baddr, path) = split_url(&b.token_url)?;
                let mut body = String::from("grant_type=client_credentials");
                if !b.extra.is_empty() {
                    body.push('&');
                    body.push_str(&b.extra);
                }
                Some((baddr, path, basic(&b.client_id, &b.client_secret), body))
            }
            None => None,
        };
        let (mut ours, mut base) = (0f64, 0f64);
        for _ in 0..rounds {
            let rate = issuance_rate(
                addr,
                "/oauth2/token",
                &our_auth,
                "grant_type=client_credentials",
                connections,
                duration,
            )
            .await?;
            ours = ours.max(rate);
            if let Some((baddr, path, auth, body)) = &theirs {
                let rate = issuance_rate(*baddr, path, auth, body, connections, duration).await?;
                base = base.max(rate);
            }
        }
        let base_label = if theirs.is_some() {
            "measured"
        } else {
            base = QUOTED_BASELINE;
            "quoted"
        };
        let mut times = code_round_trips(addr, password, if quick { 100 } else { 1000 }).await?;
        times.sort();
        let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)].as_secs_f64() * 1000.0;
        let mut rows = Vec::new();
        if baseline.is_some() {
            rows.push(Row {
                figure: b.label("baseline provider: client-credentials tokens/s"),
                target: "-".into(),
                measured: format!("{base:.0}"),
                ratio: 1.0,
            });
        }
        rows.push(Row {
            figure: b.label(if base_label == "measured" {
                "client-credentials tokens/s, vs 2x baseline in the same run"
            } else {
                "client-credentials tokens/s, vs 2x quoted 1,900/s"
            }),
            target: format!(">= {:.0}", 2.0 * base),
            measured: format!("{ours:.0}"),
            ratio: ours / (2.0 * base),
        });
        rows.push(Row {
            figure: b.label("authorize+token+userinfo round trip p99, ms"),
            target: "< 20".into(),
            measured: format!("{p99:.2}"),
            ratio: 20.0 / p99,
        });
        anyhow::Ok(rows)
    }
    .await;
    super::stop(&mut child)?;
    result
}
