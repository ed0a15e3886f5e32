//! The exchange's outbound HTTP: one keep-alive client per process (hyper's pooled client)
//! for webhook deliveries and forwarded calls, each with its own time limit. HTTP and HTTPS
//! (rustls): a peer's certificate is checked against the system's trusted authorities and any
//! the operator adds (`outbound_ca_file`: a government intranet's own CA).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::{GaiResolver, Name};
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// What a peer answered.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Bytes,
}

/// The largest answer read (a webhook's acknowledgement, a provider's record).
pub const LARGEST_ANSWER: usize = 4 << 20;

type Connector = hyper_rustls::HttpsConnector<HttpConnector<Guarded>>;
type Pool = Client<Connector, Full<Bytes>>;

/// The authorities added to the system's, and the client built with them (built again when
/// one is added).
#[derive(Default)]
struct Outbound(Mutex<(Vec<CertificateDer<'static>>, Option<Arc<Pool>>)>);

fn tls(extra: &[CertificateDer<'static>]) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    let (added, _) = roots.add_parsable_certificates(native.certs);
    if added == 0 && extra.is_empty() {
        tracing::warn!("no trusted certificate authorities found: HTTPS peers cannot be verified");
    }
    for c in extra {
        roots.add(c.clone()).map_err(|e| e.to_string())?;
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

fn pool(db: &db::Db) -> Result<Arc<Pool>, String> {
    let out = db.shared(|_| Outbound::default());
    let mut held = out.0.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(p) = &held.1 {
        return Ok(p.clone());
    }
    let mut http = HttpConnector::new_with_resolver(Guarded {
        system: GaiResolver::new(),
        allowed: db.shared(|_| Allowed::default()),
    });
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(Duration::from_secs(3)));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls(&held.0)?)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    let p = Arc::new(
        Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(https),
    );
    held.1 = Some(p.clone());
    Ok(p)
}

/// Trusts the certificate authorities in `pem` (besides the system's) for this database's
/// outbound calls from now on; how many certificates it read. Refused when the text holds no
/// certificate or one that does not read.
pub fn trust_pem(db: &db::Db, pem: &str) -> Result<usize, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("the certificate file does not read: {e}"))?;
    if certs.is_empty() {
        return Err("the certificate file holds no certificate".into());
    }
    // Check that the client builds with them before keeping them.
    tls(&certs)?;
    let out = db.shared(|_| Outbound::default());
    let mut held = out.0.lock().unwrap_or_else(PoisonError::into_inner);
    held.0.extend(certs.iter().cloned());
    held.1 = None;
    Ok(certs.len())
}

/// Whether `url` is one the exchange can call: `https://host[:port]/path` (or `http://`, for
/// a peer on the same network or behind an egress proxy) whose host the operator allows
/// (`outbound_allow`; everything when unset).
pub fn check_url(db: &db::Db, url: &str) -> Result<(), &'static str> {
    let parsed: hyper::Uri = url.parse().map_err(|_| "xc-url-invalid")?;
    match (parsed.scheme_str(), parsed.host()) {
        (Some("http" | "https"), Some(h)) if !h.is_empty() => {
            if allowed(db, h) {
                Ok(())
            } else {
                Err("xc-url-not-allowed")
            }
        }
        _ => Err("xc-url-invalid"),
    }
}

/// The hosts the exchange may call: exact names or addresses, `*.suffix`, or IPv4 ranges
/// (`10.0.0.0/8`). Empty: any.
#[derive(Default)]
struct Allowed(Mutex<Vec<String>>);

/// Sets the hosts the exchange may call (the configuration's `outbound_allow`); a pattern
/// that does not read is refused, naming it.
pub fn allow(db: &db::Db, patterns: &[String]) -> Result<(), String> {
    for p in patterns {
        let p = p.trim();
        let ok = match p.split_once('/') {
            Some((ip, bits)) => {
                ip.parse::<std::net::Ipv4Addr>().is_ok()
                    && bits.parse::<u8>().is_ok_and(|b| b <= 32)
            }
            None => !p.is_empty() && !p.contains(char::is_whitespace),
        };
        if !ok {
            return Err(format!(
                "outbound_allow: {p:?} is not a host, *.suffix or a.b.c.d/n"
            ));
        }
    }
    *db.shared(|_| Allowed::default())
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = patterns
        .iter()
        .map(|p| p.trim().to_ascii_lowercase())
        .collect();
    Ok(())
}

fn allowed(db: &db::Db, host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let list = db.shared(|_| Allowed::default());
    let list = list.0.lock().unwrap_or_else(PoisonError::into_inner);
    list.is_empty()
        || list.iter().any(|p| {
            if let Some(suffix) = p.strip_prefix("*.") {
                host.ends_with(&format!(".{suffix}"))
            } else if p.contains('/') {
                host.parse::<IpAddr>().is_ok_and(|ip| in_range(p, ip))
            } else {
                *p == host
            }
        })
}

/// Whether `ip` is within the IPv4 range `pattern` (`a.b.c.d/n`).
fn in_range(pattern: &str, ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V4(v4) => v4,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4,
            None => return false,
        },
    };
    match pattern
        .split_once('/')
        .map(|(net, bits)| (net.parse::<Ipv4Addr>(), bits.parse::<u32>()))
    {
        Some((Ok(net), Ok(bits))) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(net) & mask == u32::from(ip) & mask
        }
        _ => false,
    }
}

impl Allowed {
    /// Whether a host the list allows may be reached at `ip`, an address its name resolved
    /// to: when the list is set, an address of this machine or of the link (loopback,
    /// link-local — where cloud metadata services answer —, unspecified, multicast) only if a
    /// range of the list names it; an intranet's private addresses are the usual case and
    /// pass. An allowed name pointed at the platform itself is not called.
    fn reaches(&self, ip: IpAddr) -> bool {
        let list = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if list.is_empty() || list.iter().any(|p| in_range(p, ip)) {
            return true;
        }
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        match ip {
            IpAddr::V4(v4) => {
                !(v4.is_loopback()
                    || v4.is_link_local()
                    || v4.is_unspecified()
                    || v4.is_multicast()
                    || v4.is_broadcast())
            }
            IpAddr::V6(v6) => {
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (v6.segments()[0] & 0xffc0) == 0xfe80)
            }
        }
    }
}

/// The connector's name resolution: the system's, keeping only the addresses the allowed
/// hosts may be reached at ([`Allowed::reaches`]), checked on every connection, so a name
/// that resolves somewhere else later is refused then.
#[derive(Clone)]
struct Guarded {
    system: GaiResolver,
    allowed: Arc<Allowed>,
}

impl tower::Service<Name> for Guarded {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.system.poll_ready(cx)
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let resolving = self.system.call(name.clone());
        let allowed = self.allowed.clone();
        Box::pin(async move {
            let kept: Vec<SocketAddr> = resolving
                .await?
                .filter(|a| allowed.reaches(a.ip()))
                .collect();
            if kept.is_empty() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!("{name} resolves to no address outbound_allow lets the platform call"),
                ));
            }
            Ok(kept.into_iter())
        })
    }
}

/// The path and query of `url`, as a signature names them (`/` when it has none).
pub fn path_of(url: &str) -> String {
    url.parse::<hyper::Uri>()
        .ok()
        .and_then(|u| u.path_and_query().map(|p| p.as_str().to_owned()))
        .unwrap_or_else(|| "/".to_owned())
}

/// Sends one request and reads the answer, all within `limit`; the error says what went
/// wrong in words for the delivery log.
pub async fn send(
    db: &db::Db,
    method: hyper::Method,
    url: &str,
    headers: &[(&str, String)],
    body: Bytes,
    limit: Duration,
) -> Result<Reply, String> {
    let mut request = hyper::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let request = request
        .body(Full::new(body))
        .map_err(|e| format!("cannot build the request: {e}"))?;
    // A URL kept before the allowed hosts changed is not called.
    check_url(db, url)
        .map_err(|_| format!("{url} is not among the hosts the platform may call"))?;
    let client = pool(db)?;
    let exchange = async {
        let answer = client
            .request(request)
            .await
            .map_err(|e| format!("cannot reach {url}: {}", kernel::error_chain(&e)))?;
        let status = answer.status().as_u16();
        let body = http_body_util::Limited::new(answer.into_body(), LARGEST_ANSWER)
            .collect()
            .await
            .map_err(|e| format!("the answer could not be read: {e}"))?
            .to_bytes();
        Ok(Reply { status, body })
    };
    tokio::time::timeout(limit, exchange)
        .await
        .map_err(|_| format!("no answer within {} ms", limit.as_millis()))?
}

/// A plain GET, as a consumer calling a provider directly would send it.
pub async fn get(db: &db::Db, url: &str, limit: Duration) -> Result<Reply, String> {
    send(db, hyper::Method::GET, url, &[], Bytes::new(), limit).await
}
